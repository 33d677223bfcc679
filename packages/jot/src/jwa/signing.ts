/**
 * JWS signature algorithms (RFC 7518 §3, RFC 8037, RFC 8812 for ES256K, RFC 9864 for the
 * fully-specified Ed25519/Ed448, RFC 9964 for ML-DSA) as data: one row per `alg`. Keys, signing and verification all
 * work from the resolved row, so adding an algorithm is one row here plus, at most, a primitive in
 * each runtime backend.
 * @module
 */
import { table, type Curve } from './curves.js'

export type HashName = 'SHA-256' | 'SHA-384' | 'SHA-512'

export type JWSAlgorithmName =
  | 'HS256' | 'HS384' | 'HS512'
  | 'RS256' | 'RS384' | 'RS512'
  | 'PS256' | 'PS384' | 'PS512'
  | 'ES256' | 'ES384' | 'ES512' | 'ES256K'
  | 'EdDSA' | 'Ed25519' | 'Ed448'
  | 'ML-DSA-44' | 'ML-DSA-65' | 'ML-DSA-87'

interface Common<F extends string, K extends string> {
  readonly name: JWSAlgorithmName
  readonly family: F
  readonly kty: K
}

export interface HmacAlgorithm extends Common<'hmac', 'oct'> {
  readonly hash: HashName
  /** Output size in bytes; also the minimum secret length (RFC 7518 §3.2). */
  readonly size: number
}

export interface RsaAlgorithm extends Common<'rsassa-pkcs1' | 'rsa-pss', 'RSA'> {
  readonly hash: HashName
  /** PSS salt length = hash output size (RFC 7518 §3.5). */
  readonly saltLength: number
}

export interface EcdsaAlgorithm extends Common<'ecdsa', 'EC'> {
  readonly hash: HashName
  readonly curves: readonly [Curve]
}

export interface EddsaAlgorithm extends Common<'eddsa', 'OKP'> {
  /** `EdDSA` accepts either curve (the key decides); `Ed25519`/`Ed448` fix it (RFC 9864). */
  readonly curves: readonly Curve[]
}

/**
 * ML-DSA (FIPS 204), pure mode with the empty context (RFC 9964 §5). Keys are `AKP` JWKs whose `alg`
 * names the parameter set, so the parameter set is part of the key, as a curve is for EC keys.
 */
export interface MlDsaAlgorithm extends Common<'ml-dsa', 'AKP'> {
  /** FIPS 204 §4 (Table 2) sizes in bytes. */
  readonly publicKeyLength: number
  readonly signatureLength: number
  /** Size of the expanded private key (FIPS 204 §7.2 skEncode), found in some PKCS#8 encodings. */
  readonly expandedKeyLength: number
  /** AlgorithmIdentifier OID (NIST CSOR id-ml-dsa-*; RFC 9881 for SPKI and PKCS#8). */
  readonly oid: string
}

export type JWSAlgorithm = HmacAlgorithm | RsaAlgorithm | EcdsaAlgorithm | EddsaAlgorithm | MlDsaAlgorithm

/** An ML-DSA private key is its 32-byte seed ξ (FIPS 204 §6.1; RFC 9964 §4: `priv` is the seed). */
export const ML_DSA_SEED_LENGTH = 32

/** RSA keys below this size are refused for every RSA algorithm (RFC 7518 §3.3, §3.5). */
export const MIN_RSA_BITS = 2048

/** RSA keys above this size are refused: OpenSSL's limit for RSA operations, and a bound on verification cost. */
export const MAX_RSA_BITS = 16384

/* @__NO_SIDE_EFFECTS__ */ const hmac = (name: JWSAlgorithmName, hash: HashName, size: number): HmacAlgorithm => ({
  name, family: 'hmac', kty: 'oct', hash, size,
})
/* @__NO_SIDE_EFFECTS__ */ const rsa = (name: JWSAlgorithmName, family: RsaAlgorithm['family'], hash: HashName, saltLength: number): RsaAlgorithm => ({
  name, family, kty: 'RSA', hash, saltLength,
})
/* @__NO_SIDE_EFFECTS__ */ const ecdsa = (name: JWSAlgorithmName, hash: HashName, curve: Curve): EcdsaAlgorithm => ({
  name, family: 'ecdsa', kty: 'EC', hash, curves: [curve],
})
/* @__NO_SIDE_EFFECTS__ */ const eddsa = (name: JWSAlgorithmName, curves: readonly Curve[]): EddsaAlgorithm => ({
  name, family: 'eddsa', kty: 'OKP', curves,
})
/* @__NO_SIDE_EFFECTS__ */ const mlDsa = (
  name: JWSAlgorithmName, publicKeyLength: number, signatureLength: number, expandedKeyLength: number, oid: string,
): MlDsaAlgorithm => ({
  name, family: 'ml-dsa', kty: 'AKP', publicKeyLength, signatureLength, expandedKeyLength, oid,
})

export const JWS_ALGORITHMS: Readonly<Record<string, JWSAlgorithm>> = /* @__PURE__ */ table<JWSAlgorithm>({
  HS256: hmac('HS256', 'SHA-256', 32),
  HS384: hmac('HS384', 'SHA-384', 48),
  HS512: hmac('HS512', 'SHA-512', 64),
  RS256: rsa('RS256', 'rsassa-pkcs1', 'SHA-256', 32),
  RS384: rsa('RS384', 'rsassa-pkcs1', 'SHA-384', 48),
  RS512: rsa('RS512', 'rsassa-pkcs1', 'SHA-512', 64),
  PS256: rsa('PS256', 'rsa-pss', 'SHA-256', 32),
  PS384: rsa('PS384', 'rsa-pss', 'SHA-384', 48),
  PS512: rsa('PS512', 'rsa-pss', 'SHA-512', 64),
  ES256: ecdsa('ES256', 'SHA-256', 'P-256'),
  ES384: ecdsa('ES384', 'SHA-384', 'P-384'),
  ES512: ecdsa('ES512', 'SHA-512', 'P-521'),
  ES256K: ecdsa('ES256K', 'SHA-256', 'secp256k1'),
  EdDSA: eddsa('EdDSA', ['Ed25519', 'Ed448']),
  Ed25519: eddsa('Ed25519', ['Ed25519']),
  Ed448: eddsa('Ed448', ['Ed448']),
  'ML-DSA-44': mlDsa('ML-DSA-44', 1312, 2420, 2560, '2.16.840.1.101.3.4.3.17'),
  'ML-DSA-65': mlDsa('ML-DSA-65', 1952, 3309, 4032, '2.16.840.1.101.3.4.3.18'),
  'ML-DSA-87': mlDsa('ML-DSA-87', 2592, 4627, 4896, '2.16.840.1.101.3.4.3.19'),
})

/**
 * Every JWS algorithm name jot implements (the runtime may still lack some; see the support table).
 *
 * @example
 * ```ts
 * JWS_ALGORITHM_NAMES.includes('ES256K') // true; on the WebCrypto backend its keys are ERR_NOT_SUPPORTED
 * ```
 */
export const JWS_ALGORITHM_NAMES = /* @__PURE__ */ Object.freeze(/* @__PURE__ */ Object.keys(JWS_ALGORITHMS)) as readonly JWSAlgorithmName[]

/** The registry row for `name`, or undefined (also for `none` and for inherited names like `__proto__`). */
export function jwsAlgorithm(name: unknown): JWSAlgorithm | undefined {
  return typeof name === 'string' ? JWS_ALGORITHMS[name] : undefined
}
