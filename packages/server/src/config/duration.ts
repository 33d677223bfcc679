/**
 * Durations as the configuration writes them (`configSchema`: seconds, or `"90s"`, `"10m"`, `"1h"`,
 * `"30d"`, `"2w"`), converted to seconds where they are used.
 * @module
 */

const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400, w: 604_800 }
const FORMAT = /^(\d+(?:\.\d+)?)\s*(s|sec|secs|second|seconds|m|min|mins|minute|minutes|h|hr|hrs|hour|hours|d|day|days|w|week|weeks)$/

/**
 * Seconds of a configured duration.
 *
 * @example
 * ```ts
 * durationSeconds('10m') // 600
 * durationSeconds(90)    // 90
 * ```
 */
export function durationSeconds(value: number | string): number {
  if (typeof value === 'number') return value
  const match = FORMAT.exec(value)
  if (!match) throw new RangeError(`not a duration: ${JSON.stringify(value)}`)
  // The unit's first letter names it: s(ec…), m(in…), h(our…), d(ay…), w(eek…).
  return Number(match[1]) * UNIT_SECONDS[match[2]![0]!]!
}
