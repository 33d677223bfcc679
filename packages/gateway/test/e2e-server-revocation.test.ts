// `jotjwt serve` with Redis writes every revocation to the Redis denylist in the guard's format, and
// the gateway configured with that Redis (`revocation.redis`) refuses the revoked token at once,
// without asking the service (no introspection).
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { startService } from 'jotjwt-server'
import type { RunningGateway } from 'jotjwt-gateway'
import { AUDIENCE } from '../../guard/test/helpers/issuer.js'
import { connectRedis, REDIS_URL } from '../../guard/test/helpers/redis.js'
import { ask, bearer, start } from './helpers/gateway.js'

const CLIENT_SECRET = 'client-secret-0123456789-abcdef'
const FORM = { authorization: `Basic ${btoa(`orders-client:${CLIENT_SECRET}`)}`, 'content-type': 'application/x-www-form-urlencoded' }

describe('a token revoked at jotjwt serve (with Redis)', () => {
  const prefix = `jotjwt-gateway-test-${randomBytes(6).toString('hex')}:`
  let service: Awaited<ReturnType<typeof startService>>
  let dataDir: string
  let gateway: RunningGateway
  before(async () => {
    // Fails with how to start Redis when it is not running.
    await (await connectRedis()).close()
    dataDir = mkdtempSync(join(tmpdir(), 'jotjwt-gateway-revocation-'))
    service = await startService({
      dev: true,
      dataDir,
      listen: { host: '127.0.0.1', port: 0 },
      log: { level: 'silent' },
      redis: { url: REDIS_URL, prefix },
      clients: [{ clientId: 'orders-client', clientSecret: CLIENT_SECRET, scopes: ['orders:read'], resources: [AUDIENCE] }],
    })
    gateway = await start({
      trustedProxies: ['127.0.0.1'],
      // The service's keys are `<prefix>revoked:<jti>`: the gateway reads the same.
      revocation: { redis: { url: REDIS_URL, prefix: `${prefix}revoked:` } },
      providers: { jot: { issuer: service.issuer, discovery: true, allowHttp: true, audiences: [AUDIENCE], algorithms: ['ES256'], profile: 'rfc9068' } },
      rules: [{ requires: { provider: 'jot' } }],
    })
  })
  after(async () => {
    await gateway?.close()
    await service?.close()
    if (dataDir) rmSync(dataDir, { recursive: true, force: true })
    const redis = await connectRedis()
    for await (const keys of redis.scanIterator({ MATCH: `${prefix}*` })) if (keys.length > 0) await redis.del(keys)
    await redis.close()
  })

  test('is refused by the gateway from then on; other tokens pass', async () => {
    const issue = async () => {
      const response = await fetch(`${service.issuer}/token`, { method: 'POST', headers: FORM, body: new URLSearchParams({ grant_type: 'client_credentials', resource: AUDIENCE }) })
      assert.equal(response.status, 200)
      return ((await response.json()) as { access_token: string }).access_token
    }
    const token = await issue()
    assert.equal((await ask(gateway, 'GET', '/orders', bearer(token))).status, 200)
    const revoked = await fetch(`${service.issuer}/revoke`, { method: 'POST', headers: FORM, body: new URLSearchParams({ token }) })
    assert.equal(revoked.status, 200)
    const refused = await ask(gateway, 'GET', '/orders', bearer(token))
    assert.equal(refused.status, 401)
    assert.equal(refused.headers['www-authenticate'], 'Bearer realm="api", error="invalid_token", error_description="the access token was revoked"')
    assert.equal((await ask(gateway, 'GET', '/orders', bearer(await issue()))).status, 200)
  })
})
