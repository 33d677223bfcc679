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
import type { KeyAlgorithm, Rsa15Algorithm, RsaOaepAlgorithm } from '../jwa/key-management.js'
import type { HashName, JWSAlgorithm } from '../jwa/signing.js'
import type { MaybePromise } from '../lib/maybe-promise.js'

export type KeyKind = 'secret' | 'public' | 'private'

export type { MaybePromise } from '../lib/maybe-promise.js'

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
  importKey(alg: KeyAlgorithm, curve: Curve | undefined, source: KeySource, kind: KeyKind): Promise<RuntimeKey>

  /**
   * Signs; ECDSA signatures come back in JOSE form (r ‖ s, fixed length). `data` (here and in
   * `verify`, with `signature`) may be a view of scratch memory that the next call overwrites
   * (lib/scratch.ts): read it before yielding, or copy it.
   */
  sign(alg: JWSAlgorithm, key: RuntimeKey, data: Uint8Array): MaybePromise<Uint8Array>

  /**
   * Verifies a signature whose length (and ECDSA range) the caller has already checked. HMAC must be
   * compared in constant time. A private key verifies as its public half. `offload`: run an
   * asymmetric verification off the calling thread where the backend can (node:crypto's thread
   * pool); WebCrypto is asynchronous anyway and ignores it.
   */
  verify(alg: JWSAlgorithm, key: RuntimeKey, data: Uint8Array, signature: Uint8Array, offload?: boolean): MaybePromise<boolean>

  /** The public half of a private key. */
  publicKey(key: RuntimeKey): Promise<RuntimeKey>

  /** JWK members of the key (private members included for private and secret keys). No `alg`/`kid`. */
  exportJWK(key: RuntimeKey): Promise<Record<string, string>>

  /** DER export: `spki` for public keys (or the public half of a private key), `pkcs8` for private keys. */
  exportDER(key: RuntimeKey, format: 'spki' | 'pkcs8'): Promise<Uint8Array>

  generateKeyPair(
    alg: KeyAlgorithm,
    options: { readonly curve: Curve | undefined; readonly modulusLength: number },
  ): Promise<{ publicKey: RuntimeKey; privateKey: RuntimeKey }>

  randomBytes(length: number): Uint8Array

  digest(hash: HashName, data: Uint8Array): MaybePromise<Uint8Array>

  // JWE primitives (RFC 7518 §4–5). Symmetric keys are raw bytes: the CEK is generated per message
  // and JWE secrets are held as bytes above this interface. Lengths of keys, IVs and tags are checked
  // by the caller. Authentication and unwrap failures return `null` rather than throwing, so the
  // caller decides, in one place, how they surface (RFC 7516 §11.5, §11.4).

  /** AES-GCM with a 128-bit tag. */
  aesGcmEncrypt(key: Uint8Array, iv: Uint8Array, plaintext: Uint8Array, aad: Uint8Array): MaybePromise<{ ciphertext: Uint8Array; tag: Uint8Array }>
  /** AES-GCM decryption; `null` when the tag does not verify. */
  aesGcmDecrypt(key: Uint8Array, iv: Uint8Array, ciphertext: Uint8Array, tag: Uint8Array, aad: Uint8Array): MaybePromise<Uint8Array | null>
  /** AES-CBC with PKCS#7 padding. */
  aesCbcEncrypt(key: Uint8Array, iv: Uint8Array, plaintext: Uint8Array): MaybePromise<Uint8Array>
  /** AES-CBC decryption; `null` on bad padding (only ever called after the HMAC tag has verified). */
  aesCbcDecrypt(key: Uint8Array, iv: Uint8Array, ciphertext: Uint8Array): MaybePromise<Uint8Array | null>
  /** HMAC with a raw key. */
  hmac(hash: HashName, key: Uint8Array, data: Uint8Array): MaybePromise<Uint8Array>
  /** AES Key Wrap (RFC 3394) with the default IV. */
  aesKeyWrap(kek: Uint8Array, cek: Uint8Array): MaybePromise<Uint8Array>
  /** AES Key Unwrap; `null` when the integrity check fails. */
  aesKeyUnwrap(kek: Uint8Array, wrapped: Uint8Array): MaybePromise<Uint8Array | null>
  /** RSAES-OAEP encryption with a public (or private) key. */
  rsaEncrypt(alg: RsaOaepAlgorithm, key: RuntimeKey, cek: Uint8Array): MaybePromise<Uint8Array>
  /**
   * RSAES-OAEP or RSAES-PKCS1-v1_5 decryption with a private key; `null` on any decryption error.
   * Throws `NotSupported` where the runtime lacks RSAES-PKCS1-v1_5.
   */
  rsaDecrypt(alg: RsaOaepAlgorithm | Rsa15Algorithm, key: RuntimeKey, encrypted: Uint8Array): MaybePromise<Uint8Array | null>
  /**
   * ECDH shared secret Z (RFC 7518 §4.6.2) between a private key and a public key of the same curve,
   * both imported for the same ECDH-ES row.
   */
  ecdhDeriveBits(privateKey: RuntimeKey, publicKey: RuntimeKey, curve: Curve): MaybePromise<Uint8Array>
  /** PBKDF2 with HMAC-`hash` (RFC 8018 §5.2). */
  pbkdf2(hash: HashName, password: Uint8Array, salt: Uint8Array, iterations: number, length: number): MaybePromise<Uint8Array>
  /** Raw DEFLATE (RFC 1951), for `zip: "DEF"`. */
  deflate(data: Uint8Array): Promise<Uint8Array>
  /**
   * Raw INFLATE that stops as soon as the output would pass `maxLength` bytes and then returns `null`
   * (a decompression bomb costs at most `maxLength` of memory). Throws on malformed input, including
   * data after the end of the DEFLATE stream.
   */
  inflate(data: Uint8Array, maxLength: number): Promise<Uint8Array | null>
}
