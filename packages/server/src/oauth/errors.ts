/**
 * OAuth 2.0 error responses (RFC 6749 §5.2, RFC 7009 §2.2.1, RFC 7662 §2.3, RFC 8707 §2, RFC 7591
 * §3.2.2). Core code
 * throws {@link OAuthError}; the HTTP layer turns it into the exact JSON body, status and headers,
 * always with `Cache-Control: no-store`. Descriptions are for developers and never quote a token,
 * secret or key.
 * @module
 */

/** Registered error codes (RFC 6749 §5.2 and extensions named in the comments). */
export type OAuthErrorCode =
  | 'invalid_request'
  | 'invalid_client'
  | 'invalid_grant'
  | 'unauthorized_client'
  | 'unsupported_grant_type'
  | 'invalid_scope'
  /** RFC 8707 §2 */
  | 'invalid_target'
  /** RFC 7009 §2.2.1 */
  | 'unsupported_token_type'
  /** RFC 6749 §4.1.2.1 (authorization endpoint); used at the token endpoint as an extension for 503. */
  | 'temporarily_unavailable'
  | 'server_error'
  /** RFC 9449 §5 */
  | 'invalid_dpop_proof'
  /** RFC 9449 §8 */
  | 'use_dpop_nonce'
  /** RFC 7591 §3.2.2 */
  | 'invalid_redirect_uri'
  | 'invalid_client_metadata'
  | 'unapproved_software_statement'
  /** RFC 6750 §3.1: a bad initial access token at the registration endpoint (RFC 7591 §3) */
  | 'invalid_token'

const STATUS: Record<OAuthErrorCode, number> = {
  invalid_request: 400,
  invalid_client: 401,
  invalid_grant: 400,
  unauthorized_client: 400,
  unsupported_grant_type: 400,
  invalid_scope: 400,
  invalid_target: 400,
  unsupported_token_type: 400,
  temporarily_unavailable: 503,
  server_error: 500,
  invalid_dpop_proof: 400,
  use_dpop_nonce: 400,
  invalid_redirect_uri: 400,
  invalid_client_metadata: 400,
  unapproved_software_statement: 400,
  invalid_token: 401,
}

export interface OAuthErrorOptions {
  /** Overrides the code's usual status. */
  status?: number
  /** Extra response headers, e.g. `WWW-Authenticate: Basic` for `invalid_client` via the header (§5.2). */
  headers?: Record<string, string>
  cause?: unknown
}

/** Characters RFC 6749 §5.2 allows in `error_description`: %x20-21 / %x23-5B / %x5D-7E (no `"` or `\`). */
const NOT_DESCRIPTION_CHARACTER = /[^\x20\x21\x23-\x5B\x5D-\x7E]/g

export class OAuthError extends Error {
  override readonly name = 'OAuthError'
  readonly status: number
  readonly headers: Record<string, string>
  /** `error_description`: no token or secret material; other characters than §5.2 allows become `?`. */
  readonly description: string
  constructor(
    readonly error: OAuthErrorCode,
    description: string,
    options: OAuthErrorOptions = {},
  ) {
    const conforming = description.replace(NOT_DESCRIPTION_CHARACTER, '?')
    super(`${error}: ${conforming}`, options.cause === undefined ? undefined : { cause: options.cause })
    this.description = conforming
    this.status = options.status ?? STATUS[error]
    this.headers = options.headers ?? {}
  }

  /** The same error with `headers` added to its own (which win on a clash). */
  withHeaders(headers: Record<string, string>): OAuthError {
    return new OAuthError(this.error, this.description, { status: this.status, headers: { ...headers, ...this.headers }, cause: this.cause })
  }

  /** The JSON body of RFC 6749 §5.2. */
  body(): { error: OAuthErrorCode; error_description: string } {
    return { error: this.error, error_description: this.description }
  }
}
