/**
 * The library key manager's persistence (`KeyStore`) on the service's store: the whole key list,
 * private keys included, is sealed (AES-256-GCM, `crypto/encryption.ts`) before it reaches the
 * database, so a database dump or a read-only SQL injection yields no signing key. The store's
 * compare-and-swap carries the manager's: a lost swap becomes the library's `KeyStoreConflict`, on
 * which the manager reloads and decides again, so replicas converge on one signing key.
 * @module
 */
import { KeyStoreConflict, KeyStoreFailed, type KeyStore, type StoredKey } from 'jotjwt'
import { DecryptionFailed, encryptionKeyId, open, seal } from '../crypto/encryption.js'
import { StoreConflict, type Store } from '../store/store.js'

/**
 * Bound to the sealed key list as additional data: it opens as nothing else. The default
 * algorithm's list keeps the purpose it always had; another algorithm's list names it, so one
 * list cannot be moved into another algorithm's row.
 */
const purposeOf = (alg: string | undefined): string => (alg === undefined ? 'jotjwt/signing-keys/v1' : `jotjwt/signing-keys/v1/${alg}`)

/**
 * A `KeyStore` for `createKeyManager` that keeps the key list of `alg` (undefined: the service's
 * default algorithm) in `store`, sealed under `encryptionKey` (32 bytes: `keys.encryptionKey` decoded).
 *
 * @example
 * ```ts
 * const keys = createKeyManager({ alg: 'ES256', store: createEncryptedKeyStore(store, Buffer.from(config.keys.encryptionKey, 'base64url')) })
 * const rsa = createKeyManager({ alg: 'RS256', store: createEncryptedKeyStore(store, encryptionKey, 'RS256') })
 * ```
 * @throws (from `load`) `KeyStoreFailed` when the stored list was sealed under another key or was
 *   altered, naming the key ids; `StoreUnavailable` when the database is.
 */
export function createEncryptedKeyStore(store: Store, encryptionKey: Uint8Array, alg?: string): KeyStore {
  encryptionKeyId(encryptionKey) // a key of the wrong size fails here, at startup
  const PURPOSE = purposeOf(alg)
  // Version checks asked for in one turn of the event loop (a burst of requests) share one read,
  // started after all of them asked: each still sees every save made before it asked.
  let pendingVersion: Promise<string> | undefined
  return {
    async load() {
      const { data, version } = await store.loadKeys(alg)
      if (data === undefined) return { keys: [], version }
      let text: string
      try {
        text = open(data, encryptionKey, PURPOSE)
      } catch (error) {
        if (!(error instanceof DecryptionFailed)) throw error
        const advice =
          error.reason === 'wrong-key'
            ? `keys.encryptionKey is not the key they were saved with (${error.message})`
            : 'the stored value is damaged or was altered'
        throw new KeyStoreFailed(`the signing keys in the store cannot be decrypted: ${advice}`, { cause: error })
      }
      return { keys: JSON.parse(text) as StoredKey[], version }
    },
    // One small read instead of the list and its decryption: the manager reuses its list while this is unchanged.
    version: () =>
      (pendingVersion ??= new Promise<string>((resolve, reject) =>
        setImmediate(() => {
          pendingVersion = undefined
          store.keysVersion(alg).then(resolve, reject)
        }),
      )),
    async save(keys, expectedVersion) {
      try {
        return await store.saveKeys(seal(JSON.stringify(keys), encryptionKey, PURPOSE), expectedVersion, alg)
      } catch (error) {
        if (error instanceof StoreConflict) throw new KeyStoreConflict('the signing keys changed since they were loaded', { cause: error })
        throw error
      }
    },
  }
}
