/**
 * What the guard answers when it refuses a request, one class per RFC 6750 §3.1 outcome (the names
 * are express-oauth2-jwt-bearer's, so error handlers move over unchanged). Each carries the HTTP
 * status, the Bearer `error` code (none for a request without credentials, §3), a generic
 * description safe to show anyone, and the detailed reason for logs and `errorVerbosity: 'detailed'`.
 * Neither description ever contains the token or a claim value: the reasons come from jot, whose
 * messages name claims and header parameters only.
 * @module
 */

/**
 * The `error` codes of RFC 6750 §3.1, RFC 9449 §7.1 (`invalid_dpop_proof`) and §9 (`use_dpop_nonce`),
 * plus `temporarily_unavailable` (RFC 6749 §4.1.2.1) for 503.
 */
export type GuardErrorCode = 'invalid_request' | 'invalid_token' | 'insufficient_scope' | 'invalid_dpop_proof' | 'use_dpop_nonce' | 'temporarily_unavailable'

/** The authentication scheme a refusal answers: the one the request used (RFC 9449 §7.1). */
export type AuthScheme = 'Bearer' | 'DPoP'

/** Base class of every refusal. `instanceof GuardError` tells a refusal from an authenticated result. */
export abstract class GuardError extends Error {
  /** The HTTP status to answer with. */
  abstract readonly status: 400 | 401 | 403 | 503
  /** The Bearer `error` code; undefined for a request that carried no token (RFC 6750 §3). */
  abstract readonly error: GuardErrorCode | undefined
  /** A fixed description for this kind of refusal (the `error_description` by default). */
  readonly description: string
  /** The specific reason, e.g. `unexpected "aud"` (sent only with `errorVerbosity: 'detailed'`). */
  readonly detail: string
  /** For `insufficient_scope` from a scope rule: the scopes the resource needs (RFC 6750 §3). */
  readonly scope: string | undefined
  /** The scheme whose challenge carries the error: `DPoP` for a request that used it, else `Bearer`. */
  scheme: AuthScheme

  constructor(description: string, detail?: string, options?: { cause?: unknown; scope?: string; scheme?: AuthScheme }) {
    super(detail ?? description, options?.cause === undefined ? undefined : { cause: options.cause })
    this.name = new.target.name
    this.description = description
    this.detail = detail ?? description
    this.scope = options?.scope
    this.scheme = options?.scheme ?? 'Bearer'
  }
}

/** 401 without an error code: the request carried no access token in any enabled location. */
export class UnauthorizedError extends GuardError {
  readonly status = 401
  readonly error = undefined
}

/** 400 `invalid_request`: a malformed Authorization header, or a token sent in more than one way (RFC 6750 §2). */
export class InvalidRequestError extends GuardError {
  readonly status = 400
  readonly error = 'invalid_request'
}

/** 401 `invalid_token`: expired, not yet valid, badly signed, wrong `iss`/`aud`/`typ`, revoked, malformed. */
export class InvalidTokenError extends GuardError {
  readonly status = 401
  readonly error = 'invalid_token'
}

/** 403 `insufficient_scope`: a valid token without the scope (or claim) the resource requires. */
export class InsufficientScopeError extends GuardError {
  readonly status = 403
  readonly error = 'insufficient_scope'
}

/** 401 `invalid_dpop_proof` (RFC 9449 §7.1): the DPoP proof is missing, repeated, or fails a check of §4.3. */
export class InvalidDPoPProofError extends GuardError {
  readonly status = 401
  readonly error = 'invalid_dpop_proof'
  constructor(description: string, detail?: string) {
    super(description, detail, { scheme: 'DPoP' })
  }
}

/** 401 `use_dpop_nonce` (RFC 9449 §9): the proof must carry the server's nonce, sent in `DPoP-Nonce`. */
export class UseDPoPNonceError extends GuardError {
  readonly status = 401
  readonly error = 'use_dpop_nonce'
  constructor(description: string) {
    super(description, undefined, { scheme: 'DPoP' })
  }
}

/**
 * 503: the guard cannot decide right now (no usable signing keys, the revocation store or
 * introspection endpoint unreachable). Not `invalid_token`: the token may be fine, and a 401 would
 * send every client to fetch a new one while the outage lasts.
 */
export class ServiceUnavailableError extends GuardError {
  readonly status = 503
  readonly error = 'temporarily_unavailable'
}

/**
 * True when `value` is a guard refusal (also one from another copy of this package).
 *
 * @example
 * ```ts
 * const result = await guard.authenticate(request)
 * if (isGuardError(result)) return reply(guard.errorResponse(result))
 * ```
 */
export function isGuardError(value: unknown): value is GuardError {
  return value instanceof GuardError
}
