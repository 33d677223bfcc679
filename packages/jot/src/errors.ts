/**
 * Every failure jot reports is a {@link JotError} subclass with a stable `code`. Match on `code`
 * (or use {@link isJotError}) rather than on messages; messages may be reworded, codes never are.
 * Messages never contain key material or token contents beyond header/claim names.
 *
 * @example
 * ```ts
 * try {
 *   await verifyJWT(token, key, { issuer: 'https://issuer.example' })
 * } catch (err) {
 *   if (isJotError(err) && err.code === 'ERR_JWT_EXPIRED') return reply(401, 'token expired')
 *   throw err
 * }
 * ```
 * @module
 */

/**
 * A registry-wide brand, so that errors from another copy of jot (its CommonJS and ESM builds loaded
 * side by side, or two versions in one app) are still recognized by {@link isJotError}.
 */
const BRAND = Symbol.for('jot.JotError')

/** Base class of every error jot throws on purpose. */
export class JotError extends Error {
  /** Stable, machine-readable identifier of the failure mode. */
  readonly code: JotErrorCode = 'ERR_JOT'
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = new.target.name
  }

  /** @internal */
  get [BRAND](): true {
    return true
  }
}

/** A base64url segment is padded, uses characters outside the URL-safe alphabet, or is not canonical. */
export class Base64URLInvalid extends JotError {
  override readonly code = 'ERR_BASE64URL_INVALID'
}

/** Bytes that must be UTF-8 JSON are not valid UTF-8, not JSON, or not a JSON object. */
export class JSONInvalid extends JotError {
  override readonly code = 'ERR_JSON_INVALID'
}

/** A JSON object (header, claims, JWK) repeats a member name (RFC 7515 §4, RFC 7519 §4). */
export class JSONDuplicateMember extends JotError {
  override readonly code = 'ERR_JSON_DUPLICATE_MEMBER'
  /** The repeated member name. */
  readonly member: string
  constructor(member: string) {
    super(`duplicate JSON member ${quote(member)}`)
    this.member = member
  }
}

/** The input is longer than the configured `maxTokenLength`. */
export class TokenTooLarge extends JotError {
  override readonly code = 'ERR_TOKEN_TOO_LARGE'
}

/** A JWS is malformed: wrong number of segments, bad header parameters, misplaced `b64`, … */
export class JWSInvalid extends JotError {
  override readonly code = 'ERR_JWS_INVALID'
}

/** The JWS `crit` header lists an extension this verifier does not understand (RFC 7515 §4.1.11). */
export class JWSCritUnsupported extends JotError {
  override readonly code = 'ERR_JWS_CRIT_UNSUPPORTED'
}

/** The signature does not verify with the key. */
export class JWSSignatureInvalid extends JotError {
  override readonly code = 'ERR_JWS_SIGNATURE_INVALID'
  constructor(message = 'signature verification failed', options?: { cause?: unknown }) {
    super(message, options)
  }
}

/** The token's `alg` is `none`, outside the allowlist, or not the algorithm the key is bound to. */
export class AlgorithmNotAllowed extends JotError {
  override readonly code = 'ERR_ALG_NOT_ALLOWED'
}

/** The algorithm, key type or feature is not implemented by jot or by this runtime's crypto. */
export class NotSupported extends JotError {
  override readonly code = 'ERR_NOT_SUPPORTED'
}

/** Shared shape of claim-check failures: they name the claim (or header parameter, for `typ`). */
export abstract class JWTClaimError extends JotError {
  /** Name of the claim that failed, e.g. `aud`, `iss`, `exp`; `typ` for the header type check. */
  readonly claim: string
  /** Why it failed, e.g. `mismatch`, `missing`, `type`, `future`, `too_old`. */
  readonly reason: string
  constructor(message: string, claim: string, reason: string) {
    super(message)
    this.claim = claim
    this.reason = reason
  }
}

/** `exp` has passed (beyond `clockTolerance`), or `iat` is older than `maxTokenAge`. */
export class JWTExpired extends JWTClaimError {
  override readonly code = 'ERR_JWT_EXPIRED'
}

/** `nbf` is still in the future (beyond `clockTolerance`). */
export class JWTNotYetValid extends JWTClaimError {
  override readonly code = 'ERR_JWT_NOT_YET_VALID'
}

/** A claim is present but does not satisfy the verifier's expectation (`iss`, `aud`, `sub`, `jti`, `iat`, `typ`). */
export class JWTClaimInvalid extends JWTClaimError {
  override readonly code = 'ERR_JWT_CLAIM_INVALID'
}

/** A claim the verifier requires is absent. */
export class JWTClaimMissing extends JWTClaimError {
  override readonly code = 'ERR_JWT_CLAIM_MISSING'
}

/** Key material cannot be parsed or is structurally wrong (bad PEM, bad DER, bad JWK members). */
export class KeyInvalid extends JotError {
  override readonly code = 'ERR_KEY_INVALID'
}

/** The key does not fit the algorithm: wrong key type or curve, or a JWK whose `alg`/`use`/`key_ops` disagree. */
export class KeyAlgorithmMismatch extends JotError {
  override readonly code = 'ERR_KEY_ALG_MISMATCH'
}

/**
 * The key is too weak for the algorithm: an HMAC secret shorter than the hash output; an RSA key under
 * 2048 bits, with an even modulus, with a public exponent that is not odd and at least 3, or with the
 * ROCA fingerprint (CVE-2017-15361). The message says which.
 */
export class KeyTooWeak extends JotError {
  override readonly code = 'ERR_KEY_TOO_WEAK'
}

/** The key cannot be used for the requested operation (e.g. signing with a public key). */
export class KeyUsageInvalid extends JotError {
  override readonly code = 'ERR_KEY_USAGE_INVALID'
}

/** A function was called with options or arguments that make no sense (caller bug, not attacker input). */
export class InvalidArgument extends JotError {
  override readonly code = 'ERR_INVALID_ARGUMENT'
}

/** A JWK Set is malformed (RFC 7517 §5): not a JSON object with a `keys` array of JSON objects. */
export class JWKSInvalid extends JotError {
  override readonly code = 'ERR_JWKS_INVALID'
}

/** No key in the key set fits the token (its `kid`, its `alg`'s key type and curve, `use`, `key_ops`, `alg`). */
export class JWKSNoMatchingKey extends JotError {
  override readonly code = 'ERR_JWKS_NO_MATCHING_KEY'
}

/**
 * A token's `kid` names two or more keys of the key set that all fit its `alg`: which of them is
 * meant is a guess, so the token is refused (unless the key set allows ambiguous `kid`s).
 */
export class JWKSMultipleMatchingKeys extends JotError {
  override readonly code = 'ERR_JWKS_MULTIPLE_MATCHING_KEYS'
}

/** A key set (or discovery document) could not be fetched: network error, status other than 200, or an oversize body. */
export class JWKSFetchFailed extends JotError {
  override readonly code = 'ERR_JWKS_FETCH_FAILED'
  /** The HTTP status, when the server answered. */
  readonly status: number | undefined
  constructor(message: string, options?: { cause?: unknown; status?: number }) {
    super(message, options)
    this.status = options?.status
  }
}

/** Fetching a key set (or discovery document) took longer than the configured timeout. */
export class JWKSTimeout extends JotError {
  override readonly code = 'ERR_JWKS_TIMEOUT'
}

/**
 * The cached key set is older than its maximum staleness and could not be refreshed: keys are no
 * longer trusted. `cause` is the last refresh failure.
 */
export class JWKSStale extends JotError {
  override readonly code = 'ERR_JWKS_STALE'
}

/** An OpenID Provider's discovery document is invalid, or its `issuer` is not the configured one (OIDC Discovery §4.3). */
export class OIDCDiscoveryInvalid extends JotError {
  override readonly code = 'ERR_OIDC_DISCOVERY_INVALID'
}

/**
 * A key store's contents changed since they were loaded (another key manager saved first, or holds the
 * file store's lock): the save was refused. Key managers reload and retry; the error surfaces only when
 * retries are exhausted.
 */
export class KeyStoreConflict extends JotError {
  override readonly code = 'ERR_KEY_STORE_CONFLICT'
}

/** A key store could not be read or written (I/O error, unreadable file). `cause` is the underlying error. */
export class KeyStoreFailed extends JotError {
  override readonly code = 'ERR_KEY_STORE_FAILED'
}

/** The token is valid but lacks a scope the caller requires (RFC 6750 §3.1 `insufficient_scope`: answer 403, not 401). */
export class JWTInsufficientScope extends JWTClaimError {
  override readonly code = 'ERR_JWT_INSUFFICIENT_SCOPE'
}

/** A JWE is malformed: wrong segments, bad or misplaced header parameters, bad lengths, an invalid `epk`, … */
export class JWEInvalid extends JotError {
  override readonly code = 'ERR_JWE_INVALID'
}

/** The JWE `crit` header lists an extension this decrypter does not understand (RFC 7516 §4.1.13). */
export class JWECritUnsupported extends JotError {
  override readonly code = 'ERR_JWE_CRIT_UNSUPPORTED'
}

/**
 * The JWE does not decrypt with the key. One error for every cause (wrong key, failed key unwrap,
 * tampered header, IV, AAD, ciphertext or tag) so that failures are indistinguishable (RFC 7516 §11.5).
 */
export class JWEDecryptionFailed extends JotError {
  override readonly code = 'ERR_JWE_DECRYPTION_FAILED'
  constructor(message = 'decryption failed', options?: { cause?: unknown }) {
    super(message, options)
  }
}

/** The PBES2 `p2c` iteration count is above `maxPBES2Count`; refused before any PBKDF2 work. */
export class JWEPBES2CountExceeded extends JotError {
  override readonly code = 'ERR_JWE_PBES2_COUNT_EXCEEDED'
}

/** The decompressed plaintext of a `zip: "DEF"` JWE would exceed `maxDecompressedLength`. */
export class JWEDecompressionLimit extends JotError {
  override readonly code = 'ERR_JWE_DECOMPRESSION_LIMIT'
}

/**
 * What made a DPoP proof invalid (RFC 9449 §4.3): `malformed` (not a compact JWS of bounded length,
 * bad base64url or JSON, an unsupported `crit`), `typ`, `alg` (`none`, symmetric, or outside the
 * allowlist), `jwk` (missing, too large, carrying a private key, or not a key for `alg`),
 * `signature`, `claims` (a required claim missing or of the wrong type), `htm`, `htu`, `stale` (`iat`
 * older than the accepted window, or `exp` passed), `future` (`iat` or `nbf` ahead of the clock),
 * `ath` (missing or not the hash of the access token) and `replay` (its `jti` was used before).
 */
export type DPoPProofFailure =
  | 'malformed'
  | 'typ'
  | 'alg'
  | 'jwk'
  | 'signature'
  | 'claims'
  | 'htm'
  | 'htu'
  | 'stale'
  | 'future'
  | 'ath'
  | 'replay'

/**
 * A DPoP proof was refused (RFC 9449 §4.3): answer with the `invalid_dpop_proof` error (§5, §7.1).
 * `reason` says which check failed; `cause` is the underlying JWS error, when there is one.
 */
export class DPoPProofInvalid extends JotError {
  override readonly code = 'ERR_DPOP_PROOF_INVALID'
  readonly reason: DPoPProofFailure
  constructor(message: string, reason: DPoPProofFailure, options?: { cause?: unknown }) {
    super(message, options)
    this.reason = reason
  }
}

/**
 * The server requires a nonce in DPoP proofs and this proof has none (`missing`) or not an accepted
 * one (`mismatch`): answer with `use_dpop_nonce` and a fresh `DPoP-Nonce` header (RFC 9449 §8, §9).
 */
export class DPoPNonceRequired extends JotError {
  override readonly code = 'ERR_DPOP_NONCE_REQUIRED'
  readonly reason: 'missing' | 'mismatch'
  constructor(message: string, reason: 'missing' | 'mismatch') {
    super(message)
    this.reason = reason
  }
}

/** Every concrete error class jot throws. */
export type AnyJotError =
  | Base64URLInvalid
  | JSONInvalid
  | JSONDuplicateMember
  | TokenTooLarge
  | JWSInvalid
  | JWSCritUnsupported
  | JWSSignatureInvalid
  | AlgorithmNotAllowed
  | NotSupported
  | JWTExpired
  | JWTNotYetValid
  | JWTClaimInvalid
  | JWTClaimMissing
  | KeyInvalid
  | KeyAlgorithmMismatch
  | KeyTooWeak
  | KeyUsageInvalid
  | InvalidArgument
  | JWEInvalid
  | JWECritUnsupported
  | JWEDecryptionFailed
  | JWEPBES2CountExceeded
  | JWEDecompressionLimit
  | JWKSInvalid
  | JWKSNoMatchingKey
  | JWKSMultipleMatchingKeys
  | JWKSFetchFailed
  | JWKSTimeout
  | JWKSStale
  | OIDCDiscoveryInvalid
  | KeyStoreConflict
  | KeyStoreFailed
  | JWTInsufficientScope
  | DPoPProofInvalid
  | DPoPNonceRequired

/** Every stable error code, e.g. `'ERR_JWT_EXPIRED'`. */
export type JotErrorCode = AnyJotError['code'] | 'ERR_JOT'

/**
 * Narrows an unknown caught value to jot's error union, discriminated by `code`.
 *
 * @example
 * ```ts
 * catch (err) {
 *   if (isJotError(err) && err.code === 'ERR_JWT_CLAIM_INVALID') console.log(err.claim)
 * }
 * ```
 */
export function isJotError(value: unknown): value is AnyJotError {
  if (typeof value !== 'object' || value === null) return false
  try {
    return (value as { [BRAND]?: unknown })[BRAND] === true
  } catch {
    return false // a Proxy whose traps throw is no JotError
  }
}

/**
 * Shows an untrusted value (a header's `alg`, a claim) in an error message: JSON-quoted so control
 * characters cannot forge log lines, and cut short so a huge value cannot flood the log.
 * @internal
 */
export function quote(value: unknown): string {
  let text: string
  try {
    text = JSON.stringify(value) ?? typeof value // undefined, functions and symbols have no JSON
  } catch {
    text = typeof value // BigInt, cycles, hostile toJSON: describe, never throw while reporting
  }
  return text.length > 40 ? `${text.slice(0, 37)}...` : text
}
