/**
 * CSRF protection of the login form (OWASP "signed double-submit cookie"): the login page sets a
 * random cookie and puts HMAC(key, cookie) in a hidden field; a submission is accepted only when the
 * field matches the cookie it arrives with. Another site can make a browser post the form, but it
 * can neither read the cookie nor compute the field, and, the field being a MAC under a key of the
 * service, a cookie it managed to plant (see `cookies.ts`) does not help it either. The key is
 * derived from `keys.encryptionKey`, so every replica accepts what another served.
 * @module
 */
import { createHmac, timingSafeEqual } from 'node:crypto'

/**
 * The form field for a CSRF cookie value.
 *
 * @example
 * ```ts
 * const field = csrfToken(ctx.oauth.csrfKey, cookieValue)
 * ```
 */
export function csrfToken(key: Uint8Array, cookieValue: string): string {
  return createHmac('sha256', key).update(`jotjwt login form ${cookieValue}`, 'utf8').digest('base64url')
}

/** True when both are present and `token` is the field for `cookieValue` (compared in constant time). */
export function checkCsrfToken(key: Uint8Array, cookieValue: string | undefined, token: string | undefined): boolean {
  if (cookieValue === undefined || token === undefined || !/^[A-Za-z0-9_-]{43}$/.test(cookieValue)) return false
  const expected = Buffer.from(csrfToken(key, cookieValue))
  const presented = Buffer.from(token)
  return presented.length === expected.length && timingSafeEqual(presented, expected)
}
