// A refresh whose answer was lost after the store committed the rotation, retried with the same
// refresh token (RFC 9700 §4.14.2's reuse detection must not fire on it), over HTTP against the
// running service with its default grace window, on SQLite:
//   - the store's acknowledgement lost (the rotation committed, then the store failed: the client
//     saw a 503 with Retry-After): the retry gets the same successor and an equivalent access token,
//     and the family lives on;
//   - the HTTP answer lost (the client's connection dropped after the commit): the same;
//   - a retry after the window is reuse: the family is revoked, the successor included.
// And a code redemption that met a store failure (503) is retried: the code was not spent, since
// consuming it is the redemption's last write.
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { decodeJWTUnverified } from 'jotjwt'
import { hashToken as hash } from '../src/crypto/token-hash.js'
import { startService, type RunningService } from '../src/service/service.js'
import { openStore } from '../src/store/index.js'
import { StoreUnavailable, type Store } from '../src/store/store.js'
import { APP_REDIRECT, authorizationCode, Browser, redeemCode } from './browser.js'

const API = 'https://api.example/orders'
const USER = { username: 'ada', password: 'a long enough password' }

/** What happens after the next rotation commits: the store fails, or the test is told and the answer waits for it. */
type AfterCommit = { kind: 'fail' } | { kind: 'pause'; committed: () => void; resume: Promise<void> }

interface Faults {
  /** What follows the next rotation's commit. */
  next?: AfterCommit | undefined
  /** The next recording of an access token fails (before anything is written). */
  failRecord?: boolean
}

/** The real store, with the faults the test arms. */
function faultyStore(store: Store, fault: Faults): Store {
  return {
    ...store,
    async recordAccessToken(grantId, token) {
      if (fault.failRecord) {
        fault.failRecord = false
        throw new StoreUnavailable('the PostgreSQL database is unreachable (ECONNREFUSED)')
      }
      return store.recordAccessToken(grantId, token)
    },
    async rotateRefreshToken(tokenHash, successor, now) {
      const rotated = await store.rotateRefreshToken(tokenHash, successor, now)
      const after = fault.next
      fault.next = undefined
      if (after?.kind === 'fail') throw new StoreUnavailable('the PostgreSQL database is unreachable (connection lost)')
      if (after?.kind === 'pause') {
        after.committed()
        await after.resume
      }
      return rotated
    },
  }
}

const clock = { offset: 0, now: () => Date.now() / 1000 + clock.offset }
const dataDir = mkdtempSync(join(tmpdir(), 'jotjwt-retry-'))
const fault: Faults = {}
let store: Store
let service: RunningService

before(async () => {
  store = await openStore({ type: 'sqlite' }, dataDir)
  service = await startService(
    {
      dev: true,
      dataDir,
      listen: { host: '127.0.0.1', port: 0 },
      log: { level: 'silent' },
      debugger: { enabled: false },
      clients: [
        { clientId: 'app', authMethod: 'none', grantTypes: ['authorization_code', 'refresh_token'], redirectUris: [APP_REDIRECT], scopes: ['orders:read', 'orders:write'], resources: [API] },
      ],
      users: [USER],
    },
    { store: faultyStore(store, fault), now: clock.now },
  )
})

after(async () => {
  await service?.close()
  await store?.close()
  rmSync(dataDir, { recursive: true, force: true })
})

const browser = new Browser()
const code = () => authorizationCode(browser, service.issuer, 'app', 'orders:read orders:write', USER)
const redeem = async (value: string) => answerOf(await redeemCode(service.issuer, 'app', value))

async function firstRefreshToken(): Promise<string> {
  const answer = await redeem(await code())
  assert.equal(answer.status, 200)
  return answer.body.refresh_token as string
}

interface Answer {
  status: number
  headers: Headers
  body: Record<string, unknown>
}

async function answerOf(response: Response): Promise<Answer> {
  return { status: response.status, headers: response.headers, body: (await response.json()) as Record<string, unknown> }
}

async function refresh(params: Record<string, string>, signal?: AbortSignal): Promise<Answer> {
  return answerOf(await fetch(`${service.issuer}/token`, { method: 'POST', body: new URLSearchParams({ client_id: 'app', ...params }), ...(signal ? { signal } : {}) }))
}

const refreshWith = (token: string, scope = 'orders:read') => refresh({ grant_type: 'refresh_token', refresh_token: token, scope })

/** The family's state in the store: whether the grant is revoked, and the successor the spent token names. */
async function family(token: string): Promise<{ revoked: boolean; successorHash: string | undefined }> {
  const record = await store.getRefreshToken(hash(token))
  assert.ok(record)
  return { revoked: (await store.getGrant(record.grantId))?.revokedAt !== undefined, successorHash: record.successorHash }
}

/** The claims that make two access tokens equivalent (everything but their identity and times). */
function grantedBy(accessToken: string): Record<string, unknown> {
  const { sub, aud, scope, client_id: clientId, iss } = decodeJWTUnverified(accessToken).payload
  return { sub, aud, scope, client_id: clientId, iss }
}

describe('a refresh retried after its answer was lost', () => {
  test('the store failed after committing (503): the retry gets the same successor and an equivalent access token, the family lives on', async () => {
    const token = await firstRefreshToken()
    const expected = await refreshWith(await firstRefreshToken()) // an undisturbed refresh of another family, for comparison
    fault.next = { kind: 'fail' }
    const lost = await refreshWith(token)
    assert.equal(lost.status, 503)
    assert.deepEqual(lost.body, { error: 'temporarily_unavailable', error_description: 'the service cannot reach its storage; retry later' })
    assert.match(lost.headers.get('retry-after') ?? '', /^[1-9]\d*$/)
    assert.equal(lost.headers.get('cache-control'), 'no-store')
    const { successorHash } = await family(token)
    assert.ok(successorHash !== undefined, 'the rotation had committed')

    clock.offset += Number(lost.headers.get('retry-after'))
    const retried = await refreshWith(token)
    assert.equal(retried.status, 200, JSON.stringify(retried.body))
    assert.equal(hash(retried.body.refresh_token as string), successorHash, 'the successor the rotation stored')
    assert.deepEqual(grantedBy(retried.body.access_token as string), grantedBy(expected.body.access_token as string))
    assert.equal(retried.body.scope, 'orders:read', 'narrowed as the request asks')

    assert.deepEqual(await family(token), { revoked: false, successorHash })
    const next = await refreshWith(retried.body.refresh_token as string)
    assert.equal(next.status, 200, 'the successor works')
  })

  test('the connection dropped after the commit: the retry gets the same successor, the family lives on', async () => {
    const token = await firstRefreshToken()
    let committed!: () => void
    let resume!: () => void
    const reached = new Promise<void>((resolve) => (committed = resolve))
    fault.next = { kind: 'pause', committed, resume: new Promise<void>((resolve) => (resume = resolve)) }
    const abort = new AbortController()
    const aborted = refresh({ grant_type: 'refresh_token', refresh_token: token }, abort.signal).catch((error: unknown) => error)
    await reached
    abort.abort() // the client gives up on the connection: the answer has nowhere to go
    resume()
    assert.equal(((await aborted) as Error).name, 'AbortError')
    const { successorHash } = await family(token)
    assert.ok(successorHash !== undefined)

    const retried = await refreshWith(token)
    assert.equal(retried.status, 200, JSON.stringify(retried.body))
    assert.equal(hash(retried.body.refresh_token as string), successorHash)
    assert.deepEqual(await family(token), { revoked: false, successorHash })
  })

  test('after the grace window (30 s by default) a retry is reuse: the family is revoked, the successor with it', async () => {
    const token = await firstRefreshToken()
    fault.next = { kind: 'fail' }
    assert.equal((await refreshWith(token)).status, 503)
    assert.ok((await family(token)).successorHash !== undefined, 'the rotation had committed')
    clock.offset += 31
    const reuse = await refreshWith(token)
    assert.deepEqual([reuse.status, reuse.body.error, reuse.body.error_description], [400, 'invalid_grant', 'the refresh token was already used; its grant is revoked'])
    assert.equal((await family(token)).revoked, true, 'the family, the successor with it')
  })
})

describe('a code redemption retried after a 503', () => {
  test('the store failed before the code was consumed: the retry redeems it, and its tokens work', async () => {
    const issued = await code()
    fault.failRecord = true
    const failed = await redeem(issued)
    assert.equal(failed.status, 503)
    assert.equal(failed.body.error, 'temporarily_unavailable')
    const retried = await redeem(issued)
    assert.equal(retried.status, 200, JSON.stringify(retried.body))
    assert.equal((await refreshWith(retried.body.refresh_token as string)).status, 200)
    const replay = await redeem(issued)
    assert.deepEqual([replay.status, replay.body.error], [400, 'invalid_grant'], 'still single-use (RFC 6749 section 4.1.2)')
  })
})
