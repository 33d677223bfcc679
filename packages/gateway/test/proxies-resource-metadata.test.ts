// Protected resource metadata (RFC 9728) behind Debian's nginx and Caddy, with the generated
// snippets (`resourceMetadata: true`): the well-known path reaches the gateway without a token and
// returns the document for the client's host; the API's 401 through the proxy names it.
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import type { RunningGateway } from 'jotjwt-gateway'
import { startIssuer, type TestIssuer } from '../../guard/test/helpers/issuer.js'
import { start } from './helpers/gateway.js'
import { rawRequest, startCaddy, startNginx, startUpstream, type Running } from './helpers/proxies.js'

// The proxies are addressed as 127.0.0.1: the resource identifier is on that host.
const RESOURCE = 'https://127.0.0.1/orders'
const METADATA_URL = 'https://127.0.0.1/.well-known/oauth-protected-resource/orders'

for (const proxy of ['nginx', 'caddy'] as const) {
  describe(`resource metadata behind ${proxy}`, () => {
    let issuer: TestIssuer
    let gateway: RunningGateway
    let upstream: Running
    let front: Running
    before(async () => {
      issuer = await startIssuer()
      gateway = await start({
        trustedProxies: ['127.0.0.1'],
        providers: { orders: { issuer: issuer.issuer, jwks: { remote: { url: issuer.jwksUri } }, allowHttp: true, audiences: [RESOURCE], algorithms: ['ES256'] } },
        resources: { orders: { resource: RESOURCE, scopesSupported: ['orders:read'] } },
        rules: [{ match: { pathPrefix: '/orders' }, requires: { provider: 'orders' }, resource: 'orders' }],
      })
      upstream = await startUpstream()
      const options = { gateway: gateway.url.replace('http://', ''), upstream: `127.0.0.1:${upstream.port}`, headers: gateway.gateway.managedHeaders, resourceMetadata: true }
      front = proxy === 'nginx' ? await startNginx(options) : await startCaddy(options)
    })
    after(async () => {
      await front?.close()
      await upstream?.close()
      await gateway?.close()
      await issuer?.close()
    })

    test('the document through the proxy, without a token', async () => {
      const answer = await rawRequest(front.port, 'GET', '/.well-known/oauth-protected-resource/orders', [])
      assert.equal(answer.status, 200, answer.body)
      assert.deepEqual(JSON.parse(answer.body), { resource: RESOURCE, authorization_servers: [issuer.issuer], scopes_supported: ['orders:read'], bearer_methods_supported: ['header'] })
    })

    test('the 401 names it; a token for the resource passes to the upstream', async () => {
      const missing = await rawRequest(front.port, 'GET', '/orders', [])
      assert.equal(missing.status, 401)
      assert.deepEqual(missing.headers.filter(([name]) => name.toLowerCase() === 'www-authenticate').map(([, value]) => value), [`Bearer realm="api", resource_metadata="${METADATA_URL}"`])
      const allowed = await rawRequest(front.port, 'GET', '/orders', [['Authorization', `Bearer ${await issuer.mint({}, { audience: RESOURCE })}`]])
      assert.equal(allowed.status, 200, allowed.body)
    })
  })
}
