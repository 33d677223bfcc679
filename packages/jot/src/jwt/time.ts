/** Clock handling: NumericDate seconds everywhere (RFC 7519 §2). @module */
import { InvalidArgument } from '../errors.js'
import type { Instant } from './types.js'

export function toNumericDate(value: Instant, name: string): number {
  // Realm-safe Date check: a Date from an iframe, jsdom or a vm context is still a Date.
  const seconds = Object.prototype.toString.call(value) === '[object Date]' ? (value as Date).getTime() / 1000 : value
  if (typeof seconds !== 'number' || !Number.isFinite(seconds)) {
    throw new InvalidArgument(`${name} must be a Date or seconds since the epoch`)
  }
  return Math.floor(seconds)
}

/** Returns a function giving "now" in whole seconds, from an optional injected clock. */
export function clockFrom(currentTime: Instant | (() => Instant) | undefined): () => number {
  if (currentTime === undefined) return () => Math.floor(Date.now() / 1000)
  if (typeof currentTime === 'function') return () => toNumericDate(currentTime(), 'currentTime')
  const fixed = toNumericDate(currentTime, 'currentTime')
  return () => fixed
}
