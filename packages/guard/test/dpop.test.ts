// DPoP at the resource server (RFC 9449 §7) over real HTTP on Express, Fastify and Hono: a bound
// token with a fresh proof is accepted; the same token without the proof, with a proof for another
// URL or method, with a reused jti, a stale iat or another key is refused with the exact §7.1
// challenge; nonces (§9) and a public origin behind a proxy.
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { createDPoPProof, generateKeyPair, jwkThumbprint, type JotKey } from 'jotjwt'
import { randomUUID } from 'node:crypto'
import { connectRedis } from './helpers/redis.js'
import { createDPoPNonces, type GuardOptions } from 'jotjwt-guard'
import { createRedisReplayStore } from 'jotjwt-guard/redis'
import { startApp, type AdapterName, type RunningApp } from './helpers/apps.js'
import { bearer, send } from './helpers/http.js'
import { AUDIENCE, CLIENT_ID, startIssuer, type TestIssuer } from './helpers/issuer.js'

const ALGS = 'ES256 EdDSA RS256 PS256'
const challenge = (error: string, description: string) => `DPoP realm="api", error="${error}", error_description="${description}", algs="${ALGS}"`
const BAD_PROOF = challenge('invalid_dpop_proof', 'the DPoP proof is invalid')

const ADAPTERS: readonly AdapterName[] = ['express5', 'fastify', 'hono']

describe('DPoP at the guard (RFC 9449 §7)', () => {
  let issuer: TestIssuer
  let key: JotKey
  let other: JotKey
  let token: string
  before(async () => {
    issuer = await startIssuer()
    const pair = await generateKeyPair('ES256')
    key = pair.privateKey
    other = (await generateKeyPair('ES256')).privateKey
    token = await issuer.mint({ cnf: { jkt: await jwkThumbprint(pair.publicKey) } })
  })
  after(() => issuer.close())

  const options = (extra: Partial<GuardOptions> = {}): GuardOptions => ({
    issuer: issuer.issuer,
    jwksUri: issuer.jwksUri,
    audience: AUDIENCE,
    algorithms: ['ES256'],
    profile: 'rfc9068',
    allowHttp: true,
    dpop: 'required',
    ...extra,
  })
  const dpop = (proof: string, accessToken = token) => ({ authorization: `DPoP ${accessToken}`, dpop: proof })

  for (const adapter of ADAPTERS) {
    describe(adapter, () => {
      let app: RunningApp
      before(async () => {
        app = await startApp(adapter, options())
      })
      after(() => app.close())
      const proof = (overrides: { method?: string; url?: string; key?: JotKey; currentTime?: number; jti?: string } = {}) =>
        createDPoPProof(overrides.key ?? key, {
          method: overrides.method ?? 'GET',
          url: overrides.url ?? `${app.url}/orders`,
          accessToken: token,
          ...(overrides.currentTime === undefined ? {} : { currentTime: overrides.currentTime }),
          ...(overrides.jti === undefined ? {} : { jti: overrides.jti }),
        })

      test('accepts the bound token with a fresh proof by its key', async () => {
        const response = await send(`${app.url}/orders?page=2`, { headers: dpop(await proof()) })
        assert.equal(response.status, 200, response.body)
        assert.deepEqual(JSON.parse(response.body), { client: CLIENT_ID })
        assert.equal(response.headers['dpop-nonce'], undefined, 'no nonces configured, no DPoP-Nonce')
      })

      test('refuses the token as a bearer token (no proof): invalid_token', async () => {
        const response = await send(`${app.url}/orders`, { headers: bearer(token) })
        assert.equal(response.status, 401)
        assert.equal(response.headers['www-authenticate'], challenge('invalid_token', 'the access token is invalid'))
      })

      test('refuses the DPoP scheme without a proof: invalid_dpop_proof', async () => {
        const response = await send(`${app.url}/orders`, { headers: { authorization: `DPoP ${token}` } })
        assert.equal(response.status, 401)
        assert.equal(response.headers['www-authenticate'], challenge('invalid_dpop_proof', 'the DPoP proof is missing'))
      })

      test('refuses a proof for another URL or another method', async () => {
        for (const overrides of [{ url: `${app.url}/orders/write` }, { method: 'POST' }]) {
          const response = await send(`${app.url}/orders`, { headers: dpop(await proof(overrides)) })
          assert.equal(response.status, 401, JSON.stringify(overrides))
          assert.equal(response.headers['www-authenticate'], BAD_PROOF)
        }
      })

      test('refuses a reused jti and a stale iat', async () => {
        const once = await proof()
        assert.equal((await send(`${app.url}/orders`, { headers: dpop(once) })).status, 200)
        const replayed = await send(`${app.url}/orders`, { headers: dpop(once) })
        assert.equal(replayed.status, 401)
        assert.equal(replayed.headers['www-authenticate'], BAD_PROOF)
        const sameJti = await send(`${app.url}/orders`, { headers: dpop(await proof({ jti: 'fixed-jti', currentTime: Date.now() / 1000 - 1 })) })
        assert.equal(sameJti.status, 200)
        const reusedJti = await send(`${app.url}/orders`, { headers: dpop(await proof({ jti: 'fixed-jti' })) })
        assert.equal(reusedJti.headers['www-authenticate'], BAD_PROOF, 'a new proof with a used jti')
        const stale = await send(`${app.url}/orders`, { headers: dpop(await proof({ currentTime: Math.floor(Date.now() / 1000) - 600 })) })
        assert.equal(stale.status, 401)
        assert.equal(stale.headers['www-authenticate'], BAD_PROOF)
      })

      test('refuses a proof by another key: invalid_token', async () => {
        const response = await send(`${app.url}/orders`, { headers: dpop(await proof({ key: other })) })
        assert.equal(response.status, 401)
        assert.equal(response.headers['www-authenticate'], challenge('invalid_token', 'the access token is not bound to the DPoP proof key'))
      })
    })
  }

  test("dpop 'allowed': both challenges, the error on the scheme the request used", async () => {
    const app = await startApp('fastify', options({ dpop: 'allowed' }))
    try {
      assert.equal((await send(`${app.url}/orders`)).headers['www-authenticate'], `Bearer realm="api", DPoP realm="api", algs="${ALGS}"`)
      const asBearer = await send(`${app.url}/orders`, { headers: bearer(token) })
      assert.equal(asBearer.headers['www-authenticate'], `Bearer realm="api", ${challenge('invalid_token', 'the access token is invalid')}`)
      const unbound = await send(`${app.url}/orders`, { headers: bearer(await issuer.mint()) })
      assert.equal(unbound.status, 200, 'an unbound token is still a bearer token')
    } finally {
      await app.close()
    }
  })

  test("dpop 'off' refuses a bound token as a bearer token too", async () => {
    const app = await startApp('hono', options({ dpop: 'off' }))
    try {
      const response = await send(`${app.url}/orders`, { headers: bearer(token) })
      assert.equal(response.status, 401)
      assert.equal(response.headers['www-authenticate'], 'Bearer realm="api", error="invalid_token", error_description="the access token is invalid"')
    } finally {
      await app.close()
    }
  })

  test('asks for a nonce with use_dpop_nonce and DPoP-Nonce (RFC 9449 §9)', async () => {
    const nonce = { current: () => 'nonce-2', accepts: (value: string) => value === 'nonce-2' }
    const app = await startApp('express5', options({ dpopSettings: { nonce } }))
    try {
      const url = `${app.url}/orders`
      const refused = await send(url, { headers: dpop(await createDPoPProof(key, { method: 'GET', url, accessToken: token })) })
      assert.equal(refused.status, 401)
      assert.equal(refused.headers['www-authenticate'], challenge('use_dpop_nonce', 'a DPoP nonce is required'))
      assert.equal(refused.headers['dpop-nonce'], 'nonce-2')
      const ok = await send(url, { headers: dpop(await createDPoPProof(key, { method: 'GET', url, accessToken: token, nonce: 'nonce-2' })) })
      assert.equal(ok.status, 200)
    } finally {
      await app.close()
    }
  })

  test('sends the current DPoP-Nonce on every answer to a DPoP request, so a rotated nonce reaches the client (RFC 9449 §8.2, §9)', async () => {
    let current = 'nonce-1'
    const nonce = { current: () => current, accepts: (value: string) => value === 'nonce-1' || value === 'nonce-2' }
    for (const adapter of ADAPTERS) {
      current = 'nonce-1'
      const app = await startApp(adapter, options({ dpopSettings: { nonce } }))
      try {
        const withNonce = async (path: string, value: string) => {
          const url = `${app.url}${path}`
          return send(url, { headers: dpop(await createDPoPProof(key, { method: 'GET', url, accessToken: token, nonce: value })) })
        }
        const accepted = await withNonce('/orders', 'nonce-1')
        assert.deepEqual([accepted.status, accepted.headers['dpop-nonce']], [200, 'nonce-1'], adapter)
        current = 'nonce-2'
        const rotated = await withNonce('/orders', 'nonce-1')
        assert.deepEqual([rotated.status, rotated.headers['dpop-nonce']], [200, 'nonce-2'], `${adapter}: the previous nonce is still accepted, the answer names the new one`)
        const forbidden = await withNonce('/orders/write', 'nonce-2')
        assert.deepEqual([forbidden.status, forbidden.headers['dpop-nonce']], [403, 'nonce-2'], `${adapter}: a refusal in the DPoP challenge carries it too`)
        const bearerRefused = await send(`${app.url}/orders`, { headers: bearer(token) })
        assert.deepEqual([bearerRefused.status, bearerRefused.headers['dpop-nonce']], [401, 'nonce-2'], `${adapter}: so does the DPoP challenge to a bearer request`)
      } finally {
        await app.close()
      }
    }
  })

  test('checks htu against the configured public origin behind a proxy, not the Host header', async () => {
    const app = await startApp('hono', options({ dpopSettings: { publicOrigin: 'https://api.example' } }))
    try {
      const publicProof = await createDPoPProof(key, { method: 'GET', url: 'https://api.example/orders', accessToken: token })
      assert.equal((await send(`${app.url}/orders`, { headers: dpop(publicProof) })).status, 200)
      const internalProof = await createDPoPProof(key, { method: 'GET', url: `${app.url}/orders`, accessToken: token })
      assert.equal((await send(`${app.url}/orders`, { headers: dpop(internalProof) })).headers['www-authenticate'], BAD_PROOF)
    } finally {
      await app.close()
    }
  })

  test('shares used proofs between replicas through Redis (RFC 9449 §11.1)', async () => {
    const redis = await connectRedis()
    const replay = createRedisReplayStore(redis, { prefix: `jotjwt:test:dpop:${randomUUID()}:` })
    const settings = { dpopSettings: { replay, publicOrigin: 'https://api.example' } }
    const [first, second] = await Promise.all([startApp('express5', options(settings)), startApp('fastify', options(settings))])
    try {
      const proof = await createDPoPProof(key, { method: 'GET', url: 'https://api.example/orders', accessToken: token })
      assert.equal((await send(`${first.url}/orders`, { headers: dpop(proof) })).status, 200)
      const replayed = await send(`${second.url}/orders`, { headers: dpop(proof) })
      assert.equal(replayed.status, 401)
      assert.equal(replayed.headers['www-authenticate'], BAD_PROOF)
    } finally {
      await Promise.all([first.close(), second.close()])
      await redis.quit()
    }
  })
})

describe('createDPoPNonces: stateless server nonces (RFC 9449 §8, §9)', () => {
  const secret = 'nonce-secret-shared-by-every-replica-0123'
  test('two sources with the same secret hand out and accept the same nonces; another secret does not', () => {
    let now = 1_000_000
    const a = createDPoPNonces({ secret, lifetime: 60, currentTime: () => now })
    const b = createDPoPNonces({ secret: new TextEncoder().encode(secret), lifetime: '1m', currentTime: () => now })
    const other = createDPoPNonces({ secret: `${secret}-other`, lifetime: 60, currentTime: () => now })
    assert.match(a.current(), /^[A-Za-z0-9_-]{22}$/)
    assert.equal(a.current(), b.current())
    assert.equal(b.accepts(a.current()), true)
    assert.notEqual(other.current(), a.current())
    assert.equal(other.accepts(a.current()), false)
    const first = a.current()
    now += 60
    assert.notEqual(a.current(), first, 'rotated after one lifetime')
    assert.equal(a.accepts(first), true, 'the previous nonce is still accepted')
    now += 60
    assert.equal(a.accepts(first), false, 'two lifetimes on, it is not')
    assert.equal(a.accepts(a.current()), true)
    assert.equal(a.currentAt(now), a.current())
    assert.equal(a.acceptsAt(first, now - 120), true)
  })
  test('refuses a short secret and a lifetime that is not positive', () => {
    assert.throws(() => createDPoPNonces({ secret: 'too-short' }), { name: 'TypeError', message: 'the DPoP nonce secret must be at least 32 bytes' })
    assert.throws(() => createDPoPNonces({ secret, lifetime: 0 }), TypeError)
  })
})
