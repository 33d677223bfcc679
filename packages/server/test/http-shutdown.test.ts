// Stopping the running service (what SIGTERM does in `jotjwt serve`): it stops accepting connections,
// lets the requests in flight finish with the store still open, closes their connections with their
// answers (keep-alive would hold the shutdown), then closes the store; a request that does not finish within http.shutdownTimeout has its connection closed, so
// the shutdown is bounded. A request is held in flight by the login seam (`user()`, which a refresh
// asks before it rotates), released by the test.
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { Agent, request } from 'node:http'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import type { ServiceConfigInput } from '../src/config/schema.js'
import { startService, type RunningService } from '../src/service/service.js'
import { Browser, logIn } from './browser.js'

interface Held {
  /** Resolves when a request has reached the gate. */
  reached: Promise<void>
  release(): void
}

/** The service in dev mode, whose login seam holds every `user()` call from `hold()` on until released. */
async function startHeld(dataDir: string, settings: Partial<ServiceConfigInput> = {}): Promise<{ service: RunningService; hold(): Held }> {
  let gate: { arrive(): void; open: Promise<void> } | undefined
  const service = await startService(
    { dev: true, dataDir, listen: { host: '127.0.0.1', port: 0 }, log: { level: 'silent' }, debugger: { enabled: false }, ...settings },
    {
      login: (builtIn) => ({
        ...builtIn,
        async user(subject) {
          if (gate) {
            gate.arrive()
            await gate.open
          }
          return builtIn.user(subject)
        },
      }),
    },
  )
  return {
    service,
    hold() {
      let arrive!: () => void
      let release!: () => void
      const reached = new Promise<void>((resolve) => (arrive = resolve))
      gate = { arrive, open: new Promise<void>((resolve) => (release = resolve)) }
      return { reached, release }
    },
  }
}

/** The demo app's first refresh token, through the login page. */
async function refreshToken(service: RunningService): Promise<string> {
  const { app, users } = service.demo!
  const callback = await logIn(new Browser(), app.authorizationUrl, users[0]!.username, users[0]!.password)
  const response = await fetch(`${service.url}/token`, {
    method: 'POST',
    body: new URLSearchParams({ grant_type: 'authorization_code', client_id: app.clientId, code: callback.searchParams.get('code')!, redirect_uri: app.redirectUri, code_verifier: app.codeVerifier }),
  })
  assert.equal(response.status, 200)
  return ((await response.json()) as { refresh_token: string }).refresh_token
}

interface Answer {
  status: number
  connection: string | undefined
  body: Record<string, unknown>
}

/** A request over `agent` (node:http, so the test controls the connection). */
function send(service: RunningService, agent: Agent, path: string, form?: Record<string, string>): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const body = form && new URLSearchParams(form).toString()
    const outgoing = request(`${service.url}${path}`, { agent, method: form ? 'POST' : 'GET', headers: form ? { 'content-type': 'application/x-www-form-urlencoded' } : {} }, (response) => {
      let text = ''
      response.setEncoding('utf8')
      response.on('data', (chunk: string) => (text += chunk))
      response.on('end', () => resolve({ status: response.statusCode!, connection: response.headers.connection, body: JSON.parse(text) as Record<string, unknown> }))
      response.on('error', reject)
    })
    outgoing.on('error', reject)
    outgoing.end(body)
  })
}

/** Whether a new TCP connection to the service's port is refused. */
function refused(service: RunningService): Promise<boolean> {
  const { port } = new URL(service.url)
  return new Promise((resolve) => {
    const socket = connect(Number(port), '127.0.0.1')
    socket.once('connect', () => {
      socket.destroy()
      resolve(false)
    })
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code === 'ECONNREFUSED'))
  })
}

test('close(): new connections are refused, the request in flight finishes with the store open and its keep-alive connection closes with the answer, then the store is closed', { timeout: 60_000 }, async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'jotjwt-shutdown-'))
  // A shutdown timeout far beyond the test's: close() must finish without it.
  const { service, hold } = await startHeld(dataDir, { http: { shutdownTimeout: 600 } })
  const agent = new Agent({ keepAlive: true })
  try {
    const token = await refreshToken(service)
    const held = hold()
    const inFlight = send(service, agent, '/token', { grant_type: 'refresh_token', client_id: service.demo!.app.clientId, refresh_token: token })
    await held.reached

    const closed = service.close()
    for (let tries = 0; !(await refused(service)); tries++) {
      assert.ok(tries < 500, 'the listener closes')
      await new Promise((resolve) => setTimeout(resolve, 10))
    }
    held.release()

    const answer = await inFlight
    assert.equal(answer.status, 200, JSON.stringify(answer.body))
    assert.ok(typeof answer.body.refresh_token === 'string' && typeof answer.body.access_token === 'string', 'the refresh completed: recorded, signed, rotated')
    assert.equal(answer.connection, 'close', 'the keep-alive connection closes with the answer')
    await closed
    await assert.rejects(service.ctx.store.health(), 'the store is closed after the requests finished')
  } finally {
    agent.destroy()
    await service.close()
    rmSync(dataDir, { recursive: true, force: true })
  }
})

test('close() is bounded: a request still in flight after http.shutdownTimeout loses its connection, and the service stops', { timeout: 60_000 }, async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'jotjwt-shutdown-'))
  const { service, hold } = await startHeld(dataDir, { http: { shutdownTimeout: 0.5 } })
  const agent = new Agent({ keepAlive: true, maxSockets: 1 })
  let held: Held | undefined
  try {
    const token = await refreshToken(service)
    held = hold()
    const inFlight = send(service, agent, '/token', { grant_type: 'refresh_token', client_id: service.demo!.app.clientId, refresh_token: token })
    inFlight.catch(() => undefined) // asserted below
    await held.reached
    await service.close()
    await assert.rejects(inFlight, (error: NodeJS.ErrnoException) => error.code === 'ECONNRESET' || /socket hang up/.test(error.message))
    assert.ok(await refused(service))
  } finally {
    held?.release()
    agent.destroy()
    await service.close()
    rmSync(dataDir, { recursive: true, force: true })
  }
})
