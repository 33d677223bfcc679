/**
 * {@link JotKey}: key material imported once and bound to exactly one algorithm, a JWS signature
 * algorithm or a JWE key management algorithm (RFC 8725bis §3.1: "each key MUST be used with exactly
 * one algorithm"). Every sign, verify, encrypt and decrypt path takes a JotKey, so the key ↔
 * algorithm decision is made at import, in one place, and the hot path never parses key material
 * again. A signing key can never encrypt, and an encryption key can never sign or verify.
 * @module
 */
import { InvalidArgument, KeyUsageInvalid } from '../errors.js'
import type { ContentEncryptionName } from '../jwa/content-encryption.js'
import type { Curve } from '../jwa/curves.js'
import {
  isKeyManagement,
  type KeyAlgorithm,
  type KeyManagementAlgorithm,
  type KeyManagementAlgorithmName,
} from '../jwa/key-management.js'
import type { JWSAlgorithm, JWSAlgorithmName } from '../jwa/signing.js'
import type { KeyKind, RuntimeKey } from '../runtime/types.js'

/** Every algorithm name a key can be bound to. */
export type KeyAlgorithmName = JWSAlgorithmName | KeyManagementAlgorithmName

let internals: (key: JotKey) => { algorithm: KeyAlgorithm; runtimeKey: RuntimeKey }
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
export class JotKey<A extends KeyAlgorithmName = KeyAlgorithmName> {
  /** The one algorithm this key signs or verifies with (JWS), or manages JWE content keys with. */
  readonly alg: A
  /** `secret` (HMAC, AES, `dir`, PBES2), `public` (verify, encrypt) or `private` (sign, decrypt). */
  readonly type: KeyKind
  /** Curve of EC and OKP keys, e.g. `P-256`, `Ed25519`, `X25519`. */
  readonly curve: Curve | undefined
  /** Key ID, put in the `kid` header of tokens this key signs or encrypts unless the caller sets another. */
  readonly kid: string | undefined
  /** For `dir` keys only: the one content encryption algorithm the key is the CEK of. */
  readonly enc: ContentEncryptionName | undefined
  readonly #algorithm: KeyAlgorithm
  readonly #runtimeKey: RuntimeKey

  /** @internal Use the import and generate functions. */
  constructor(
    token: typeof CONSTRUCT,
    algorithm: KeyAlgorithm,
    runtimeKey: RuntimeKey,
    curve: Curve | undefined,
    kid: string | undefined,
    enc: ContentEncryptionName | undefined,
  ) {
    if (token !== CONSTRUCT) throw new InvalidArgument('use importKey(), importJWK() or generateKeyPair() to create a JotKey')
    this.alg = algorithm.name as A
    this.type = runtimeKey.kind
    this.curve = curve
    this.kid = kid
    this.enc = enc
    this.#algorithm = algorithm
    this.#runtimeKey = runtimeKey
    Object.freeze(this)
  }

  static {
    internals = (key) => ({ algorithm: key.#algorithm, runtimeKey: key.#runtimeKey })
    isBranded = (value) => #algorithm in value
  }

  /** Size in bits: the RSA modulus, or the secret length. */
  get bits(): number | undefined {
    return this.#runtimeKey.bits
  }
}

/**
 * JWE secrets (AES-KW, AES-GCM-KW, `dir`, PBES2 passwords) stay raw bytes: every JWE primitive takes
 * raw key bytes, as it must for the CEK anyway, so these keys need no backend handle.
 * @internal
 */
export interface RawSecretKey extends RuntimeKey {
  readonly kind: 'secret'
  readonly secret: Uint8Array
}

/** @internal */
export function rawSecretKey(secret: Uint8Array): RawSecretKey {
  return Object.freeze({ kind: 'secret', bits: secret.length * 8, secret })
}

/** @internal */
export function isRawSecretKey(key: RuntimeKey): key is RawSecretKey {
  return 'secret' in key
}

/** @internal */
export function createJotKey(
  algorithm: KeyAlgorithm,
  runtimeKey: RuntimeKey,
  curve: Curve | undefined,
  kid: string | undefined,
  enc?: ContentEncryptionName,
): JotKey {
  return new JotKey(CONSTRUCT, algorithm, runtimeKey, curve, kid, enc)
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

/** @internal The registry row and backend key behind a JotKey, whatever it is for (export, thumbprints). */
export function anyKeyInternals(key: JotKey): { algorithm: KeyAlgorithm; runtimeKey: RuntimeKey } {
  return internals(key)
}

/**
 * @internal The JWS row and backend key behind a signing or verification key. A JWE key reaching a
 * JWS path (e.g. a token whose `alg` names the key's JWE algorithm) is refused here.
 */
export function keyInternals(key: JotKey): { algorithm: JWSAlgorithm; runtimeKey: RuntimeKey } {
  const { algorithm, runtimeKey } = internals(key)
  if (isKeyManagement(algorithm)) {
    throw new KeyUsageInvalid(`a ${algorithm.name} key is for encryption (JWE), not for signatures`)
  }
  return { algorithm, runtimeKey }
}

/** @internal The JWE row and backend key behind an encryption or decryption key. */
export function jweKeyInternals(key: JotKey): { algorithm: KeyManagementAlgorithm; runtimeKey: RuntimeKey } {
  const { algorithm, runtimeKey } = internals(key)
  if (!isKeyManagement(algorithm)) {
    throw new KeyUsageInvalid(`a ${algorithm.name} key is for signatures (JWS), not for encryption`)
  }
  return { algorithm, runtimeKey }
}

/** @internal Signing needs a private or secret key; fail before touching the backend. */
export function assertCanSign(key: JotKey): void {
  if (key.type === 'public') throw new KeyUsageInvalid(`a public ${key.alg} key cannot sign; use the private key`)
}
