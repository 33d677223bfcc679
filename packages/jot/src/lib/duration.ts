/**
 * Durations in seconds. Everywhere jot takes a time span it takes seconds (a number) or a string
 * such as "90s", "15m", "2h", "7d", "1w", "1y" (units: s, m, h, d, w, y and their long forms).
 * A bare number is never milliseconds: that unit trap bit jsonwebtoken and fast-jwt users for years.
 * @module
 */
import { InvalidArgument } from '../errors.js'

/** The number, then a unit: s, m, h, d, w or y, or one of their longer spellings ("15 min", "2 hours"). */
const PATTERN = /^(\d+(?:\.\d+)?) ?(s|secs?|seconds?|m|mins?|minutes?|h|hrs?|hours?|d|days?|w|weeks?|y|yrs?|years?)$/i

/** Seconds per unit, by the first letter of its spelling (a year is 365.25 days). */
const UNIT_SECONDS: Readonly<Record<string, number>> = { s: 1, m: 60, h: 3600, d: 86400, w: 604800, y: 31557600 }

/** A time span: seconds as a number, or a string like `"15m"`. */
export type Duration = number | string

/** A {@link Duration} in seconds, fractions kept; `name` is the option name used in error messages. */
function exactSeconds(value: Duration, name: string): number {
  if (typeof value === 'number' && Number.isFinite(value) && value >= 0) return value
  const match = typeof value === 'string' ? PATTERN.exec(value.trim()) : null
  if (match) return Number(match[1]) * UNIT_SECONDS[match[2]![0]!.toLowerCase()]!
  throw new InvalidArgument(`${name} must be a non-negative number of seconds or a duration such as "15m"`)
}

/** Converts a {@link Duration} to whole seconds; `name` is the option name used in error messages. */
export function toSeconds(value: Duration, name: string): number {
  return Math.round(exactSeconds(value, name))
}

/**
 * A {@link Duration} in whole seconds, exactly as jot reads its claim options (`maxTokenAge`,
 * `clockTolerance`, `expiresIn`, …), for code that reasons about the same spans (a cache deciding
 * how long a verification stays good).
 *
 * @example
 * ```ts
 * durationToSeconds('15m') // 900
 * durationToSeconds(90)    // 90
 * ```
 * @throws {@link InvalidArgument} for anything but a non-negative number or a duration string.
 */
export function durationToSeconds(duration: Duration): number {
  return toSeconds(duration, 'duration')
}

/**
 * A {@link Duration} in whole milliseconds, keeping fractions of a second whether given as a number
 * or a string (`0.3` and `"0.3s"` are both 300): network timeouts and cooldowns can be sub-second.
 */
export function toMilliseconds(value: Duration, name: string): number {
  return Math.round(exactSeconds(value, name) * 1000)
}
