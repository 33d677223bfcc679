/**
 * Rate limits answered with 429 and `Retry-After`: per client on the token endpoint
 * (`config.rateLimit`: `tokenRequestsPerClient` per `window`; 0 disables it), counted after client
 * authentication, so a request naming another client cannot use up that client's budget; and on
 * the registration endpoint (`registration.rateLimit`), per client address and in total. The
 * counting is the sliding window of `lib/sliding-window.ts`.
 *
 * Without Redis the counts live in this process: with N replicas behind a balancer a client gets up
 * to N times the limit. With Redis the replicas share the token endpoint's counts
 * (`redis/rate-limit.ts`), so the limit holds for the deployment; while Redis cannot be reached the
 * limit fails open to this process's own counts, because refusing every token request would turn a
 * Redis outage into an outage of the service, for a limit that only bounds misbehaving clients.
 * @module
 */
import { durationSeconds } from '../config/duration.js'
import { createSlidingWindow, slidingWindowWait } from '../lib/sliding-window.js'
import { OAuthError } from './errors.js'

/** Most keys (clients, addresses) tracked at once; the least recently seen is forgotten first. */
const MAX_TRACKED_KEYS = 10_000

/**
 * Counts one event of `key` (a client id, an address) at `now` (seconds).
 * @throws {@link OAuthError} with status 429, `Retry-After` and a JSON body when over the limit.
 */
export type RateLimiter = (key: string, now: number) => void | Promise<void>

/**
 * Window counts kept where every replica sees them (Redis). Fixed windows are numbered
 * `floor(now / span)`; the sliding window is computed from the current one and the one before.
 */
export interface SharedWindowCounter {
  /** Counts one event of `key` in window `index`; the counts of window `index − 1` and `index`, this event included. */
  add(key: string, index: number, span: number): Promise<{ previous: number; current: number }>
  /** Takes back an event that was refused, so refusals do not count against the client. */
  remove(key: string, index: number): Promise<void>
}

/** A limit: at most `limit` events per key per `window` (0: no limit); `what` names the events in the answer. */
export interface RateLimit {
  limit: number
  window: number | string
  what: string
}

/**
 * @example
 * ```ts
 * const limit = createRateLimiter({ limit: config.rateLimit.tokenRequestsPerClient, window: config.rateLimit.window, what: 'token requests' })
 * await limit(client.clientId, ctx.now())
 * ```
 */
export function createRateLimiter({ limit, window, what }: RateLimit, shared?: SharedWindowCounter): RateLimiter {
  const span = durationSeconds(window)
  if (limit === 0 || span <= 0) return () => {}
  const tooMany = (wait: number) =>
    new OAuthError('temporarily_unavailable', `more than ${limit} ${what} in ${span} seconds; retry later`, {
      status: 429,
      headers: { 'Retry-After': String(wait) },
    })
  const windows = createSlidingWindow(limit, span, MAX_TRACKED_KEYS)
  const local = (key: string, now: number) => {
    const wait = windows.wait(key, now)
    if (wait > 0) throw tooMany(wait)
    windows.add(key, now)
  }
  if (shared === undefined) return local

  return async (key, now) => {
    const index = Math.floor(now / span)
    let counts: { previous: number; current: number }
    try {
      counts = await shared.add(key, index, span)
    } catch {
      // Fails open to this replica's own limit (the connection logs the outage once).
      return local(key, now)
    }
    const wait = slidingWindowWait(limit, span, { previous: counts.previous, current: counts.current - 1 }, (now - index * span) / span)
    if (wait > 0) {
      await shared.remove(key, index).catch(() => undefined)
      throw tooMany(wait)
    }
  }
}
