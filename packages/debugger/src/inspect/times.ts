/**
 * Times in words. JWT times are NumericDates (RFC 7519 §2: seconds since the epoch, UTC); the page
 * shows them in the reader's own time zone and relative to now ("expires in 4m"), and the token's
 * lifetime as a span.
 * @module
 */
import type { JSONObject } from './decode.js'

const MINUTE = 60
const HOUR = 3600
const DAY = 86400
const YEAR = 31557600 // 365.25 days

/** Claims whose values are NumericDates: RFC 7519 §4.1.4–4.1.6, OIDC Core §2 `auth_time`, §5.1 `updated_at`. */
export const TIME_CLAIMS: ReadonlySet<string> = new Set(['exp', 'nbf', 'iat', 'auth_time', 'updated_at'])

/** A span in at most two units, largest first: `45s`, `4m 12s`, `2h 5m`, `3d 4h`, `3 years`. */
export function formatSpan(totalSeconds: number): string {
  const s = Math.round(Math.abs(totalSeconds))
  if (s >= YEAR) {
    const years = Math.floor(s / YEAR)
    return `${years} year${years === 1 ? '' : 's'}`
  }
  const pair = (big: number, bigUnit: string, small: number, smallUnit: string) =>
    small === 0 ? `${big}${bigUnit}` : `${big}${bigUnit} ${small}${smallUnit}`
  if (s >= DAY) return pair(Math.floor(s / DAY), 'd', Math.floor((s % DAY) / HOUR), 'h')
  if (s >= HOUR) return pair(Math.floor(s / HOUR), 'h', Math.floor((s % HOUR) / MINUTE), 'm')
  if (s >= MINUTE) return pair(Math.floor(s / MINUTE), 'm', s % MINUTE, 's')
  return `${s}s`
}

/** What a time claim means relative to `now` (seconds), in words. */
export function describeTime(claim: string, at: number, now: number): string {
  const delta = at - now
  const span = formatSpan(delta)
  const future = delta >= 1
  const past = delta <= -1
  switch (claim) {
    case 'exp':
      return future ? `expires in ${span}` : past ? `expired ${span} ago` : 'expires now'
    case 'nbf':
      return future ? `not valid for another ${span}` : past ? `valid since ${span} ago` : 'valid from now'
    case 'iat':
      return future ? `issued in the future (${span} from now)` : past ? `issued ${span} ago` : 'issued just now'
    case 'auth_time':
      return future ? `authenticated in the future (${span} from now)` : past ? `authenticated ${span} ago` : 'authenticated just now'
    default:
      return future ? `in ${span}` : past ? `${span} ago` : 'now'
  }
}

/** A NumericDate in the reader's zone, with the zone named: "10 Jun 2022, 20:24:07 CEST". */
export function formatLocalTime(seconds: number, locale?: string): string {
  const format = new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'long' })
  return format.format(new Date(seconds * 1000))
}

export interface TimeClaim {
  readonly claim: string
  readonly value: number
  readonly local: string
  readonly relative: string
}

export interface Lifetime {
  readonly seconds: number
  /** The claim the lifetime is counted from: `iat`, or `nbf` when there is no `iat`. */
  readonly from: 'iat' | 'nbf'
  readonly text: string
}

export interface TokenTimes {
  readonly claims: ReadonlyMap<string, TimeClaim>
  readonly lifetime: Lifetime | undefined
  /** Whether the token is expired, not yet valid, or within its validity window now (before any tolerance). */
  readonly status: 'valid' | 'expired' | 'not-yet-valid' | 'no-expiry'
}

const isNumericDate = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value)

export function tokenTimes(payload: JSONObject, now: number, locale?: string): TokenTimes {
  const claims = new Map<string, TimeClaim>()
  for (const claim of TIME_CLAIMS) {
    const value = payload[claim]
    if (isNumericDate(value)) claims.set(claim, { claim, value, local: formatLocalTime(value, locale), relative: describeTime(claim, value, now) })
  }
  const exp = claims.get('exp')?.value
  const from = claims.has('iat') ? ('iat' as const) : claims.has('nbf') ? ('nbf' as const) : undefined
  const lifetime =
    exp !== undefined && from !== undefined
      ? { seconds: exp - claims.get(from)!.value, from, text: formatSpan(exp - claims.get(from)!.value) }
      : undefined
  const nbf = claims.get('nbf')?.value
  // RFC 7519 §4.1.4: the token must not be accepted "on or after" exp.
  const status = exp !== undefined && now >= exp ? 'expired' : nbf !== undefined && now < nbf ? 'not-yet-valid' : exp === undefined ? 'no-expiry' : 'valid'
  return { claims, lifetime, status }
}
