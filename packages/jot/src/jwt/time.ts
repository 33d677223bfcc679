/** Clock handling: NumericDate seconds for claims (RFC 7519 §2), milliseconds for other timing. @module */
import { InvalidArgument } from '../errors.js'
import type { Instant } from './types.js'

/** Seconds since the epoch, fractions kept. */
function epochSeconds(value: Instant, name: string): number {
  // Realm-safe Date check: a Date from an iframe, jsdom or a vm context is still a Date.
  const seconds = Object.prototype.toString.call(value) === '[object Date]' ? (value as Date).getTime() / 1000 : value
  if (typeof seconds !== 'number' || !Number.isFinite(seconds)) {
    throw new InvalidArgument(`${name} must be a Date or seconds since the epoch`)
  }
  return seconds
}

export function toNumericDate(value: Instant, name: string): number {
  return Math.floor(epochSeconds(value, name))
}

/** Returns a function giving "now" in whole seconds, from an optional injected clock. */
export function clockFrom(currentTime: Instant | (() => Instant) | undefined): () => number {
  if (currentTime === undefined) return () => Math.floor(Date.now() / 1000)
  if (typeof currentTime === 'function') return () => toNumericDate(currentTime(), 'currentTime')
  const fixed = toNumericDate(currentTime, 'currentTime')
  return () => fixed
}

/**
 * Returns a function giving "now" in milliseconds since the epoch, from an optional injected clock
 * (a Date, or seconds with the milliseconds as a fraction). For spans that are not claims, such as a
 * key set's cooldown and cache lifetime: on a clock rounded down to whole seconds, a 2 s span can end
 * after 1.001 s and a sub-second one is 0 or 1 s.
 */
export function millisecondClockFrom(currentTime: (() => Instant) | undefined): () => number {
  if (currentTime === undefined) return () => Date.now()
  return () => Math.round(epochSeconds(currentTime(), 'currentTime') * 1000)
}
