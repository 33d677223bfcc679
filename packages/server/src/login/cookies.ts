/**
 * The login's cookies: the session (who is logged in), the login form's CSRF cookie, and the
 * transaction of a login through an upstream provider (`upstream/transaction.ts`, `SameSite=Lax`).
 *
 * With an `https:` issuer they are `__Host-` cookies (RFC 6265bis §4.1.3.2): `Secure`, `Path=/` and
 * no `Domain`, so neither a sibling subdomain nor a plain-HTTP page can set or overwrite them
 * (cookie tossing, which would plant a session id or a CSRF value). Browsers refuse a `__Host-`
 * cookie without `Secure`, which a plain-HTTP loopback issuer (dev mode) cannot send; there the
 * cookies are named `jotjwt-dev-session` and `jotjwt-dev-csrf`, without `Secure` (checkDeployment
 * allows `http:` only on loopback, where no network is crossed).
 *
 * Both are `HttpOnly` (no script reads them). The session cookie is `SameSite=Lax`: the
 * authorization request arrives as a top-level navigation from the client's site, which must carry
 * it, or every login would start over. The CSRF cookie is `SameSite=Strict`: only our own login
 * page posts the form.
 * @module
 */
import type { ServiceConfig } from '../config/schema.js'
import { issuerOf } from '../oauth/endpoints.js'

export interface CookieNames {
  session: string
  csrf: string
  /** The login transaction of a login through an upstream provider (`upstream/transaction.ts`). */
  upstream: string
  /** Whether the cookies carry `Secure` (an `https:` issuer). */
  secure: boolean
}

/**
 * @example
 * ```ts
 * cookieNames(config) // { session: '__Host-jotjwt-session', csrf: '__Host-jotjwt-csrf', upstream: '__Host-jotjwt-upstream', secure: true }
 * ```
 */
export function cookieNames(config: ServiceConfig): CookieNames {
  const secure = new URL(issuerOf(config)).protocol === 'https:'
  return secure
    ? { session: '__Host-jotjwt-session', csrf: '__Host-jotjwt-csrf', upstream: '__Host-jotjwt-upstream', secure }
    : { session: 'jotjwt-dev-session', csrf: 'jotjwt-dev-csrf', upstream: 'jotjwt-dev-upstream', secure }
}

/**
 * The request's cookies (RFC 6265 §5.4 `Cookie` header). A name sent twice keeps its first value
 * (the browser sends the most specific path first); values are taken as they are.
 */
export function parseCookies(header: string | undefined): Map<string, string> {
  const cookies = new Map<string, string>()
  for (const pair of (header ?? '').split(';')) {
    const equals = pair.indexOf('=')
    if (equals < 0) continue
    const name = pair.slice(0, equals).trim()
    if (name !== '' && !cookies.has(name)) cookies.set(name, pair.slice(equals + 1).trim())
  }
  return cookies
}

/** A `Set-Cookie` value; `maxAge` 0 deletes the cookie. Values are base64url, so nothing needs quoting. */
export function setCookie(name: string, value: string, options: { maxAge: number; sameSite: 'Lax' | 'Strict'; secure: boolean }): string {
  return `${name}=${value}; Path=/; Max-Age=${Math.max(0, Math.floor(options.maxAge))}; HttpOnly; SameSite=${options.sameSite}${options.secure ? '; Secure' : ''}`
}
