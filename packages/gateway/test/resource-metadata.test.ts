// Protected resource metadata (RFC 9728) through the gateway: named resources in the
// configuration, the document served at its path-inserted well-known URI (§3.1) for the host it
// belongs to, without a token and before any rule, and resource_metadata in the challenges of the
// rules that protect the resource (§5.1); configurations that would publish an untruthful document
// are refused.
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { createGateway, validateConfig, type RunningGateway, type RunningProxy } from 'jotjwt-gateway'
import { AUDIENCE, startIssuer, type TestIssuer } from '../../guard/test/helpers/issuer.js'
import { ask, bearer, send, start } from './helpers/gateway.js'
import { startTestProxy, startUpstream, type TestUpstream } from './helpers/proxy.js'

const METADATA_URL = 'https://api.example/.well-known/oauth-protected-resource/orders'

describe('resources in the gateway', () => {
  let issuer: TestIssuer
  let gateway: RunningGateway
  before(async () => {
    issuer = await startIssuer()
    gateway = await start({
      trustedProxies: ['127.0.0.1'],
      providers: {
        orders: { issuer: issuer.issuer, jwks: { remote: { url: issuer.jwksUri } }, allowHttp: true, audiences: [AUDIENCE], algorithms: ['ES256'], tokenSource: { header: true, query: true } },
      },
      resources: { 'orders-api': { resource: AUDIENCE, scopesSupported: ['orders:read', 'orders:write'], resourceName: 'Orders' } },
      rules: [
        { match: { hosts: ['api.example'], pathPrefix: '/orders', methods: ['GET'] }, requires: { provider: 'orders' }, authorize: { scopes: { all: ['orders:read'] } }, resource: 'orders-api' },
        { match: { pathPrefix: '/plain' }, requires: { provider: 'orders' } },
      ],
    })
  })
  after(async () => {
    await gateway?.close()
    await issuer?.close()
  })

  test('the proxy routes the well-known path to the gateway: the document, public, for the host it names', async () => {
    const response = await send(`${gateway.url}/.well-known/oauth-protected-resource/orders`, { headers: { 'x-forwarded-host': 'api.example' } })
    assert.equal(response.status, 200, response.body)
    assert.equal(response.headers['content-type'], 'application/json')
    assert.equal(response.headers['access-control-allow-origin'], '*')
    assert.equal(response.headers['cache-control'], 'public, max-age=300')
    assert.deepEqual(JSON.parse(response.body), {
      resource: AUDIENCE,
      authorization_servers: [issuer.issuer],
      scopes_supported: ['orders:read', 'orders:write'],
      bearer_methods_supported: ['header', 'query'],
      resource_name: 'Orders',
    })
    // Another host has no such resource; another path neither: both are ordinary (denied) requests.
    assert.equal((await send(`${gateway.url}/.well-known/oauth-protected-resource/orders`, { headers: { 'x-forwarded-host': 'other.example' } })).status, 403)
    assert.equal((await send(`${gateway.url}/.well-known/oauth-protected-resource/billing`, { headers: { 'x-forwarded-host': 'api.example' } })).status, 403)
  })

  test('asked as forward auth, the well-known path is allowed without a token', async () => {
    const response = await ask(gateway, 'GET', '/.well-known/oauth-protected-resource/orders', { 'x-forwarded-host': 'api.example' })
    assert.equal(response.status, 200)
  })

  test('the rules of the resource point to it in every challenge; other rules do not', async () => {
    const missing = await ask(gateway, 'GET', '/orders', { 'x-forwarded-host': 'api.example' })
    assert.equal(missing.status, 401)
    assert.equal(missing.headers['www-authenticate'], `Bearer realm="api", resource_metadata="${METADATA_URL}"`)
    const scope = await ask(gateway, 'GET', '/orders', { 'x-forwarded-host': 'api.example', ...bearer(await issuer.mint({ scope: 'other' })) })
    assert.equal(scope.status, 403)
    assert.match(String(scope.headers['www-authenticate']), new RegExp(`scope="orders:read", resource_metadata="${METADATA_URL}"$`))
    const wrongAudience = await ask(gateway, 'GET', '/orders', { 'x-forwarded-host': 'api.example', ...bearer(await issuer.mint({}, { audience: 'https://api.example/billing' })) })
    assert.equal(wrongAudience.headers['www-authenticate'], `Bearer realm="api", error="invalid_token", error_description="the access token is invalid", resource_metadata="${METADATA_URL}"`)
    assert.equal((await ask(gateway, 'GET', '/plain')).headers['www-authenticate'], 'Bearer realm="api"')
  })
})

describe('resource configuration', () => {
  const provider = { issuer: 'https://as.example', discovery: true, audiences: [AUDIENCE], algorithms: ['ES256'] }
  const config = (resources: Record<string, unknown>, resource = 'r') => ({ providers: { p: provider }, resources, rules: [{ requires: { provider: 'p' }, resource }] })

  test('a rule names a configured resource', () => {
    assert.throws(() => validateConfig(config({ r: { resource: AUDIENCE } }, 'missing')), /rules.0.resource: no resource named "missing"/)
  })

  test('the resource must be an audience of every provider its rules require (else its tokens would be refused)', () => {
    assert.throws(() => validateConfig(config({ r: { resource: 'https://api.example/billing' } })), /rules.0.resource: provider "p" does not accept the audience https:\/\/api.example\/billing/)
  })

  test('with DPoP required by its providers, the document says so and the challenge is DPoP with resource_metadata', async () => {
    const gateway = createGateway(
      validateConfig({
        providers: { p: { ...provider, dpop: 'required', publicOrigin: 'https://api.example' } },
        resources: { r: { resource: AUDIENCE } },
        rules: [{ requires: { provider: 'p' }, resource: 'r' }],
      }),
    )
    const metadata = await gateway.decide({ method: 'GET', host: 'api.example', uri: '/.well-known/oauth-protected-resource/orders', headers: {} })
    const document = JSON.parse(metadata.body!) as Record<string, unknown>
    assert.deepEqual(document.dpop_signing_alg_values_supported, ['ES256', 'EdDSA', 'RS256', 'PS256'])
    assert.equal(document.dpop_bound_access_tokens_required, true)
    const refused = await gateway.decide({ method: 'GET', host: 'api.example', uri: '/orders', headers: {} })
    assert.equal(refused.headers['www-authenticate'], `DPoP realm="api", resource_metadata="${METADATA_URL}", algs="ES256 EdDSA RS256 PS256"`)
  })

  test('a resource no rule names must list its authorization servers', () => {
    assert.throws(() => validateConfig({ providers: { p: provider }, resources: { r: { resource: AUDIENCE } }, rules: [{ requires: { provider: 'p' } }] }), /resources.r.authorizationServers: no rule names this resource/)
    assert.doesNotThrow(() => validateConfig({ providers: { p: provider }, resources: { r: { resource: AUDIENCE, authorizationServers: ['https://as.example'] } }, rules: [{ requires: { provider: 'p' } }] }))
  })

  test('an https URL without query or fragment', () => {
    assert.throws(() => validateConfig(config({ r: { resource: 'http://api.example/orders' } })), /resources.r.resource/)
    assert.throws(() => validateConfig(config({ r: { resource: `${AUDIENCE}#x` } })), /resources.r.resource/)
  })
})

describe('resources in the reverse proxy', () => {
  let issuer: TestIssuer
  let upstream: TestUpstream
  let proxy: RunningProxy
  before(async () => {
    issuer = await startIssuer()
    upstream = await startUpstream('api')
    proxy = await startTestProxy({
      providers: { orders: { issuer: issuer.issuer, jwks: { remote: { url: issuer.jwksUri } }, allowHttp: true, audiences: [AUDIENCE], algorithms: ['ES256'] } },
      resources: { 'orders-api': { resource: AUDIENCE } },
      rules: [{ match: { pathPrefix: '/orders' }, requires: { provider: 'orders' }, resource: 'orders-api' }],
      proxy: { upstreams: { api: { url: upstream.url } }, defaultUpstream: 'api' },
    })
  })
  after(async () => {
    await proxy?.close()
    await upstream?.close()
    await issuer?.close()
  })

  test('the proxy answers the metadata itself (never the upstream); the 401 names it; a token passes', async () => {
    const metadata = await send(`${proxy.url}/.well-known/oauth-protected-resource/orders`, { headers: { host: 'api.example' } })
    assert.equal(metadata.status, 200, metadata.body)
    assert.equal(JSON.parse(metadata.body).resource, AUDIENCE)
    assert.equal(metadata.headers['cache-control'], 'public, max-age=300')
    assert.equal(upstream.seen.length, 0)
    const refused = await send(`${proxy.url}/orders`, { headers: { host: 'api.example' } })
    assert.equal(refused.status, 401)
    assert.equal(refused.headers['www-authenticate'], `Bearer realm="api", resource_metadata="${METADATA_URL}"`)
    const passed = await send(`${proxy.url}/orders`, { headers: { host: 'api.example', ...bearer(await issuer.mint()) } })
    assert.equal(passed.status, 200, passed.body)
    assert.equal(upstream.seen.length, 1)
  })
})
