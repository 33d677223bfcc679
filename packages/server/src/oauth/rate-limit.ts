/**
 * Per-client rate limit on the token endpoint (`config.rateLimit`: `tokenRequestsPerClient` per
 * `window`; 0 disables it), counted after client authentication, so a request naming another client
 * cannot use up that client's budget.
 *
 * A sliding-window counter: the count of the current fixed window plus the previous window's count
 * weighted by how much of it still overlaps the sliding window. Two numbers per client, no burst of
 * twice the limit at a window boundary (which a plain fixed window allows).
 *
 * The counts live in this process: with N replicas behind a balancer a client gets up to N times the
 * limit. That bounds a misbehaving client, not a determined one; put a shared limiter in front for more.
 * @module
 */
import { durationSeconds } from '../config/duration.js'
import type { ServiceConfig } from '../config/schema.js'
import { BoundedMap } from '../lib/bounded-map.js'
import { OAuthError } from './errors.js'

/** Most clients tracked at once; the least recently seen is forgotten first. */
const MAX_TRACKED_CLIENTS = 10_000

interface Window {
  /** Index of the current fixed window (`floor(now / window)`). */
  index: number
  current: number
  previous: number
}

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
  const windows = new BoundedMap<string, Window>(MAX_TRACKED_CLIENTS)
  return (clientId, now) => {
    const index = Math.floor(now / span)
    let window = windows.get(clientId)
    if (!window || window.index !== index) {
      window = { index, current: 0, previous: window?.index === index - 1 ? window.current : 0 }
      windows.set(clientId, window)
    }
    const elapsed = (now - index * span) / span
    if (window.previous * (1 - elapsed) + window.current + 1 > limit) {
      throw new OAuthError('temporarily_unavailable', `more than ${limit} token requests in ${span} seconds; retry later`, {
        status: 429,
        headers: { 'Retry-After': String(retryAfter(window, elapsed, limit, span)) },
      })
    }
    window.current++
  }
}

/** Whole seconds until one more request fits (RFC 9110 §10.2.3), at least 1. */
function retryAfter({ current, previous }: Window, elapsed: number, limit: number, span: number): number {
  let wait: number
  if (current + 1 <= limit) {
    // It fits in this window once the previous window's weight has decayed enough.
    wait = (1 - (limit - current - 1) / previous - elapsed) * span
  } else {
    // Only in the next window, once this window's count (then "previous") has decayed enough.
    wait = (1 - elapsed) * span + (1 - (limit - 1) / current) * span
  }
  return Math.max(1, Math.ceil(wait))
}
