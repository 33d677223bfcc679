// 1,000 concurrent refreshes of one refresh token, over HTTP against the running service, on SQLite
// and on PostgreSQL:
//   - inside a grace window every caller gets the same successor (exactly one rotation happened);
//     after the window, using the spent token again is reuse: the family is revoked, and every
//     access token issued from it introspects inactive;
//   - with no grace window exactly one caller can win and the losers count as reuse: the whole
//     family, the winner's successor and access token included, is revoked.
// The first check is then run against a store whose rotation is deliberately not atomic (read, then
// write): it must fail there, which shows the test can catch the race it is about.
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, test } from 'node:test'
import type { ServiceConfigInput } from '../src/config/schema.js'
import { startService, type RunningService } from '../src/service/service.js'
import type { Store } from '../src/store/store.js'
import { BACKENDS } from './backends.js'
import { APP_REDIRECT, APP_VERIFIER, appClient, authorizationCode, Browser } from './browser.js'
import { createMemoryStore } from './memory-store.js'

const CONCURRENCY = 1000
const GRACE = 60
const API = 'https://api.example/orders'
const RS_SECRET = 'resource-server-secret-0123456789'
const USER = { username: 'grace', password: 'a long enough password' }

function config(created: { dataDir: string; store?: ServiceConfigInput['store'] }): ServiceConfigInput {
  return {
    dev: true,
    dataDir: created.dataDir,
    ...(created.store ? { store: created.store } : {}),
    listen: { host: '127.0.0.1', port: 0 },
    log: { level: 'silent' },
    rateLimit: { tokenRequestsPerClient: 0 },
    clients: [
      appClient('app-grace', API, GRACE),
      appClient('app-strict', API, 0),
      // A resource server: introspects the tokens issued for its audience.
      { clientId: 'orders-api', clientSecret: RS_SECRET, scopes: [], resources: [API] },
    ],
    users: [{ ...USER, groups: ['staff'] }],
  }
}

/** A clock the test can move forward; the service and its key managers read it. */
const clock = { offset: 0, now: () => Date.now() / 1000 + clock.offset }

interface Answer {
  status: number
  body: Record<string, unknown>
}

async function token(service: RunningService, params: Record<string, string>): Promise<Answer> {
  const response = await fetch(`${service.issuer}/token`, { method: 'POST', body: new URLSearchParams(params) })
  return { status: response.status, body: (await response.json()) as Record<string, unknown> }
}

/** A person logs in through the form; the client redeems the code. Returns the family's first refresh token. */
async function firstRefreshToken(service: RunningService, clientId: string): Promise<string> {
  const code = await authorizationCode(new Browser(), service.issuer, clientId, 'orders:read', USER)
  const answer = await token(service, { grant_type: 'authorization_code', client_id: clientId, code, redirect_uri: APP_REDIRECT, code_verifier: APP_VERIFIER })
  assert.equal(answer.status, 200, JSON.stringify(answer.body))
  return answer.body.refresh_token as string
}

interface Race {
  statuses: number[]
  /** The distinct refresh tokens handed out. */
  successors: Set<string>
  accessTokens: string[]
  errors: string[]
}

/**
 * `CONCURRENCY` refreshes of one token at once, each on its own connection. The connections are
 * opened first (a request each to /health, kept alive), so the refreshes reach the server in one
 * burst rather than one by one as connections come up.
 */
async function race(service: RunningService, clientId: string, refreshToken: string): Promise<Race> {
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => (await fetch(`${service.issuer}/health`)).text()))
  const answers = await Promise.all(Array.from({ length: CONCURRENCY }, () => token(service, { grant_type: 'refresh_token', client_id: clientId, refresh_token: refreshToken })))
  return {
    statuses: answers.map((answer) => answer.status),
    successors: new Set(answers.flatMap((answer) => (answer.status === 200 ? [answer.body.refresh_token as string] : []))),
    accessTokens: answers.flatMap((answer) => (answer.status === 200 ? [answer.body.access_token as string] : [])),
    errors: answers.flatMap((answer) => (answer.status === 200 ? [] : [String(answer.body.error)])),
  }
}

/** The grace-window check: every caller succeeds, all with one and the same successor. */
async function assertOneSuccessorInGrace(service: RunningService, refreshToken: string): Promise<Race> {
  const result = await race(service, 'app-grace', refreshToken)
  assert.deepEqual([...new Set(result.statuses)], [200], `every caller gets tokens (errors: ${[...new Set(result.errors)].join(', ')})`)
  assert.equal(result.successors.size, 1, `exactly one successor, not ${result.successors.size}`)
  assert.ok(!result.successors.has(refreshToken))
  return result
}

async function introspect(service: RunningService, tokens: readonly string[]): Promise<boolean[]> {
  const auth = `Basic ${Buffer.from(`orders-api:${RS_SECRET}`).toString('base64')}`
  const one = async (value: string) => {
    const response = await fetch(`${service.issuer}/introspect`, { method: 'POST', headers: { authorization: auth }, body: new URLSearchParams({ token: value }) })
    assert.equal(response.status, 200)
    return ((await response.json()) as { active: boolean }).active
  }
  // The first one alone: it pays the secret's KDF, the others find it verified (crypto/secret-hash.ts).
  const results = tokens.length === 0 ? [] : [await one(tokens[0]!)]
  for (let start = 1; start < tokens.length; start += 100) results.push(...(await Promise.all(tokens.slice(start, start + 100).map(one))))
  return results
}

for (const backend of BACKENDS) {
  describe(`${CONCURRENCY} concurrent refreshes of one token (${backend.name})`, () => {
    let service: RunningService
    let drop: () => Promise<void> = async () => undefined
    const started = (async () => {
      const created = await backend.create()
      drop = created.drop
      service = await startService(config(created), { now: clock.now })
    })()
    after(async () => {
      await started.catch(() => undefined)
      await service?.close()
      await drop()
    })

    test('inside the grace window: all get the same successor; after it, reuse revokes the family and its access tokens', async () => {
      await started
      const original = await firstRefreshToken(service, 'app-grace')
      const { successors, accessTokens } = await assertOneSuccessorInGrace(service, original)
      assert.equal(new Set(accessTokens).size, CONCURRENCY, 'each caller has its own access token')
      assert.deepEqual(new Set(await introspect(service, accessTokens.slice(0, 50))), new Set([true]))

      clock.offset += GRACE + 1
      const reuse = await token(service, { grant_type: 'refresh_token', client_id: 'app-grace', refresh_token: original })
      assert.deepEqual([reuse.status, reuse.body.error], [400, 'invalid_grant'])
      const active = await introspect(service, accessTokens)
      assert.equal(active.filter(Boolean).length, 0, 'every access token of the family is denylisted')
      const [successor] = successors
      const next = await token(service, { grant_type: 'refresh_token', client_id: 'app-grace', refresh_token: successor! })
      assert.deepEqual([next.status, next.body.error], [400, 'invalid_grant'], 'the successor died with its family')
    })

    test('with no grace window: one winner at most, the losers are reuse, and the whole family is revoked, winner included', async () => {
      await started
      const original = await firstRefreshToken(service, 'app-strict')
      const { statuses, successors, accessTokens, errors } = await race(service, 'app-strict', original)
      assert.ok(statuses.filter((status) => status === 200).length <= 1, 'at most one caller gets tokens')
      assert.deepEqual(new Set(errors), new Set(['invalid_grant']))
      const spent = await service.ctx.store.getRefreshToken(createHash('sha256').update(original).digest('base64url'))
      assert.ok(spent?.consumedAt !== undefined && spent.successorHash !== undefined, 'rotated exactly once: the spent token names one successor')
      assert.ok((await service.ctx.store.getGrant(spent.grantId))?.revokedAt !== undefined, 'the family is revoked')
      for (const successor of successors) {
        const next = await token(service, { grant_type: 'refresh_token', client_id: 'app-strict', refresh_token: successor })
        assert.deepEqual([next.status, next.body.error], [400, 'invalid_grant'], "the winner's successor is revoked too")
      }
      assert.equal((await introspect(service, accessTokens)).filter(Boolean).length, 0, "the winner's access token is denylisted")
    })
  })
}

describe('the same check against a store whose rotation is not atomic', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'jotjwt-race-'))
  let service: RunningService | undefined
  after(async () => {
    await service?.close()
    rmSync(dataDir, { recursive: true, force: true })
  })

  /**
   * A test double: rotation reads the token, waits as a SELECT followed by an UPDATE waits for the
   * database (a round trip, 1 ms), then writes, so concurrent callers can all see it unconsumed and
   * each rotate it.
   */
  function nonAtomicStore(): Store {
    const store = createMemoryStore()
    return {
      ...store,
      async rotateRefreshToken(tokenHash, successor, now) {
        const token = store.state.refreshTokens.get(tokenHash)
        if (!token || token.consumedAt !== undefined || token.expiresAt <= now) return false
        await new Promise((resolve) => setTimeout(resolve, 1))
        Object.assign(token, { consumedAt: now, successorHash: successor.tokenHash, successorSealed: successor.sealed })
        store.state.refreshTokens.set(successor.tokenHash, { tokenHash: successor.tokenHash, grantId: token.grantId, clientId: token.clientId, createdAt: successor.createdAt, expiresAt: successor.expiresAt })
        return true
      },
    }
  }

  test('fails: the race hands out more than one successor', async () => {
    service = await startService(config({ dataDir }), { now: clock.now, store: nonAtomicStore() })
    const original = await firstRefreshToken(service, 'app-grace')
    await assert.rejects(assertOneSuccessorInGrace(service, original), (error: assert.AssertionError) => {
      assert.match(error.message, /^exactly one successor, not \d+/)
      return true
    })
  })
})
