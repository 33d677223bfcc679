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
import { exportJWK, generateKeyPair } from 'jotjwt'
import { ConfigError } from '../src/config/load.js'
import { startService, type RunningService } from '../src/service/service.js'
import { openStore } from '../src/store/index.js'
import { StoreUnavailable, type Store } from '../src/store/store.js'
import { Browser, loginForm, logIn } from './browser.js'

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
    fetch(`${service.url}${path}`, { method: 'POST', headers: { ...FORM, ...(authorization === '' ? {} : { authorization }) }, body })

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

  test('a person logs in, gets tokens and refreshes: the log has the login, never a password, cookie, code or token', async () => {
    const { app, users } = service.demo!
    const [alice] = users
    const browser = new Browser()
    const failed = await browser.submit(loginForm(await browser.request(app.authorizationUrl)), alice!.username, 'not her password')
    assert.equal(failed.status, 401)
    const callback = await logIn(browser, app.authorizationUrl, alice!.username, alice!.password)
    const code = callback.searchParams.get('code')!
    const exchanged = await post('/token', new URLSearchParams({ grant_type: 'authorization_code', client_id: app.clientId, code, redirect_uri: app.redirectUri, code_verifier: app.codeVerifier }).toString(), '')
    assert.equal(exchanged.status, 200)
    const tokens = (await exchanged.json()) as Record<string, string>
    const refreshed = await post('/token', new URLSearchParams({ grant_type: 'refresh_token', client_id: app.clientId, refresh_token: tokens.refresh_token! }).toString(), '')
    assert.equal(refreshed.status, 200)

    const log = lines.join('')
    const secrets: [string, string][] = [
      ['the password', alice!.password],
      ['the wrong password', 'not her password'],
      ['the session cookie', browser.cookies.get('jotjwt-dev-session')!],
      ['the CSRF cookie', browser.cookies.get('jotjwt-dev-csrf')!],
      ['the code', code],
      ['the PKCE verifier', app.codeVerifier],
      ['the refresh token', tokens.refresh_token!],
      ['the ID token', tokens.id_token!],
      ['the access token', tokens.access_token!],
    ]
    for (const [what, secret] of secrets) assert.ok(!log.includes(secret), `the log contains ${what}`)
    const messages = lines.map((line) => JSON.parse(line) as Record<string, unknown>)
    assert.ok(messages.some((entry) => entry.msg === 'login failed' && entry.client_id === app.clientId))
    assert.ok(messages.some((entry) => entry.msg === 'login succeeded' && entry.sub === alice!.username))
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

test('client and user settings the service cannot honour are refused at start, each by its path', async () => {
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
          { clientId: 'b', clientSecret: SECRET, resources: [API], userClaims: { profile: { sub: 'username' } } },
        ],
        userClaims: { email: { iss: 'email' } },
        users: [{ username: 'x', passwordHash: 'nope' }, { username: 'x', subject: 'another' }],
      }),
      (error: unknown) => {
        assert.ok(error instanceof ConfigError)
        assert.deepEqual(error.issues, [
          'clients.0.clientSecretHash: not a secret hash (make one with: jotjwt serve --hash-secret)',
          'clients.1.userClaims.profile.sub: a registered claim, which no mapping may set',
          'userClaims.email.iss: a registered claim, which no mapping may set',
          'users.0.passwordHash: not a secret hash (make one with: jotjwt serve --hash-password)',
          'users.1.username: another user has this username',
        ])
        return true
      },
    )
  } finally {
    rmSync(dataDir, { recursive: true, force: true })
  }
})

test('trust entries the service cannot honour are refused at start, each by its path', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'jotjwt-service-'))
  const { privateKey, publicKey } = await generateKeyPair('ES256')
  const jwk = await exportJWK(publicKey)
  const entry = { issuer: 'https://ci.example', scopes: ['deploy:write'], algorithms: ['ES256' as const] }
  try {
    await assert.rejects(
      startService({
        dev: true,
        dataDir,
        listen: { port: 0 },
        trust: [
          { ...entry, subject: 'bot', jwk },
          { ...entry, subject: 'bot', jwksUri: 'https://ci.example/jwks.json' },
          { ...entry, id: 'same', any: true, jwk },
          { ...entry, id: 'same', issuer: 'https://other.example', any: true, jwk },
        ],
      }),
      (error: unknown) => {
        assert.ok(error instanceof ConfigError)
        assert.deepEqual(error.issues, ['trust.1: another trust entry has this issuer and subject', 'trust.3.id: another trust entry has the id "same"'])
        return true
      },
    )
    await assert.rejects(
      startService({ dev: true, dataDir, listen: { port: 0 }, trust: [{ ...entry, any: true, jwks: { keys: [jwk, await exportJWK(privateKey)] } }, { ...entry, issuer: 'x', any: true, jwk, algorithms: ['EdDSA'] }, { ...entry, issuer: 'y', any: true, jwk: { ...jwk, alg: undefined, crv: 'P-384' } }] }),
      (error: unknown) => {
        assert.ok(error instanceof ConfigError)
        assert.deepEqual(error.issues, [
          'trust.0.jwks: keys.1: a private key: register the public key only',
          'trust.1.jwk: keys.0: its alg "ES256" is not one of EdDSA',
          'trust.2.jwk: keys.0: ERR_KEY_ALG_MISMATCH: ES256 cannot be used with curve P-384',
        ])
        return true
      },
    )
  } finally {
    rmSync(dataDir, { recursive: true, force: true })
  }
})

test('a client may name another access token algorithm: the service keeps keys for it too', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'jotjwt-service-'))
  const service = await startService({
    dev: true,
    dataDir,
    listen: { port: 0 },
    log: { level: 'silent' },
    clients: [{ clientId: 'rsa', clientSecret: SECRET, accessTokenAlg: 'PS256', resources: [API] }],
  })
  try {
    const response = await fetch(`${service.url}/token`, {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from(`rsa:${SECRET}`).toString('base64')}` },
      body: new URLSearchParams({ grant_type: 'client_credentials' }),
    })
    const { access_token } = (await response.json()) as { access_token: string }
    assert.equal(JSON.parse(Buffer.from(access_token.split('.')[0]!, 'base64url').toString()).alg, 'PS256')
    const jwks = (await (await fetch(`${service.url}/jwks.json`)).json()) as { keys: { alg: string }[] }
    assert.deepEqual([...new Set(jwks.keys.map((key) => key.alg))].sort(), ['ES256', 'PS256', 'RS256'])
    assert.deepEqual(service.metadata.id_token_signing_alg_values_supported, ['ES256', 'RS256', 'PS256'])
  } finally {
    await service.close()
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
