/**
 * What each of the library's error codes means for the person looking at a token. Typed by the
 * library's own code union, so a code added to the library without an explanation here fails the
 * type check.
 * @module
 */
import type { JotErrorCode } from 'jotjwt'

export const ERROR_MEANINGS: Readonly<Record<JotErrorCode, string>> = {
  ERR_JOT: 'jot refused the input.',
  ERR_BASE64URL_INVALID: 'A segment is not canonical base64url: padding, "+" or "/", or stray bits. The token was damaged or built by hand.',
  ERR_JSON_INVALID: 'A segment that must be a UTF-8 JSON object is not one.',
  ERR_JSON_DUPLICATE_MEMBER: 'The JSON repeats a member name. Parsers disagree on which copy wins, so jot refuses it (RFC 7515 §4, RFC 7519 §4).',
  ERR_TOKEN_TOO_LARGE: 'The token is longer than the verifier accepts.',
  ERR_JWS_INVALID: 'The signed token is malformed: wrong number of segments, or a header parameter with a wrong type or place.',
  ERR_JWS_CRIT_UNSUPPORTED: 'The header lists a critical extension ("crit") this verifier does not understand, so it must refuse the token (RFC 7515 §4.1.11).',
  ERR_JWS_SIGNATURE_INVALID: 'The signature does not match: the token was changed after signing, or it was signed with another key.',
  ERR_ALG_NOT_ALLOWED: 'The algorithm is not accepted: "none", outside the allowed list, or not the algorithm the key is for.',
  ERR_NOT_SUPPORTED: 'This algorithm or key type is not available in this browser\'s WebCrypto.',
  ERR_JWT_EXPIRED: 'The token has expired: exp has passed (or iat is older than the maximum age).',
  ERR_JWT_NOT_YET_VALID: 'The token is not valid yet: nbf is in the future.',
  ERR_JWT_CLAIM_INVALID: 'A claim has a value the verifier does not accept (a different issuer or audience, a wrong type, a time in the future).',
  ERR_JWT_CLAIM_MISSING: 'A claim the verifier requires is absent.',
  ERR_JWT_INSUFFICIENT_SCOPE: 'The token is valid but does not grant a required scope.',
  ERR_KEY_INVALID: 'The key cannot be read: a damaged PEM or DER, or a JWK with missing or malformed members.',
  ERR_KEY_ALG_MISMATCH: 'The key does not fit the token\'s algorithm: a different key type or curve, a secret where a public key is needed (or the reverse), or a JWK whose alg, use or key_ops say otherwise.',
  ERR_KEY_TOO_WEAK: 'The key is too weak for the algorithm: an HMAC secret shorter than the hash (32 bytes for HS256), an RSA key under 2048 bits or with unsafe parameters (or the ROCA flaw).',
  ERR_KEY_USAGE_INVALID: 'The key cannot be used this way, e.g. a public key to sign.',
  ERR_INVALID_ARGUMENT: 'A setting is missing or makes no sense for this check (for example an access token check needs an issuer and an audience).',
  ERR_JWKS_INVALID: 'The key set is not a JWK Set (a JSON object with a "keys" array), or it holds shared secrets next to public keys, which a verifier trusting its secrets must refuse.',
  ERR_JWKS_NO_MATCHING_KEY: 'No key in the set fits this token: none has its kid, or none is of the key type its alg needs. Shared secrets are never taken from a published key set.',
  ERR_JWKS_MULTIPLE_MATCHING_KEYS: 'Several keys in the set have this token\'s kid and fit its alg, so which one is meant is a guess: the token is refused. Give each key its own kid.',
  ERR_JWKS_FETCH_FAILED: 'The keys could not be fetched: a network error, a status other than 200, a redirect, a body too large, or a server that does not allow this page to read it (CORS).',
  ERR_JWKS_TIMEOUT: 'Fetching the keys took too long.',
  ERR_JWKS_STALE: 'The cached keys are too old and could not be refreshed.',
  ERR_OIDC_DISCOVERY_INVALID: 'The issuer\'s OpenID configuration is invalid, or names another issuer than the URL you typed (OpenID Connect Discovery §4.3).',
  ERR_KEY_STORE_CONFLICT: 'A key store changed while it was being saved.',
  ERR_KEY_STORE_FAILED: 'A key store could not be read or written.',
  ERR_JWE_INVALID: 'The encrypted token is malformed: wrong segments, bad header parameters or lengths.',
  ERR_JWE_CRIT_UNSUPPORTED: 'The encrypted token lists a critical extension this recipient does not understand.',
  ERR_JWE_DECRYPTION_FAILED: 'The token does not decrypt with this key: a wrong key, or a token changed after encryption.',
  ERR_JWE_PBES2_COUNT_EXCEEDED: 'The password-based encryption asks for more PBKDF2 iterations than allowed.',
  ERR_JWE_DECOMPRESSION_LIMIT: 'The decompressed content would be larger than allowed.',
  ERR_DPOP_PROOF_INVALID: 'The DPoP proof is refused: malformed, signed with a key it does not carry, for another request, too old, or replayed (RFC 9449 §4.3).',
  ERR_DPOP_NONCE_REQUIRED: 'The server wants a DPoP proof with the nonce it issued; the proof has none, or another (RFC 9449 §8).',
}

/** The explanation for any code the page reports, including its own for input that is not a compact token. */
export function explainCode(code: string): string {
  if (code === 'NOT_COMPACT') return 'A compact token is base64url segments separated by dots: three for a signed token, five for an encrypted one.'
  return Object.hasOwn(ERROR_MEANINGS, code) ? ERROR_MEANINGS[code as JotErrorCode] : ''
}
