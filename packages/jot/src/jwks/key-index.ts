/**
 * A parsed JWK Set plus its imported keys: each JWK is imported at most once per algorithm (and the
 * outcome, success or failure, remembered), so a hot verification path never re-parses key
 * material. Remote key sets carry the import cache across refetches for JWKs that did not change.
 * @module
 */
import { InvalidArgument, JWKSInvalid, JWKSNoMatchingKey } from '../errors.js'
import { checkBoolean } from '../lib/arguments.js'
import { isPlainObject } from '../lib/bytes.js'
import type { JWSAlgorithm } from '../jwa/signing.js'
import { importJWK } from '../key/import.js'
import type { JotKey } from '../key/key.js'
import type { JWK, JWKSet } from '../key/jwk.js'
import { withoutPrivateMembers } from '../key/members.js'
import type { JWSHeaderParameters } from '../jws/types.js'
import { MAX_CANDIDATE_KEYS } from '../jws/verify.js'
import { describe, selectJWKs, type SelectionPolicy } from './select.js'
import type { KeySetOptions } from './types.js'

interface Entry {
  readonly jwk: JWK
  readonly fingerprint: string
  /** alg → the imported key, or the import error. */
  readonly imported: Map<string, Promise<JotKey | { error: unknown }>>
  /** alg → the same outcome once it has settled, for {@link KeyIndex.importedCandidates}. */
  readonly settled: Map<string, JotKey | { error: unknown }>
}

/** Validates key-set options (as read by readOptions, lib/arguments.ts) once. */
export function selectionPolicy(options: KeySetOptions): SelectionPolicy {
  const { maxCandidates = MAX_CANDIDATE_KEYS } = options
  if (!Number.isInteger(maxCandidates) || maxCandidates < 1 || maxCandidates > MAX_CANDIDATE_KEYS) {
    throw new InvalidArgument(`maxCandidates must be an integer from 1 to ${MAX_CANDIDATE_KEYS}`)
  }
  return {
    allowSymmetric: checkBoolean(options.allowSymmetricKeys, 'allowSymmetricKeys'),
    requireKid: checkBoolean(options.requireKid, 'requireKid'),
    allowAmbiguousKids: checkBoolean(options.allowAmbiguousKids, 'allowAmbiguousKids'),
    maxCandidates,
  }
}

/** RFC 7517 §5: a JSON object whose `keys` member is an array of JWK objects. */
export function checkJWKSet(value: unknown): JWKSet {
  if (!isPlainObject(value) || !Array.isArray(value.keys)) throw new JWKSInvalid('a JWK Set must be an object with a "keys" array')
  if (!value.keys.every(isPlainObject)) throw new JWKSInvalid('every member of "keys" must be a JWK object')
  return value as unknown as JWKSet
}

/** Key types with a public half (RFC 7518 §6.2–6.3, RFC 8037 §2, RFC 9964 §3); unknown ones are ignored (RFC 7517 §5). */
const ASYMMETRIC_KEY_TYPES: ReadonlySet<unknown> = new Set(['RSA', 'EC', 'OKP', 'AKP'])

/**
 * Where symmetric keys may verify, a set must hold secrets only or public keys only. A set of public
 * keys is made to be published, so a secret in it is a secret anyone may have read; a set of secrets
 * with public keys in it has lost track of what it is. Either way the set is refused as a whole
 * rather than trusted key by key (RFC 8725 §3.2).
 */
function checkKeyKinds(keys: readonly JWK[], policy: SelectionPolicy): void {
  if (!policy.allowSymmetric) return // oct keys are never chosen then: the set holds only public keys that count
  if (keys.some((jwk) => jwk.kty === 'oct') && keys.some((jwk) => ASYMMETRIC_KEY_TYPES.has(jwk.kty))) {
    throw new JWKSInvalid('a JWK Set used with symmetric keys must not also hold asymmetric keys')
  }
}

export class KeyIndex {
  readonly #policy: SelectionPolicy
  readonly #entries: readonly Entry[]
  /** Entries by `kid`, each list in document order: a token with a `kid` costs one lookup, not a scan. */
  readonly #byKid = new Map<string, Entry[]>()
  /** Length of the longest `kid` in the set (remote key sets refuse to chase much longer ones). */
  readonly longestKid: number = 0

  /** `previous`: an older index of the same source, whose imports are reused for unchanged JWKs. */
  constructor(jwks: unknown, policy: SelectionPolicy, previous?: KeyIndex) {
    const { keys } = checkJWKSet(jwks)
    checkKeyKinds(keys, policy)
    this.#policy = policy
    const reuse = new Map(previous ? previous.#entries.map((entry) => [entry.fingerprint, entry]) : [])
    this.#entries = keys.map((jwk) => {
      const copy = structuredClone(jwk)
      const fingerprint = JSON.stringify(copy)
      return reuse.get(fingerprint) ?? { jwk: Object.freeze(copy), fingerprint, imported: new Map(), settled: new Map() }
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
   * do, the first import error is thrown as the `cause` of {@link JWKSNoMatchingKey}. A `kid` that
   * several JWKs fit is refused with {@link JWKSMultipleMatchingKeys} (see select.ts).
   */
  async candidates(header: Readonly<JWSHeaderParameters>): Promise<JotKey[]> {
    // A token with a kid can only match JWKs with exactly that kid (RFC 7517 §4.5); select among those.
    const pool = header.kid === undefined ? this.#entries : (this.#byKid.get(header.kid) ?? [])
    const { algorithm, matches } = selectJWKs(pool, header, this.#policy)
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

  /**
   * {@link candidates} at once, when every matching JWK has been imported successfully for the
   * header's algorithm; otherwise undefined (the caller then takes the asynchronous path, which
   * imports, reports failures and finds no match). The verification hot path: no promise per token.
   */
  importedCandidates(header: Readonly<JWSHeaderParameters>): JotKey[] | undefined {
    const pool = header.kid === undefined ? this.#entries : this.#byKid.get(header.kid)
    if (pool === undefined) return undefined
    const { algorithm, matches } = selectJWKs(pool, header, this.#policy)
    if (!algorithm || matches.length === 0) return undefined
    const keys: JotKey[] = []
    for (const entry of matches) {
      const result = entry.settled.get(algorithm.name)
      if (result === undefined || 'error' in result) return undefined
      keys.push(result)
    }
    return keys
  }
}

function importFor(entry: Entry, algorithm: JWSAlgorithm): Promise<JotKey | { error: unknown }> {
  let imported = entry.imported.get(algorithm.name)
  if (!imported) {
    // A key set verifies: only the public half of a JWK is imported, whatever the document carries.
    imported = importJWK(withoutPrivateMembers(entry.jwk), { alg: algorithm.name }).then(
      (key) => key,
      (error: unknown) => ({ error }),
    )
    imported.then((result) => entry.settled.set(algorithm.name, result))
    entry.imported.set(algorithm.name, imported)
  }
  return imported
}
