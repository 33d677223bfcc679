/**
 * Every failure becomes an RFC 6749 §5.2 JSON error, whatever raised it, so OAuth clients always
 * have an `error` code to read and nothing internal (stack, database message) reaches a response:
 *
 * - {@link OAuthError}: its own status, body and headers;
 * - a store that cannot be reached (`ERR_STORE_UNAVAILABLE`, also as the cause of a library error):
 *   503 `temporarily_unavailable` with `Retry-After`. RFC 6749 defines that code for the
 *   authorization endpoint only (§4.1.2.1); using it at the token endpoint is an extension, chosen
 *   because a client must learn "retry later" rather than "your request is wrong";
 * - an identifier the store refuses (`ERR_STORE_INVALID_KEY`: not well-formed Unicode, U+0000) and
 *   Fastify's own request errors (body too large, malformed length): 4xx `invalid_request`;
 * - anything else: 500 `server_error`, logged with its stack under the request id, which the
 *   response carries in `X-Request-Id` so the two can be matched.
 * @module
 */
import type { OAuthResponse } from '../service/context.js'
import { OAuthError } from '../oauth/errors.js'

/** Seconds a client should wait before retrying after a 503. */
export const RETRY_AFTER_SECONDS = 5

/** True when `error` or one of its causes is the store's `StoreUnavailable` (matched by code, as library errors wrap it). */
export function isStoreUnavailable(error: unknown): boolean {
  for (let current = error, depth = 0; current instanceof Error && depth < 8; current = current.cause, depth++) {
    if ((current as { code?: unknown }).code === 'ERR_STORE_UNAVAILABLE') return true
  }
  return false
}

/** Fastify's request-level errors carry an `FST_` code and a 4xx status. */
function clientErrorStatus(error: unknown): number | undefined {
  const { code, statusCode } = error as { code?: unknown; statusCode?: unknown }
  return typeof code === 'string' && code.startsWith('FST_') && typeof statusCode === 'number' && statusCode >= 400 && statusCode < 500 ? statusCode : undefined
}

export type ErrorSeverity = 'none' | 'warn' | 'error'

/** The response for `error`, and how loudly to log it. */
export function errorResponse(error: unknown, context: { bodyLimit: number; requestId: string }): OAuthResponse & { severity: ErrorSeverity } {
  if (error instanceof OAuthError) {
    return { status: error.status, headers: { ...error.headers, 'cache-control': 'no-store' }, body: error.body(), severity: 'none' }
  }
  if (isStoreUnavailable(error)) {
    return {
      status: 503,
      headers: { 'retry-after': String(RETRY_AFTER_SECONDS), 'cache-control': 'no-store' },
      body: { error: 'temporarily_unavailable', error_description: 'the service cannot reach its storage; retry later' },
      severity: 'warn',
    }
  }
  if ((error as { code?: unknown } | null)?.code === 'ERR_STORE_INVALID_KEY') {
    // An identifier from the request (a client id, a jti) that no database can store faithfully.
    return { status: 400, headers: { 'cache-control': 'no-store' }, body: { error: 'invalid_request', error_description: 'the request names an identifier this server cannot store' }, severity: 'none' }
  }
  const status = clientErrorStatus(error)
  if (status !== undefined) {
    const description = status === 413 ? `the request body is larger than ${context.bodyLimit} bytes` : 'the request is malformed'
    return { status, headers: { 'cache-control': 'no-store' }, body: { error: 'invalid_request', error_description: description }, severity: 'none' }
  }
  return {
    status: 500,
    headers: { 'cache-control': 'no-store' },
    body: { error: 'server_error', error_description: `internal error (request id ${context.requestId})` },
    severity: 'error',
  }
}
