// SQLite's counterpart of a database outage: another process holds the write lock of the service's
// database file longer than the store's busy timeout. Over HTTP against the running service:
// refreshes answer an RFC 6749 §5.2 503 with Retry-After (never a 500), the refresh token stays
// unspent (the refresh's writes, the rotation last, failed before anything committed), liveness
// stays up, and once the lock is released the same token refreshes and the family lives on.
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import Database from 'better-sqlite3'
import { startService, type RunningService } from '../src/service/service.js'
import { Browser, logIn } from './browser.js'

const dataDir = mkdtempSync(join(tmpdir(), 'jotjwt-busy-'))
const logLines: string[] = []
let service: RunningService

before(async () => {
  service = await startService(
    { dev: true, dataDir, listen: { host: '127.0.0.1', port: 0 }, log: { level: 'warn' }, debugger: { enabled: false } },
    { logStream: { write: (line: string) => void logLines.push(line) } },
  )
})

after(async () => {
  await service?.close()
  rmSync(dataDir, { recursive: true, force: true })
})

const refresh = async (token: string) => {
  const response = await fetch(`${service.url}/token`, { method: 'POST', body: new URLSearchParams({ grant_type: 'refresh_token', client_id: service.demo!.app.clientId, refresh_token: token }) })
  return { status: response.status, headers: response.headers, body: (await response.json()) as Record<string, unknown> }
}

test('the database file locked by another process: 503 with Retry-After, the token unspent; released: the same token refreshes', async () => {
  const { app, users } = service.demo!
  const callback = await logIn(new Browser(), app.authorizationUrl, users[0]!.username, users[0]!.password)
  const redeemed = await fetch(`${service.url}/token`, {
    method: 'POST',
    body: new URLSearchParams({ grant_type: 'authorization_code', client_id: app.clientId, code: callback.searchParams.get('code')!, redirect_uri: app.redirectUri, code_verifier: app.codeVerifier }),
  })
  const token = ((await redeemed.json()) as { refresh_token: string }).refresh_token

  const other = new Database(join(dataDir, 'jotjwt.db'))
  try {
    other.exec('BEGIN IMMEDIATE') // the write lock, held until ROLLBACK
    const locked = await refresh(token)
    assert.equal(locked.status, 503)
    assert.deepEqual(locked.body, { error: 'temporarily_unavailable', error_description: 'the service cannot reach its storage; retry later' })
    assert.match(locked.headers.get('retry-after') ?? '', /^[1-9]\d*$/)
    assert.equal(locked.headers.get('cache-control'), 'no-store')
    assert.equal((await fetch(`${service.url}/health`)).status, 200)
    const stored = other.prepare('SELECT consumed_at FROM refresh_tokens WHERE token_hash = ?').get(createHash('sha256').update(token).digest('base64url')) as { consumed_at: number | null }
    assert.equal(stored.consumed_at, null, 'nothing was spent')
  } finally {
    other.exec('ROLLBACK')
    other.close()
  }

  const retried = await refresh(token)
  assert.equal(retried.status, 200, JSON.stringify(retried.body))
  assert.equal((await refresh(retried.body.refresh_token as string)).status, 200, 'the family lives on')
  const logged = logLines.map((line) => JSON.parse(line) as { level: number; msg: string })
  assert.deepEqual(logged.filter((entry) => entry.level >= 50).map((entry) => entry.msg), [], 'no request failed with a 500')
  assert.ok(logged.some((entry) => entry.msg === 'store unavailable'), 'the outage is logged as a warning')
})
