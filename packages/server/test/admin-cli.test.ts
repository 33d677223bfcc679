// `jotjwt admin` (the built CLI, run as an operator runs it) against a running service: clients,
// users, keys, trust entries and the audit trail through the admin API, human and --json output,
// and clear refusals. It runs in the server's suite, not the CLI's: the service it talks to opens
// the SQLite store, whose native driver is built for this machine's Node only (the CLI's suite also
// runs on other Node lines). The CLI runs asynchronously, so this process keeps serving meanwhile.
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { after, before, describe, test } from 'node:test'
import { exportJWK, generateKeyPair } from 'jotjwt'
import { startService } from '../src/service/service.js'
import { freePort } from './service-http.js'

const CLI = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'cli', 'dist', 'main.js')
const API = 'https://api.example/orders'
const OPS_SECRET = 'ops-secret-0123456789-abcdefghijk'
const READER_SECRET = 'reader-secret-0123456789-abcdefgh'

/** The built `jotjwt` command with `env` added. */
function jot(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, NO_COLOR: '1', ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk))
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
    child.on('error', reject)
    child.on('close', (code) => resolve({ code, stdout, stderr }))
  })
}

describe('jotjwt admin against a running service', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'jotjwt-admin-cli-'))
  let service: Awaited<ReturnType<typeof startService>>
  let issuer: string
  let env: Record<string, string>

  before(async () => {
    const port = await freePort()
    issuer = `http://127.0.0.1:${port}`
    service = await startService({
      dev: true,
      dataDir,
      listen: { host: '127.0.0.1', port },
      log: { level: 'silent' },
      debugger: { enabled: false },
      clients: [
        { clientId: 'ops', clientSecret: OPS_SECRET, scopes: ['jotjwt:admin'], resources: [`${issuer}/admin`] },
        { clientId: 'reader', clientSecret: READER_SECRET, scopes: ['reports:read'], resources: [`${issuer}/admin`] },
      ],
    })
    // The admin token, as an operator gets it: jotjwt token with the ops client's secret.
    const got = await jot(['token', '--issuer', issuer, '--client-id', 'ops', '--client-secret-env', 'OPS_SECRET', '--resource', `${issuer}/admin`], { OPS_SECRET })
    assert.equal(got.code, 0, got.stderr)
    env = { JOTJWT_ADMIN_URL: issuer, JOTJWT_ADMIN_TOKEN: got.stdout.trim() }
  })
  after(async () => {
    await service?.close()
    rmSync(dataDir, { recursive: true, force: true })
  })

  test('clients: create prints the secret once, alone on stdout; list, rotate-secret, delete; the configuration\'s are read-only', async () => {
    const created = await jot(['admin', 'clients', 'create', 'billing', '--scope', 'orders:read orders:write', '--resource', API], env)
    assert.equal(created.code, 0, created.stderr)
    assert.match(created.stdout, /^[A-Za-z0-9_-]{43}\n$/)
    assert.equal(created.stderr, 'created client billing; its secret is shown this once:\n')
    const secret = created.stdout.trim()
    const tokenWith = (value: string) => jot(['token', '--issuer', issuer, '--client-id', 'billing', '--client-secret-env', 'S', '--scope', 'orders:write'], { S: value })
    assert.equal((await tokenWith(secret)).code, 0)

    const listed = await jot(['admin', 'clients', 'list'], env)
    assert.equal(listed.code, 0, listed.stderr)
    assert.match(listed.stdout, /^client +source +auth +grants +scopes +resources\n/)
    assert.match(listed.stdout, /\nbilling +api +client_secret_basic +client_credentials +orders:read orders:write +https:\/\/api\.example\/orders\n/)
    assert.match(listed.stdout, /\nops +config +/)
    const json = JSON.parse((await jot(['admin', 'clients', 'get', 'billing', '--json'], env)).stdout) as { client: Record<string, unknown> }
    assert.deepEqual([json.client.clientId, json.client.source, json.client.secretHash], ['billing', 'api', undefined])

    const updated = await jot(['admin', 'clients', 'update', 'billing', '--scope', 'orders:read'], env)
    assert.equal(updated.code, 0, updated.stderr)
    assert.match(updated.stdout, /\nbilling +api +client_secret_basic +client_credentials +orders:read +https/)

    const rotated = await jot(['admin', 'clients', 'rotate-secret', 'billing'], env)
    assert.equal(rotated.code, 0, rotated.stderr)
    assert.match(rotated.stderr, /^new secret for client billing \(the old one no longer works\)/)
    const fresh = rotated.stdout.trim()
    assert.notEqual(fresh, secret)
    const old = await tokenWith(secret)
    assert.equal(old.code, 1)
    assert.match(old.stderr, /invalid_client/)

    const readOnly = await jot(['admin', 'clients', 'delete', 'ops'], env)
    assert.equal(readOnly.code, 1)
    assert.equal(readOnly.stderr, 'jotjwt admin: error: read_only: the client "ops" is defined in the configuration: change it there (the admin API changes only what it created) (HTTP 409)\n')
    const deleted = await jot(['admin', 'clients', 'delete', 'billing', '--json'], env)
    assert.deepEqual([deleted.code, JSON.parse(deleted.stdout)], [0, { deleted: 'billing' }])
    const invalid = await jot(['admin', 'clients', 'create', 'bad', '--scope', 'openid'], env)
    assert.equal(invalid.code, 1)
    assert.match(invalid.stderr, /^jotjwt admin: error: invalid_request: the client is invalid \(HTTP 400\): scopes\.0: an identity scope .*; resources: /)
  })

  test('users: create (password from the environment), list, delete', async () => {
    const created = await jot(['admin', 'users', 'create', 'dave', '--group', 'ops', '--name', 'Dave', '--password-env', 'DAVE_PASSWORD'], { ...env, DAVE_PASSWORD: 'dave-password-1' })
    assert.deepEqual([created.code, created.stdout], [0, 'created user dave\n'], created.stderr)
    assert.equal((await service.ctx.login.authenticate('dave', 'dave-password-1'))?.subject, 'dave')
    const listed = await jot(['admin', 'users', 'list'], env)
    assert.match(listed.stdout, /^subject +username +source +name +groups +password\n/)
    assert.match(listed.stdout, /\ndave +dave +api +Dave +ops +yes\n/)
    const missing = await jot(['admin', 'users', 'create', 'erin', '--password-env', 'NOPE'], env)
    assert.deepEqual([missing.code, missing.stderr], [2, 'jotjwt admin: error: the environment variable NOPE (password) is not set\nRun "jotjwt admin --help" for usage.\n'])
    assert.deepEqual((await jot(['admin', 'users', 'delete', 'dave'], env)).stdout, 'deleted user dave\n')
  })

  // A kid is a base64url thumbprint and may start with "-": the kid goes after --, as the help says.
  test('keys: list, rotate (published now), retire refused for the signing key, revoke', async () => {
    const listed = await jot(['admin', 'keys', 'list', '--json'], env)
    const keys = (JSON.parse(listed.stdout) as { keys: Array<{ kid: string; alg: string; state: string }> }).keys
    const active = keys.find((key) => key.alg === 'ES256' && key.state === 'active')!
    const table = await jot(['admin', 'keys', 'list'], env)
    assert.match(table.stdout, /^kid +alg +state +publishes +signs +stops signing +leaves JWKS\n/)
    assert.match(table.stdout, new RegExp(`\\n${active.kid} +ES256 +active `))

    const rotated = await jot(['admin', 'keys', 'rotate', '--alg', 'ES256'], env)
    assert.equal(rotated.code, 0, rotated.stderr)
    assert.equal(rotated.stderr, 'published now; each signs once keys.publishAhead has passed:\n')
    const fresh = /\n(\S+) +ES256 +next /.exec(rotated.stdout)?.[1]
    assert.ok(fresh, rotated.stdout)
    const published = ((await (await fetch(`${issuer}/jwks.json`)).json()) as { keys: Array<{ kid: string }> }).keys.map((key) => key.kid)
    assert.ok(published.includes(fresh))

    const retire = await jot(['admin', 'keys', 'retire', '--', active.kid], env)
    assert.equal(retire.code, 1)
    assert.match(retire.stderr, /conflict: only a retiring key can be retired; it signs now: rotate first/)
    const revoked = await jot(['admin', 'keys', 'revoke', '--', fresh], env)
    assert.equal(revoked.code, 0, revoked.stderr)
    assert.equal(revoked.stderr, `${fresh} revoked: it is no longer published and signs nothing from now on\n`)
    assert.match(revoked.stdout, new RegExp(`\\n${fresh} +ES256 +retired `))
    const unknown = await jot(['admin', 'keys', 'revoke', 'no-such-kid'], env)
    assert.deepEqual([unknown.code, unknown.stderr], [1, 'jotjwt admin: error: not_found: no signing key has kid "no-such-kid" (HTTP 404)\n'])
  })

  test('trust: add from a JWK file, list, remove; the audit trail lists every change', async () => {
    const { publicKey } = await generateKeyPair('ES256')
    const file = join(dataDir, 'ci.jwk')
    writeFileSync(file, JSON.stringify(await exportJWK(publicKey)))
    const added = await jot(['admin', 'trust', 'add', '--issuer', 'https://ci.example', '--subject', 'bot', '--scope', 'orders:read', '--alg', 'ES256', '--jwk', file], env)
    assert.equal(added.code, 0, added.stderr)
    const id = /^added trust entry (tr-\S+)\n$/.exec(added.stdout)?.[1]
    assert.ok(id, added.stdout)
    const listed = await jot(['admin', 'trust', 'list'], env)
    assert.match(listed.stdout, new RegExp(`\\n${id} +api +https://ci\\.example +bot +orders:read +1 in the entry +-\\n`))
    assert.equal((await jot(['admin', 'trust', 'remove', id], env)).stdout, `removed trust entry ${id}\n`)
    assert.equal((await jot(['admin', 'trust', 'add', '--issuer', 'x', '--scope', 'a', '--alg', 'ES256', '--jwk', file], env)).code, 2, 'no subject and no --any-subject')

    const audit = await jot(['admin', 'audit', 'list', '--limit', '3'], env)
    assert.equal(audit.code, 0, audit.stderr)
    const lines = audit.stdout.trim().split('\n')
    assert.match(lines[0]!, /^time +client +subject +action +target$/)
    assert.match(lines[1]!, new RegExp(`ops +ops +trust\\.delete +${id}$`))
    assert.match(lines[2]!, new RegExp(`ops +ops +trust\\.create +${id}$`))
  })

  test('refusals: no token, a bad token, a token without the admin scope, an unreachable service, a plain-http URL elsewhere, a stray flag', async () => {
    const none = await jot(['admin', 'clients', 'list', '--url', issuer])
    assert.deepEqual([none.code, none.stderr.split('\n')[0]], [2, 'jotjwt admin: error: pass --token TOKEN or set JOTJWT_ADMIN_TOKEN (an access token with the admin scope)'])
    const bad = await jot(['admin', 'clients', 'list'], { ...env, JOTJWT_ADMIN_TOKEN: 'not-a-token' })
    assert.equal(bad.code, 1)
    assert.match(bad.stderr, /^jotjwt admin: error: the admin API refused the token \(HTTP 401, invalid_token: the access token is invalid, expired, revoked, or not for the admin API\); get one with: jotjwt token /)
    const reader = await jot(['token', '--issuer', issuer, '--client-id', 'reader', '--client-secret-env', 'S', '--resource', `${issuer}/admin`], { S: READER_SECRET })
    const forbidden = await jot(['admin', 'keys', 'rotate', '--token', reader.stdout.trim()], env)
    assert.deepEqual([forbidden.code, forbidden.stderr], [1, 'jotjwt admin: error: the token lacks the admin scope (HTTP 403, insufficient_scope: the admin API needs a token with the jotjwt:admin scope)\n'])
    const down = await jot(['admin', 'keys', 'list', '--url', `http://127.0.0.1:${await freePort()}`], env)
    assert.equal(down.code, 3)
    assert.match(down.stderr, /cannot reach the admin API at http:\/\/127\.0\.0\.1:\d+\/admin\/keys: /)
    const plain = await jot(['admin', 'keys', 'list', '--url', 'http://auth.example'], env)
    assert.equal(plain.code, 2)
    assert.match(plain.stderr, /http:\/\/auth\.example is not https: \(the admin token would travel in the clear; --allow-http allows it\)/)
    const stray = await jot(['admin', 'keys', 'list', '--scope', 'x'], env)
    assert.deepEqual([stray.code, stray.stderr.split('\n')[0]], [2, 'jotjwt admin: error: keys list does not take --scope'])
  })
})
