// Emergency key revocation by an operator while the service runs: `openKeyAdministration` (what
// `jotjwt serve --revoke-key` calls) opens the deployment's own store; the running service stops
// publishing the key at once, signs with its successor, and its tokens stop introspecting active.
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { decodeJWTUnverified } from 'jotjwt'
import type { ServiceConfigInput } from '../src/config/schema.js'
import { openKeyAdministration } from '../src/service/keys-admin.js'
import { startService } from '../src/service/service.js'

const SECRET = 'keys-admin-secret-0123456789-abcdef'
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
})
