/**
 * What a failed verification means for the client: jot's error codes mapped to RFC 6750 outcomes,
 * in one table. The specific reason travels as the refusal's `detail` (jot's messages name claims
 * and header parameters, never values).
 * @module
 */
import { isJotError } from 'jotjwt'
import { InvalidTokenError, ServiceUnavailableError, type GuardError } from '../errors/errors.js'

/** The generic description of an invalid token. */
export const INVALID_TOKEN = 'the access token is invalid'

/** Codes meaning "the keys are out of reach", not "the token is bad": 503. */
const UNAVAILABLE = new Set(['ERR_JWKS_FETCH_FAILED', 'ERR_JWKS_TIMEOUT', 'ERR_JWKS_STALE', 'ERR_JWKS_INVALID', 'ERR_OIDC_DISCOVERY_INVALID'])

/** Codes that are configuration mistakes (a bad PEM, contradictory options): rethrown, not a client's fault. */
const CONFIGURATION = new Set(['ERR_INVALID_ARGUMENT', 'ERR_KEY_INVALID', 'ERR_KEY_ALG_MISMATCH', 'ERR_KEY_TOO_WEAK', 'ERR_KEY_USAGE_INVALID', 'ERR_NOT_SUPPORTED'])

/**
 * The refusal for an error thrown by verification. Errors that are not jot's, or that are
 * configuration mistakes, are rethrown: they are bugs to surface, not answers to send.
 */
export function verificationFailure(error: unknown): GuardError {
  if (!isJotError(error) || CONFIGURATION.has(error.code)) throw error
  if (UNAVAILABLE.has(error.code)) return new ServiceUnavailableError('the signing keys are unavailable', error.message, { cause: error })
  if (error.code === 'ERR_JWT_EXPIRED') return new InvalidTokenError('the access token expired', error.message, { cause: error })
  if (error.code === 'ERR_JWT_NOT_YET_VALID') return new InvalidTokenError('the access token is not valid yet', error.message, { cause: error })
  return new InvalidTokenError(INVALID_TOKEN, error.message, { cause: error })
}
