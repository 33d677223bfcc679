// Two replica processes (`jotjwt serve --config`) on one PostgreSQL schema and one Redis agree:
//   - a signing key rotated through the admin API on A is in B's JWKS within 1 s: B's copy of the
//     key list is renewed by the pub/sub notification (polling is set to a minute, so nothing else
//     can renew it in time), and once its publish-ahead time has passed B signs with it;
//   - 1,000 concurrent refreshes of one refresh token spread over both (even requests to A, odd to
//     B): exactly one rotation happens, whichever replica each request reached. Inside a grace
//     window every caller that gets tokens gets the one successor; without one exactly one caller
//     wins and the rest are reuse. Then the store is read: the token has exactly one successor.
import assert from 'node:assert/strict'
import { createAccessTokenVerifier, createRemoteKeySet, decodeJWTUnverified } from 'jotjwt'
import { after, before, describe, test } from 'node:test'
import { hashToken } from '../src/crypto/token-hash.js'
import { appClient, authorizationCode, Browser, redeemCode } from '../test/browser.js'
import { eventually } from '../test/redis-helpers.js'
import { opsClient, publishedKids, rotateThroughAdminApi, startDeployment, type Deployment, type Replica } from './replicas.js'

const CONCURRENCY = 1000
/** The longest grace window there is: retries after 503s on a starved machine stay inside it. */
const GRACE = 300
const API = 'https://api.example/orders'
const USER = { username: 'grace', password: 'a long enough password' }
const SVC = { id: 'svc', secret: 'svc-client-secret-0123456789abcdef' }
/** How long a rotated key is published before it signs. */
const PUBLISH_AHEAD = 2

interface Answer {
  replica: string
  status: number
  body: Record<string, unknown>
  retryAfter: string | null
  /** Requests this caller sent (more than one after 503 answers). */
  attempts: number
}

async function refresh(replica: Replica, clientId: string, refreshToken: string): Promise<Answer> {
  const response = await fetch(`${replica.url}/token`, { method: 'POST', body: new URLSearchParams({ grant_type: 'refresh_token', client_id: clientId, refresh_token: refreshToken }) })
  return { replica: replica.name, status: response.status, body: (await response.json()) as Record<string, unknown>, retryAfter: response.headers.get('retry-after'), attempts: 1 }
}

/** 503 `temporarily_unavailable` with `Retry-After`: the service's backpressure (a pool with too many waiting), RFC 6749 §5.2-shaped. */
const isBackpressure = (answer: Answer) => answer.status === 503 && answer.body.error === 'temporarily_unavailable' && Number(answer.retryAfter) >= 1

/** A person logs in through A's form (the issuer's address); the client redeems the code at B. The family's first refresh token. */
async function firstRefreshToken(deployment: Deployment, clientId: string): Promise<string> {
  const code = await authorizationCode(new Browser(), deployment.issuer, clientId, 'orders:read', USER)
  const response = await redeemCode(deployment.b.url, clientId, code)
  const body = (await response.json()) as Record<string, unknown>
  assert.equal(response.status, 200, JSON.stringify(body))
  return body.refresh_token as string
}

/**
 * The race: `CONCURRENCY` connections opened first (a request each to /health, kept alive), half
 * to each replica, so the refreshes leave in one burst rather than as connections come up. With
 * `retry`, a caller answered 503 with `Retry-After` does what the README tells a client: waits that
 * long and sends the same request again (at most 5 times).
 */
async function race(deployment: Deployment, clientId: string, refreshToken: string, retry: boolean): Promise<Answer[]> {
  const target = (index: number) => (index % 2 === 0 ? deployment.a : deployment.b)
  await Promise.all(Array.from({ length: CONCURRENCY }, async (_, index) => (await fetch(`${target(index).url}/health`)).text()))
  const started = performance.now()
  const answers = await Promise.all(
    Array.from({ length: CONCURRENCY }, async (_, index) => {
      let answer = await refresh(target(index), clientId, refreshToken)
      for (let attempts = 2; retry && isBackpressure(answer) && attempts <= 5; attempts++) {
        await new Promise((resolve) => setTimeout(resolve, Number(answer.retryAfter) * 1000))
        answer = { ...(await refresh(target(index), clientId, refreshToken)), attempts }
      }
      return answer
    }),
  )
  const retried = answers.filter((answer) => answer.attempts > 1).length
  console.log(`# ${CONCURRENCY} refreshes answered in ${((performance.now() - started) / 1000).toFixed(1)} s${retried === 0 ? '' : ` (${retried} retried after 503 + Retry-After)`}`)
  return answers
}

const tally = (answers: readonly Answer[]) => {
  const counts = new Map<string, number>()
  for (const answer of answers) {
    const key = `${answer.replica} ${answer.status}${answer.status === 200 ? '' : ` ${String(answer.body.error)}`}${answer.attempts > 1 ? ` after ${answer.attempts} attempts` : ''}`
    counts.set(key, (counts.get(key) ?? 0) + 1)
  }
  return [...counts].sort().map(([key, count]) => `${key}: ${count}`).join(', ')
}

/** The family's refresh tokens in the store: the original and every successor written. */
async function familyRows(deployment: Deployment, original: string) {
  return deployment.query<{ token_hash: string; consumed_at: number | null; successor_hash: string | null }>(
    'select token_hash, consumed_at, successor_hash from refresh_tokens where grant_id = (select grant_id from refresh_tokens where token_hash = $1) order by created_at',
    [hashToken(original)],
  )
}

describe('two replica processes on one PostgreSQL schema and one Redis', () => {
  let deployment: Deployment
  before(async () => {
    const started = performance.now()
    deployment = await startDeployment((issuer) => ({
      rateLimit: { tokenRequestsPerClient: 0 },
      // Polling once a minute: only a notification can get a change to the other replica within a second.
      redis: { notifications: true, pollInterval: '60s' },
      keys: { publishAhead: PUBLISH_AHEAD },
      clients: [
        appClient('app-grace', API, GRACE),
        appClient('app-strict', API, 0),
        { clientId: SVC.id, clientSecret: SVC.secret, scopes: ['orders:read'], resources: [API] },
        opsClient(issuer),
      ],
      users: [USER],
    }))
    console.log(`# two replicas listening after ${((performance.now() - started) / 1000).toFixed(1)} s`)
  })
  after(async () => {
    await deployment?.close()
  })

  test('a key rotated through the admin API on A is in B\'s JWKS within 1 s (pub/sub), and signs B\'s tokens after its publish-ahead time', async () => {
    const { a, b } = deployment
    const accessToken = async (replica: Replica) => {
      const response = await fetch(`${replica.url}/token`, {
        method: 'POST',
        headers: { authorization: `Basic ${Buffer.from(`${SVC.id}:${SVC.secret}`).toString('base64')}` },
        body: new URLSearchParams({ grant_type: 'client_credentials', resource: API }),
      })
      const body = (await response.json()) as { access_token: string }
      assert.equal(response.status, 200, JSON.stringify(body))
      return body.access_token
    }
    const kidOf = (token: string) => decodeJWTUnverified(token).header.kid as string
    // B has loaded its key list and keeps a copy for a minute.
    const old = kidOf(await accessToken(b))
    assert.ok((await publishedKids(b)).includes(old))

    const rotated = await rotateThroughAdminApi(deployment, a)
    const ms = await eventually(1000, "the rotated key in B's JWKS", async () => (await publishedKids(b)).includes(rotated))
    console.log(`# the key rotated on A was in B's JWKS after ${ms.toFixed(0)} ms`)
    assert.ok((await publishedKids(b)).includes(old), 'the old key stays published')

    // Not a timing claim: the bound only ends a test that would otherwise wait forever.
    await eventually(PUBLISH_AHEAD * 1000 + 10_000, 'B signs with the rotated key', async () => kidOf(await accessToken(b)) === rotated)
    const token = await accessToken(b)
    for (const replica of deployment.replicas) {
      const verify = createAccessTokenVerifier({ issuer: deployment.issuer, audience: API, algorithms: ['ES256'], key: createRemoteKeySet(`${replica.url}/jwks.json`, { allowHttp: true }) })
      assert.equal((await verify(token)).payload.client_id, SVC.id)
    }
    assert.deepEqual((await publishedKids(a)).sort(), (await publishedKids(b)).sort())
  })

  test(`inside a ${GRACE} s grace window: every caller, at either replica, ends with the same successor (503s retried); the store holds one`, async () => {
    const original = await firstRefreshToken(deployment, 'app-grace')
    const answers = await race(deployment, 'app-grace', original, true)
    console.log(`# grace window on: ${tally(answers)}`)
    // A pool with too many callers waiting answers 503 with retry advice (backpressure); a retry
    // inside the window is a plain use of the spent token and gets the same successor.
    assert.ok(answers.every((answer) => answer.status === 200), `every caller got tokens in the end: ${tally(answers)}`)
    assert.deepEqual(new Set(answers.map((answer) => answer.replica)), new Set(['A', 'B']))
    const successors = new Set(answers.map((answer) => answer.body.refresh_token as string))
    assert.equal(successors.size, 1, `exactly one successor, not ${successors.size}`)
    const [successor] = successors as Set<string> & [string]
    assert.notEqual(successor, original)
    assert.equal(new Set(answers.map((answer) => answer.body.access_token)).size, CONCURRENCY, 'each caller has its own access token')

    const rows = await familyRows(deployment, original)
    assert.deepEqual(
      rows.map((row) => [row.token_hash, row.consumed_at === null ? 'unspent' : 'spent', row.successor_hash]),
      [
        [hashToken(original), 'spent', hashToken(successor)],
        [hashToken(successor), 'unspent', null],
      ],
    )
    assert.deepEqual(deployment.errorLines(), [])
  })

  test('without a grace window: exactly one 200, every other answer invalid_grant (or 503 with retry advice); the store holds one successor', async () => {
    const original = await firstRefreshToken(deployment, 'app-strict')
    // No retries: without a grace window a second use of a token is reuse whatever the reason.
    const answers = await race(deployment, 'app-strict', original, false)
    console.log(`# grace window off: ${tally(answers)}`)
    const ok = answers.filter((answer) => answer.status === 200)
    assert.equal(ok.length, 1, `exactly one 200: ${tally(answers)}`)
    assert.ok(
      answers.every((answer) => answer.status === 200 || (answer.status === 400 && answer.body.error === 'invalid_grant') || isBackpressure(answer)),
      `the losers are invalid_grant, or 503 with Retry-After: ${tally(answers)}`,
    )
    const successor = ok[0]!.body.refresh_token as string
    const rows = await familyRows(deployment, original)
    assert.deepEqual(
      rows.map((row) => [row.token_hash, row.consumed_at === null ? 'unspent' : 'spent', row.successor_hash]),
      [
        [hashToken(original), 'spent', hashToken(successor)],
        [hashToken(successor), 'unspent', null],
      ],
    )
    // The losers were reuse (RFC 9700 §4.14.2): the family, the winner's successor included, is revoked.
    const [grant] = await deployment.query<{ revoked_at: number | null }>('select revoked_at from grants where id = (select grant_id from refresh_tokens where token_hash = $1)', [hashToken(original)])
    assert.notEqual(grant?.revoked_at, null, 'the family is revoked')
    const reused = await refresh(deployment.b, 'app-strict', successor)
    assert.equal(reused.body.error, 'invalid_grant')
    assert.deepEqual(deployment.errorLines(), [])
  })
})
