/**
 * Where an issuer's keys live. The key manager reads and writes whole key lists through this
 * interface; jot ships an in-memory store and a JWK Set file store, and the token service adds
 * databases later. Stores hold **private** keys: protect them accordingly.
 * @module
 */
import { JWKSInvalid } from '../errors.js'
import { isPlainObject } from '../lib/bytes.js'
import { parseJSONObject } from '../lib/json.js'
import type { JWSAlgorithmName } from '../jwa/signing.js'
import type { JWK } from '../key/jwk.js'
import { checkJWKSet } from '../jwks/key-index.js'

/** One managed key and its schedule. Times are seconds since the epoch. */
export interface StoredKey {
  kid: string
  alg: JWSAlgorithmName
  /** The private JWK (with `kid`, `alg`, `use`). */
  jwk: JWK
  /** Published (in the JWKS) from this time on. */
  createdAt: number
  /** Signs from this time on. */
  activateAt: number
  /** Stops signing at this time; unset until a successor is scheduled. */
  deactivateAt?: number
  /** Emergency revocation: from this time on neither published nor used. */
  revokedAt?: number
}

/** Persistence for a key manager: load and save the whole list. */
export interface KeyStore {
  load(): Promise<StoredKey[]>
  save(keys: readonly StoredKey[]): Promise<void>
}

/**
 * A store in memory: for tests, and for single-process issuers whose keys may die with the process.
 *
 * @example
 * ```ts
 * const manager = createKeyManager({ alg: 'ES256', store: createMemoryKeyStore() })
 * ```
 */
export function createMemoryKeyStore(): KeyStore {
  let keys: StoredKey[] = []
  return {
    load: async () => structuredClone(keys),
    save: async (next) => {
      keys = structuredClone([...next])
    },
  }
}

/** The subset of `node:fs/promises` the file store needs (jot itself imports no Node module). */
export interface KeyStoreFileSystem {
  readFile(path: string, encoding: 'utf8'): Promise<string>
  writeFile(path: string, data: string, options: { mode: number }): Promise<void>
  rename(from: string, to: string): Promise<void>
}

/** The member that carries the schedule inside each JWK of the file (RFC 7517 §4 allows extra members). */
const LIFECYCLE = 'jot_lifecycle'

/**
 * A store in a JWK Set file: each key is a private JWK with its schedule in a `jot_lifecycle`
 * member. Writes go to a temporary file (mode 0600) that is then renamed over the old one, so a
 * crash never leaves a half-written key file. A missing file is an empty store.
 *
 * @example
 * ```ts
 * import * as fs from 'node:fs/promises'
 * const store = createFileKeyStore('/var/lib/issuer/keys.jwks.json', fs)
 * ```
 */
export function createFileKeyStore(path: string, fs: KeyStoreFileSystem): KeyStore {
  return {
    async load() {
      let text: string
      try {
        text = await fs.readFile(path, 'utf8')
      } catch (error) {
        if ((error as { code?: unknown }).code === 'ENOENT') return []
        throw error
      }
      return checkJWKSet(parseJSONObject(text, 'key store file')).keys.map(fromFileJWK)
    },
    async save(keys) {
      const text = JSON.stringify({ keys: keys.map(toFileJWK) }, null, 2) + '\n'
      const temporary = `${path}.${Date.now()}.tmp`
      await fs.writeFile(temporary, text, { mode: 0o600 })
      await fs.rename(temporary, path)
    },
  }
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

