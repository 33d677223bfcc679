/**
 * The library's key manager persisting through `keys/key-store.ts` on a backend: registered by each
 * backend's test file next to the store contract.
 */
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { describe, it } from 'node:test'
import { createKeyManager, isJotError, type KeyManager, type KeyStore } from 'jotjwt'
import { createEncryptedKeyStore } from '../src/keys/key-store.js'
import type { Store } from '../src/store/store.js'
import { freshStore, type StoreHarness } from './store.contract.js'

const manager = (store: KeyStore): KeyManager => createKeyManager({ alg: 'ES256', store, publishAhead: '1h', maxTokenLifetime: '10m' })

async function kidOf(keys: KeyManager): Promise<string | undefined> {
  return (await keys.signingKey()).kid
}

export function keyStoreContract(harness: StoreHarness): void {
  describe(`${harness.backend} store: encrypted key store under the key manager`, () => {
    const encryptionKey = randomBytes(32)

    it('keeps the keys across reopening the store, sealed: no private key material in the database', async () => {
      const { store, database } = await freshStore(harness)
      const first = manager(createEncryptedKeyStore(store, encryptionKey))
      const kid = await kidOf(first)
      const jwks = await first.jwks()
      await store.close()

      const raw = await database.rawKeyData()
      assert.ok(raw?.startsWith('v1.'), 'sealed format')
      for (const marker of ['"d":', '"jwk"', '"kty"', kid!]) assert.ok(!raw!.includes(marker), `raw column contains ${marker}`)

      const reopened = database.open()
      await reopened.migrate()
      const second = manager(createEncryptedKeyStore(reopened, encryptionKey))
      assert.equal(await kidOf(second), kid)
      assert.deepEqual(await second.jwks(), jwks)
      assert.equal((await second.keys()).length, 2) // active and next: nothing regenerated
    })

    it('two managers on two replicas of one store converge on one signing key', async () => {
      const { store, database } = await freshStore(harness)
      const replica: Store = database.open()
      const managers = [manager(createEncryptedKeyStore(store, encryptionKey)), manager(createEncryptedKeyStore(replica, encryptionKey))]
      const kids = await Promise.all([...managers, ...managers].map(kidOf))
      assert.equal(new Set(kids).size, 1, `signing kids: ${kids.join(', ')}`)
      for (const keys of managers) {
        const states = (await keys.keys()).map((key) => key.state).sort()
        assert.deepEqual(states, ['active', 'next'])
      }
    })

    it('signs without loading the list again while it is unchanged; version checks asked at once share one read; a replica\'s revocation is seen by the next token', async () => {
      const { store, database } = await freshStore(harness)
      const counts = { load: 0, version: 0 }
      const counted: Store = { ...store, loadKeys: (alg) => (counts.load++, store.loadKeys(alg)), keysVersion: (alg) => (counts.version++, store.keysVersion(alg)) }
      const keyStore = createEncryptedKeyStore(counted, encryptionKey)
      const keys = manager(keyStore)
      const kid = await kidOf(keys)
      counts.load = 0
      counts.version = 0
      assert.deepEqual(new Set(await Promise.all(Array.from({ length: 20 }, () => kidOf(keys)))), new Set([kid]))
      assert.equal(counts.load, 0, 'no load while the version is unchanged')
      counts.version = 0
      const versions = await Promise.all([keyStore.version!(), keyStore.version!(), keyStore.version!()])
      assert.equal(new Set(versions).size, 1)
      assert.equal(counts.version, 1, 'one read for three checks asked at once')
      const other = manager(createEncryptedKeyStore(database.open(), encryptionKey))
      await other.revoke(kid!)
      assert.notEqual(await kidOf(keys), kid, 'the next token is signed by the successor')
      assert.equal(counts.load, 1)
    })

    it('a lost compare-and-swap is the library’s KeyStoreConflict', async () => {
      const { store } = await freshStore(harness)
      const keyStore = createEncryptedKeyStore(store, encryptionKey)
      const { version } = await keyStore.load()
      await keyStore.save([], version)
      await assert.rejects(keyStore.save([], version), (error) => isJotError(error) && error.code === 'ERR_KEY_STORE_CONFLICT')
    })

    it('another encryption key is a clear error, and the stored keys stay untouched', async () => {
      const { store, database } = await freshStore(harness)
      await kidOf(manager(createEncryptedKeyStore(store, encryptionKey)))
      const before = await database.rawKeyData()
      const wrong = manager(createEncryptedKeyStore(store, randomBytes(32)))
      await assert.rejects(wrong.signingKey(), (error) => {
        assert.ok(isJotError(error) && error.code === 'ERR_KEY_STORE_FAILED', String(error))
        assert.match(error.message, /cannot be decrypted: keys\.encryptionKey is not the key they were saved with/)
        return true
      })
      assert.equal(await database.rawKeyData(), before)
    })

    it('an altered key list is refused, not used', async () => {
      const { store } = await freshStore(harness)
      await kidOf(manager(createEncryptedKeyStore(store, encryptionKey)))
      const { data, version } = await store.loadKeys()
      const flipped = data!.slice(0, -5) + (data!.at(-5) === 'A' ? 'B' : 'A') + data!.slice(-4)
      await store.saveKeys(flipped, version)
      await assert.rejects(manager(createEncryptedKeyStore(store, encryptionKey)).signingKey(), /cannot be decrypted: the stored value is damaged or was altered/)
    })

    it('refuses an encryption key that is not 32 bytes', async () => {
      const { store } = await freshStore(harness)
      assert.throws(() => createEncryptedKeyStore(store, randomBytes(16)), RangeError)
    })
  })
}
