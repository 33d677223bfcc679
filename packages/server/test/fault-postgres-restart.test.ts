// PostgreSQL stopped, started again, crashed and started again under a refresh load, over HTTP
// against the running service (startService on a throwaway PostgreSQL server of this test's own):
// CLIENTS clients each refresh a chain of refresh tokens as fast as they can, retrying the same
// token after a 503 as its Retry-After says. Afterwards every refresh token is accounted for:
//   - none lost: every client's last token still refreshes, and the database holds exactly the
//     tokens the clients hold, each consumed one naming as its successor the token its client got
//     next (a rotation whose answer was lost was retried and handed the same successor);
//   - none spent twice: no family was revoked for reuse, no token has two successors;
//   - the clients saw 200 or an RFC 6749 §5.2 503 `temporarily_unavailable` with Retry-After and
//     Cache-Control: no-store, never a 500 or a stack, and the service logged no request failure;
//   - /health stayed up, /ready went 503 while the database was away and back to 200, without a
//     restart of the service.
//   - the change notification listener (LISTEN/NOTIFY, a connection of its own) was lost and
//     listens again by itself, one connection, without an unhandled rejection.
// The service runs with its default settings for the store and the refresh token grace window.
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import pg from 'pg'
import { hashToken as hash } from '../src/crypto/token-hash.js'
import { startService, type RunningService } from '../src/service/service.js'
import { APP_REDIRECT, authorizationCode, Browser, redeemCode } from './browser.js'
import { startThrowawayPostgres, type ThrowawayPostgres } from './throwaway-postgres.js'

const CLIENTS = 8
const API = 'https://api.example/orders'
const USER = { username: 'ada', password: 'a long enough password' }
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** Polls `condition` until it holds; fails naming `what` after `limitMs` (a bound on a hang, not a timed assertion). */
async function until(what: string, condition: () => boolean | Promise<boolean>, limitMs = 20_000): Promise<void> {
  const deadline = Date.now() + limitMs
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`gave up waiting: ${what}`)
    await sleep(25)
  }
}

interface Client {
  /** The refresh tokens it held, in order; the last one is current. */
  chain: string[]
  /** 503 answers, in total and since `mark()`. */
  unavailable: number
  marked: { refreshes: number; unavailable: number }
  /** Answers that were neither 200 nor a well-formed 503 (status and body). */
  wrong: string[]
  /** Requests that failed without an answer (a reset connection): retried like a 503. */
  resets: number
}

let postgres: ThrowawayPostgres
let service: RunningService
const dataDir = mkdtempSync(join(tmpdir(), 'jotjwt-fault-'))
const logLines: string[] = []

before(async () => {
  postgres = await startThrowawayPostgres()
  service = await startService(
    {
      dev: true,
      dataDir,
      store: { type: 'postgres', url: postgres.url, schema: 'jotjwt' },
      listen: { host: '127.0.0.1', port: 0 },
      log: { level: 'info' },
      debugger: { enabled: false },
      rateLimit: { tokenRequestsPerClient: 0 },
      clients: [
        { clientId: 'app', authMethod: 'none', grantTypes: ['authorization_code', 'refresh_token'], redirectUris: [APP_REDIRECT], scopes: ['orders:read'], resources: [API] },
      ],
      users: [USER],
    },
    { logStream: { write: (line: string) => void logLines.push(line) } },
  )
})

after(async () => {
  await service?.close()
  await postgres?.destroy()
  rmSync(dataDir, { recursive: true, force: true })
})

/** One login, then a code per client from the same session (no form), each redeemed: the families' first refresh tokens. */
async function firstRefreshTokens(count: number): Promise<string[]> {
  const browser = new Browser()
  const tokens: string[] = []
  for (let index = 0; index < count; index++) {
    const response = await redeemCode(service.issuer, 'app', await authorizationCode(browser, service.issuer, 'app', 'orders:read', USER))
    assert.equal(response.status, 200)
    tokens.push(((await response.json()) as { refresh_token: string }).refresh_token)
  }
  return tokens
}

/** What a well-behaved client sees during an outage: RFC 6749 §5.2 JSON, retry advice, nothing internal. */
function isRetryAdvice(response: Response, text: string): boolean {
  if (response.status !== 503) return false
  const body = JSON.parse(text) as Record<string, unknown>
  return (
    /^[1-9]\d*$/.test(response.headers.get('retry-after') ?? '') &&
    response.headers.get('cache-control') === 'no-store' &&
    (response.headers.get('content-type') ?? '').startsWith('application/json') &&
    body.error === 'temporarily_unavailable' &&
    Object.keys(body).every((key) => key === 'error' || key === 'error_description') &&
    !/\bat .*:\d+|postgres|ECONN|5432|stack/i.test(text)
  )
}

test('PostgreSQL stopped and crashed under a refresh load: every refresh token accounted for, only RFC-shaped 503s, recovery without a restart', { timeout: 90_000 }, async (t) => {
  const clients: Client[] = (await firstRefreshTokens(CLIENTS)).map((token) => ({ chain: [token], unavailable: 0, marked: { refreshes: 0, unavailable: 0 }, wrong: [], resets: 0 }))
  let stopping = false

  const run = async (client: Client) => {
    for (;;) {
      let response: Response
      let text: string
      try {
        response = await fetch(`${service.issuer}/token`, { method: 'POST', body: new URLSearchParams({ grant_type: 'refresh_token', client_id: 'app', refresh_token: client.chain.at(-1)! }) })
        text = await response.text()
      } catch {
        client.resets++
        await sleep(100)
        continue
      }
      if (response.status === 200) {
        client.chain.push((JSON.parse(text) as { refresh_token: string }).refresh_token)
        if (stopping) return
      } else if (isRetryAdvice(response, text)) {
        client.unavailable++
        // As the server advises: the same token again, after Retry-After seconds.
        await sleep(Number(response.headers.get('retry-after')) * 1000)
      } else {
        client.wrong.push(`${response.status} ${text}`)
        return
      }
    }
  }
  const mark = () => {
    for (const client of clients) client.marked = { refreshes: client.chain.length, unavailable: client.unavailable }
  }
  const sinceMark = (client: Client) => ({ refreshes: client.chain.length - client.marked.refreshes, unavailable: client.unavailable - client.marked.unavailable })
  const status = async (path: string) => (await fetch(`${service.issuer}${path}`)).status
  const progressed = (what: string) => until(what, () => clients.every((client) => client.wrong.length > 0 || sinceMark(client).refreshes >= 3))
  const sawOutage = (what: string, answers: number) => until(what, () => clients.every((client) => client.wrong.length > 0 || sinceMark(client).unavailable >= answers))

  const started = performance.now()
  const timeline: string[] = []
  const note = (what: string) => timeline.push(`${what} ${((performance.now() - started) / 1000).toFixed(1)}s`)
  const load = Promise.all(clients.map(run))
  const readiness: number[] = []

  mark()
  await progressed('every client refreshes before the outage')

  // A fast shutdown mid-load: the server terminates the connections, statements in flight fail.
  note('stop')
  await postgres.stop()
  mark()
  // Down long enough that every client retries (after Retry-After) into the same outage once more.
  await sawOutage('every client sees 503 twice while PostgreSQL is stopped', 2)
  readiness.push(await status('/ready'), await status('/health'))
  note('start')
  await postgres.start()
  await until('/ready is 200 again after the restart', async () => (await status('/ready')) === 200)
  mark()
  await progressed('every client refreshes after the restart')

  // An immediate shutdown mid-load: every backend dies at once, mid-statement or mid-commit.
  note('crash')
  await postgres.crash()
  mark()
  await sawOutage('every client sees 503 while PostgreSQL is down after the crash', 1)
  readiness.push(await status('/ready'), await status('/health'))
  note('start')
  await postgres.start()
  await until('/ready is 200 again after crash recovery', async () => (await status('/ready')) === 200)
  mark()
  await progressed('every client refreshes after crash recovery')

  note('settle')
  stopping = true
  await load
  note('done')

  // The change notification listener (a connection outside the pool) was lost with each outage and
  // came back by itself, without an unhandled rejection (which would fail this test file).
  const listenerEvents = () => logLines.filter((line) => /change notification listener (was lost|is back)/.test(line))
  await until('the change notification listener listens again', async () => /listener is back/.test(listenerEvents().at(-1) ?? ''))
  assert.ok(listenerEvents().some((line) => /was lost/.test(line)))

  assert.deepEqual(readiness, [503, 200, 503, 200], '/ready 503 and /health 200 while the database is down')
  assert.deepEqual(clients.flatMap((client) => client.wrong), [], 'every answer was 200 or a well-formed 503')
  const failures = logLines.map((line) => JSON.parse(line) as { level: number; msg: string }).filter((entry) => entry.level >= 50)
  assert.deepEqual(failures.map((entry) => entry.msg), [], 'no request failed with a 500')

  // Every client's current token still works: nothing was lost.
  for (const client of clients) {
    const response = await fetch(`${service.issuer}/token`, { method: 'POST', body: new URLSearchParams({ grant_type: 'refresh_token', client_id: 'app', refresh_token: client.chain.at(-1)! }) })
    assert.equal(response.status, 200, await response.clone().text())
    client.chain.push(((await response.json()) as { refresh_token: string }).refresh_token)
  }

  // The database holds exactly the tokens the clients hold: a successor the client never received
  // would be a lost token, a second successor of one token a token spent twice.
  const db = new pg.Client({ connectionString: postgres.url })
  await db.connect()
  try {
    const rows = (await db.query<{ token_hash: string; grant_id: string; consumed_at: string | null; successor_hash: string | null }>('SELECT token_hash, grant_id, consumed_at, successor_hash FROM jotjwt.refresh_tokens')).rows
    const byHash = new Map(rows.map((row) => [row.token_hash, row]))
    const held = new Set(clients.flatMap((client) => client.chain.map(hash)))
    assert.deepEqual(rows.filter((row) => !held.has(row.token_hash)).length, 0, 'no stored refresh token that no client holds')
    for (const client of clients) {
      const grantId = byHash.get(hash(client.chain[0]!))?.grant_id
      assert.ok(grantId !== undefined)
      assert.deepEqual(
        rows.filter((row) => row.grant_id === grantId).length,
        client.chain.length,
        'the family holds exactly the chain its client followed',
      )
      client.chain.forEach((token, index) => {
        const row = byHash.get(hash(token))
        const next = client.chain[index + 1]
        assert.ok(row, 'every token the client got is stored')
        assert.deepEqual([row.consumed_at !== null, row.successor_hash], next === undefined ? [false, null] : [true, hash(next)], 'each consumed token names the successor its client got')
      })
    }
    const listeners = (await db.query<{ state: string }>("SELECT state FROM pg_stat_activity WHERE application_name = 'jotjwt-server listener jotjwt'")).rows
    assert.deepEqual(listeners, [{ state: 'idle' }], 'one listener connection')
    const revoked = (await db.query('SELECT id FROM jotjwt.grants WHERE revoked_at IS NOT NULL')).rowCount
    assert.equal(revoked, 0, 'no family was revoked as reuse')
  } finally {
    await db.end()
  }

  const retried = logLines.filter((line) => line.includes('"refresh token retried')).length
  const total = clients.reduce((sum, client) => ({ refreshes: sum.refreshes + client.chain.length - 1, unavailable: sum.unavailable + client.unavailable, resets: sum.resets + client.resets }), { refreshes: 0, unavailable: 0, resets: 0 })
  t.diagnostic(`${CLIENTS} clients: ${total.refreshes} refreshes, ${total.unavailable} answers 503, ${total.resets} resets, ${retried} retries answered with the same successor; ${timeline.join(', ')}`)
})
