/**
 * Turns a refusal into the HTTP answer every adapter sends: status, `WWW-Authenticate` (RFC 6750
 * §3), and optionally an `application/problem+json` body (RFC 9457). Built in one place so Express,
 * Fastify and Hono answer byte for byte alike.
 * @module
 */
import type { DPoPChallengeSettings } from '../core/dpop.js'
import { bearerChallenge, dpopChallenge, type ChallengeParameters } from './challenge.js'
import type { GuardError } from './errors.js'

/** How much of the reason a refusal reveals in `error_description`. */
export type ErrorVerbosity = 'none' | 'generic' | 'detailed'

/** Settings compiled from the guard options. */
export interface ResponseSettings {
  readonly realm: string
  readonly verbosity: ErrorVerbosity
  readonly problemDetails: boolean
  /** The guard's DPoP mode and proof algorithms; absent: Bearer only. */
  readonly dpop?: DPoPChallengeSettings | undefined
  /** The URL of the API's protected resource metadata, sent as `resource_metadata` in every challenge (RFC 9728 §5.1). */
  readonly resourceMetadata?: string | undefined
}

/** An HTTP answer to write as is. Header names are lower case. */
export interface ErrorResponse {
  status: number
  headers: Record<string, string>
  body: string | undefined
}

const TITLES: Readonly<Record<number, string>> = { 400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 503: 'Service Unavailable' }

/** Seconds a client should wait after a 503 (RFC 9110 §10.2.3). */
const RETRY_AFTER_SECONDS = '5'

/**
 * The answer to `error` under `settings`.
 *
 * @example
 * ```ts
 * const { status, headers, body } = errorResponse(new InvalidTokenError('the access token expired'), { realm: 'api', verbosity: 'generic', problemDetails: false })
 * // 401, { 'www-authenticate': 'Bearer realm="api", error="invalid_token", error_description="the access token expired"' }
 * ```
 */
export function errorResponse(error: GuardError, settings: ResponseSettings): ErrorResponse {
  const description =
    error.error === undefined || settings.verbosity === 'none' ? undefined : settings.verbosity === 'detailed' ? error.detail : error.description
  const headers: Record<string, string> = {}
  if (error.status === 503) {
    headers['retry-after'] = RETRY_AFTER_SECONDS
  } else {
    headers['www-authenticate'] = challenges(error, settings, {
      realm: settings.realm,
      error: error.error,
      error_description: description,
      scope: error.scope,
      resource_metadata: settings.resourceMetadata,
    })
    // RFC 9449 §9: the nonce the next proof must carry; §8.2 lets any answer carry it, so every
    // refusal with a DPoP challenge does, not only use_dpop_nonce: the client's next proof is then
    // accepted the first time, also just after a rotation.
    const dpop = settings.dpop
    if (dpop?.nonce !== undefined && dpop.mode !== 'off') headers['dpop-nonce'] = dpop.nonce.current()
  }
  if (!settings.problemDetails) return { status: error.status, headers, body: undefined }
  headers['content-type'] = 'application/problem+json'
  const problem: Record<string, unknown> = { type: 'about:blank', title: TITLES[error.status], status: error.status }
  if (description !== undefined) problem.detail = description
  if (error.error !== undefined) problem.error = error.error
  if (error.scope !== undefined) problem.scope = error.scope
  return { status: error.status, headers, body: JSON.stringify(problem) }
}

/**
 * One challenge per accepted scheme (RFC 9449 §7.2; RFC 9110 §11.6.1 allows several in one field),
 * the error on the challenge of the scheme the request used, the other one bare.
 */
function challenges(error: GuardError, settings: ResponseSettings, parameters: ChallengeParameters): string {
  const mode = settings.dpop?.mode ?? 'off'
  const bare = { realm: settings.realm, resource_metadata: settings.resourceMetadata }
  const values: string[] = []
  if (mode !== 'required') values.push(bearerChallenge(error.scheme === 'Bearer' ? parameters : bare))
  if (mode !== 'off') values.push(dpopChallenge({ ...(error.scheme === 'DPoP' || mode === 'required' ? parameters : bare), algs: settings.dpop!.algs }))
  return values.join(', ')
}
