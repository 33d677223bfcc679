/**
 * Bearer tokens at the service's own resource endpoints (userinfo, the admin API): reading the
 * `Authorization` header (RFC 6750 §2.1) and answering with RFC 6750 §3 challenges.
 * @module
 */
import type { OAuthResponse, ServiceContext } from '../service/context.js'
import { issuerOf } from './endpoints.js'
import { NO_STORE } from './response.js'

/** RFC 6750 §2.1: `Bearer` (any case), one space, b64token. */
const BEARER = /^bearer ([A-Za-z0-9\-._~+/]+=*)$/i

/** RFC 6750 §3.1 error codes. */
export type BearerError = 'invalid_request' | 'invalid_token' | 'insufficient_scope'

/**
 * The token of a `Bearer` Authorization header, or undefined when the header is anything else.
 *
 * @example
 * ```ts
 * bearerToken('Bearer eyJ…') // 'eyJ…'
 * ```
 */
export function bearerToken(header: string): string | undefined {
  return BEARER.exec(header)?.[1]
}

/**
 * An RFC 6750 §3 challenge: `WWW-Authenticate: Bearer realm="<issuer>"`, with the error (and the
 * scope needed) when there is one; without an error (no token was sent, §3.1) the body is empty.
 *
 * @example
 * ```ts
 * return bearerChallenge(ctx, 403, 'insufficient_scope', 'userinfo needs a token with the openid scope', 'openid')
 * ```
 */
export function bearerChallenge(ctx: ServiceContext, status: number, error?: BearerError, description?: string, scope?: string): OAuthResponse {
  // RFC 6750 §3: quoted-string values; ours never hold `"` or `\`, but the realm is configuration.
  const quote = (value: string) => `"${value.replace(/["\\]/g, '\\$&')}"`
  const parts = [`realm=${quote(issuerOf(ctx.config))}`]
  if (error !== undefined) parts.push(`error=${quote(error)}`)
  if (description !== undefined) parts.push(`error_description=${quote(description)}`)
  if (scope !== undefined) parts.push(`scope=${quote(scope)}`)
  return {
    status,
    headers: { ...NO_STORE, 'WWW-Authenticate': `Bearer ${parts.join(', ')}` },
    body: error === undefined ? undefined : { error, error_description: description },
  }
}
