// What `jotjwt serve` does while its Redis is down, exactly as the README's "While Redis is down"
// says, on a redis-server of the test's own (scripts/throwaway-redis.sh) that it stops, restarts
// empty, flushes and freezes under two running replicas (one SQLite store):
// - single use (client assertions, DPoP proofs) fails closed: 503 temporarily_unavailable with
//   Retry-After, never a 500 and never an unchecked acceptance;
// - the rate limit fails open to the per-replica limit;
// - revocations still work (the store is the truth) and the Redis denylist is rebuilt from the store
//   when Redis is back, so no revoked token is accepted again by a guard reading it;
// - key changes reach the other replica by polling.
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { createDPoPProof, decodeJWTUnverified, exportJWK, generateKeyPair, signJWT, type JotKey } from 'jotjwt'
import { createGuard, InvalidTokenError } from 'jotjwt-guard'
import { createRedisDenylist } from 'jotjwt-guard/redis'
import { createClient } from 'redis'
import type { ServiceConfigInput } from '../src/config/schema.js'
import { openKeyAdministration } from '../src/service/keys-admin.js'
import { startService, type RunningService } from '../src/service/service.js'
import { eventually, freePort, startThrowawayRedis, type ThrowawayRedis } from './redis-helpers.js'

const API = 'https://api.example/orders'
const SECRET = 'outage-client-secret-0123456789'
const FORM = { 'content-type': 'application/x-www-form-urlencoded' }
const basic = (id: string) => `Basic ${Buffer.from(`${id}:${SECRET}`).toString('base64')}`
const POLL_SECONDS = 0.5
const PREFIX = 'jotjwt-outage:'
const REBUILT = 'Redis: denylist rebuilt from the store'

describe('while Redis is down', () => {
  let redis: ThrowawayRedis
  let a: RunningService
  let b: RunningService
  let config: ServiceConfigInput
  let issuer: string
  let reportsKey: JotKey
  const dataDir = mkdtempSync(join(tmpdir(), 'jotjwt-redis-outage-'))
  const lines: string[] = []
  const logged = (message: string) => lines.filter((line) => (JSON.parse(line) as { msg?: string }).msg === message).length

  before(async () => {
    redis = await startThrowawayRedis()
    const { privateKey, publicKey } = await generateKeyPair('ES256', { kid: 'reports-1' })
    reportsKey = privateKey
    const port = await freePort()
    issuer = `http://127.0.0.1:${port}`
    config = {
      issuer,
      listen: { host: '127.0.0.1', port: 0 },
      dataDir,
      keys: { encryptionKey: randomBytes(32).toString('base64url') },
      log: { level: 'info' },
      redis: { url: redis.url, prefix: PREFIX, pollInterval: POLL_SECONDS, commandTimeout: 0.3 },
      rateLimit: { tokenRequestsPerClient: 4, window: '1m' },
      clients: [
        { clientId: 'billing', clientSecret: SECRET, scopes: ['orders:read'], resources: [API] },
        { clientId: 'burst', clientSecret: SECRET, scopes: ['orders:read'], resources: [API] },
        { clientId: 'spare', clientSecret: SECRET, scopes: ['orders:read'], resources: [API] },
        { clientId: 'reports', authMethod: 'private_key_jwt', jwks: { keys: [{ ...(await exportJWK(publicKey)), kid: 'reports-1', alg: 'ES256' }] }, scopes: ['orders:read'], resources: [API] },
      ],
    }
    const logStream = { write: (line: string) => void lines.push(line) }
    a = await startService({ ...config, listen: { host: '127.0.0.1', port } }, { logStream })
    b = await startService(config, { logStream })
  })
  after(async () => {
    await a?.close()
    await b?.close()
    await redis?.destroy()
    rmSync(dataDir, { recursive: true, force: true })
  })

  // A request that hangs fails the test (after 10 s) rather than the suite's time budget.
  async function post(service: RunningService, params: Record<string, string>, headers: Record<string, string>, path = '/token') {
    const response = await fetch(`${service.url}${path}`, { method: 'POST', headers: { ...FORM, ...headers }, body: new URLSearchParams(params), signal: AbortSignal.timeout(10_000) })
    return { status: response.status, headers: response.headers, body: (await response.json()) as Record<string, unknown> }
  }
  const token = async (service: RunningService, clientId = 'billing') => {
    const answer = await post(service, { grant_type: 'client_credentials' }, { authorization: basic(clientId) })
    assert.equal(answer.status, 200, JSON.stringify(answer.body))
    return answer.body.access_token as string
  }
  const assertionRequest = async () => {
    const iat = Math.floor(Date.now() / 1000)
    const assertion = await signJWT({ iss: 'reports', sub: 'reports', aud: issuer, iat, exp: iat + 60, jti: randomBytes(12).toString('hex') }, reportsKey)
    return { grant_type: 'client_credentials', client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer', client_assertion: assertion }
  }
  const dpopHeaders = async () => ({ authorization: basic('billing'), dpop: await createDPoPProof((await generateKeyPair('ES256')).privateKey, { method: 'POST', url: `${issuer}/token` }) })

  /** Whether a guard reading the Redis denylist (and nothing else about revocation) refuses `accessToken`. */
  async function guardRefuses(accessToken: string): Promise<boolean> {
    const client = createClient({ url: redis.url, socket: { reconnectStrategy: false } })
    client.on('error', () => undefined)
    await client.connect()
    try {
      const guard = createGuard({
        issuer,
        jwksUri: `${a.url}/jwks.json`,
        allowHttp: true,
        audience: API,
        algorithms: ['ES256'],
        profile: 'rfc9068',
        revocation: { denylist: createRedisDenylist(client, { prefix: `${PREFIX}revoked:` }) },
      })
      const result = await guard.authenticate({ method: 'GET', url: '/orders', headers: { authorization: `Bearer ${accessToken}` } })
      if (result instanceof Error && !(result instanceof InvalidTokenError)) throw result
      return result instanceof InvalidTokenError
    } finally {
      await client.close()
    }
  }

  const assertTemporarilyUnavailable = (answer: Awaited<ReturnType<typeof post>>) => {
    assert.equal(answer.status, 503, JSON.stringify(answer.body))
    assert.equal(answer.body.error, 'temporarily_unavailable')
    assert.ok(Number(answer.headers.get('retry-after')) >= 1)
    assert.equal(answer.headers.get('cache-control'), 'no-store')
  }

  let revokedBefore: string
  let revokedDuring: string

  test('Redis up: a revocation reaches the guard through the Redis denylist; the rate limit counts both replicas', async () => {
    revokedBefore = await token(a)
    assert.equal(await guardRefuses(revokedBefore), false)
    assert.equal((await post(b, { token: revokedBefore }, { authorization: basic('billing') }, '/revoke')).status, 200)
    assert.equal(await guardRefuses(revokedBefore), true)
    for (const replica of [a, a, b, b]) await token(replica, 'burst')
    assert.equal((await post(a, { grant_type: 'client_credentials' }, { authorization: basic('burst') })).status, 429, 'the shared limit of 4 is spent')
  })

  test('Redis stopped: client assertions and DPoP proofs are refused with 503 and Retry-After (fail closed)', async () => {
    await redis.stop()
    assertTemporarilyUnavailable(await post(a, await assertionRequest(), {}))
    assertTemporarilyUnavailable(await post(b, { grant_type: 'client_credentials' }, await dpopHeaders()))
  })

  test('Redis stopped: the rate limit falls back to each replica\'s own limit (fail open)', async () => {
    // The shared budget was spent; each replica now counts on its own, from zero.
    for (let i = 0; i < 4; i++) assert.equal((await post(a, { grant_type: 'client_credentials' }, { authorization: basic('burst') })).status, 200)
    const refused = await post(a, { grant_type: 'client_credentials' }, { authorization: basic('burst') })
    assert.equal(refused.status, 429, 'the per-replica limit still holds')
    assert.equal((await post(b, { grant_type: 'client_credentials' }, { authorization: basic('burst') })).status, 200, 'B has a budget of its own')
  })

  test('Redis stopped: revocation still works (the store is the truth)', async () => {
    revokedDuring = await token(b)
    assert.equal((await post(a, { token: revokedDuring }, { authorization: basic('billing') }, '/revoke')).status, 200)
    assert.equal((await post(b, { token: revokedDuring }, { authorization: basic('billing') }, '/introspect')).body.active, false)
  })

  test('Redis stopped: a key rotated with key administration reaches the other replica by polling', async () => {
    const old = decodeJWTUnverified(await token(b)).header.kid as string
    const admin = await openKeyAdministration(config)
    try {
      await admin.revoke(old)
    } finally {
      await admin.close()
    }
    const jwks = async () => ((await (await fetch(`${b.url}/jwks.json`)).json()) as { keys: { kid: string }[] }).keys.map((key) => key.kid)
    await eventually(POLL_SECONDS * 1000 + 250, "the revoked key leaves B's JWKS", async () => !(await jwks()).includes(old))
    assert.notEqual(decodeJWTUnverified(await token(b)).header.kid, old)
  })

  test('Redis back, empty: the denylist is rebuilt from the store, so no revoked token is accepted again; single use works again', async () => {
    const rebuilds = logged(REBUILT)
    await redis.start()
    await eventually(10_000, 'a replica rebuilt the denylist', async () => logged(REBUILT) > rebuilds)
    assert.equal(await guardRefuses(revokedBefore), true, 'revoked before the outage: lost with the restart, rebuilt')
    assert.equal(await guardRefuses(revokedDuring), true, 'revoked during the outage: never written, rebuilt')
    assert.equal(await guardRefuses(await token(a)), false, 'a token nobody revoked passes')
    // Each replica reconnects on its own backoff: wait for both, not only B (A answered 503 once in CI).
    await eventually(10_000, 'A uses Redis again', async () => (await post(a, await assertionRequest(), {})).status === 200)
    await eventually(10_000, 'B uses Redis again', async () => (await post(b, await assertionRequest(), {})).status === 200)
    const params = await assertionRequest()
    assert.equal((await post(a, params, {})).status, 200)
    assert.equal((await post(b, params, {})).status, 401, 'replayed on the other replica')
  })

  test('Redis flushed while connected: the denylist is rebuilt at the next check', async () => {
    const client = createClient({ url: redis.url, socket: { reconnectStrategy: false } })
    client.on('error', () => undefined)
    await client.connect()
    const rebuilds = logged(REBUILT)
    assert.equal(await client.flushAll(), 'OK')
    await client.close()
    // The connections stayed up: only the check (every pollInterval) can notice.
    await eventually(POLL_SECONDS * 1000 + 2000, 'a replica rebuilt the denylist', async () => logged(REBUILT) > rebuilds)
    assert.equal(await guardRefuses(revokedBefore), true)
    assert.equal(await guardRefuses(revokedDuring), true)
  })

  test('Redis frozen (answers nothing): requests end after the command timeout, failing closed or open as above', async () => {
    await redis.pause()
    try {
      assertTemporarilyUnavailable(await post(a, await assertionRequest(), {}))
      assert.equal((await post(b, { grant_type: 'client_credentials' }, { authorization: basic('spare') })).status, 200)
    } finally {
      await redis.resume()
    }
  })

  test('no response while Redis was away was a 500, and no log line holds a token', () => {
    const entries = lines.map((line) => JSON.parse(line) as { status?: number; msg?: string })
    assert.ok(entries.some((entry) => entry.status === 503), 'the request log has the 503s')
    assert.deepEqual(entries.filter((entry) => (entry.status ?? 0) >= 500 && entry.status !== 503), [])
    assert.ok(logged('Redis unavailable') >= 2, 'the outage is logged')
    for (const accessToken of [revokedBefore, revokedDuring]) assert.ok(!lines.some((line) => line.includes(accessToken.split('.')[2]!)))
  })
})
