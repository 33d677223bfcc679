// Emergency key revocation by an operator while the service runs: `openKeyAdministration` (what
// `jotjwt serve --revoke-key` calls) opens the deployment's own store; the running service stops
// publishing the key at once, signs with its successor, and its tokens stop introspecting active.
// The command itself is run here too, not in the CLI's suite: it opens the SQLite store, whose
// native driver is built for this machine's Node only (the CLI's suite also runs on other lines).
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { after, before, describe, test } from 'node:test'
import { decodeJWTUnverified } from 'jotjwt'
import type { ServiceConfigInput } from '../src/config/schema.js'
import { openKeyAdministration } from '../src/service/keys-admin.js'
import { startService } from '../src/service/service.js'

const SECRET = 'keys-admin-secret-0123456789-abcdef'
const CLI = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'cli', 'dist', 'main.js')

/** The built `jotjwt` command, as an operator runs it. */
function jot(args: string[], { env }: { env: Record<string, string> }): { code: number | null; stdout: string; stderr: string } {
  const run = spawnSync(process.execPath, [CLI, ...args], { env: { ...process.env, NO_COLOR: '1', ...env }, encoding: 'utf8', timeout: 60_000 })
  return { code: run.status, stdout: run.stdout, stderr: run.stderr }
}
const API = 'https://api.example/orders'

describe('emergency key revocation while the service runs', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'jotjwt-keys-admin-'))
  const config: ServiceConfigInput = {
    dev: true,
    dataDir,
    listen: { host: '127.0.0.1', port: 0 },
    log: { level: 'silent' },
    debugger: { enabled: false },
    clients: [{ clientId: 'svc', clientSecret: SECRET, scopes: ['orders:read'], resources: [API] }],
  }
  let service: Awaited<ReturnType<typeof startService>>

  before(async () => {
    service = await startService(config)
  })
  after(async () => {
    await service?.close()
    rmSync(dataDir, { recursive: true, force: true })
  })

  const basic = `Basic ${Buffer.from(`svc:${SECRET}`).toString('base64')}`
  const post = async (path: string, body: Record<string, string>) =>
    (await fetch(`${service.issuer}${path}`, { method: 'POST', headers: { authorization: basic, 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(body) })).json() as Promise<Record<string, unknown>>
  const token = async () => (await post('/token', { grant_type: 'client_credentials' })).access_token as string
  const published = async () => ((await (await fetch(`${service.issuer}/jwks.json`)).json()) as { keys: Array<{ kid: string }> }).keys.map((key) => key.kid)

  test('lists the keys with their states; revoking the signing key takes effect in the running service at once', async () => {
    const before = await token()
    const kid = decodeJWTUnverified(before).header.kid as string
    assert.ok((await published()).includes(kid))

    const admin = await openKeyAdministration(config)
    try {
      const listed = await admin.list()
      assert.equal(listed.find((key) => key.kid === kid)?.state, 'active')
      assert.ok(listed.some((key) => key.state === 'next'), 'a successor is published ahead')
      const revoked = await admin.revoke(kid)
      assert.equal(revoked.state, 'retired')
      await assert.rejects(admin.revoke('no-such-kid'), { code: 'ERR_INVALID_ARGUMENT' })
    } finally {
      await admin.close()
    }

    assert.ok(!(await published()).includes(kid), 'the revoked key is no longer published')
    const after = await token()
    assert.notEqual(decodeJWTUnverified(after).header.kid, kid, 'the successor signs')
    assert.deepEqual(await post('/introspect', { token: before }), { active: false })
    assert.equal((await post('/introspect', { token: after })).active, true)
  })

  test('jotjwt serve --keys lists the signing keys; --revoke-key revokes one (exit 1 for an unknown kid); --json', async () => {
    const env = { JOTJWT_DATA_DIR: join(dataDir, 'cli'), JOTJWT_DEBUGGER: 'false' }
    const listed = jot(['serve', '--dev', '--keys', '--json'], { env })
    assert.equal(listed.code, 0, listed.stderr)
    const keys = JSON.parse(listed.stdout) as Array<{ kid: string; alg: string; state: string }>
    const active = keys.find((key) => key.state === 'active' && key.alg === 'ES256')
    assert.ok(active, listed.stdout)
    const table = jot(['serve', '--dev', '--keys'], { env })
    assert.match(table.stdout, /^kid +alg +state +publishes +signs +stops signing +leaves JWKS\n/)
    assert.match(table.stdout, new RegExp(`${active.kid} +ES256 +active `))

    const unknown = jot(['serve', '--dev', '--revoke-key', 'no-such-kid'], { env })
    assert.equal(unknown.code, 1)
    assert.match(unknown.stderr, /no signing key has kid "no-such-kid"; jotjwt serve --keys lists them/)
    const revoked = jot(['serve', '--dev', '--revoke-key', active.kid, '--json'], { env })
    assert.equal(revoked.code, 0, revoked.stderr)
    assert.match(revoked.stderr, /revoked .*: it is no longer published, and it signs nothing from now on/)
    const after = JSON.parse(revoked.stdout) as Array<{ kid: string; alg: string; state: string }>
    assert.equal(after.find((key) => key.kid === active.kid)?.state, 'retired')
    assert.ok(after.some((key) => key.alg === 'ES256' && key.state === 'active' && key.kid !== active.kid), 'its successor signs')
    assert.equal((jot(['serve', '--dev', '--keys', '--port', '9000'], { env })).code, 2)
  })
})
