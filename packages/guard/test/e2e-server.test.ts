// End to end with the token service: a running `jotjwt serve` (startService, SQLite) issues RFC 9068
// access tokens by client credentials; each adapter finds its keys and introspection endpoint by
// discovery, accepts the tokens, enforces scopes, and refuses a token once it is revoked at the
// service (introspection: the service keeps its denylist in its own store).
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { startService } from 'jotjwt-server'
import { createGuard, isGuardError } from 'jotjwt-guard'
import { ADAPTERS, startApp, type RunningApp } from './helpers/apps.js'
import { bearer, send } from './helpers/http.js'

const API = 'https://api.example/orders'
const CLIENT_SECRET = 'client-secret-0123456789-abcdef'
const API_SECRET = 'api-secret-0123456789-abcdefghij'

describe('tokens from a running jotjwt serve', () => {
  let service: Awaited<ReturnType<typeof startService>>
  let dataDir: string
  let metadata: { token_endpoint: string; revocation_endpoint: string }
  const basic = (id: string, secret: string) => `Basic ${btoa(`${id}:${secret}`)}`

  before(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'jotjwt-guard-e2e-'))
    service = await startService({
      dev: true,
      dataDir,
      listen: { host: '127.0.0.1', port: 0 },
      log: { level: 'silent' },
      clients: [
        { clientId: 'orders-client', clientSecret: CLIENT_SECRET, scopes: ['orders:read', 'orders:write'], resources: [API] },
        // The resource server itself, registered for its audience so introspection tells it about tokens for it (RFC 7662 §4).
        { clientId: 'orders-api', clientSecret: API_SECRET, resources: [API] },
      ],
    })
    metadata = await (await fetch(`${service.issuer}/.well-known/openid-configuration`)).json()
  })
  after(async () => {
    await service?.close()
    if (dataDir) rmSync(dataDir, { recursive: true, force: true })
  })

  async function token(scope: string): Promise<string> {
    const response = await fetch(metadata.token_endpoint, {
      method: 'POST',
      headers: { authorization: basic('orders-client', CLIENT_SECRET), 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'client_credentials', scope, resource: API }),
    })
    assert.equal(response.status, 200, await response.clone().text())
    return ((await response.json()) as { access_token: string }).access_token
  }

  async function revoke(accessToken: string): Promise<void> {
    const response = await fetch(metadata.revocation_endpoint, {
      method: 'POST',
      headers: { authorization: basic('orders-client', CLIENT_SECRET), 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: accessToken }),
    })
    assert.equal(response.status, 200)
  }

  test('without a revocation check, a revoked token still verifies until it expires (why introspection matters)', async () => {
    const guard = createGuard({ issuer: service.issuer, discovery: true, allowHttp: true, audience: API, algorithms: ['ES256'], profile: 'rfc9068' })
    const accessToken = await token('orders:read')
    await revoke(accessToken)
    const result = await guard.authenticate({ method: 'GET', url: '/orders', headers: bearer(accessToken) })
    assert.ok(result !== undefined && !isGuardError(result))
  })

  for (const adapter of ADAPTERS) {
    describe(adapter, () => {
      let app: RunningApp
      before(async () => {
        app = await startApp(adapter, {
          issuer: service.issuer,
          discovery: true,
          allowHttp: true,
          audience: API,
          algorithms: ['ES256', 'EdDSA', 'RS256', 'PS256'],
          profile: 'rfc9068',
          revocation: { introspection: { clientId: 'orders-api', clientSecret: API_SECRET, cacheTtl: 0.5 } },
        })
      })
      after(() => app?.close())

      test('a token from the service is accepted; scopes are enforced', async () => {
        const read = await token('orders:read')
        const ok = await send(`${app.url}/orders`, { headers: bearer(read) })
        assert.equal(ok.status, 200, ok.body)
        assert.deepEqual(JSON.parse(ok.body), { client: 'orders-client' })
        const denied = await send(`${app.url}/orders/write`, { headers: bearer(read) })
        assert.equal(denied.status, 403)
        assert.equal(denied.headers['www-authenticate'], 'Bearer realm="api", error="insufficient_scope", error_description="the access token lacks a required scope", scope="orders:write"')
        assert.equal((await send(`${app.url}/orders/write`, { headers: bearer(await token('orders:read orders:write')) })).status, 200)
      })

      test('a token revoked at the service is refused once the cached introspection answer lapses', async () => {
        const accessToken = await token('orders:read')
        assert.equal((await send(`${app.url}/orders`, { headers: bearer(accessToken) })).status, 200)
        await revoke(accessToken)
        await sleep(600) // cacheTtl 0.5 s: the active answer is no longer reused
        const refused = await send(`${app.url}/orders`, { headers: bearer(accessToken) })
        assert.equal(refused.status, 401)
        assert.equal(refused.headers['www-authenticate'], 'Bearer realm="api", error="invalid_token", error_description="the access token was revoked"')
        // Other tokens are unaffected.
        assert.equal((await send(`${app.url}/orders`, { headers: bearer(await token('orders:read')) })).status, 200)
      })
    })
  }
})
