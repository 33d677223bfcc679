import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { createSecretVerifier, DEFAULT_SCRYPT_PARAMETERS, hashSecret, isSecretHash, KdfSaturated } from '../src/crypto/secret-hash.js'
import { TEST_HASH_COST } from './oauth-helpers.js'

const SECRET = 'correct horse battery staple'

function counted(options: { maxConcurrent?: number; maxQueued?: number } = {}) {
  const counter = { kdf: 0 }
  return { counter, verifier: createSecretVerifier({ ...options, onKdf: () => void counter.kdf++ }) }
}

describe('client secret hashes', () => {
  it('are self-describing scrypt strings with the stated default parameters and a random salt', async () => {
    const [a, b] = await Promise.all([hashSecret(SECRET), hashSecret(SECRET)])
    const { cost, blockSize, parallelization } = DEFAULT_SCRYPT_PARAMETERS
    assert.match(a, new RegExp(`^scrypt\\$${2 ** cost}\\$${blockSize}\\$${parallelization}\\$[A-Za-z0-9_-]{22}\\$[A-Za-z0-9_-]{43}$`))
    assert.equal(cost, 15)
    assert.notEqual(a, b)
    assert.ok(isSecretHash(a))
  })

  it('refuse parameters that would cost unbounded work, and malformed strings', async () => {
    await assert.rejects(hashSecret(SECRET, { cost: 21 }), RangeError)
    await assert.rejects(hashSecret(''), RangeError)
    const good = await hashSecret(SECRET, { cost: TEST_HASH_COST })
    const [, , r, p, salt, hash] = good.split('$')
    for (const bad of [
      `scrypt$${2 ** 21}$${r}$${p}$${salt}$${hash}`, // N over the bound
      `scrypt$3000$${r}$${p}$${salt}$${hash}`, // N not a power of two
      `scrypt$4096$64$${p}$${salt}$${hash}`, // r over the bound
      `pbkdf2$4096$${r}$${p}$${salt}$${hash}`,
      `scrypt$4096$${r}$${p}$${salt}$${hash}$extra`,
      `scrypt$4096$${r}$${p}$${salt}$${hash}=`,
    ]) {
      assert.equal(isSecretHash(bad), false, bad)
    }
  })
})

describe('secret verifier', () => {
  it('accepts the right secret and refuses a wrong one', async () => {
    const { verifier } = counted()
    const stored = await hashSecret(SECRET, { cost: TEST_HASH_COST })
    assert.equal(await verifier.verify('c1', stored, SECRET), true)
    assert.equal(await verifier.verify('c2', stored, `${SECRET}!`), false)
  })

  it('runs no KDF for a repeated right secret, but always for a wrong one', async () => {
    const { verifier, counter } = counted()
    const stored = await hashSecret(SECRET, { cost: TEST_HASH_COST })
    assert.equal(await verifier.verify('c1', stored, SECRET), true)
    assert.equal(counter.kdf, 1)
    assert.equal(await verifier.verify('c1', stored, SECRET), true)
    assert.equal(counter.kdf, 1, 'the second success comes from the cache')
    for (let i = 0; i < 3; i++) assert.equal(await verifier.verify('c1', stored, 'wrong secret value'), false)
    assert.equal(counter.kdf, 4, 'every failure costs a KDF')
    // A failure does not evict the verified secret.
    assert.equal(await verifier.verify('c1', stored, SECRET), true)
    assert.equal(counter.kdf, 4)
  })

  it('forgets the cached secret when the stored hash changes (the secret was rotated)', async () => {
    const { verifier, counter } = counted()
    const before = await hashSecret(SECRET, { cost: TEST_HASH_COST })
    const after = await hashSecret('the new secret value', { cost: TEST_HASH_COST })
    assert.equal(await verifier.verify('c1', before, SECRET), true)
    assert.equal(await verifier.verify('c1', after, SECRET), false, 'the old secret no longer passes')
    assert.equal(counter.kdf, 2)
    assert.equal(await verifier.verify('c1', after, 'the new secret value'), true)
    assert.equal(counter.kdf, 3)
    // The entry now belongs to the new hash: the old pair is checked by the KDF again.
    assert.equal(await verifier.verify('c1', before, SECRET), true)
    assert.equal(counter.kdf, 4)
  })

  it('keeps cached secrets per client', async () => {
    const { verifier, counter } = counted()
    const stored = await hashSecret(SECRET, { cost: TEST_HASH_COST })
    assert.equal(await verifier.verify('c1', stored, SECRET), true)
    assert.equal(await verifier.verify('c2', stored, SECRET), true)
    assert.equal(counter.kdf, 2, 'c1\'s success does not let c2 skip the KDF')
  })

  it('runs the default-cost KDF for an unknown client or a malformed stored hash, and refuses', async () => {
    const { verifier, counter } = counted()
    const started = performance.now()
    assert.equal(await verifier.verify('nobody', undefined, SECRET), false)
    const unknownMs = performance.now() - started
    assert.equal(await verifier.verify('broken', 'scrypt$not-a-hash', SECRET), false)
    assert.equal(counter.kdf, 2)
    // A real KDF at 2^15 takes tens of milliseconds at least; a skipped one well under one.
    assert.ok(unknownMs > 5, `the dummy KDF ran (${unknownMs.toFixed(1)} ms)`)
  })

  it('checks of the same secret against the same hash at once share one KDF (a burst after a restart); different secrets, other hashes and unknown clients do not', async () => {
    const { verifier, counter } = counted()
    const stored = await hashSecret(SECRET, { cost: TEST_HASH_COST })
    const burst = await Promise.all(Array.from({ length: 20 }, () => verifier.verify('c1', stored, SECRET)))
    assert.ok(burst.every((ok) => ok))
    assert.equal(counter.kdf, 1, 'one KDF for 20 requests')
    counter.kdf = 0
    const wrong = await Promise.all([verifier.verify('c1', stored, 'wrong one'), verifier.verify('c1', stored, 'wrong one'), verifier.verify('c1', stored, 'wrong two')])
    assert.deepEqual(wrong, [false, false, false])
    assert.equal(counter.kdf, 2, 'each distinct guess costs a KDF')
    counter.kdf = 0
    const other = await hashSecret(SECRET, { cost: TEST_HASH_COST })
    assert.deepEqual(await Promise.all([verifier.verify('c2', other, SECRET), verifier.verify('c3', other, SECRET)]), [true, true])
    assert.deepEqual(await Promise.all([verifier.verify('nobody', undefined, SECRET), verifier.verify('nobody', undefined, SECRET)]), [false, false])
    assert.equal(counter.kdf, 4, 'per client, and every unknown-client check')
  })

  it('bounds concurrent KDF runs and refuses the excess with KdfSaturated', async () => {
    const { verifier, counter } = counted({ maxConcurrent: 1, maxQueued: 1 })
    const stored = await hashSecret(SECRET, { cost: TEST_HASH_COST })
    const running = verifier.verify('c1', stored, 'wrong one')
    const queued = verifier.verify('c1', stored, 'wrong two')
    await assert.rejects(verifier.verify('c1', stored, 'wrong three'), KdfSaturated)
    assert.deepEqual(await Promise.all([running, queued]), [false, false])
    assert.equal(counter.kdf, 2)
    // The slots are free again.
    assert.equal(await verifier.verify('c1', stored, SECRET), true)
  })
})
