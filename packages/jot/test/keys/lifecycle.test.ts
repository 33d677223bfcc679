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
  type KeyStore,
  createFileKeyStore,
  createKeyManager,
  createMemoryKeyStore,
  createLocalKeySet,
  isJotError,
  signJWT,
  verifyJWT,
} from 'jotjwt'

const DAY = 86_400
const START = 1_800_000_000

describe('key lifecycle (property, simulated time)', () => {
  it('every token verifies against every JWKS published until it expires; a key that leaves the JWKS never returns, and none is published at or after its retireAt', async () => {
    const retention = DAY + 60
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ step: fc.integer({ min: 0, max: 4 * DAY }), lifetime: fc.integer({ min: 1, max: DAY }), rotateNow: fc.boolean() }), {
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
          const snapshots: Array<{ at: number; jwks: JWKSet; keys: ReturnType<typeof createLocalKeySet> }> = []
          const tokens: Array<{ token: string; kid: string; iat: number; exp: number }> = []
          const retireAt = new Map<string, number>() // every kid ever scheduled to retire, remembered after it is deleted
          const gone = new Set<string>()
          let published = new Set<string>()
          // Instants where the schedule changes: visited on top of the random ones, with their neighbours.
          const boundaries = new Set<number>()

          const observe = async () => {
            const jwks = await manager.jwks()
            snapshots.push({ at: now, jwks, keys: createLocalKeySet(jwks) })
            for (const info of await manager.keys()) {
              if (info.retireAt === undefined) continue
              retireAt.set(info.kid, info.retireAt)
              for (const at of [info.deactivateAt! - 1, info.deactivateAt!, info.retireAt - 1, info.retireAt, info.retireAt + 1]) boundaries.add(at)
            }
            const current = new Set(jwks.keys.map((jwk) => jwk.kid!))
            for (const jwk of jwks.keys) {
              const kid = jwk.kid!
              assert.ok(!gone.has(kid), `key ${kid} left the JWKS and came back at ${now - START}`)
              const end = retireAt.get(kid)
              assert.ok(end === undefined || now < end, `key ${kid} published at ${now - START}, at or after its retireAt ${end! - START}`)
              assert.equal(jwk.d, undefined)
              assert.equal(jwk.use, 'sig')
              assert.equal(jwk.alg, 'ES256')
            }
            for (const kid of published) if (!current.has(kid)) gone.add(kid)
            published = current
          }
          const advanceTo = async (target: number) => {
            for (;;) {
              const next = Math.min(...[...boundaries].filter((at) => at > now && at < target))
              if (next === Infinity) break
              now = next
              await observe()
            }
            now = target
          }

          for (const { step, lifetime, rotateNow } of events) {
            await advanceTo(now + step)
            // An operator's rotation changes the schedule; the same guarantees must hold around it.
            if (rotateNow) {
              await manager.rotateNow()
              await observe()
            }
            const key = await manager.signingKey()
            tokens.push({ token: await signJWT({ sub: 'u' }, key, { issuedAt: now, expiresAt: now + lifetime }), kid: key.kid!, iat: now, exp: now + lifetime })
            boundaries.add(now + lifetime - 1)
            await observe()
          }
          await advanceTo(Math.max(...tokens.map((t) => t.exp)) + retention + 1)
          await observe()

          for (const { token, kid, iat, exp } of tokens) {
            for (const { at, jwks, keys } of snapshots) {
              if (at >= iat && at < exp) {
                await verifyJWT(token, keys, { currentTime: at })
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
    // A tombstone stays in the store (never published, never signing) until no token it signed can be valid.
    const tombstone = (await manager.keys()).find((k) => k.kid === compromised.kid)
    assert.equal(tombstone?.state, 'retired')
    assert.equal(tombstone?.retireAt, now)
    now += DAY + 300 // the default maxTokenLifetime + clockTolerance
    assert.equal((await manager.keys()).find((k) => k.kid === compromised.kid), undefined)
  })

  it('rotateNow: a fresh key is published at once and signs after publishAhead; the old key keeps verifying until it retires', async () => {
    let now = START
    const manager = createKeyManager({ alg: 'ES256', rotationPeriod: 30 * DAY, publishAhead: 3600, maxTokenLifetime: 600, clockTolerance: 0, currentTime: () => now })
    const old = await manager.signingKey()
    const planned = (await manager.keys()).find((k) => k.state === 'next')!
    const token = await signJWT({}, old, { issuedAt: now, expiresAt: now + 600 })
    now += 60
    const fresh = await manager.rotateNow()
    assert.equal(fresh.state, 'next')
    assert.equal(fresh.createdAt, now)
    assert.equal(fresh.activateAt, now + 3600)
    const published = (await manager.jwks()).keys.map((jwk) => jwk.kid)
    assert.ok(published.includes(fresh.kid), 'published at once')
    assert.ok(!published.includes(planned.kid), 'the planned successor, never used, is dropped')
    assert.equal((await manager.signingKey()).kid, old.kid, 'the old key signs until publishAhead has passed')
    now += 3599
    assert.equal((await manager.signingKey()).kid, old.kid)
    const last = await signJWT({}, old, { issuedAt: now, expiresAt: now + 600 })
    now += 1
    assert.equal((await manager.signingKey()).kid, fresh.kid, 'the fresh key signs after publishAhead')
    const states = Object.fromEntries((await manager.keys()).map((k) => [k.kid, k.state]))
    assert.equal(states[old.kid!], 'retiring')
    assert.equal((await manager.keys()).filter((k) => k.state === 'next').length, 1, 'and its own successor is planned')
    now += 598
    await verifyJWT(last, createLocalKeySet(await manager.jwks()), { currentTime: now })
    now += 2 // its deactivation + maxTokenLifetime
    assert.equal((await manager.keys()).find((k) => k.kid === old.kid), undefined, 'retired after maxTokenLifetime + clockTolerance')
    await assert.rejects(verifyJWT(token, createLocalKeySet(await manager.jwks()), { currentTime: now }), (e: unknown) => isJotError(e))
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

describe('key lifecycle: concurrent readers', () => {
  it('signing keys asked for at once share a load of the store, not one each', async () => {
    const store = createMemoryKeyStore()
    let loads = 0
    const counting: KeyStore = { load: () => (loads++, store.load()), save: (...args) => store.save(...args) }
    const manager = createKeyManager({ alg: 'ES256', store: counting, currentTime: () => START })
    await manager.signingKey()
    loads = 0
    const keys = await Promise.all(Array.from({ length: 50 }, (_, i) => (i % 2 ? manager.signingKey() : manager.jwks().then(() => manager.signingKey()))))
    assert.equal(new Set(keys.map((key) => key.kid)).size, 1)
    assert.ok(loads <= 4, `${loads} loads for 75 concurrent reads`)
  })

  it('with a store that tells its version, readers reuse the list while it is unchanged (no load per token), see a replica\'s save at their next call, and apply the schedule on time', async () => {
    const store = createMemoryKeyStore()
    const calls = { load: 0, version: 0 }
    const counting: KeyStore = { load: () => (calls.load++, store.load()), save: (...args) => store.save(...args), version: () => (calls.version++, store.version!()) }
    let now = START
    const options = { alg: 'ES256' as const, rotationPeriod: DAY, publishAhead: 3600, maxTokenLifetime: 600, clockTolerance: 0 }
    const manager = createKeyManager({ ...options, store: counting, currentTime: () => now })
    const replica = createKeyManager({ ...options, store, currentTime: () => now })
    const first = await manager.signingKey()
    const published = await manager.jwks()
    calls.load = 0
    for (let i = 0; i < 20; i++) {
      assert.equal((await manager.signingKey()).kid, first.kid)
      assert.deepEqual(await manager.jwks(), published)
    }
    assert.equal(calls.load, 0, 'no load while the version is unchanged')
    assert.ok(calls.version > 0)
    assert.notEqual(await manager.jwks(), await manager.jwks(), 'each caller gets its own set')

    await replica.revoke(first.kid!)
    const successor = await manager.signingKey()
    assert.notEqual(successor.kid, first.kid, 'the revocation is seen at the next call')
    assert.ok(!(await manager.jwks()).keys.some((key) => key.kid === first.kid))

    // The successor signs for a day, then the key planned after it takes over, and that one's own
    // successor must be planned and published at once: a change of the schedule with no save by
    // anyone else in between, applied when it is due.
    const before = new Set((await manager.jwks()).keys.map((key) => key.kid))
    now += DAY + 1
    const next = await manager.signingKey()
    assert.notEqual(next.kid, successor.kid)
    const planned = (await manager.jwks()).keys.filter((key) => !before.has(key.kid))
    assert.equal(planned.length, 1, 'the next successor is published')
    assert.deepEqual(await replica.jwks(), await manager.jwks())
  })

  it('a reader that calls while a load is in flight waits for a load that starts after it (a revocation made in between is seen)', async () => {
    const store = createMemoryKeyStore()
    let gate: Promise<void> | undefined
    let loading!: () => void
    const slow: KeyStore = {
      load: async () => {
        const loaded = await store.load() // read first: this load predates the revocation below
        if (gate) {
          loading()
          await gate
        }
        return loaded
      },
      save: (...args) => store.save(...args),
    }
    const manager = createKeyManager({ alg: 'ES256', store: slow, currentTime: () => START })
    const other = createKeyManager({ alg: 'ES256', store, currentTime: () => START })
    const first = await manager.signingKey()
    let release!: () => void
    gate = new Promise<void>((resolve) => (release = resolve))
    const started = new Promise<void>((resolve) => (loading = resolve))
    const early = manager.signingKey()
    await started
    gate = undefined
    await other.revoke(first.kid!)
    const late = manager.signingKey()
    release()
    assert.equal((await early).kid, first.kid, 'the load in flight was made before the revocation')
    assert.notEqual((await late).kid, first.kid, 'the later caller sees the revocation')
  })
})

describe('key lifecycle: managers sharing one store', () => {
  const stores: Array<[string, () => Promise<{ a: KeyStore; b: KeyStore; cleanup: () => Promise<void> }>]> = [
    ['memory store', async () => {
      const store = createMemoryKeyStore()
      return { a: store, b: store, cleanup: async () => undefined }
    }],
    ['file store, one handle', async () => {
      const dir = await mkdtemp(join(tmpdir(), 'jot-keys-'))
      const store = createFileKeyStore(join(dir, 'keys.jwks.json'), fs)
      return { a: store, b: store, cleanup: () => rm(dir, { recursive: true, force: true }) }
    }],
    ['file store, two handles on one file', async () => {
      const dir = await mkdtemp(join(tmpdir(), 'jot-keys-'))
      const path = join(dir, 'keys.jwks.json')
      return { a: createFileKeyStore(path, fs), b: createFileKeyStore(path, fs), cleanup: () => rm(dir, { recursive: true, force: true }) }
    }],
  ]

  for (const [name, open] of stores) {
    it(`${name}: concurrent managers agree on one persisted signing key`, async () => {
      const { a, b, cleanup } = await open()
      try {
        const now = START
        const managers = [a, b].map((store) => createKeyManager({ alg: 'ES256', store, currentTime: () => now }))
        const keys = await Promise.all([...managers, ...managers].map((manager) => manager.signingKey()))
        assert.equal(new Set(keys.map((key) => key.kid)).size, 1, 'every replica signs with the same key')
        const jwks = await managers[0]!.jwks()
        assert.deepEqual(await managers[1]!.jwks(), jwks)
        assert.equal(jwks.keys.length, 2)
        for (const key of keys) {
          await verifyJWT(await signJWT({}, key, { issuedAt: now, expiresAt: now + 60 }), createLocalKeySet(jwks), { currentTime: now })
        }
      } finally {
        await cleanup()
      }
    })

    it(`${name}: a stale writer cannot undo a revocation`, async () => {
      const { a, b, cleanup } = await open()
      try {
        let now = START
        let paused!: () => void
        const atSave = new Promise<void>((resolve) => (paused = resolve))
        let release!: () => void
        const gate = new Promise<void>((resolve) => (release = resolve))
        let first = true
        const slow: KeyStore = {
          load: () => b.load(),
          save: async (...args: Parameters<KeyStore['save']>) => {
            if (first) {
              first = false
              paused()
              await gate
            }
            return b.save(...args)
          },
        }
        const manager = createKeyManager({ alg: 'ES256', store: a, currentTime: () => now })
        const replica = createKeyManager({ alg: 'ES256', store: slow, currentTime: () => now })
        await manager.signingKey()
        now += 30 * DAY // the successor takes over: both plan the next one and save
        const replicaSigning = replica.signingKey() // loads, plans, then waits before saving
        await atSave
        const compromised = await manager.signingKey()
        await manager.revoke(compromised.kid!)
        release()
        assert.notEqual((await replicaSigning).kid, compromised.kid)
        for (const m of [manager, replica]) {
          assert.notEqual((await m.signingKey()).kid, compromised.kid)
          assert.ok(!(await m.jwks()).keys.some((jwk) => jwk.kid === compromised.kid))
        }
      } finally {
        await cleanup()
      }
    })
  }
})
