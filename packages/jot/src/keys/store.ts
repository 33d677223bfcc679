/**
 * Where an issuer's keys live. The key manager reads and writes whole key lists through this
 * interface; jot ships an in-memory store and a JWK Set file store, and the token service adds
 * databases later. Stores hold **private** keys: protect them accordingly.
 *
 * Several key managers (replicas of one issuer) may share a store, so every save is a
 * compare-and-swap: `load()` returns a version, `save(keys, version)` succeeds only if nobody saved
 * since, and otherwise throws {@link KeyStoreConflict} so the manager reloads and decides again.
 * Without it two replicas could each create a signing key (one replica's tokens then never verify)
 * or a stale writer could undo a revocation.
 * @module
 */
import * as runtime from '#runtime'
import { JWKSInvalid, KeyStoreConflict, KeyStoreFailed } from '../errors.js'
import { checkMethods, checkString, readArray, readObject } from '../lib/arguments.js'
import { encode as encodeBase64URL } from '../lib/base64url.js'
import { isPlainObject } from '../lib/bytes.js'
import { parseJSONObject } from '../lib/json.js'
import { encodeUtf8 } from '../lib/utf8.js'
import type { JWSAlgorithmName } from '../jwa/signing.js'
import type { JWK } from '../key/jwk.js'
import { checkJWKSet } from '../jwks/key-index.js'

/** One managed key and its schedule. Times are seconds since the epoch. */
export interface StoredKey {
  kid: string
  alg: JWSAlgorithmName
  /** The private JWK (with `kid`, `alg`, `use`); only the public half once the key is revoked. */
  jwk: JWK
  /** Published (in the JWKS) from this time on. */
  createdAt: number
  /** Signs from this time on. */
  activateAt: number
  /** Stops signing at this time; unset until a successor is scheduled. */
  deactivateAt?: number
  /** Emergency revocation: from this time on neither published nor used (kept as a tombstone for a while). */
  revokedAt?: number
}

/** The keys of a store and the version they were read at. */
export interface KeyStoreSnapshot {
  keys: StoredKey[]
  /** Opaque; changes with every save. Pass it back to {@link KeyStore.save}. */
  version: string
}

/** Persistence for a key manager: load and compare-and-swap the whole list. */
export interface KeyStore {
  load(): Promise<KeyStoreSnapshot>
  /**
   * Optional: the current version alone, without the keys (e.g. one small database read instead
   * of loading and decrypting the list). With it, a manager reuses the list it last loaded or saved
   * while the version is unchanged and its schedule has no change due, so signing and serving the
   * JWKS cost this call instead of a load; every save elsewhere is still seen at the next call.
   */
  version?(): Promise<string>
  /**
   * Replaces the list if the store is still at `expectedVersion`, and returns the new version.
   * @throws {@link KeyStoreConflict} when another writer saved since (the caller reloads and retries).
   */
  save(keys: readonly StoredKey[], expectedVersion: string): Promise<string>
}

/**
 * A store in memory: for tests, and for single-process issuers whose keys may die with the process.
 * Managers sharing it see each other's saves.
 *
 * @example
 * ```ts
 * const manager = createKeyManager({ alg: 'ES256', store: createMemoryKeyStore() })
 * ```
 */
export function createMemoryKeyStore(): KeyStore {
  let keys: StoredKey[] = []
  let version = 0
  return {
    load: async () => ({ keys: structuredClone(keys), version: String(version) }),
    version: async () => String(version),
    // No await between the comparison and the write: the swap is atomic on the event loop.
    save: async (next, expectedVersion) => {
      next = storedKeys(next)
      checkString(expectedVersion, 'expectedVersion')
      if (expectedVersion !== String(version)) throw new KeyStoreConflict('the key store changed since it was loaded')
      keys = structuredClone([...next])
      version++
      return String(version)
    },
  }
}

/** The subset of `node:fs/promises` the file store needs (jot itself imports no Node module). */
export interface KeyStoreFileSystem {
  readFile(path: string, encoding: 'utf8'): Promise<string>
  writeFile(path: string, data: string, options: { mode: number; flag: string }): Promise<void>
  rename(from: string, to: string): Promise<void>
  unlink(path: string): Promise<void>
}

/** The member that carries the schedule inside each JWK of the file (RFC 7517 §4 allows extra members). */
const LIFECYCLE = 'jot_lifecycle'

/**
 * A store in a JWK Set file: each key is a private JWK with its schedule in a `jot_lifecycle`
 * member. The version is the SHA-256 of the file. A save takes a lock file (`<path>.lock`, created
 * exclusively, so it also excludes other processes), checks the version, writes a temporary file
 * (mode 0600, random name) and renames it over the old one: a crash never leaves a half-written key
 * file. A lock left behind by a crashed writer makes every save fail with {@link KeyStoreConflict}
 * naming it; delete it once no writer runs. A missing file is an empty store.
 *
 * @example
 * ```ts
 * import * as fs from 'node:fs/promises'
 * const store = createFileKeyStore('/var/lib/issuer/keys.jwks.json', fs)
 * ```
 * @throws (from `load`/`save`) {@link KeyStoreFailed} for I/O errors, {@link JWKSInvalid} for a
 *   malformed file, {@link KeyStoreConflict} when the file changed since it was loaded or is locked.
 */
export function createFileKeyStore(path: string, fs: KeyStoreFileSystem): KeyStore {
  checkString(path, 'path')
  checkMethods(fs, ['readFile', 'writeFile', 'rename', 'unlink'], 'fs')
  const lock = `${path}.lock`

  async function read(): Promise<{ text: string | undefined; version: string }> {
    let text: string
    try {
      text = await fs.readFile(path, 'utf8')
    } catch (error) {
      if ((error as { code?: unknown }).code === 'ENOENT') return { text: undefined, version: 'empty' }
      throw new KeyStoreFailed('the key store file cannot be read', { cause: error })
    }
    return { text, version: await versionOf(text) }
  }

  return {
    async load() {
      const { text, version } = await read()
      const keys = text === undefined ? [] : checkJWKSet(parseJSONObject(text, 'key store file')).keys.map(fromFileJWK)
      return { keys, version }
    },
    async save(keys, expectedVersion) {
      keys = storedKeys(keys)
      checkString(expectedVersion, 'expectedVersion')
      const text = JSON.stringify({ keys: keys.map(toFileJWK) }, null, 2) + '\n'
      try {
        await fs.writeFile(lock, '', { mode: 0o600, flag: 'wx' })
      } catch (error) {
        if ((error as { code?: unknown }).code !== 'EEXIST') throw new KeyStoreFailed('cannot create the key store lock file', { cause: error })
        throw new KeyStoreConflict(`the key store is locked by another writer (${lock}; delete it if no writer is running)`)
      }
      try {
        if ((await read()).version !== expectedVersion) throw new KeyStoreConflict('the key store file changed since it was loaded')
        const temporary = `${path}.${encodeBase64URL(runtime.randomBytes(9))}.tmp`
        try {
          await fs.writeFile(temporary, text, { mode: 0o600, flag: 'wx' })
          await fs.rename(temporary, path)
        } catch (error) {
          await fs.unlink(temporary).catch(() => undefined) // never leave private keys in a stray file
          throw new KeyStoreFailed('the key store file cannot be written', { cause: error })
        }
        return await versionOf(text)
      } finally {
        await fs.unlink(lock).catch(() => undefined)
      }
    },
  }
}

/** The `keys` argument of {@link KeyStore.save}: an array of stored-key objects, copied. */
function storedKeys(keys: unknown): StoredKey[] {
  return readArray<unknown>(keys, 'keys').map((key) => readObject<StoredKey>(key, 'each key'))
}

async function versionOf(text: string): Promise<string> {
  return encodeBase64URL(await runtime.digest('SHA-256', encodeUtf8(text)))
}

function toFileJWK(key: StoredKey): JWK {
  const { jwk, kid, alg, ...schedule } = key
  return { ...jwk, kid, alg, use: 'sig', [LIFECYCLE]: schedule }
}

function fromFileJWK(jwk: JWK): StoredKey {
  const { [LIFECYCLE]: schedule, ...rest } = jwk
  const valid =
    isPlainObject(schedule) &&
    typeof rest.kid === 'string' &&
    typeof rest.alg === 'string' &&
    ['createdAt', 'activateAt'].every((name) => typeof schedule[name] === 'number') &&
    ['deactivateAt', 'revokedAt'].every((name) => schedule[name] === undefined || typeof schedule[name] === 'number')
  if (!valid) throw new JWKSInvalid(`a key in the key store file lacks a valid "${LIFECYCLE}", "kid" or "alg"`)
  return { ...(schedule as Omit<StoredKey, 'jwk' | 'kid' | 'alg'>), kid: rest.kid!, alg: rest.alg as JWSAlgorithmName, jwk: rest }
}
