// DPoP (RFC 9449) at the forward-auth endpoint: providers with dpop 'required' or 'allowed', the
// proof's htu built from the configured public origin and the path a trusted proxy forwarded, its
// htm from the forwarded method; the exact §7.1 challenges; a proof used once across two gateway
// replicas sharing the Redis replay store; the verified-token cache still asking for a fresh proof.
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { createDPoPProof, generateKeyPair, jwkThumbprint, type JotKey } from 'jotjwt'
import { validateConfig, type RunningGateway, type RunningProxy } from 'jotjwt-gateway'
import { DPOP_KEY_PREFIX } from 'jotjwt-guard/redis'
import { AUDIENCE, CLIENT_ID, startIssuer, type TestIssuer } from '../../guard/test/helpers/issuer.js'
import { connectRedis, REDIS_URL } from '../../guard/test/helpers/redis.js'
import { ask, bearer, problems, send, start } from './helpers/gateway.js'
import { startTestProxy, startUpstream, type TestUpstream } from './helpers/proxy.js'

const ORIGIN = 'https://api.example'
const ALGS = 'ES256 EdDSA RS256 PS256'
const dpopChallenge = (error: string, description: string) => `DPoP realm="api", error="${error}", error_description="${description}", algs="${ALGS}"`
const BAD_PROOF = dpopChallenge('invalid_dpop_proof', 'the DPoP proof is invalid')

function provider(issuer: TestIssuer, dpop: 'allowed' | 'required') {
  return {
    issuer: issuer.issuer,
    jwks: { remote: { url: issuer.jwksUri } },
    allowHttp: true,
    audiences: [AUDIENCE],
    algorithms: ['ES256'],
    profile: 'rfc9068',
    dpop,
    publicOrigin: ORIGIN,
    claimsToHeaders: [{ claim: 'sub', header: 'x-sub' }],
  }
}

const RULES = [
  { match: { pathPrefix: '/orders', methods: ['GET'] }, requires: { provider: 'required' }, authorize: { scopes: { all: ['orders:read'] } } },
  { match: { pathPrefix: '/orders', methods: ['DELETE'] }, requires: { provider: 'required' }, authorize: { scopes: { all: ['orders:admin'] } } },
  { match: { pathPrefix: '/either' }, requires: { provider: 'allowed' } },
]

describe('DPoP at the forward-auth endpoint (RFC 9449 §7)', () => {
  let issuer: TestIssuer
  let gateway: RunningGateway
  let holder: JotKey
  let thief: JotKey
  let token: string
  before(async () => {
    issuer = await startIssuer()
    const pair = await generateKeyPair('ES256')
    holder = pair.privateKey
    thief = (await generateKeyPair('ES256')).privateKey
    token = await issuer.mint({ cnf: { jkt: await jwkThumbprint(pair.publicKey) } })
    gateway = await start({
      trustedProxies: ['127.0.0.1'],
      cache: true,
      providers: { required: provider(issuer, 'required'), allowed: provider(issuer, 'allowed') },
      rules: RULES,
    })
  })
  after(async () => {
    await gateway?.close()
    await issuer?.close()
  })

  const proof = (url: string, options: { method?: string; key?: JotKey; jti?: string } = {}) =>
    createDPoPProof(options.key ?? holder, { method: options.method ?? 'GET', url, accessToken: token, ...(options.jti ? { jti: options.jti } : {}) })
  const dpop = (value?: string) => ({ authorization: `DPoP ${token}`, ...(value === undefined ? {} : { dpop: value }) })

  test('a bound token with a proof for the public origin and the forwarded path is allowed (the query is not part of htu)', async () => {
    const answer = await ask(gateway, 'GET', '/orders/7?page=2', dpop(await proof(`${ORIGIN}/orders/7`)))
    assert.equal(answer.status, 200, String(answer.headers['www-authenticate']))
    assert.equal(answer.headers['x-sub'], CLIENT_ID)
  })

  test('the same token as a bearer token is refused, in required and in allowed mode', async () => {
    const required = await ask(gateway, 'GET', '/orders/7', bearer(token))
    assert.equal(required.status, 401)
    assert.equal(required.headers['www-authenticate'], dpopChallenge('invalid_token', 'the access token is invalid'))
    const allowed = await ask(gateway, 'GET', '/either', bearer(token))
    assert.equal(allowed.status, 401)
    assert.equal(allowed.headers['www-authenticate'], `Bearer realm="api", ${dpopChallenge('invalid_token', 'the access token is invalid')}`)
  })

  test('a proof for another URL, another method, another origin, or used before is invalid_dpop_proof', async () => {
    for (const [name, value] of [
      ['other path', await proof(`${ORIGIN}/orders/8`)],
      ['other method', await proof(`${ORIGIN}/orders/7`, { method: 'POST' })],
      ['other origin', await proof('https://evil.example/orders/7')],
    ] as const) {
      const answer = await ask(gateway, 'GET', '/orders/7', dpop(value))
      assert.equal(answer.status, 401, name)
      assert.equal(answer.headers['www-authenticate'], BAD_PROOF, name)
    }
    const once = await proof(`${ORIGIN}/orders/7`)
    assert.equal((await ask(gateway, 'GET', '/orders/7', dpop(once))).status, 200)
    const replayed = await ask(gateway, 'GET', '/orders/7', dpop(once))
    assert.equal(replayed.status, 401)
    assert.equal(replayed.headers['www-authenticate'], BAD_PROOF)
  })

  test('no proof, no token, another key, a missing scope: the exact challenges', async () => {
    const noProof = await ask(gateway, 'GET', '/orders/7', dpop())
    assert.equal(noProof.headers['www-authenticate'], dpopChallenge('invalid_dpop_proof', 'the DPoP proof is missing'))
    const none = await ask(gateway, 'GET', '/orders/7')
    assert.equal(none.status, 401)
    assert.equal(none.headers['www-authenticate'], `DPoP realm="api", algs="${ALGS}"`)
    const noneAllowed = await ask(gateway, 'GET', '/either')
    assert.equal(noneAllowed.headers['www-authenticate'], `Bearer realm="api", DPoP realm="api", algs="${ALGS}"`)
    const stolen = await ask(gateway, 'GET', '/orders/7', dpop(await proof(`${ORIGIN}/orders/7`, { key: thief })))
    assert.equal(stolen.status, 401)
    assert.equal(stolen.headers['www-authenticate'], dpopChallenge('invalid_token', 'the access token is not bound to the DPoP proof key'))
    const scope = await ask(gateway, 'DELETE', '/orders/7', dpop(await proof(`${ORIGIN}/orders/7`, { method: 'DELETE' })))
    assert.equal(scope.status, 403)
    assert.equal(scope.headers['www-authenticate'], `DPoP realm="api", error="insufficient_scope", error_description="the access token lacks a required scope", scope="orders:admin", algs="${ALGS}"`)
  })

  test('allowed mode takes bearer tokens that are not bound, and DPoP ones with their proof', async () => {
    assert.equal((await ask(gateway, 'GET', '/either', bearer(await issuer.mint()))).status, 200)
    assert.equal((await ask(gateway, 'GET', '/either', dpop(await proof(`${ORIGIN}/either`)))).status, 200)
  })

  test('the method and URI are believed only from a trusted proxy: from anyone else the request itself is judged', async () => {
    const direct = await start({ providers: { required: provider(issuer, 'required'), allowed: provider(issuer, 'allowed') }, rules: [{ requires: { provider: 'required' } }] })
    try {
      const headers = { ...dpop(await proof(`${ORIGIN}/orders/7`)), 'x-original-uri': '/orders/7', 'x-original-method': 'GET' }
      const answer = await send(`${direct.url}/auth`, { headers })
      assert.equal(answer.status, 401, 'the proof names /orders/7, the request is GET /auth')
      assert.equal(answer.headers['www-authenticate'], BAD_PROOF)
    } finally {
      await direct.close()
    }
  })

  test('with the cache on, the token is cached and every request still needs its own proof', async () => {
    const cache = gateway.gateway.cache!
    const before = cache.entries
    const fresh = await issuer.mint({ cnf: { jkt: await jwkThumbprint((await generateKeyPair('ES256')).publicKey) } })
    await ask(gateway, 'GET', '/orders/7', { authorization: `DPoP ${fresh}` })
    assert.equal(cache.entries, before + 1, 'verified and cached, then refused for its missing proof')
    assert.equal((await ask(gateway, 'GET', '/orders/7', { authorization: `DPoP ${fresh}` })).status, 401)
  })
})

describe('configuration', () => {
  const issuer = 'https://as.example'
  const base = { issuer, discovery: true, audiences: ['api'], algorithms: ['ES256'] }
  test('dpop needs publicOrigin, and an origin without a path', () => {
    assert.throws(() => validateConfig({ providers: { p: { ...base, dpop: 'required' } }, rules: [{ requires: { provider: 'p' } }] }), /providers\.p\.publicOrigin: dpop needs publicOrigin/)
    assert.throws(() => validateConfig({ providers: { p: { ...base, dpop: 'required', publicOrigin: 'https://api.example/v1' } }, rules: [{ requires: { provider: 'p' } }] }), /providers\.p\.publicOrigin: an http\(s\) origin/)
    validateConfig({ providers: { p: { ...base, dpop: 'off' } }, rules: [{ requires: { provider: 'p' } }] })
  })
  test('dpopNonce: needs dpop, exactly one of secret and secretFile, a secret of 32 characters or more; never echoes the secret', () => {
    const p = { ...base, dpop: 'required', publicOrigin: 'https://api.example' }
    const rules = [{ requires: { provider: 'p' } }]
    const secret = 'nonce-secret-0123456789-0123456789'
    validateConfig({ providers: { p: { ...p, dpopNonce: { secret, lifetime: 120 } } }, rules })
    assert.deepEqual(problems({ providers: { p: { ...base, dpopNonce: { secret } } }, rules }), ['providers.p.dpopNonce: dpopNonce needs dpop allowed or required'])
    assert.deepEqual(problems({ providers: { p: { ...p, dpopNonce: {} } }, rules }), ['providers.p.dpopNonce: give secret or secretFile (one of them)'])
    assert.deepEqual(problems({ providers: { p: { ...p, dpopNonce: { secret, secretFile: '/run/secret' } } }, rules }), ['providers.p.dpopNonce: give secret or secretFile (one of them)'])
    const short = problems({ providers: { p: { ...p, dpopNonce: { secret: 'short-secret' } } }, rules })
    assert.deepEqual(short, ['providers.p.dpopNonce.secret: at least 32 characters'])
    assert.ok(!short.join('\n').includes('short-secret'))
    assert.deepEqual(problems({ providers: { p: { ...p, dpopNonce: { secret, lifetime: 0 } } }, rules }).length, 1)
  })
  test('dpopNonce.secretFile: the file is read (a trailing newline ignored), and two gateways with the same secret hand out the same nonce', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'jotjwt-gateway-nonce-'))
    const issuer = await startIssuer()
    const secret = 'nonce-secret-0123456789-0123456789'
    writeFileSync(join(dir, 'secret'), `${secret}\n`)
    const config = (dpopNonce: Record<string, unknown>) => ({ trustedProxies: ['127.0.0.1'], providers: { p: { ...provider(issuer, 'required'), dpopNonce } }, rules: [{ requires: { provider: 'p' } }] })
    const fromFile = await start(config({ secretFile: join(dir, 'secret') }))
    const inline = await start(config({ secret }))
    try {
      const pair = await generateKeyPair('ES256')
      const bound = await issuer.mint({ cnf: { jkt: await jwkThumbprint(pair.publicKey) } })
      const headers = async () => ({ authorization: `DPoP ${bound}`, dpop: await createDPoPProof(pair.privateKey, { method: 'GET', url: `${ORIGIN}/x`, accessToken: bound }) })
      const a = await ask(fromFile, 'GET', '/x', await headers())
      const b = await ask(inline, 'GET', '/x', await headers())
      assert.deepEqual([a.status, a.headers['www-authenticate']], [401, dpopChallenge('use_dpop_nonce', 'a DPoP nonce is required')])
      assert.equal(typeof a.headers['dpop-nonce'], 'string')
      assert.equal(a.headers['dpop-nonce'], b.headers['dpop-nonce'])
    } finally {
      await fromFile.close()
      await inline.close()
      await issuer.close()
      rmSync(dir, { recursive: true, force: true })
    }
  })
  test('at most one DPoP provider under all: a request carries one proof', () => {
    const p = { ...base, dpop: 'required', publicOrigin: 'https://api.example' }
    assert.throws(() => validateConfig({ providers: { p, q: p }, rules: [{ requires: { all: ['p', 'q'] } }] }), /rules\.0\.requires: at most one provider with dpop under all/)
    validateConfig({ providers: { p, q: base }, rules: [{ requires: { all: ['p', 'q'] } }] })
  })
})

describe('DPoP replay across two replicas sharing Redis', () => {
  const prefix = `${DPOP_KEY_PREFIX}gateway-test-${process.pid}-${randomUUID()}-`
  let issuer: TestIssuer
  let replicas: RunningGateway[] = []
  let redis: Awaited<ReturnType<typeof connectRedis>>
  before(async () => {
    issuer = await startIssuer()
    redis = await connectRedis()
    const config = { trustedProxies: ['127.0.0.1'], dpopReplay: { redis: { url: REDIS_URL, prefix } }, providers: { required: provider(issuer, 'required') }, rules: [{ requires: { provider: 'required' } }] }
    replicas = [await start(config), await start(config)]
  })
  after(async () => {
    for (const replica of replicas) await replica.close()
    await issuer?.close()
    if (redis?.isOpen) {
      for await (const keys of redis.scanIterator({ MATCH: `${prefix}*` })) if (keys.length > 0) await redis.del(keys)
      await redis.quit()
    }
  })

  test('a proof accepted by one replica is refused by the other', async () => {
    const pair = await generateKeyPair('ES256')
    const bound = await issuer.mint({ cnf: { jkt: await jwkThumbprint(pair.publicKey) } })
    const value = await createDPoPProof(pair.privateKey, { method: 'GET', url: `${ORIGIN}/x`, accessToken: bound })
    const headers = { authorization: `DPoP ${bound}`, dpop: value }
    assert.equal((await ask(replicas[0]!, 'GET', '/x', headers)).status, 200)
    const replayed = await ask(replicas[1]!, 'GET', '/x', headers)
    assert.equal(replayed.status, 401)
    assert.equal(replayed.headers['www-authenticate'], BAD_PROOF)
  })
})

describe('DPoP in the reverse proxy', () => {
  let issuer: TestIssuer
  let upstream: TestUpstream
  let proxy: RunningProxy
  const config = () => ({ providers: { required: provider(issuer, 'required') }, rules: [{ requires: { provider: 'required' } }], proxy: { upstreams: { app: { url: upstream.url } }, defaultUpstream: 'app' } })
  before(async () => {
    issuer = await startIssuer()
    upstream = await startUpstream('app')
    proxy = await startTestProxy(config())
  })
  after(async () => {
    await proxy?.close()
    await upstream?.close()
    await issuer?.close()
  })

  test("htu is the public origin and the request's own path; a proof used before a reload stays used after it", async () => {
    const pair = await generateKeyPair('ES256')
    const bound = await issuer.mint({ cnf: { jkt: await jwkThumbprint(pair.publicKey) } })
    const proof = await createDPoPProof(pair.privateKey, { method: 'GET', url: `${ORIGIN}/orders/7`, accessToken: bound })
    const headers = { authorization: `DPoP ${bound}`, dpop: proof }
    assert.equal((await send(`${proxy.url}/orders/7?page=2`, { headers })).status, 200)
    assert.equal(upstream.seen.length, 1)
    const reloaded = await proxy.reload(validateConfig({ listen: { port: 0 }, ...config(), proxy: { ...config().proxy, admin: { port: 0 } } }))
    assert.equal(reloaded.ok, true)
    const replayed = await send(`${proxy.url}/orders/7?page=2`, { headers })
    assert.equal(replayed.status, 401)
    assert.equal(replayed.headers['www-authenticate'], BAD_PROOF)
    assert.equal(upstream.seen.length, 1, 'the replay never reached the upstream')
  })
})
