/**
 * Human times for NumericDate claims (RFC 7519 §2: seconds since the epoch, UTC): an ISO 8601 UTC
 * timestamp plus a relative phrase ("expires in 4m 12s", "expired 3 years ago"), and durations such
 * as a token's lifetime ("5m").
 * @module
 */

const MINUTE = 60
const HOUR = 3600
const DAY = 86400
const YEAR = 31557600 // 365.25 days, the year jot's durations use

/**
 * The last second a Date can hold either side of the epoch: ±8.64e15 ms, +275760-09-13 and
 * -271821-04-20 (ECMA-262, "Time Values and Time Range"). RFC 7519 §2 puts no bound on a
 * NumericDate, so valid tokens go beyond it.
 */
const DATE_LIMIT_SECONDS = 8.64e12

/**
 * `2022-06-10T18:24:07Z` (whole seconds lose the `.000` JavaScript adds), or null for an instant
 * beyond the range of a Date.
 */
export function isoUTC(seconds: number): string | null {
  if (!(Math.abs(seconds) <= DATE_LIMIT_SECONDS)) return null
  const iso = new Date(seconds * 1000).toISOString()
  return Number.isInteger(seconds) ? iso.replace('.000Z', 'Z') : iso
}

/** {@link isoUTC} for people: beyond the range of a Date, which end it is past. */
export function describeInstant(seconds: number): string {
  return isoUTC(seconds) ?? (seconds > 0 ? `after ${isoUTC(DATE_LIMIT_SECONDS)}` : `before ${isoUTC(-DATE_LIMIT_SECONDS)}`)
}

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

/** Claims whose values are NumericDates: RFC 7519 §4.1.4–4.1.6, and OIDC Core §2 `auth_time`. */
export const TIME_CLAIMS = ['exp', 'nbf', 'iat', 'auth_time'] as const

/** What a time claim means relative to `now`, in words. */
export function describeTimeClaim(claim: string, at: number, now: number): string {
  const delta = at - now
  if (Math.abs(delta) < 1) return claim === 'exp' ? 'expires now' : claim === 'iat' ? 'issued just now' : 'now'
  const span = formatSpan(delta)
  const future = delta > 0
  switch (claim) {
    case 'exp':
      return future ? `expires in ${span}` : `expired ${span} ago`
    case 'nbf':
      return future ? `not valid for another ${span}` : `valid since ${span} ago`
    case 'iat':
      return future ? `issued in the future (${span} from now)` : `issued ${span} ago`
    default:
      return future ? `in ${span}` : `${span} ago`
  }
}
