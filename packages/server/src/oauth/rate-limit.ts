/**
 * Per-client rate limit on the token endpoint (`config.rateLimit`: `tokenRequestsPerClient` per
 * `window`; 0 disables it), counted after client authentication, so a request naming another client
 * cannot use up that client's budget. The counting is the sliding window of `lib/sliding-window.ts`.
 *
 * The counts live in this process: with N replicas behind a balancer a client gets up to N times the
 * limit. That bounds a misbehaving client, not a determined one; put a shared limiter in front for more.
 * @module
 */
import { durationSeconds } from '../config/duration.js'
import type { ServiceConfig } from '../config/schema.js'
import { createSlidingWindow } from '../lib/sliding-window.js'
import { OAuthError } from './errors.js'

/** Most clients tracked at once; the least recently seen is forgotten first. */
const MAX_TRACKED_CLIENTS = 10_000

/**
 * Counts one token request of `clientId` at `now` (seconds).
 * @throws {@link OAuthError} with status 429, `Retry-After` and a JSON body when over the limit.
 */
export type RateLimiter = (clientId: string, now: number) => void

/**
 * @example
 * ```ts
 * const limit = createRateLimiter(config.rateLimit)
 * limit(client.clientId, ctx.now())
 * ```
 */
export function createRateLimiter(options: ServiceConfig['rateLimit']): RateLimiter {
  const limit = options.tokenRequestsPerClient
  const span = durationSeconds(options.window)
  if (limit === 0 || span <= 0) return () => {}
  const windows = createSlidingWindow(limit, span, MAX_TRACKED_CLIENTS)
  return (clientId, now) => {
    const wait = windows.wait(clientId, now)
    if (wait > 0) {
      throw new OAuthError('temporarily_unavailable', `more than ${limit} token requests in ${span} seconds; retry later`, {
        status: 429,
        headers: { 'Retry-After': String(wait) },
      })
    }
    windows.add(clientId, now)
  }
}
