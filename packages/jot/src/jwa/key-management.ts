/**
 * JWE key management algorithms (RFC 7518 §4, RFC 8037 §3.2) as data: one row per `alg`. Keys
 * are bound to one row at import, and the JWE pipeline dispatches on the row's `family`; adding an
 * algorithm is one row here plus, at most, a primitive in each runtime backend.
 * @module
 */
import { table, type Curve } from './curves.js'
import type { HashName, JWSAlgorithm } from './signing.js'

export type KeyManagementAlgorithmName =
  | 'RSA-OAEP' | 'RSA-OAEP-256' | 'RSA-OAEP-384' | 'RSA-OAEP-512' | 'RSA1_5'
  | 'A128KW' | 'A192KW' | 'A256KW'
  | 'dir'
  | 'ECDH-ES' | 'ECDH-ES+A128KW' | 'ECDH-ES+A192KW' | 'ECDH-ES+A256KW'
  | 'A128GCMKW' | 'A192GCMKW' | 'A256GCMKW'
  | 'PBES2-HS256+A128KW' | 'PBES2-HS384+A192KW' | 'PBES2-HS512+A256KW'

/** RSA-OAEP also exists with SHA-1 (RFC 7518 §4.3: `RSA-OAEP` is OAEP with SHA-1 and MGF1-SHA-1). */
export type OAEPHashName = 'SHA-1' | HashName

interface Common<F extends string, K extends string> {
  readonly name: KeyManagementAlgorithmName
  readonly family: F
  readonly kty: K
  /** Marks a JWE row; JWS rows have no `use`, so the two never mix (RFC 7517 §4.2). */
  readonly use: 'enc'
}

export interface RsaOaepAlgorithm extends Common<'rsa-oaep', 'RSA'> {
  readonly hash: OAEPHashName
}

/** RSAES-PKCS1-v1_5 (RFC 7518 §4.2): decryption only, and only when explicitly opted into. */
export type Rsa15Algorithm = Common<'rsa1_5', 'RSA'>

/** AES Key Wrap (RFC 7518 §4.4, RFC 3394) with a KEK of `keyLength` bytes. */
export interface AesKwAlgorithm extends Common<'aes-kw', 'oct'> {
  readonly keyLength: number
}

/** Direct use of a shared symmetric key as the CEK (RFC 7518 §4.5). */
export type DirectAlgorithm = Common<'dir', 'oct'>

/**
 * ECDH-ES (RFC 7518 §4.6, RFC 8037 §3.2): direct key agreement when `wrapLength` is undefined,
 * otherwise the agreed key (of `wrapLength` bytes) wraps the CEK with AES Key Wrap. The key type
 * follows from the curve: EC for the NIST curves, OKP for X25519/X448.
 */
export interface EcdhEsAlgorithm extends Common<'ecdh-es', 'EC' | 'OKP'> {
  readonly curves: readonly Curve[]
  readonly wrapLength: number | undefined
}

/** AES-GCM key wrapping (RFC 7518 §4.7): 96-bit `iv` and 128-bit `tag` header parameters. */
export interface AesGcmKwAlgorithm extends Common<'aes-gcm-kw', 'oct'> {
  readonly keyLength: number
}

/** PBES2 (RFC 7518 §4.8): PBKDF2 with HMAC-`hash` derives a `wrapLength`-byte AES-KW key. */
export interface Pbes2Algorithm extends Common<'pbes2', 'oct'> {
  readonly hash: HashName
  readonly wrapLength: number
}

export type KeyManagementAlgorithm =
  | RsaOaepAlgorithm
  | Rsa15Algorithm
  | AesKwAlgorithm
  | DirectAlgorithm
  | EcdhEsAlgorithm
  | AesGcmKwAlgorithm
  | Pbes2Algorithm

/** Curves ECDH-ES agrees keys on (RFC 7518 §6.2.1.1, RFC 8037 §2). */
export const ECDH_CURVES: readonly Curve[] = ['P-256', 'P-384', 'P-521', 'X25519', 'X448']

/**
 * Algorithms refused on decryption unless listed in `keyManagementAlgorithms`: PBES2 lets a token
 * choose how much work the recipient does (CVE-2022-36083), and RSA1_5 is open to Bleichenbacher's
 * padding oracle (RFC 8725 §3.2).
 */
export const OPT_IN_KEY_MANAGEMENT: ReadonlySet<string> = /* @__PURE__ */ new Set([
  'RSA1_5', 'PBES2-HS256+A128KW', 'PBES2-HS384+A192KW', 'PBES2-HS512+A256KW',
])

type Name = KeyManagementAlgorithmName
/* @__NO_SIDE_EFFECTS__ */ const common = <F extends string, K extends string>(name: Name, family: F, kty: K) => ({ name, family, kty, use: 'enc' as const })
/* @__NO_SIDE_EFFECTS__ */ const rsaOaep = (name: Name, hash: OAEPHashName): RsaOaepAlgorithm => ({ ...common(name, 'rsa-oaep', 'RSA'), hash })
/* @__NO_SIDE_EFFECTS__ */ const aesKw = (name: Name, keyLength: number): AesKwAlgorithm => ({ ...common(name, 'aes-kw', 'oct'), keyLength })
/* @__NO_SIDE_EFFECTS__ */ const ecdhEs = (name: Name, wrapLength: number | undefined): EcdhEsAlgorithm => ({
  ...common(name, 'ecdh-es', 'EC' as 'EC' | 'OKP'), curves: ECDH_CURVES, wrapLength,
})
/* @__NO_SIDE_EFFECTS__ */ const aesGcmKw = (name: Name, keyLength: number): AesGcmKwAlgorithm => ({ ...common(name, 'aes-gcm-kw', 'oct'), keyLength })
/* @__NO_SIDE_EFFECTS__ */ const pbes2 = (name: Name, hash: HashName, wrapLength: number): Pbes2Algorithm => ({
  ...common(name, 'pbes2', 'oct'), hash, wrapLength,
})

export const KEY_MANAGEMENT: Readonly<Record<string, KeyManagementAlgorithm>> = /* @__PURE__ */ table<KeyManagementAlgorithm>({
  'RSA-OAEP': rsaOaep('RSA-OAEP', 'SHA-1'),
  'RSA-OAEP-256': rsaOaep('RSA-OAEP-256', 'SHA-256'),
  'RSA-OAEP-384': rsaOaep('RSA-OAEP-384', 'SHA-384'),
  'RSA-OAEP-512': rsaOaep('RSA-OAEP-512', 'SHA-512'),
  RSA1_5: common('RSA1_5', 'rsa1_5', 'RSA'),
  A128KW: aesKw('A128KW', 16),
  A192KW: aesKw('A192KW', 24),
  A256KW: aesKw('A256KW', 32),
  dir: common('dir', 'dir', 'oct'),
  'ECDH-ES': ecdhEs('ECDH-ES', undefined),
  'ECDH-ES+A128KW': ecdhEs('ECDH-ES+A128KW', 16),
  'ECDH-ES+A192KW': ecdhEs('ECDH-ES+A192KW', 24),
  'ECDH-ES+A256KW': ecdhEs('ECDH-ES+A256KW', 32),
  A128GCMKW: aesGcmKw('A128GCMKW', 16),
  A192GCMKW: aesGcmKw('A192GCMKW', 24),
  A256GCMKW: aesGcmKw('A256GCMKW', 32),
  'PBES2-HS256+A128KW': pbes2('PBES2-HS256+A128KW', 'SHA-256', 16),
  'PBES2-HS384+A192KW': pbes2('PBES2-HS384+A192KW', 'SHA-384', 24),
  'PBES2-HS512+A256KW': pbes2('PBES2-HS512+A256KW', 'SHA-512', 32),
})

/** Every JWE `alg` jot implements (RSA1_5 for decryption only; see the support table). */
export const KEY_MANAGEMENT_NAMES = /* @__PURE__ */ Object.freeze(/* @__PURE__ */ Object.keys(KEY_MANAGEMENT)) as readonly KeyManagementAlgorithmName[]

/** The registry row for `name`, or undefined (also for inherited names like `__proto__`). */
export function keyManagementAlgorithm(name: unknown): KeyManagementAlgorithm | undefined {
  return typeof name === 'string' ? KEY_MANAGEMENT[name] : undefined
}

/** True for the algorithms whose CEK is not carried in the JWE Encrypted Key (RFC 7516 §5.1 step 2). */
export function isDirect(algorithm: KeyManagementAlgorithm): boolean {
  return algorithm.family === 'dir' || (algorithm.family === 'ecdh-es' && algorithm.wrapLength === undefined)
}

/** A row a key can be bound to: a JWS signature algorithm or a JWE key management algorithm. */
export type KeyAlgorithm = JWSAlgorithm | KeyManagementAlgorithm

/** True for JWE key management rows. */
export function isKeyManagement(algorithm: KeyAlgorithm): algorithm is KeyManagementAlgorithm {
  return 'use' in algorithm
}
