// DPoP end to end over HTTP (RFC 9449): openid-client (its DPoP option) obtains a DPoP-bound token
// from a running `jotjwt serve` and calls an upstream through the gateway's reverse proxy (addressed
// directly) and through real nginx asking its forward-auth endpoint (the client addresses the public
// origin, the gateway listens elsewhere). The same token without the proof, with a proof for another
// URL or method, a reused jti (also across two replicas sharing Redis), a stale iat or another key is
// refused with the exact §7.1 challenge. With `dpopNonce`, openid-client's automatic retry on
// use_dpop_nonce succeeds, and replicas given the same secret accept each other's nonces (§8, §9).
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { after, before, describe, test } from 'node:test'
import { createDPoPProof, generateKeyPair, type JotKey } from 'jotjwt'
import type { RunningGateway, RunningProxy } from 'jotjwt-gateway'
import { DPOP_KEY_PREFIX } from 'jotjwt-guard/redis'
import * as oidc from 'openid-client'
import { API, CLIENT_ID, CLIENT_SECRET, dpopChallenge, startDPoPService, type DPoPService } from '../../guard/test/helpers/dpop-service.js'
import { connectRedis, REDIS_URL } from '../../guard/test/helpers/redis.js'
import { ask, bearer, send, start } from './helpers/gateway.js'
import { freePort, startNginx, type Running } from './helpers/proxies.js'
import { startTestProxy, startUpstream, type TestUpstream } from './helpers/proxy.js'

const PUBLIC_ORIGIN = 'https://api.example'
const NONCE_SECRET = 'gateway-dpop-nonce-secret-0123456789'
const BAD_PROOF = dpopChallenge('invalid_dpop_proof', 'the DPoP proof is invalid')
const NOT_BOUND = dpopChallenge('invalid_token', 'the access token is invalid')
const NO_PROOF = dpopChallenge('invalid_dpop_proof', 'the DPoP proof is missing')
const OTHER_KEY = dpopChallenge('invalid_token', 'the access token is not bound to the DPoP proof key')
const USE_NONCE = dpopChallenge('use_dpop_nonce', 'a DPoP nonce is required')

/** A provider for `jotjwt serve`'s tokens: `required` guards /orders, `allowed` guards /either. */
function provider(issuer: string, dpop: 'allowed' | 'required', publicOrigin: string, extra: Record<string, unknown> = {}) {
  return {
    issuer,
    discovery: true,
    allowHttp: true,
    audiences: [API],
    algorithms: ['ES256'],
    profile: 'rfc9068',
    dpop,
    publicOrigin,
    claimsToHeaders: [{ claim: 'client_id', header: 'x-client-id' }],
    ...extra,
  }
}
const RULES = [
  { match: { pathPrefix: '/orders' }, requires: { provider: 'required' } },
  { match: { pathPrefix: '/either' }, requires: { provider: 'allowed' } },
]

/** openid-client's fetch, with requests for the public origin sent to `to()` instead (the proxy in front of the gateway). */
function viaPublicOrigin(to: () => string, seen: { status: number; challenge: string | null; nonce: string | null }[] = []): oidc.CustomFetch {
  return async (url, options) => {
    const target = url.startsWith(`${PUBLIC_ORIGIN}/`) ? to() + url.slice(PUBLIC_ORIGIN.length) : url
    const response = await fetch(target, options as RequestInit)
    if (target !== url) seen.push({ status: response.status, challenge: response.headers.get('www-authenticate'), nonce: response.headers.get('dpop-nonce') })
    return response
  }
}

describe('openid-client, jotjwt serve and the gateway with DPoP', () => {
  let running: DPoPService
  let service: DPoPService['service']
  let config: oidc.Configuration
  let keyPair: oidc.CryptoKeyPair
  let key: JotKey
  let accessToken: string
  let upstream: TestUpstream

  before(async () => {
    running = await startDPoPService()
    ;({ service, config, keyPair, key, accessToken } = running)
    upstream = await startUpstream('app')
  })
  after(async () => {
    await upstream?.close()
    await running?.close()
  })

  /** A fresh DPoP handle (its own nonce cache) on the token's key. */
  const handle = () => oidc.getDPoPHandle(config, keyPair)
  const proof = (url: string, overrides: { method?: string; key?: JotKey; currentTime?: number; nonce?: string } = {}) =>
    createDPoPProof(overrides.key ?? key, {
      method: overrides.method ?? 'GET',
      url,
      accessToken,
      ...(overrides.currentTime === undefined ? {} : { currentTime: overrides.currentTime }),
      ...(overrides.nonce === undefined ? {} : { nonce: overrides.nonce }),
    })

  /**
   * The refusal matrix at `address` (where requests are sent) for proofs naming `publicUrl` (what
   * the client addressed): every refusal with its exact challenge, the reused proof after its one
   * acceptance, and `allowed` mode's two challenges.
   */
  async function refusals(address: string, publicUrl: string): Promise<void> {
    const call = (path: string, headers: Record<string, string>) => send(`${address}${path}`, { headers })
    const dpop = (value?: string) => ({ authorization: `DPoP ${accessToken}`, ...(value === undefined ? {} : { dpop: value }) })
    const expect = async (name: string, path: string, headers: Record<string, string>, challenge: string) => {
      const refused = await call(path, headers)
      assert.deepEqual([refused.status, refused.headers['www-authenticate']], [401, challenge], name)
    }
    const seen = upstream.seen.length
    await expect('as a bearer token', '/orders', bearer(accessToken), NOT_BOUND)
    await expect('the DPoP scheme without a proof', '/orders', dpop(), NO_PROOF)
    await expect('a proof for another URL', '/orders', dpop(await proof(`${publicUrl}/orders/write`)), BAD_PROOF)
    await expect('a proof for another method', '/orders', dpop(await proof(`${publicUrl}/orders`, { method: 'POST' })), BAD_PROOF)
    await expect('a stale iat', '/orders', dpop(await proof(`${publicUrl}/orders`, { currentTime: Math.floor(Date.now() / 1000) - 600 })), BAD_PROOF)
    await expect('a proof by another key', '/orders', dpop(await proof(`${publicUrl}/orders`, { key: (await generateKeyPair('ES256')).privateKey })), OTHER_KEY)
    const once = await proof(`${publicUrl}/orders`)
    const first = await call('/orders', dpop(once))
    assert.equal(first.status, 200, String(first.headers['www-authenticate']))
    await expect('a reused jti', '/orders', dpop(once), BAD_PROOF)
    assert.equal(upstream.seen.length, seen + 1, 'only the accepted request reached the upstream')
    // allowed: a Bearer and a DPoP challenge, the error on the DPoP one (the token is bound).
    await expect('allowed: as a bearer token', '/either', bearer(accessToken), `Bearer realm="api", ${NOT_BOUND}`)
    await expect('allowed: a proof for another URL', '/either', dpop(await proof(`${publicUrl}/orders`)), `Bearer realm="api", ${BAD_PROOF}`)
    assert.equal((await call('/either', dpop(await proof(`${publicUrl}/either`)))).status, 200)
  }

  describe('reverse proxy, addressed directly', () => {
    let proxy: RunningProxy
    let origin: string
    before(async () => {
      // The client addresses the proxy itself: its own origin is the public one.
      const port = await freePort()
      origin = `http://127.0.0.1:${port}`
      proxy = await startTestProxy({
        listen: { host: '127.0.0.1', port },
        providers: { required: provider(service.issuer, 'required', origin), allowed: provider(service.issuer, 'allowed', origin) },
        rules: RULES,
        proxy: { upstreams: { app: { url: upstream.url } }, defaultUpstream: 'app' },
      })
      assert.equal(proxy.url, origin)
    })
    after(() => proxy?.close())

    test('openid-client calls the upstream with its DPoP handle, in required and allowed mode', async () => {
      for (const path of ['/orders', '/either']) {
        const response = await oidc.fetchProtectedResource(config, accessToken, new URL(`${origin}${path}`), 'GET', undefined, undefined, { DPoP: handle() })
        assert.equal(response.status, 200, path)
        const seen = (await response.json()) as { headers: Record<string, string> }
        assert.equal(seen.headers['x-client-id'], CLIENT_ID)
        assert.equal(seen.headers.authorization, undefined, 'the token is not passed on')
        assert.equal(seen.headers.dpop, undefined, 'nor the proof')
        assert.equal(response.headers.get('dpop-nonce'), null, 'no nonces configured, no DPoP-Nonce')
      }
    })

    test('the same token is refused without the proof, for another URL or method, replayed, stale, or by another key', () => refusals(origin, origin))
  })

  describe('forward-auth behind nginx, the client addressing the public origin', () => {
    let gateway: RunningGateway
    let nginx: Running
    let nginxUrl: string
    before(async () => {
      gateway = await start({
        trustedProxies: ['127.0.0.1'],
        providers: { required: provider(service.issuer, 'required', PUBLIC_ORIGIN), allowed: provider(service.issuer, 'allowed', PUBLIC_ORIGIN) },
        rules: RULES,
      })
      nginx = await startNginx({ gateway: gateway.url.slice('http://'.length), upstream: upstream.url.slice('http://'.length), headers: gateway.gateway.managedHeaders })
      nginxUrl = `http://127.0.0.1:${nginx.port}`
    })
    after(async () => {
      await nginx?.close()
      await gateway?.close()
    })

    test('openid-client calls https://api.example (nginx) with its DPoP handle; the proof names the public origin', async () => {
      const behind = new oidc.Configuration(config.serverMetadata(), CLIENT_ID, undefined, oidc.ClientSecretBasic(CLIENT_SECRET))
      oidc.allowInsecureRequests(behind)
      behind[oidc.customFetch] = viaPublicOrigin(() => nginxUrl)
      for (const path of ['/orders', '/either']) {
        const response = await oidc.fetchProtectedResource(behind, accessToken, new URL(`${PUBLIC_ORIGIN}${path}`), 'GET', undefined, undefined, { DPoP: oidc.getDPoPHandle(behind, keyPair) })
        assert.equal(response.status, 200, path)
        assert.equal(((await response.json()) as { headers: Record<string, string> }).headers['x-client-id'], CLIENT_ID)
      }
      // A proof for the address nginx listens on is not one for the public origin.
      const internal = await send(`${nginxUrl}/orders`, { headers: { authorization: `DPoP ${accessToken}`, dpop: await proof(`${nginxUrl}/orders`) } })
      assert.deepEqual([internal.status, internal.headers['www-authenticate']], [401, BAD_PROOF])
    })

    test('the same token is refused without the proof, for another URL or method, replayed, stale, or by another key', () => refusals(nginxUrl, PUBLIC_ORIGIN))
  })

  describe('two gateway replicas sharing the Redis replay store', () => {
    const prefix = `${DPOP_KEY_PREFIX}gateway-e2e-${process.pid}-${randomUUID()}-`
    let replicas: RunningGateway[] = []
    let redis: Awaited<ReturnType<typeof connectRedis>>
    before(async () => {
      redis = await connectRedis()
      const settings = { trustedProxies: ['127.0.0.1'], dpopReplay: { redis: { url: REDIS_URL, prefix } }, providers: { required: provider(service.issuer, 'required', PUBLIC_ORIGIN) }, rules: [RULES[0]] }
      replicas = [await start(settings), await start(settings)]
    })
    after(async () => {
      for (const replica of replicas) await replica.close()
      if (redis?.isOpen) {
        for await (const keys of redis.scanIterator({ MATCH: `${prefix}*` })) if (keys.length > 0) await redis.del(keys)
        await redis.quit()
      }
    })

    test('a proof accepted by gateway A is refused by gateway B', async () => {
      const headers = { authorization: `DPoP ${accessToken}`, dpop: await proof(`${PUBLIC_ORIGIN}/orders`) }
      assert.equal((await ask(replicas[0]!, 'GET', '/orders', headers)).status, 200)
      const replayed = await ask(replicas[1]!, 'GET', '/orders', headers)
      assert.deepEqual([replayed.status, replayed.headers['www-authenticate']], [401, BAD_PROOF])
    })
  })

  describe('server nonces (dpopNonce): two reverse-proxy replicas with one secret, behind one public origin', () => {
    const prefix = `${DPOP_KEY_PREFIX}gateway-e2e-nonce-${process.pid}-${randomUUID()}-`
    let replicas: RunningProxy[] = []
    let stranger: RunningProxy
    let redis: Awaited<ReturnType<typeof connectRedis>>
    const settings = (secret: string) => ({
      dpopReplay: { redis: { url: REDIS_URL, prefix } },
      providers: { required: provider(service.issuer, 'required', PUBLIC_ORIGIN, { dpopNonce: { secret } }) },
      rules: [RULES[0]],
      proxy: { upstreams: { app: { url: upstream.url } }, defaultUpstream: 'app' },
    })
    before(async () => {
      redis = await connectRedis()
      replicas = [await startTestProxy(settings(NONCE_SECRET)), await startTestProxy(settings(NONCE_SECRET))]
      stranger = await startTestProxy(settings(`${NONCE_SECRET}-another`))
    })
    after(async () => {
      for (const proxy of [...replicas, stranger]) await proxy?.close()
      if (redis?.isOpen) {
        for await (const keys of redis.scanIterator({ MATCH: `${prefix}*` })) if (keys.length > 0) await redis.del(keys)
        await redis.quit()
      }
    })

    test("openid-client retries on use_dpop_nonce; the retry goes to the other replica, which accepts the first one's nonce", async () => {
      const seen: { status: number; challenge: string | null; nonce: string | null }[] = []
      let turn = 0
      const behind = new oidc.Configuration(config.serverMetadata(), CLIENT_ID, undefined, oidc.ClientSecretBasic(CLIENT_SECRET))
      oidc.allowInsecureRequests(behind)
      // A load balancer taking turns: the first request goes to A, its retry to B.
      behind[oidc.customFetch] = viaPublicOrigin(() => replicas[turn++ % 2]!.url, seen)
      const dpopHandle = oidc.getDPoPHandle(behind, keyPair)
      const first = await oidc.fetchProtectedResource(behind, accessToken, new URL(API), 'GET', undefined, undefined, { DPoP: dpopHandle })
      assert.equal(first.status, 200)
      assert.equal(seen.length, 2)
      const [asked, accepted] = seen as [(typeof seen)[0], (typeof seen)[0]]
      assert.deepEqual([asked.status, asked.challenge], [401, USE_NONCE])
      assert.match(asked.nonce ?? '', /^[A-Za-z0-9_-]{22}$/)
      assert.deepEqual([accepted.status, accepted.nonce], [200, asked.nonce], 'the proxied answer carries the current nonce')
      // The nonce is cached by the handle: the next call (to A again) is accepted at once.
      const second = await oidc.fetchProtectedResource(behind, accessToken, new URL(API), 'GET', undefined, undefined, { DPoP: dpopHandle })
      assert.equal(second.status, 200)
      assert.deepEqual(seen.slice(2).map(({ status }) => status), [200], 'one request, no retry')
    })

    test('a proof without a nonce, or with a nonce of another secret, is use_dpop_nonce with DPoP-Nonce', async () => {
      const url = `${PUBLIC_ORIGIN}/orders`
      const without = await send(`${replicas[0]!.url}/orders`, { headers: { authorization: `DPoP ${accessToken}`, dpop: await proof(url) } })
      assert.deepEqual([without.status, without.headers['www-authenticate']], [401, USE_NONCE])
      const nonce = String(without.headers['dpop-nonce'])
      const foreign = await send(`${stranger.url}/orders`, { headers: { authorization: `DPoP ${accessToken}`, dpop: await proof(url, { nonce }) } })
      assert.deepEqual([foreign.status, foreign.headers['www-authenticate']], [401, USE_NONCE])
      assert.notEqual(foreign.headers['dpop-nonce'], nonce)
      const bearerRefused = await send(`${replicas[1]!.url}/orders`, { headers: bearer(accessToken) })
      assert.deepEqual([bearerRefused.status, bearerRefused.headers['www-authenticate'], bearerRefused.headers['dpop-nonce']], [401, NOT_BOUND, nonce])
      const ok = await send(`${replicas[1]!.url}/orders`, { headers: { authorization: `DPoP ${accessToken}`, dpop: await proof(url, { nonce }) } })
      assert.deepEqual([ok.status, ok.headers['dpop-nonce']], [200, nonce])
    })
  })

  describe('server nonces at the forward-auth endpoint, passed on by nginx', () => {
    let gateway: RunningGateway
    let nginx: Running
    before(async () => {
      gateway = await start({ trustedProxies: ['127.0.0.1'], providers: { required: provider(service.issuer, 'required', PUBLIC_ORIGIN, { dpopNonce: { secret: NONCE_SECRET } }) }, rules: [RULES[0]] })
      nginx = await startNginx({ gateway: gateway.url.slice('http://'.length), upstream: upstream.url.slice('http://'.length), headers: gateway.gateway.managedHeaders })
    })
    after(async () => {
      await nginx?.close()
      await gateway?.close()
    })

    test('the auth answer carries DPoP-Nonce, on the refusal and on the 200; openid-client retries through nginx and succeeds', async () => {
      const direct = await ask(gateway, 'GET', '/orders', { authorization: `DPoP ${accessToken}`, dpop: await proof(`${PUBLIC_ORIGIN}/orders`) })
      assert.deepEqual([direct.status, direct.headers['www-authenticate']], [401, USE_NONCE])
      const nonce = String(direct.headers['dpop-nonce'])
      const allowed = await ask(gateway, 'GET', '/orders', { authorization: `DPoP ${accessToken}`, dpop: await proof(`${PUBLIC_ORIGIN}/orders`, { nonce }) })
      assert.deepEqual([allowed.status, allowed.headers['dpop-nonce']], [200, nonce])

      const seen: { status: number; challenge: string | null; nonce: string | null }[] = []
      const behind = new oidc.Configuration(config.serverMetadata(), CLIENT_ID, undefined, oidc.ClientSecretBasic(CLIENT_SECRET))
      oidc.allowInsecureRequests(behind)
      behind[oidc.customFetch] = viaPublicOrigin(() => `http://127.0.0.1:${nginx.port}`, seen)
      const response = await oidc.fetchProtectedResource(behind, accessToken, new URL(API), 'GET', undefined, undefined, { DPoP: oidc.getDPoPHandle(behind, keyPair) })
      assert.equal(response.status, 200)
      assert.deepEqual(
        seen.map(({ status, challenge, nonce: sent }) => [status, challenge, sent]),
        [
          [401, USE_NONCE, nonce],
          [200, null, nonce],
        ],
      )
    })
  })
})
