/**
 * The one narrow interface between jot's runtime-independent code and a crypto backend. Two backends
 * implement it with identical file layout: `runtime/node` (node:crypto, KeyObject, synchronous
 * primitives) and `runtime/webcrypto` (crypto.subtle, for browsers, Deno, workers). package.json
 * `imports` conditions pick one as `#runtime`.
 *
 * Everything security-relevant that does not need a primitive lives *above* this interface, once:
 * key ↔ algorithm binding, size minimums, ECDSA signature length and range checks, header and claim
 * validation. A backend receives inputs that are already validated and only does the cryptography.
 * @module
 */
import type { Curve } from '../jwa/curves.js'
import type { HashName, JWSAlgorithm } from '../jwa/signing.js'

export type KeyKind = 'secret' | 'public' | 'private'

export type MaybePromise<T> = T | Promise<T>

/** A JWK as plain JSON members (only the ones the key needs, already checked for type and length). */
export type JWKMembers = Readonly<Record<string, string>>

/** Key material in a form every backend imports without further parsing. */
export type KeySource =
  | { readonly format: 'jwk'; readonly jwk: JWKMembers }
  | { readonly format: 'spki' | 'pkcs8'; readonly der: Uint8Array }
  | { readonly format: 'secret'; readonly bytes: Uint8Array }

/**
 * A backend's imported key. Backends extend it with their own handle (a KeyObject, CryptoKeys);
 * code above the interface only reads these fields.
 */
export interface RuntimeKey {
  readonly kind: KeyKind
  /** RSA modulus length in bits; secret length in bits for `secret` keys. */
  readonly bits?: number
}

export interface CryptoRuntime {
  readonly name: 'node' | 'webcrypto'

  /**
   * Imports key material for exactly one algorithm (and, for EC/OKP, the curve already determined
   * from the material). Throws `KeyInvalid` for material the primitive rejects, `NotSupported` when
   * this runtime lacks the algorithm or curve.
   */
  importKey(alg: JWSAlgorithm, curve: Curve | undefined, source: KeySource, kind: KeyKind): Promise<RuntimeKey>

  /** Signs; ECDSA signatures come back in JOSE form (r ‖ s, fixed length). */
  sign(alg: JWSAlgorithm, key: RuntimeKey, data: Uint8Array): MaybePromise<Uint8Array>

  /**
   * Verifies a signature whose length (and ECDSA range) the caller has already checked. HMAC must be
   * compared in constant time. A private key verifies as its public half.
   */
  verify(alg: JWSAlgorithm, key: RuntimeKey, data: Uint8Array, signature: Uint8Array): MaybePromise<boolean>

  /** The public half of a private key. */
  publicKey(key: RuntimeKey): Promise<RuntimeKey>

  /** JWK members of the key (private members included for private and secret keys). No `alg`/`kid`. */
  exportJWK(key: RuntimeKey): Promise<Record<string, string>>

  /** DER export: `spki` for public keys (or the public half of a private key), `pkcs8` for private keys. */
  exportDER(key: RuntimeKey, format: 'spki' | 'pkcs8'): Promise<Uint8Array>

  generateKeyPair(
    alg: JWSAlgorithm,
    options: { readonly curve: Curve | undefined; readonly modulusLength: number },
  ): Promise<{ publicKey: RuntimeKey; privateKey: RuntimeKey }>

  randomBytes(length: number): Uint8Array

  digest(hash: HashName, data: Uint8Array): MaybePromise<Uint8Array>
}
