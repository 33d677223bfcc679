/**
 * Issuer key lifecycle over simulated time. Property (fast-check): for any sequence of instants, a
 * token issued at any of them verifies against the JWKS published at every later instant until it
 * expires, its key was published at least `publishAhead` before it signed (after bootstrap), and no
 * retired key is ever published (or comes back). Plus: emergency revocation, and the file store.
 */
import assert from 'node:assert/strict'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import * as fs from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import {
  type JWKSet,
  createFileKeyStore,
  createKeyManager,
  createLocalKeySet,
  isJotError,
  signJWT,
  verifyJWT,
} from 'jot'

const DAY = 86_400
const START = 1_800_000_000

describe('key lifecycle (property, simulated time)', () => {
  it('every token verifies against every JWKS published until it expires; retired keys are never published', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ step: fc.integer({ min: 0, max: 4 * DAY }), lifetime: fc.integer({ min: 1, max: DAY }) }), {
          minLength: 1,
          maxLength: 30,
        }),
        async (events) => {
          let now = START
          const manager = createKeyManager({
            alg: 'ES256',
            rotationPeriod: '7d',
            publishAhead: '1d',
            maxTokenLifetime: '1d',
            clockTolerance: 60,
            currentTime: () => now,
          })
          const snapshots: Array<{ at: number; jwks: JWKSet }> = []
          const tokens: Array<{ token: string; kid: string; iat: number; exp: number }> = []
          const retired = new Set<string>()
          for (const { step, lifetime } of events) {
            now += step
            const key = await manager.signingKey()
            tokens.push({ token: await signJWT({ sub: 'u' }, key, { issuedAt: now, expiresAt: now + lifetime }), kid: key.kid!, iat: now, exp: now + lifetime })
            const jwks = await manager.jwks()
            snapshots.push({ at: now, jwks })
            for (const info of await manager.keys()) if (info.state === 'retired') retired.add(info.kid)
            for (const jwk of jwks.keys) {
              assert.ok(!retired.has(jwk.kid!), `retired key ${jwk.kid} published at ${now - START}`)
              assert.equal(jwk.d, undefined)
              assert.equal(jwk.use, 'sig')
              assert.equal(jwk.alg, 'ES256')
            }
          }
          for (const { token, kid, iat, exp } of tokens) {
            for (const { at, jwks } of snapshots) {
              if (at >= iat && at < exp) {
                await verifyJWT(token, createLocalKeySet(jwks), { currentTime: at })
              }
              if (at <= iat && at >= iat - DAY && iat >= START + DAY) {
                assert.ok(jwks.keys.some((jwk) => jwk.kid === kid), `key ${kid} signing at ${iat - START} was not published at ${at - START}`)
              }
            }
          }
        },
      ),
      { numRuns: 25 },
    )
  })

  it('rotates on schedule: next → active → retiring → retired', async () => {
    let now = START
    const manager = createKeyManager({ alg: 'EdDSA', rotationPeriod: 10 * DAY, publishAhead: DAY, maxTokenLifetime: 3600, clockTolerance: 0, currentTime: () => now })
    const first = await manager.signingKey()
    const states = async () => Object.fromEntries((await manager.keys()).map((k) => [k.kid, k.state]))
    const [a, b] = (await manager.keys()).map((k) => k.kid)
    assert.equal(first.kid, a)
    assert.deepEqual(await states(), { [a!]: 'active', [b!]: 'next' })
    now += 10 * DAY
    assert.equal((await manager.signingKey()).kid, b)
    assert.equal((await states())[a!], 'retiring')
    now += 3600
    const later = await states()
    assert.equal(later[a!], undefined, 'retired keys are deleted from the store')
    assert.equal(later[b!], 'active')
    assert.ok(!(await manager.jwks()).keys.some((jwk) => jwk.kid === a))
  })

  it('emergency revoke: the key disappears at once and its successor signs', async () => {
    let now = START
    const manager = createKeyManager({ alg: 'ES256', currentTime: () => now })
    const compromised = await manager.signingKey()
    const token = await signJWT({}, compromised, { issuedAt: now, expiresAt: now + 600 })
    now += 60
    await manager.revoke(compromised.kid!)
    const jwks = await manager.jwks()
    assert.ok(!jwks.keys.some((jwk) => jwk.kid === compromised.kid))
    await assert.rejects(verifyJWT(token, createLocalKeySet(jwks), { currentTime: now }), (e: unknown) => isJotError(e) && e.code === 'ERR_JWKS_NO_MATCHING_KEY')
    const successor = await manager.signingKey()
    assert.notEqual(successor.kid, compromised.kid)
    await verifyJWT(await signJWT({}, successor, { issuedAt: now, expiresAt: now + 600 }), createLocalKeySet(jwks), { currentTime: now })
    assert.equal((await manager.keys()).filter((k) => k.state === 'next').length, 1)
    await assert.rejects(manager.revoke('unknown'), (e: unknown) => isJotError(e) && e.code === 'ERR_INVALID_ARGUMENT')
  })

  it('persists to a JWK Set file store and resumes from it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'jot-keys-'))
    try {
      const path = join(dir, 'keys.jwks.json')
      let now = START
      const first = createKeyManager({ alg: 'ES256', store: createFileKeyStore(path, fs), currentTime: () => now })
      const key = await first.signingKey()
      const file = JSON.parse(await readFile(path, 'utf8'))
      assert.equal(file.keys.length, 2)
      assert.equal(typeof file.keys[0].jot_lifecycle.activateAt, 'number')
      now += 60
      const second = createKeyManager({ alg: 'ES256', store: createFileKeyStore(path, fs), currentTime: () => now })
      assert.equal((await second.signingKey()).kid, key.kid)
      assert.deepEqual(await second.jwks(), await first.jwks())
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })
})
