/**
 * Throttling of failed logins (`login.failuresPerUser`, `login.failuresPerAddress` per
 * `login.window`), counted with the sliding window of the token endpoint's rate limit: per username
 * as typed (known or not, so the throttle tells nothing about which usernames exist) against
 * guessing one person's password, and per client address against trying one password on many
 * people. While either is over its limit, the form answers 429 without checking the password at all,
 * so a throttled guess costs no KDF and cannot succeed.
 *
 * The counts live in this process, as the rate limit's do: with N replicas an attacker gets up to N
 * times the limit. A determined one is stopped by the slow KDF and by a shared limiter in front.
 * @module
 */
import { durationSeconds } from '../config/duration.js'
import type { ServiceConfig } from '../config/schema.js'
import { createSlidingWindow, type SlidingWindow } from '../lib/sliding-window.js'

/** Most usernames and addresses tracked at once; the least recently seen is forgotten first. */
const MAX_TRACKED = 10_000

export interface LoginThrottle {
  /** Seconds until a login of `username` from `address` may be tried, or 0 when it may now. */
  wait(username: string, address: string, now: number): number
  /** Counts a failed login. */
  fail(username: string, address: string, now: number): void
}

/**
 * @example
 * ```ts
 * const throttle = createLoginThrottle(config.login)
 * if (throttle.wait(username, address, now) > 0) return tooManyAttempts()
 * ```
 */
export function createLoginThrottle(options: ServiceConfig['login']): LoginThrottle {
  const span = durationSeconds(options.window)
  const window = (limit: number): SlidingWindow | undefined => (limit === 0 || span <= 0 ? undefined : createSlidingWindow(limit, span, MAX_TRACKED))
  const users = window(options.failuresPerUser)
  const addresses = window(options.failuresPerAddress)
  return {
    wait: (username, address, now) => Math.max(users?.wait(username, now) ?? 0, addresses?.wait(address, now) ?? 0),
    fail(username, address, now) {
      users?.add(username, now)
      addresses?.add(address, now)
    },
  }
}
