// A running `jotjwt serve` (startService, SQLite) as one of two issuers: its tokens are found by
// discovery and accepted, the other issuer's tokens by its JWKS, each token verified only by the
// provider its `iss` names (the other issuer's JWKS server is never asked about a foreign kid).
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { startService } from 'jotjwt-server'
import type { RunningGateway } from 'jotjwt-gateway'
import { AUDIENCE, startIssuer, type TestIssuer } from '../../guard/test/helpers/issuer.js'
import { ask, bearer, start } from './helpers/gateway.js'

const CLIENT_SECRET = 'client-secret-0123456789-abcdef'

describe('jotjwt serve as one of the issuers', () => {
  let service: Awaited<ReturnType<typeof startService>>
  let dataDir: string
  let other: TestIssuer
  let gateway: RunningGateway
  before(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'jotjwt-gateway-e2e-'))
    service = await startService({
      dev: true,
      dataDir,
      listen: { host: '127.0.0.1', port: 0 },
      log: { level: 'silent' },
      clients: [{ clientId: 'orders-client', clientSecret: CLIENT_SECRET, scopes: ['orders:read', 'orders:write'], resources: [AUDIENCE] }],
    })
    other = await startIssuer()
    const common = { allowHttp: true, audiences: [AUDIENCE], profile: 'rfc9068', claimsToHeaders: [{ claim: 'client_id', header: 'x-client-id' }] }
    gateway = await start({
      trustedProxies: ['127.0.0.1'],
      providers: {
        jot: { issuer: service.issuer, discovery: true, algorithms: ['ES256', 'EdDSA', 'RS256', 'PS256'], ...common },
        partner: { issuer: other.issuer, jwks: { remote: { url: other.jwksUri, cooldown: 0.1 } }, algorithms: ['ES256'], ...common },
      },
      rules: [{ match: { pathPrefix: '/orders' }, requires: { any: ['partner', 'jot'] }, authorize: { scopes: { all: ['orders:read'] } } }],
    })
  })
  after(async () => {
    await gateway?.close()
    await other?.close()
    await service?.close()
    if (dataDir) rmSync(dataDir, { recursive: true, force: true })
  })

  async function serviceToken(scope: string): Promise<string> {
    const metadata = (await (await fetch(`${service.issuer}/.well-known/openid-configuration`)).json()) as { token_endpoint: string }
    const response = await fetch(metadata.token_endpoint, {
      method: 'POST',
      headers: { authorization: `Basic ${btoa(`orders-client:${CLIENT_SECRET}`)}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'client_credentials', scope, resource: AUDIENCE }),
    })
    assert.equal(response.status, 200, await response.clone().text())
    return ((await response.json()) as { access_token: string }).access_token
  }

  test('tokens of both issuers pass; each is verified by its own provider only', async () => {
    const fromOther = await ask(gateway, 'GET', '/orders', bearer(await other.mint()))
    assert.equal(fromOther.status, 200)
    await sleep(200) // past the partner's cooldown: trial verification there would fetch its JWKS again
    const fetches = other.jwksRequests()
    const fromService = await ask(gateway, 'GET', '/orders', bearer(await serviceToken('orders:read')))
    assert.equal(fromService.status, 200, String(fromService.headers['www-authenticate']))
    assert.equal(fromService.headers['x-client-id'], 'orders-client')
    assert.equal(other.jwksRequests(), fetches, "the partner's JWKS server was not asked about the service's kid")
  })

  test("the service's token without the scope: 403 insufficient_scope", async () => {
    const refused = await ask(gateway, 'GET', '/orders', bearer(await serviceToken('orders:write')))
    assert.equal(refused.status, 403)
    assert.equal(refused.headers['www-authenticate'], 'Bearer realm="api", error="insufficient_scope", error_description="the access token lacks a required scope", scope="orders:read"')
  })
})
