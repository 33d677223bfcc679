// Two replicas of `jotjwt serve` (two startService in this process) on one PostgreSQL schema and the
// machine's Redis: what one replica does, the other knows. Keys rotated through key administration
// reach the other replica by pub/sub within a second, or by polling within `redis.pollInterval`
// with notifications off; a revocation on one is seen on the other and by a guard reading the Redis
// denylist without introspection; an assertion, a DPoP proof or a rate-limit budget used on one is
// used on both.
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { after, before, describe, test } from 'node:test'
import { createDPoPProof, createLocalKeySet, decodeJWTUnverified, exportJWK, generateKeyPair, signJWT, verifyJWT, type JotKey } from 'jotjwt'
import { createGuard, InvalidTokenError } from 'jotjwt-guard'
import { createRedisDenylist } from 'jotjwt-guard/redis'
import type { ServiceConfigInput } from '../src/config/schema.js'
import { hashSecret } from '../src/crypto/secret-hash.js'
import { startService, type RunningService } from '../src/service/service.js'
import { BACKENDS } from './backends.js'
import { Browser, logIn } from './browser.js'
import { connectRedis, dropPrefix, eventually, freePort, REDIS_URL, uniquePrefix } from './redis-helpers.js'
import { publishedKids, revokeSigningKey } from './replica-helpers.js'

const API = 'https://api.example/orders'
const SECRET = 'replica-client-secret-0123456789'
const KEK = randomBytes(32).toString('base64url')
const FORM = { 'content-type': 'application/x-www-form-urlencoded' }
const basic = (id: string, secret = SECRET) => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`
const VERIFIER = 'dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk'
const CHALLENGE = 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM'

interface Deployment {
  a: RunningService
  b: RunningService
  config: ServiceConfigInput
  prefix: string
  issuer: string
  close(): Promise<void>
}

/** Replica A listens at the issuer's address (where a balancer would send the browser); B elsewhere. */
async function startDeployment(redis: { notifications: boolean; pollInterval: number }, reportsKey: Record<string, unknown>, cache: ServiceConfigInput['cache'] = {}): Promise<Deployment> {
  const database = await BACKENDS.find((backend) => backend.name === 'postgres')!.create()
  const prefix = uniquePrefix('replicas')
  const port = await freePort()
  const issuer = `http://127.0.0.1:${port}`
  const config: ServiceConfigInput = {
    issuer,
    listen: { host: '127.0.0.1', port: 0 },
    dataDir: database.dataDir,
    store: database.store,
    keys: { encryptionKey: KEK },
    log: { level: 'silent' },
    redis: { url: REDIS_URL, prefix, ...redis },
    cache,
    rateLimit: { tokenRequestsPerClient: 10, window: '1m' },
    clients: [
      { clientId: 'billing', clientSecret: SECRET, scopes: ['orders:read'], resources: [API] },
      { clientId: 'burst', clientSecret: SECRET, scopes: ['orders:read'], resources: [API] },
      { clientId: 'reports', authMethod: 'private_key_jwt', jwks: { keys: [reportsKey] }, scopes: ['orders:read'], resources: [API] },
      // Reuse right after the rotation is reuse (the default grace window would hand out the successor again).
      { clientId: 'app', authMethod: 'none', grantTypes: ['authorization_code', 'refresh_token'], redirectUris: [`${issuer}/cb`], scopes: ['orders:read'], resources: [API], refreshToken: { graceWindow: 0 } },
    ],
    users: [{ username: 'ada', password: 'ada-password-0123' }],
  }
  const a = await startService({ ...config, listen: { host: '127.0.0.1', port } })
  const b = await startService(config)
  return {
    a,
    b,
    config,
    prefix,
    issuer,
    async close() {
      await a.close()
      await b.close()
      await database.drop()
      await dropPrefix(prefix)
    },
  }
}

async function post(service: RunningService, path: string, params: Record<string, string>, headers: Record<string, string> = { authorization: basic('billing') }) {
  const response = await fetch(`${service.url}${path}`, { method: 'POST', headers: { ...FORM, ...headers }, body: new URLSearchParams(params) })
  return { status: response.status, headers: response.headers, body: (await response.json()) as Record<string, unknown> }
}

async function accessToken(service: RunningService, clientId = 'billing'): Promise<string> {
  const answer = await post(service, '/token', { grant_type: 'client_credentials', resource: API }, { authorization: basic(clientId) })
  assert.equal(answer.status, 200, JSON.stringify(answer.body))
  return answer.body.access_token as string
}

/**
 * A client changed through A (its secret rotated, then the client deleted, as the admin API does)
 * is refused on B within `withinMs`, after B has authenticated it (and kept a copy of its record).
 */
async function assertClientChangeSeen(deployment: Deployment, withinMs: number): Promise<number> {
  const { a, b } = deployment
  const clientId = `changing-${randomBytes(4).toString('hex')}`
  const [first, second] = ['first-secret-0123456789abcdef', 'second-secret-0123456789abcdef']
  const template = (await a.ctx.store.getClient('billing'))!
  assert.ok(await a.ctx.store.createClient({ ...template, clientId, secretHash: await hashSecret(first), source: 'api' }))
  const status = async (secret: string) => (await post(b, '/token', { grant_type: 'client_credentials', resource: API }, { authorization: basic(clientId, secret) })).status
  assert.equal(await status(first), 200)
  const hash = await hashSecret(second)
  await a.ctx.store.putClient({ ...(await a.ctx.store.getClient(clientId))!, secretHash: hash })
  const ms = await eventually(withinMs, 'B reads the rotated secret', async () => (await b.ctx.store.getClient(clientId))?.secretHash === hash)
  assert.equal(await status(first), 401, 'the old secret is refused on B')
  assert.equal(await status(second), 200)
  assert.ok(await a.ctx.store.deleteClient(clientId))
  await eventually(withinMs, 'B no longer finds the deleted client', async () => (await b.ctx.store.getClient(clientId)) === undefined)
  assert.equal(await status(second), 401, 'the deleted client is refused on B')
  return ms
}

const kidOf = (token: string) => decodeJWTUnverified(token).header.kid as string

/** After a rotation: B no longer publishes `revoked`, and signs with a key it publishes. */
async function assertRotatedOn(service: RunningService, revoked: string): Promise<void> {
  const token = await accessToken(service)
  assert.notEqual(kidOf(token), revoked)
  const jwks = (await (await fetch(`${service.url}/jwks.json`)).json()) as { keys: Record<string, unknown>[] }
  await verifyJWT(token, createLocalKeySet(jwks as never), { algorithms: ['ES256'], audience: API })
}

describe('two replicas, one PostgreSQL, one Redis (pub/sub on)', () => {
  let deployment: Deployment
  let redis: Awaited<ReturnType<typeof connectRedis>>
  let reportsKey: JotKey
  before(async () => {
    const { privateKey, publicKey } = await generateKeyPair('ES256', { kid: 'reports-1' })
    reportsKey = privateKey
    // Polling every minute and client copies kept for an hour: only a notification can make B see a change within a second.
    deployment = await startDeployment({ notifications: true, pollInterval: 60 }, { ...(await exportJWK(publicKey)), kid: 'reports-1', alg: 'ES256' }, { clientMaxAge: '1h' })
    redis = await connectRedis()
  })
  after(async () => {
    await redis?.close()
    await deployment?.close()
  })

  test('a key rotated on A (key administration) is in B\'s JWKS and signs B\'s tokens within 1 s', async () => {
    const { a, b } = deployment
    // B has loaded its keys (and keeps a copy): the old key signs its tokens.
    const old = kidOf(await accessToken(b))
    assert.ok((await publishedKids(b)).includes(old))
    assert.equal(await revokeSigningKey(deployment.config), old)
    const ms = await eventually(1000, "the revoked key leaves B's JWKS", async () => !(await publishedKids(b)).includes(old))
    await assertRotatedOn(b, old)
    await assertRotatedOn(a, old)
    assert.deepEqual(await publishedKids(a), await publishedKids(b))
    console.log(`# B's JWKS without the revoked key after ${ms.toFixed(0)} ms`)
  })

  test('a client whose secret is rotated, then deleted, on A is refused on B within 1 s (B keeps client copies for an hour)', async () => {
    const ms = await assertClientChangeSeen(deployment, 1000)
    console.log(`# B read the rotated secret after ${ms.toFixed(0)} ms`)
  })

  test('a token revoked on A introspects inactive on B, is in the Redis denylist until it expires, and a guard refuses it without introspection', async () => {
    const { a, b, prefix } = deployment
    const token = await accessToken(a)
    const { jti, exp } = decodeJWTUnverified(token).payload as { jti: string; exp: number }
    const guard = createGuard({
      issuer: deployment.issuer,
      jwksUri: `${a.url}/jwks.json`,
      allowHttp: true,
      audience: API,
      algorithms: ['ES256'],
      profile: 'rfc9068',
      revocation: { denylist: createRedisDenylist(redis, { prefix: `${prefix}revoked:` }) },
    })
    const request = { method: 'GET', url: '/orders', headers: { authorization: `Bearer ${token}` } }
    assert.ok(!((await guard.authenticate(request)) instanceof Error), 'accepted before the revocation')
    assert.equal((await post(b, '/introspect', { token })).body.active, true)

    assert.equal((await post(a, '/revoke', { token })).status, 200)
    assert.equal((await post(b, '/introspect', { token })).body.active, false)
    assert.equal(await redis.expireTime(`${prefix}revoked:${jti}`), exp, 'the guard\'s key format, expiring with the token')
    assert.ok((await guard.authenticate(request)) instanceof InvalidTokenError)
  })

  test('a refresh token reused on A revokes its family: B introspects the family\'s access token inactive, and it is in the Redis denylist', async () => {
    const { a, b, prefix, issuer } = deployment
    const browser = new Browser()
    const authorize = new URL(`${issuer}/authorize`)
    for (const [name, value] of Object.entries({ response_type: 'code', client_id: 'app', redirect_uri: `${issuer}/cb`, scope: 'openid orders:read', code_challenge: CHALLENGE, code_challenge_method: 'S256' })) {
      authorize.searchParams.set(name, value)
    }
    const callback = await logIn(browser, authorize.href, 'ada', 'ada-password-0123')
    const app = {} // a public client: client_id only
    const exchange = await post(a, '/token', { grant_type: 'authorization_code', client_id: 'app', code: callback.searchParams.get('code')!, redirect_uri: `${issuer}/cb`, code_verifier: VERIFIER }, app)
    assert.equal(exchange.status, 200, JSON.stringify(exchange.body))
    const first = exchange.body.access_token as string
    const refreshToken = exchange.body.refresh_token as string
    const refreshed = await post(b, '/token', { grant_type: 'refresh_token', client_id: 'app', refresh_token: refreshToken }, app)
    assert.equal(refreshed.status, 200)
    assert.equal((await post(b, '/introspect', { token: first })).body.active, true)

    const reused = await post(a, '/token', { grant_type: 'refresh_token', client_id: 'app', refresh_token: refreshToken }, app)
    assert.equal(reused.body.error, 'invalid_grant')
    for (const token of [first, refreshed.body.access_token as string]) {
      const { jti, exp } = decodeJWTUnverified(token).payload as { jti: string; exp: number }
      assert.equal((await post(b, '/introspect', { token })).body.active, false)
      assert.equal(await redis.expireTime(`${prefix}revoked:${jti}`), exp)
    }
  })

  test('a client assertion (private_key_jwt) used on A is refused on B; its jti is held in Redis until it would expire', async () => {
    const { a, b, prefix, issuer } = deployment
    const iat = Math.floor(Date.now() / 1000)
    const assertion = await signJWT({ iss: 'reports', sub: 'reports', aud: issuer, iat, exp: iat + 60, jti: `jti-${randomBytes(8).toString('hex')}` }, reportsKey)
    const params = { grant_type: 'client_credentials', client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer', client_assertion: assertion }
    assert.equal((await post(a, '/token', params, {})).status, 200)
    const replayed = await post(b, '/token', params, {})
    assert.equal(replayed.status, 401)
    assert.equal(replayed.body.error, 'invalid_client')
    assert.equal(replayed.body.error_description, 'client assertion: jti was already used')
    const keys = await redis.keys(`${prefix}client_assertion:*`)
    assert.equal(keys.length, 1)
    assert.ok((await redis.expireTime(keys[0]!)) >= iat + 60, 'kept while the assertion could be accepted')
  })

  test('a DPoP proof used on A is refused on B', async () => {
    const { a, b, prefix, issuer } = deployment
    const { privateKey } = await generateKeyPair('ES256')
    const proof = await createDPoPProof(privateKey, { method: 'POST', url: `${issuer}/token` })
    const headers = { authorization: basic('billing'), dpop: proof }
    const first = await post(a, '/token', { grant_type: 'client_credentials' }, headers)
    assert.equal(first.status, 200, JSON.stringify(first.body))
    assert.equal(first.body.token_type, 'DPoP')
    const replayed = await post(b, '/token', { grant_type: 'client_credentials' }, headers)
    assert.equal(replayed.status, 400)
    assert.equal(replayed.body.error, 'invalid_dpop_proof')
    assert.equal((await redis.keys(`${prefix}dpop:*`)).length, 1, 'in the guard\'s DPoP replay key format')
  })

  test('the token endpoint rate limit counts the requests of both replicas', async () => {
    const { a, b } = deployment
    for (let i = 0; i < 6; i++) await accessToken(a, 'burst')
    for (let i = 0; i < 4; i++) await accessToken(b, 'burst')
    for (const replica of [b, a]) {
      const refused = await post(replica, '/token', { grant_type: 'client_credentials' }, { authorization: basic('burst') })
      assert.equal(refused.status, 429, 'the 11th request of the minute, whichever replica takes it')
      assert.equal(refused.body.error, 'temporarily_unavailable')
      assert.ok(Number(refused.headers.get('retry-after')) >= 1)
    }
    assert.equal((await post(a, '/token', { grant_type: 'client_credentials' })).status, 200, 'other clients have their own budget')
  })
})

describe('two replicas, one PostgreSQL, one Redis (notifications off: polling only)', () => {
  const POLL_SECONDS = 0.5
  let deployment: Deployment
  before(async () => {
    const { publicKey } = await generateKeyPair('ES256', { kid: 'reports-1' })
    deployment = await startDeployment({ notifications: false, pollInterval: POLL_SECONDS }, { ...(await exportJWK(publicKey)), kid: 'reports-1', alg: 'ES256' }, { clientMaxAge: POLL_SECONDS })
  })
  after(async () => {
    await deployment?.close()
  })

  test('a key rotated on A is in B\'s JWKS and signs B\'s tokens within the poll interval', async () => {
    const { a, b } = deployment
    const old = kidOf(await accessToken(b))
    assert.equal(await revokeSigningKey(deployment.config), old)
    // The interval, and the time one request takes on a busy machine.
    const ms = await eventually(POLL_SECONDS * 1000 + 250, "the revoked key leaves B's JWKS", async () => !(await publishedKids(b)).includes(old))
    await assertRotatedOn(b, old)
    await assertRotatedOn(a, old)
    console.log(`# B's JWKS without the revoked key after ${ms.toFixed(0)} ms (poll interval ${POLL_SECONDS * 1000} ms)`)
  })

  test('a client whose secret is rotated, then deleted, on A is refused on B within cache.clientMaxAge', async () => {
    // The age bound, and the time one request takes on a busy machine.
    const ms = await assertClientChangeSeen(deployment, POLL_SECONDS * 1000 + 250)
    console.log(`# B read the rotated secret after ${ms.toFixed(0)} ms (clientMaxAge ${POLL_SECONDS * 1000} ms)`)
  })
})
