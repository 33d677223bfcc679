// The whole service (startService: real store, real OAuth core, real listener): what it logs while
// tokens are issued, introspected and revoked, and how it answers while its database is down.
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { get } from 'node:https'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { ConfigError } from '../src/config/load.js'
import { startService, type RunningService } from '../src/service/service.js'
import { openStore } from '../src/store/index.js'
import { StoreUnavailable, type Store } from '../src/store/store.js'

const SECRET = 'logging-secret-0123456789-abcdefgh'
const API = 'https://api.example/orders'
const FORM = { 'content-type': 'application/x-www-form-urlencoded' }
const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`

/** `store`, or (while `down.value`) a store whose every operation fails as an unreachable database does. */
function switchableStore(store: Store, down: { value: boolean }): Store {
  return new Proxy(store, {
    get(target, name, receiver) {
      const value = Reflect.get(target, name, receiver) as unknown
      if (typeof value !== 'function') return value
      return (...args: unknown[]) =>
        down.value && name !== 'close' ? Promise.reject(new StoreUnavailable('connect ECONNREFUSED 127.0.0.1:5432')) : (value as (...a: unknown[]) => unknown).apply(target, args)
    },
  })
}

describe('the running service', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'jotjwt-service-'))
  const lines: string[] = []
  const down = { value: false }
  let store: Store
  let service: RunningService

  before(async () => {
    store = await openStore({ type: 'sqlite' }, dataDir)
    service = await startService(
      {
        dev: true,
        dataDir,
        listen: { host: '127.0.0.1', port: 0 },
        log: { level: 'trace' },
        keys: { checkInterval: 1 },
        clients: [{ clientId: 'billing', clientSecret: SECRET, scopes: ['orders:read'], resources: [API] }],
      },
      { store: switchableStore(store, down), logStream: { write: (line: string) => void lines.push(line) } },
    )
  })
  after(async () => {
    await service?.close()
    await store?.close()
    rmSync(dataDir, { recursive: true, force: true })
  })

  const post = (path: string, body: string, authorization = basic('billing', SECRET)) =>
    fetch(`${service.url}${path}`, { method: 'POST', headers: { ...FORM, authorization }, body })

  test('token, introspection and revocation with secrets: the log has client ids and jtis, never a secret or token', async () => {
    const issued = await post('/token', 'grant_type=client_credentials')
    assert.equal(issued.status, 200)
    const { access_token: token } = (await issued.json()) as { access_token: string }
    const introspected = (await (await post('/introspect', `token=${token}`)).json()) as { active: boolean; jti: string }
    assert.equal(introspected.active, true)
    assert.equal((await post('/revoke', `token=${token}`)).status, 200)
    assert.equal((await post('/token', 'grant_type=client_credentials', basic('billing', 'wrong-secret-0123456789-abcdef'))).status, 401)
    // The secret in the body (a client registered for Basic: refused, but never logged either).
    await fetch(`${service.url}/token`, { method: 'POST', headers: FORM, body: `grant_type=client_credentials&client_id=billing&client_secret=${SECRET}` })

    const log = lines.join('')
    const secrets: [string, string][] = [
      ['the client secret', SECRET],
      ['the Basic credentials', basic('billing', SECRET).slice(6)],
      ['the access token', token],
      ['the token signature', token.split('.')[2]!],
      ['the key-encryption key', service.ctx.config.keys.encryptionKey!],
    ]
    for (const [what, secret] of secrets) {
      assert.ok(!log.includes(secret), `the log contains ${what}`)
    }
    const completed = lines.map((line) => JSON.parse(line) as Record<string, unknown>).filter((entry) => entry.msg === 'request completed')
    assert.deepEqual(
      completed.map((entry) => [entry.route, entry.status]).slice(0, 4),
      [
        ['/token', 200],
        ['/introspect', 200],
        ['/revoke', 200],
        ['/token', 401],
      ],
    )
    assert.equal(completed.length, 5)
  })

  test('the database down: /ready and the token endpoint answer 503 with Retry-After, /health 200, rotation failures are logged', async () => {
    down.value = true
    try {
      const ready = await fetch(`${service.url}/ready`)
      assert.equal(ready.status, 503)
      assert.match(ready.headers.get('retry-after') ?? '', /^\d+$/)
      const token = await post('/token', 'grant_type=client_credentials')
      assert.equal(token.status, 503)
      assert.match(token.headers.get('retry-after') ?? '', /^\d+$/)
      assert.equal(token.headers.get('cache-control'), 'no-store')
      const body = (await token.json()) as { error: string; error_description?: string }
      assert.equal(body.error, 'temporarily_unavailable')
      assert.doesNotMatch(JSON.stringify(body), /ECONNREFUSED|5432/)
      assert.equal((await fetch(`${service.url}/health`)).status, 200)
      // The rotation timer (every keys.checkInterval) meets the outage: logged, never thrown.
      const logged = () => lines.some((line) => (JSON.parse(line) as { msg?: string }).msg === 'key rotation failed')
      for (let waited = 0; !logged() && waited < 3000; waited += 100) await new Promise((resolve) => setTimeout(resolve, 100))
      assert.ok(logged(), 'a failed rotation is logged')
    } finally {
      down.value = false
    }
    assert.equal((await fetch(`${service.url}/ready`)).status, 200)
  })
})

test('client settings the service cannot honour are refused at start, each by its path', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'jotjwt-service-'))
  try {
    await assert.rejects(
      startService({
        dev: true,
        dataDir,
        listen: { port: 0 },
        keys: { alg: 'ES256' },
        clients: [
          { clientId: 'a', clientSecretHash: 'plain-text-not-a-hash', resources: [API] },
          { clientId: 'b', clientSecret: SECRET, accessTokenAlg: 'RS256', resources: [API] },
        ],
      }),
      (error: unknown) =>
        error instanceof ConfigError &&
        error.issues.length === 2 &&
        error.issues[0]!.startsWith('clients.0.clientSecretHash: not a secret hash') &&
        error.issues[1]!.startsWith('clients.1.accessTokenAlg: the service signs with keys.alg (ES256) only'),
    )
  } finally {
    rmSync(dataDir, { recursive: true, force: true })
  }
})

test('http.tls: the service serves HTTPS with the configured certificate and key files', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'jotjwt-tls-'))
  try {
    const made = spawnSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1',
      '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { encoding: 'utf8' })
    assert.equal(made.status, 0, `this test makes its certificate with openssl: ${made.error?.message ?? made.stderr}`)
    const probe = createServer()
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve))
    const { port } = probe.address() as { port: number }
    await new Promise((resolve) => probe.close(resolve))
    const service = await startService({
      issuer: `https://127.0.0.1:${port}`,
      listen: { host: '127.0.0.1', port },
      dataDir: dir,
      log: { level: 'silent' },
      keys: { encryptionKey: Buffer.alloc(32, 9).toString('base64url') },
      http: { tls: { cert: join(dir, 'cert.pem'), key: join(dir, 'key.pem') } },
    })
    try {
      assert.equal(service.url, `https://127.0.0.1:${port}`)
      const status = await new Promise<number | undefined>((resolve, reject) =>
        get(`${service.url}/health`, { ca: readFileSync(join(dir, 'cert.pem')) }, (response) => {
          response.resume()
          resolve(response.statusCode)
        }).on('error', reject),
      )
      assert.equal(status, 200)
    } finally {
      await service.close()
    }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
})
