/**
 * A parsed JWK Set plus its imported keys: each JWK is imported at most once per algorithm (and the
 * outcome, success or failure, remembered), so a hot verification path never re-parses key
 * material. Remote key sets carry the import cache across refetches for JWKs that did not change.
 * @module
 */
import { InvalidArgument, JWKSInvalid, JWKSNoMatchingKey, quote } from '../errors.js'
import { isPlainObject } from '../lib/bytes.js'
import type { JWSAlgorithm } from '../jwa/signing.js'
import { importJWK } from '../key/import.js'
import type { JotKey } from '../key/key.js'
import type { JWK, JWKSet } from '../key/jwk.js'
import { withoutPrivateMembers } from '../key/members.js'
import type { JWSHeaderParameters } from '../jws/types.js'
import { MAX_CANDIDATE_KEYS } from '../jws/verify.js'
import { selectJWKs, type SelectionPolicy } from './select.js'
import type { KeySetOptions } from './types.js'

interface Entry {
  readonly jwk: JWK
  readonly fingerprint: string
  /** alg → the imported key, or the import error. */
  readonly imported: Map<string, Promise<JotKey | { error: unknown }>>
}

/** Validates key-set options once. */
export function selectionPolicy(options: KeySetOptions = {}): SelectionPolicy {
  const { maxCandidates = MAX_CANDIDATE_KEYS } = options
  if (!Number.isInteger(maxCandidates) || maxCandidates < 1 || maxCandidates > MAX_CANDIDATE_KEYS) {
    throw new InvalidArgument(`maxCandidates must be an integer from 1 to ${MAX_CANDIDATE_KEYS}`)
  }
  return { allowSymmetric: options.allowSymmetricKeys === true, requireKid: options.requireKid === true, maxCandidates }
}

/** RFC 7517 §5: a JSON object whose `keys` member is an array of JWK objects. */
export function checkJWKSet(value: unknown): JWKSet {
  if (!isPlainObject(value) || !Array.isArray(value.keys)) throw new JWKSInvalid('a JWK Set must be an object with a "keys" array')
  if (!value.keys.every(isPlainObject)) throw new JWKSInvalid('every member of "keys" must be a JWK object')
  return value as unknown as JWKSet
}

export class KeyIndex {
  readonly #entries: readonly Entry[]
  /** Entries by `kid`, each list in document order: a token with a `kid` costs one lookup, not a scan. */
  readonly #byKid = new Map<string, Entry[]>()
  /** Length of the longest `kid` in the set (remote key sets refuse to chase much longer ones). */
  readonly longestKid: number = 0

  /** `previous`: an older index of the same source, whose imports are reused for unchanged JWKs. */
  constructor(jwks: unknown, previous?: KeyIndex) {
    const reuse = new Map(previous ? previous.#entries.map((entry) => [entry.fingerprint, entry]) : [])
    this.#entries = checkJWKSet(jwks).keys.map((jwk) => {
      const copy = structuredClone(jwk)
      const fingerprint = JSON.stringify(copy)
      return reuse.get(fingerprint) ?? { jwk: Object.freeze(copy), fingerprint, imported: new Map() }
    })
    for (const entry of this.#entries) {
      const { kid } = entry.jwk
      if (typeof kid !== 'string') continue
      const list = this.#byKid.get(kid)
      if (list) list.push(entry)
      else this.#byKid.set(kid, [entry])
      this.longestKid = Math.max(this.longestKid, kid.length)
    }
  }

  get size(): number {
    return this.#entries.length
  }

  /** The JWK Set as parsed (copies). */
  toJSON(): JWKSet {
    return { keys: this.#entries.map((entry) => structuredClone(entry.jwk)) }
  }

  /**
   * The imported keys that may verify a token with this header, or an empty array when no JWK
   * matches. JWKs that match but fail to import (malformed, unsupported here) are skipped; if all
   * do, the first import error is thrown as the `cause` of {@link JWKSNoMatchingKey}.
   */
  async candidates(header: Readonly<JWSHeaderParameters>, policy: SelectionPolicy): Promise<JotKey[]> {
    // A token with a kid can only match JWKs with exactly that kid (RFC 7517 §4.5); select among those.
    const pool = header.kid === undefined ? this.#entries : (this.#byKid.get(header.kid) ?? [])
    const { algorithm, matches } = selectJWKs(pool, header, policy)
    if (!algorithm || matches.length === 0) return []
    const keys: JotKey[] = []
    let firstError: unknown
    for (const entry of matches) {
      const result = await importFor(entry, algorithm)
      if ('error' in result) firstError ??= result.error
      else keys.push(result)
    }
    if (keys.length === 0) {
      throw new JWKSNoMatchingKey(`no usable key for ${describe(header)}: the matching JWKs cannot be imported`, { cause: firstError })
    }
    return keys
  }
}

function importFor(entry: Entry, algorithm: JWSAlgorithm): Promise<JotKey | { error: unknown }> {
  let imported = entry.imported.get(algorithm.name)
  if (!imported) {
    // A key set verifies: only the public half of a JWK is imported, whatever the document carries.
    imported = importJWK(withoutPrivateMembers(entry.jwk), { alg: algorithm.name }).catch((error: unknown) => ({ error }))
    entry.imported.set(algorithm.name, imported)
  }
  return imported
}

/** A header's `kid` and `alg` for an error message; both are untrusted, hence quoted. */
export function describe(header: Readonly<JWSHeaderParameters>): string {
  return header.kid === undefined ? `alg ${quote(header.alg)} (no kid)` : `kid ${quote(header.kid)} and alg ${quote(header.alg)}`
}
