/**
 * A sliding-window counter per key: the count of the current fixed window plus the previous
 * window's count weighted by how much of it still overlaps the sliding window. Two numbers per key,
 * no burst of twice the limit at a window boundary (which a plain fixed window allows). The token
 * endpoint's rate limit and the login throttle count with it.
 *
 * Counts live in this process: with N replicas behind a balancer a key gets up to N times the limit.
 * @module
 */
import { BoundedMap } from './bounded-map.js'

interface Window {
  /** Index of the current fixed window (`floor(now / span)`). */
  index: number
  current: number
  previous: number
}

export interface SlidingWindow {
  /** Seconds until one more event of `key` fits (RFC 9110 §10.2.3 `Retry-After`, at least 1), or 0 when it fits now. */
  wait(key: string, now: number): number
  /** Counts one event of `key` at `now` (seconds). */
  add(key: string, now: number): void
}

/**
 * Seconds until one more event fits (at least 1), or 0 when it fits now, given the counts of the
 * previous and the current fixed window and how far (0 to 1) the current one has elapsed. The one
 * formula of every sliding window, whether its counts live here or in Redis (`redis/rate-limit.ts`).
 *
 * @example
 * ```ts
 * slidingWindowWait(2, 60, { previous: 2, current: 1 }, 0.5) // 30: the previous window's weight must reach 0
 * ```
 */
export function slidingWindowWait(limit: number, span: number, counts: { previous: number; current: number }, elapsed: number): number {
  const { previous, current } = counts
  if (previous * (1 - elapsed) + current + 1 <= limit) return 0
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

/**
 * At most `limit` events per key in any `span` seconds; `maxKeys` keys are tracked at once, the least
 * recently seen forgotten first.
 *
 * @example
 * ```ts
 * const failures = createSlidingWindow(5, 900, 10_000)
 * if (failures.wait(username, now) > 0) refuse()
 * failures.add(username, now)
 * ```
 */
export function createSlidingWindow(limit: number, span: number, maxKeys: number): SlidingWindow {
  const windows = new BoundedMap<string, Window>(maxKeys)
  const current = (key: string, now: number): { window: Window; elapsed: number } => {
    const index = Math.floor(now / span)
    let window = windows.get(key)
    if (!window || window.index !== index) {
      window = { index, current: 0, previous: window?.index === index - 1 ? window.current : 0 }
      windows.set(key, window)
    }
    return { window, elapsed: (now - index * span) / span }
  }
  return {
    wait(key, now) {
      const { window, elapsed } = current(key, now)
      return slidingWindowWait(limit, span, window, elapsed)
    },
    add(key, now) {
      current(key, now).window.current++
    },
  }
}
