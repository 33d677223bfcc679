/**
 * Durations in seconds. Everywhere jot takes a time span it takes seconds (a number) or a string
 * such as "90s", "15m", "2h", "7d", "1w", "1y" (units: s, m, h, d, w, y and their long forms).
 * A bare number is never milliseconds: that unit trap bit jsonwebtoken and fast-jwt users for years.
 * @module
 */
import { InvalidArgument } from '../errors.js'

const UNIT_SECONDS: Record<string, number> = /* @__PURE__ */ Object.assign(Object.create(null) as Record<string, number>, {
  s: 1, sec: 1, secs: 1, second: 1, seconds: 1,
  m: 60, min: 60, mins: 60, minute: 60, minutes: 60,
  h: 3600, hr: 3600, hrs: 3600, hour: 3600, hours: 3600,
  d: 86400, day: 86400, days: 86400,
  w: 604800, week: 604800, weeks: 604800,
  y: 31557600, yr: 31557600, yrs: 31557600, year: 31557600, years: 31557600,
})

const PATTERN = /^(\d+(?:\.\d+)?) ?([a-z]+)$/i

/** A time span: seconds as a number, or a string like `"15m"`. */
export type Duration = number | string

/** Converts a {@link Duration} to whole seconds; `name` is the option name used in error messages. */
export function toSeconds(value: Duration, name: string): number {
  if (typeof value === 'number') {
    if (!Number.isFinite(value) || value < 0) throw new InvalidArgument(`${name} must be a non-negative number of seconds`)
    return Math.round(value)
  }
  if (typeof value === 'string') {
    const match = PATTERN.exec(value.trim())
    const unit = match ? UNIT_SECONDS[match[2]!.toLowerCase()] : undefined
    if (match && unit !== undefined) return Math.round(Number(match[1]) * unit)
  }
  throw new InvalidArgument(`${name} must be seconds or a duration such as "15m"`)
}

/**
 * A {@link Duration} in milliseconds, keeping fractions of a second (network timeouts and cooldowns
 * can be sub-second); strings are read as by {@link toSeconds}.
 */
export function toMilliseconds(value: Duration, name: string): number {
  if (typeof value === 'number' && Number.isFinite(value) && value >= 0) return value * 1000
  return toSeconds(value, name) * 1000
}
