// Load held: mixed traffic against two replica processes on one PostgreSQL and one Redis for
// SCALE_LOAD_SECONDS (default 30; the issue's figure is 60), with a signing key rotated through
// the admin API on replica A half way through. Every loop hits one replica; refresh chains are
// shared, so a chain's next refresh lands on either replica. Every answer is checked, not sampled:
//   - no 5xx, no timeouts or connection errors, and in fact nothing but 200 (a refresh chain that
//     broke, or an introspection of a live token answering inactive, is a failure too);
//   - the rotated key reached B's JWKS by pub/sub within 1 s (polling is set to a minute);
//   - the new key signed tokens on both replicas after its publish-ahead time;
//   - every access token issued during the run verifies (jot's remote key set, RFC 9068 profile)
//     against A's and against B's /jwks.json fetched at the end.
// Prints req/s, p50, p99 per endpoint and replica.
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { createAccessTokenVerifier, createRemoteKeySet, decodeJWTUnverified } from 'jotjwt'
import { appClient, authorizationCode, Browser, redeemCode } from '../test/browser.js'
import { formatStats, runLoad, type Endpoint, type LoadRequest } from './mixed-load.js'
import { opsClient, publishedKids, rotateThroughAdminApi, startDeployment, type Deployment, type Replica } from './replicas.js'

const SECONDS = Number(process.env.SCALE_LOAD_SECONDS ?? 30)
/** Loops per endpoint and replica. */
const CONCURRENCY = Number(process.env.SCALE_LOAD_CONCURRENCY ?? 2)
/** Refresh chains shared by the refresh loops of both replicas (more than the loops, so none waits). */
const CHAINS = 4 * CONCURRENCY
/** The new key signs this long after the rotation: well inside the second half of the run. */
const PUBLISH_AHEAD = Math.max(1, Math.min(5, Math.floor(SECONDS / 4)))
const API = 'https://api.example/orders'
const SVC = { id: 'svc', secret: 'svc-client-secret-0123456789abcdef' }
const RS = { id: 'orders-api', secret: 'orders-api-secret-0123456789abcdef' }
const USER = { username: 'grace', password: 'a long enough password' }
const FORM = { 'content-type': 'application/x-www-form-urlencoded' }
const basic = (client: { id: string; secret: string }) => `Basic ${Buffer.from(`${client.id}:${client.secret}`).toString('base64')}`

interface Issued {
  token: string
  replica: string
  /** Milliseconds since the load started. */
  at: number
}

const kidOf = (token: string) => decodeJWTUnverified(token).header.kid as string

describe(`load held: ${SECONDS} s of mixed traffic against two replica processes, a key rotated half way`, () => {
  let deployment: Deployment
  const chains: string[] = []
  before(async () => {
    deployment = await startDeployment((issuer) => ({
      rateLimit: { tokenRequestsPerClient: 0 },
      redis: { notifications: true, pollInterval: '60s' },
      keys: { publishAhead: PUBLISH_AHEAD, checkInterval: 1 },
      clients: [
        { clientId: SVC.id, clientSecret: SVC.secret, scopes: ['orders:read'], resources: [API] },
        { clientId: RS.id, clientSecret: RS.secret, scopes: [], resources: [API] },
        appClient('app', API),
        opsClient(issuer),
      ],
      users: [USER],
    }))
    // One person, logged in once at A; each code redeemed at either replica starts a chain.
    const browser = new Browser()
    for (let index = 0; index < CHAINS; index++) {
      const code = await authorizationCode(browser, deployment.issuer, 'app', 'orders:read', USER)
      const response = await redeemCode((index % 2 === 0 ? deployment.a : deployment.b).url, 'app', code)
      const body = (await response.json()) as { refresh_token: string }
      assert.equal(response.status, 200, JSON.stringify(body))
      chains.push(body.refresh_token)
    }
  })
  after(async () => {
    await deployment?.close()
  })

  test('0 5xx, nothing but 200, the rotated key in B\'s JWKS within 1 s, and every issued access token verifies against both replicas\' JWKS', async () => {
    const { a, b } = deployment
    const issued: Issued[] = []
    const inactive: string[] = []
    const brokenChains: number[] = []
    let loadStarted = 0
    const collect = (replica: Replica, status: number, body: string) => {
      if (status !== 200) return undefined
      const answer = JSON.parse(body) as { access_token: string; refresh_token?: string }
      issued.push({ token: answer.access_token, replica: replica.name, at: performance.now() - loadStarted })
      return answer
    }
    const endpoints = (replica: Replica): Endpoint[] => [
      {
        name: 'token client_credentials',
        url: replica.url,
        replica: replica.name,
        concurrency: CONCURRENCY,
        next: () => ({ method: 'POST', path: '/token', headers: { ...FORM, authorization: basic(SVC) }, body: `grant_type=client_credentials&resource=${encodeURIComponent(API)}` }),
        answered: (status, body) => void collect(replica, status, body),
      },
      {
        name: 'token refresh_token (chained)',
        url: replica.url,
        replica: replica.name,
        concurrency: CONCURRENCY,
        next: (): LoadRequest | undefined => {
          const refreshToken = chains.shift()
          if (refreshToken === undefined) return undefined
          return { method: 'POST', path: '/token', headers: FORM, body: new URLSearchParams({ grant_type: 'refresh_token', client_id: 'app', refresh_token: refreshToken }).toString() }
        },
        answered: (status, body) => {
          const answer = collect(replica, status, body)
          if (answer?.refresh_token === undefined) brokenChains.push(status)
          else chains.push(answer.refresh_token)
        },
      },
      {
        name: 'introspect',
        url: replica.url,
        replica: replica.name,
        concurrency: CONCURRENCY,
        // A recent token, issued by either replica.
        next: (): LoadRequest | undefined => {
          const recent = issued[issued.length - 1 - Math.floor(Math.random() * Math.min(issued.length, 200))]
          if (recent === undefined) return undefined
          return { method: 'POST', path: '/introspect', headers: { ...FORM, authorization: basic(RS) }, body: `token=${recent.token}` }
        },
        answered: (status, body, request) => {
          if (status === 200 && (JSON.parse(body) as { active: boolean }).active !== true) inactive.push(request.body!.slice('token='.length))
        },
      },
      { name: 'jwks', url: replica.url, replica: replica.name, concurrency: CONCURRENCY, next: () => ({ method: 'GET', path: '/jwks.json' }), answered: () => undefined },
    ]

    // Warm-up, not measured: each replica checks each client secret once with its KDF (scrypt), then
    // by a cached HMAC (crypto/secret-hash.ts); the first answers would otherwise be the p99.
    let oldKid = ''
    for (const replica of deployment.replicas) {
      const grant = await fetch(`${replica.url}/token`, { method: 'POST', headers: { ...FORM, authorization: basic(SVC) }, body: `grant_type=client_credentials&resource=${encodeURIComponent(API)}` })
      const { access_token: token } = (await grant.json()) as { access_token: string }
      assert.equal(grant.status, 200)
      oldKid = kidOf(token)
      const introspection = await fetch(`${replica.url}/introspect`, { method: 'POST', headers: { ...FORM, authorization: basic(RS) }, body: `token=${token}` })
      assert.equal(((await introspection.json()) as { active: boolean }).active, true)
    }
    loadStarted = performance.now()
    const rotation = (async () => {
      await new Promise((resolve) => setTimeout(resolve, (SECONDS * 1000) / 2))
      const rotatedAt = performance.now() - loadStarted
      const newKid = await rotateThroughAdminApi(deployment, a)
      const requested = performance.now()
      while (!(await publishedKids(b)).includes(newKid)) {
        assert.ok(performance.now() - requested < 1000, 'the new key is in B\'s JWKS within 1 s')
        await new Promise((resolve) => setTimeout(resolve, 20))
      }
      return { newKid, rotatedAt, inB: performance.now() - requested }
    })()
    const [stats, rotated] = await Promise.all([runLoad([...endpoints(a), ...endpoints(b)], SECONDS), rotation])

    console.log(`# ${SECONDS} s, ${CONCURRENCY} loops per endpoint and replica, ${CHAINS} refresh chains shared by both replicas`)
    console.log(formatStats(stats).replace(/^/gm, '# '))
    const total = stats.reduce((sum, s) => sum + s.requests, 0)
    const count = (test: (status: number) => boolean) => stats.reduce((sum, s) => sum + Object.entries(s.statuses).filter(([status]) => test(Number(status))).reduce((n, [, k]) => n + k, 0), 0)
    const failed = stats.reduce((sum, s) => sum + Object.values(s.failures).reduce((n, k) => n + k, 0), 0)
    console.log(`# total ${total} requests, ${(total / SECONDS).toFixed(0)}/s; 5xx ${count((s) => s >= 500)}, other non-200 ${count((s) => s !== 200 && s < 500)}, timeouts/connection errors ${failed}`)
    console.log(`# key rotated on A at ${(rotated.rotatedAt / 1000).toFixed(1)} s (publish ahead ${PUBLISH_AHEAD} s); in B's JWKS after ${rotated.inB.toFixed(0)} ms`)

    assert.equal(count((s) => s >= 500), 0, '0 5xx')
    assert.equal(failed, 0, `no timeouts or connection errors: ${JSON.stringify(stats.map((s) => s.failures))}`)
    assert.equal(count((s) => s !== 200), 0, 'nothing but 200')
    assert.deepEqual(brokenChains, [], 'no refresh chain broke')
    assert.deepEqual(inactive.length, 0, 'every introspected token (live, from either replica) is active')
    for (const s of stats) assert.ok(s.requests > 0, `${s.name} at ${s.replica} was exercised`)

    // The rotation happened under load: the old key signed before it, the new one on both replicas after.
    const signers = (replica: string) => new Set(issued.filter((entry) => entry.replica === replica).map((entry) => kidOf(entry.token)))
    for (const replica of ['A', 'B']) {
      assert.ok(signers(replica).has(oldKid), `${replica} signed with the old key`)
      assert.ok(signers(replica).has(rotated.newKid), `${replica} signed with the rotated key`)
    }

    const verifying = performance.now()
    for (const replica of deployment.replicas) {
      const verify = createAccessTokenVerifier({ issuer: deployment.issuer, audience: API, algorithms: ['ES256'], key: createRemoteKeySet(`${replica.url}/jwks.json`, { allowHttp: true }) })
      const failures: string[] = []
      for (const entry of issued) {
        await verify(entry.token).catch((error: Error) => failures.push(`${entry.replica} token at ${(entry.at / 1000).toFixed(1)} s (kid ${kidOf(entry.token)}): ${error.message}`))
      }
      assert.deepEqual(failures.slice(0, 5), [], `${failures.length} of ${issued.length} tokens fail against ${replica.name}'s JWKS`)
    }
    console.log(`# ${issued.length} access tokens issued (A ${issued.filter((e) => e.replica === 'A').length}, B ${issued.filter((e) => e.replica === 'B').length}), every one verified against A's and B's JWKS in ${((performance.now() - verifying) / 1000).toFixed(1)} s`)
    assert.deepEqual(deployment.errorLines(), [])
  })
})
