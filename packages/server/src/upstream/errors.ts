/**
 * Why a login through an upstream provider failed, as the callback page and the log line report it.
 * Messages name the endpoint and what went wrong (an HTTP status, an RFC 6749 §5.2 error code, the
 * claim the ID token validator refused), never a body, a code, a token or a secret.
 * @module
 */

/**
 * What went wrong: the provider cannot be discovered or reached, its token or userinfo endpoint
 * refused or answered something unusable, or its ID token was refused by jot's validator.
 */
export type UpstreamFailure = 'discovery_failed' | 'token_request_failed' | 'userinfo_failed' | 'invalid_id_token'

/** A failure of the upstream provider (not of the browser's request): the page answers 502. */
export class UpstreamError extends Error {
  override readonly name = 'UpstreamError'
  readonly code = 'ERR_UPSTREAM'
  constructor(
    readonly failure: UpstreamFailure,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options)
  }
}
