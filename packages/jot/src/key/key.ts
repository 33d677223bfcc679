/**
 * {@link JotKey}: key material imported once and bound to exactly one JWS algorithm
 * (RFC 8725bis §3.1: "each key MUST be used with exactly one algorithm"). Every sign and verify
 * path takes a JotKey, so the key ↔ algorithm decision is made at import, in one place, and the
 * hot path never parses key material again.
 * @module
 */
import { KeyUsageInvalid } from '../errors.js'
import type { Curve } from '../jwa/curves.js'
import type { JWSAlgorithm, JWSAlgorithmName } from '../jwa/signing.js'
import type { KeyKind, RuntimeKey } from '../runtime/types.js'

let internals: (key: JotKey) => { algorithm: JWSAlgorithm; runtimeKey: RuntimeKey }
let isBranded: (value: object) => boolean
const CONSTRUCT = Symbol('JotKey')

/**
 * A key bound to one algorithm. Create it with {@link importKey}, {@link importJWK},
 * {@link importPEM}, {@link importSecret}, {@link generateKeyPair} or {@link generateSecret}; it is
 * immutable and safe to share across requests. Its material is held in private fields, so logging
 * or serializing a JotKey never prints it.
 *
 * @example
 * ```ts
 * const key = await importJWK(jwk, { alg: 'ES256' })
 * key.alg   // 'ES256'
 * key.type  // 'public'
 * ```
 */
export class JotKey {
  /** The one algorithm this key signs or verifies with. */
  readonly alg: JWSAlgorithmName
  /** `secret` (HMAC), `public` (verify only) or `private` (sign, and verify as its public half). */
  readonly type: KeyKind
  /** Curve of EC and OKP keys, e.g. `P-256`, `Ed25519`. */
  readonly curve: Curve | undefined
  /** Key ID, put in the `kid` header of tokens this key signs unless the caller sets another. */
  readonly kid: string | undefined
  readonly #algorithm: JWSAlgorithm
  readonly #runtimeKey: RuntimeKey

  /** @internal Use the import and generate functions. */
  constructor(
    token: typeof CONSTRUCT,
    algorithm: JWSAlgorithm,
    runtimeKey: RuntimeKey,
    curve: Curve | undefined,
    kid: string | undefined,
  ) {
    if (token !== CONSTRUCT) throw new TypeError('use importKey(), importJWK() or generateKeyPair() to create a JotKey')
    this.alg = algorithm.name
    this.type = runtimeKey.kind
    this.curve = curve
    this.kid = kid
    this.#algorithm = algorithm
    this.#runtimeKey = runtimeKey
    Object.freeze(this)
  }

  static {
    internals = (key) => ({ algorithm: key.#algorithm, runtimeKey: key.#runtimeKey })
    isBranded = (value) => #algorithm in value
  }

  /** Size in bits: the RSA modulus, or the HMAC secret length. */
  get bits(): number | undefined {
    return this.#runtimeKey.bits
  }
}

/** @internal */
export function createJotKey(
  algorithm: JWSAlgorithm,
  runtimeKey: RuntimeKey,
  curve: Curve | undefined,
  kid: string | undefined,
): JotKey {
  return new JotKey(CONSTRUCT, algorithm, runtimeKey, curve, kid)
}

/**
 * True for keys made by this copy of jot (a brand check on the private field, realm-safe).
 *
 * @example
 * ```ts
 * isJotKey(await generateSecret('HS256')) // true
 * isJotKey({ alg: 'HS256' })              // false: look-alikes are not keys
 * ```
 */
export function isJotKey(value: unknown): value is JotKey {
  return typeof value === 'object' && value !== null && isBranded(value)
}

/** @internal The registry row and backend key behind a JotKey. */
export function keyInternals(key: JotKey): { algorithm: JWSAlgorithm; runtimeKey: RuntimeKey } {
  return internals(key)
}

/** @internal Signing needs a private or secret key; fail before touching the backend. */
export function assertCanSign(key: JotKey): void {
  if (key.type === 'public') throw new KeyUsageInvalid(`a public ${key.alg} key cannot sign; use the private key`)
}
