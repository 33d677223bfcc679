/** Public JWE types. @module */
import type { ContentEncryptionName } from '../jwa/content-encryption.js'
import type { KeyManagementAlgorithmName } from '../jwa/key-management.js'
import type { JotKey } from '../key/key.js'
import type { JWK } from '../key/jwk.js'

/** JOSE header parameters of a JWE (RFC 7516 §4.1, RFC 7518 §4.6–4.8). Other parameters pass through. */
export interface JWEHeaderParameters {
  alg?: string
  enc?: string
  /** `"DEF"`: the plaintext is DEFLATE-compressed. Only in the protected header. */
  zip?: string
  kid?: string
  typ?: string
  /** `"JWT"` for a nested JWT (RFC 7519 §5.2). */
  cty?: string
  crit?: string[]
  /** ECDH-ES ephemeral public key. */
  epk?: JWK
  /** ECDH-ES agreement PartyUInfo / PartyVInfo, base64url. */
  apu?: string
  apv?: string
  /** AES-GCM key wrap IV and tag, base64url. */
  iv?: string
  tag?: string
  /** PBES2 salt input (base64url) and iteration count. */
  p2s?: string
  p2c?: number
  jku?: string
  jwk?: JWK
  x5u?: string
  x5c?: string[]
  x5t?: string
  'x5t#S256'?: string
  [parameter: string]: unknown
}

/** Which JWE serialization a token arrived in. */
export type JWESerialization = 'compact' | 'flattened' | 'general'

/**
 * Chooses the decryption key from the JWE's joint (protected, shared and per-recipient) header, e.g.
 * by `kid`. Every header value is attacker-controlled until decryption succeeds: compare `kid` as an
 * opaque string, never fetch `jku`/`x5u`, never use an embedded `jwk`.
 */
export type JWEKeyResolver = (
  header: Readonly<JWEHeaderParameters>,
  context: { readonly serialization: JWESerialization },
) => JotKey | Promise<JotKey>

/** Options of every JWE decryption entry point. */
export interface DecryptJWEOptions {
  /**
   * Allowlist of key management algorithms. Default: every algorithm except PBES2-* and RSA1_5,
   * which must be listed to be accepted (the first lets the sender choose the recipient's work; the
   * second is open to padding oracles).
   */
  keyManagementAlgorithms?: readonly KeyManagementAlgorithmName[]
  /** Allowlist of content encryption algorithms. Default: all six. */
  contentEncryptionAlgorithms?: readonly ContentEncryptionName[]
  /** Names of `crit` extension parameters the caller understands and checks itself (RFC 7516 §4.1.13). */
  crit?: readonly string[]
  /** Maximum input length in characters; default 16 KiB ({@link DEFAULT_MAX_TOKEN_LENGTH}). */
  maxTokenLength?: number
  /** Highest PBES2 `p2c` accepted; default {@link DEFAULT_MAX_PBES2_COUNT}. Checked before any PBKDF2 work. */
  maxPBES2Count?: number
  /**
   * Cap on the decompressed size of a `zip: "DEF"` plaintext, in bytes; default
   * {@link DEFAULT_MAX_DECOMPRESSED_LENGTH}, at most {@link MAX_DECOMPRESSED_LENGTH_LIMIT}. 0 refuses
   * compressed JWEs.
   */
  maxDecompressedLength?: number
}

/** Default PBES2 iteration cap on decryption (CVE-2022-36083). */
export const DEFAULT_MAX_PBES2_COUNT = 10_000

/** Default decompression cap: 250 KB (RFC 8725bis, CVE-2024-28176). */
export const DEFAULT_MAX_DECOMPRESSED_LENGTH = 250_000

/**
 * Highest `maxDecompressedLength` accepted: 1 GiB, below the largest buffer every backend can
 * allocate (Node 20's `buffer.constants.MAX_LENGTH` is 4 GiB; browsers' typed arrays stop near
 * there too), so a cap means the same thing on every runtime instead of failing on some.
 */
export const MAX_DECOMPRESSED_LENGTH_LIMIT = 2 ** 30

/** The result of a successful JWE decryption. */
export interface DecryptedJWE {
  plaintext: Uint8Array
  /** The integrity-protected header; empty when the JWE has none (JSON serializations only). */
  protectedHeader: JWEHeaderParameters
  /** The shared unprotected header (`unprotected`), JSON serializations only. Not integrity-protected. */
  sharedUnprotectedHeader?: JWEHeaderParameters
  /** The per-recipient unprotected header (`header`), JSON serializations only. Not integrity-protected. */
  unprotectedHeader?: JWEHeaderParameters
  /** The JWE AAD (JSON serializations only), decoded. */
  additionalAuthenticatedData?: Uint8Array
  /** The key that decrypted. */
  key: JotKey
}

/**
 * Inputs that must be random in production, fixed here to reproduce test vectors byte for byte.
 * **Never use in production**: a fixed CEK or IV with the same key repeats keystream (AES-GCM then
 * loses both confidentiality and integrity), and a fixed ECDH ephemeral key or PBES2 salt defeats
 * their purpose.
 */
export interface UnsafeFixedInputs {
  /** Content encryption key (not for `dir` and ECDH-ES direct, whose CEK is the key or derived). */
  cek?: Uint8Array
  /** Content encryption IV. */
  iv?: Uint8Array
  /** ECDH-ES ephemeral private key, as a JWK on the recipient key's curve. */
  epk?: JWK
  /** PBES2 salt input (`p2s`). */
  p2s?: Uint8Array
  /** AES-GCM key wrap IV (the `iv` header parameter). */
  keyWrapIv?: Uint8Array
  /**
   * Raw DEFLATE bytes to encrypt instead of compressing the plaintext, for a `zip: "DEF"` protected
   * header only (DEFLATE output differs between encoders, so a vector's bytes need its encoder's
   * output). They must inflate, under the same bounded inflater decryption uses, to exactly the
   * plaintext; otherwise, or without `zip: "DEF"`, encryption fails with `ERR_INVALID_ARGUMENT`.
   */
  deflated?: Uint8Array
}

/** Options shared by every JWE encryption entry point. */
export interface EncryptJWEOptions {
  /** Content encryption algorithm. Default: a `dir` key's own `enc`, otherwise `A256GCM`. */
  enc?: ContentEncryptionName
  /**
   * Extra protected header parameters (`zip: "DEF"` compresses the plaintext), or a string: the exact
   * header JSON text, e.g. to reproduce a test vector; `''` for no protected header (JSON only).
   * `alg`, `enc` and `kid` are added from the key and options unless an unprotected header has them.
   */
  protectedHeader?: JWEHeaderParameters | string
  /** PBES2 iteration count used when encrypting; default 10,000 (at most the default decryption cap). */
  p2c?: number
  /**
   * See {@link UnsafeFixedInputs}: for test vectors only, never in production. Refused unless
   * `unsafeAllowFixedInputsForTesting` is also `true`; the JWT functions refuse both.
   */
  unsafeFixedInputs?: UnsafeFixedInputs
  /** The second, deliberate switch that `unsafeFixedInputs` needs. */
  unsafeAllowFixedInputsForTesting?: boolean
}

/** Flattened JWE JSON serialization (RFC 7516 §7.2.2). */
export interface FlattenedJWE {
  protected?: string
  unprotected?: JWEHeaderParameters
  header?: JWEHeaderParameters
  encrypted_key?: string
  iv: string
  ciphertext: string
  tag: string
  aad?: string
}

/** General JWE JSON serialization (RFC 7516 §7.2.1). */
export interface GeneralJWE {
  protected?: string
  unprotected?: JWEHeaderParameters
  recipients: Array<{ header?: JWEHeaderParameters; encrypted_key?: string }>
  iv: string
  ciphertext: string
  tag: string
  aad?: string
}
