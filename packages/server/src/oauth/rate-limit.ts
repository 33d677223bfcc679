/**
 * Per-client rate limit on the token endpoint (`config.rateLimit`: `tokenRequestsPerClient` per
 * `window`; 0 disables it), counted after client authentication, so a request naming another client
 * cannot use up that client's budget. The counting is the sliding window of `lib/sliding-window.ts`.
 *
 * Without Redis the counts live in this process: with N replicas behind a balancer a client gets up
 * to N times the limit. With Redis the replicas share the counts (`redis/rate-limit.ts`), so the
 * limit holds for the deployment; while Redis cannot be reached the limit fails open to this
 * process's own counts, because refusing every token request would turn a Redis outage into an
 * outage of the service, for a limit that only bounds misbehaving clients.
 * @module
 */
import { durationSeconds } from '../config/duration.js'
import type { ServiceConfig } from '../config/schema.js'
import { createSlidingWindow, slidingWindowWait } from '../lib/sliding-window.js'
import { OAuthError } from './errors.js'

/** Most clients tracked at once; the least recently seen is forgotten first. */
const MAX_TRACKED_CLIENTS = 10_000

/**
 * Counts one token request of `clientId` at `now` (seconds).
 * @throws {@link OAuthError} with status 429, `Retry-After` and a JSON body when over the limit.
 */
export type RateLimiter = (clientId: string, now: number) => void | Promise<void>

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

/**
 * @example
 * ```ts
 * const limit = createRateLimiter(config.rateLimit)
 * await limit(client.clientId, ctx.now())
 * ```
 */
export function createRateLimiter(options: ServiceConfig['rateLimit'], shared?: SharedWindowCounter): RateLimiter {
  const limit = options.tokenRequestsPerClient
  const span = durationSeconds(options.window)
  if (limit === 0 || span <= 0) return () => {}
  const tooMany = (wait: number) =>
    new OAuthError('temporarily_unavailable', `more than ${limit} token requests in ${span} seconds; retry later`, {
      status: 429,
      headers: { 'Retry-After': String(wait) },
    })
  const windows = createSlidingWindow(limit, span, MAX_TRACKED_CLIENTS)
  const local = (clientId: string, now: number) => {
    const wait = windows.wait(clientId, now)
    if (wait > 0) throw tooMany(wait)
    windows.add(clientId, now)
  }
  if (shared === undefined) return local

  return async (clientId, now) => {
    const index = Math.floor(now / span)
    let counts: { previous: number; current: number }
    try {
      counts = await shared.add(clientId, index, span)
    } catch {
      // Fails open to this replica's own limit (the connection logs the outage once).
      return local(clientId, now)
    }
    const wait = slidingWindowWait(limit, span, { previous: counts.previous, current: counts.current - 1 }, (now - index * span) / span)
    if (wait > 0) {
      await shared.remove(clientId, index).catch(() => undefined)
      throw tooMany(wait)
    }
  }
}
