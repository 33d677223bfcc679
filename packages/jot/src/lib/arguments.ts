/**
 * Checks of what callers pass to the public functions, in one place: a wrong argument is a caller
 * bug, answered with {@link InvalidArgument} (`ERR_INVALID_ARGUMENT`) naming the argument, never with
 * a TypeError from deep inside, a crash, or a silent wrong answer. Attacker input (a token's text,
 * its headers and claims) is not checked here: it fails with the format's own errors.
 *
 * - The checks are `typeof` tests and brand checks, cheap enough for functions called per token.
 * - Objects the caller hands over (options, claims, JWKs) are read once, into a plain copy: a Proxy
 *   or a getter that throws fails here, as InvalidArgument with the thrown value as `cause`, and
 *   cannot answer one way when checked and another when used.
 * @module
 */
import { InvalidArgument } from '../errors.js'
import { isJotKey, type JotKey } from '../key/key.js'
import { isPlainObject, isUint8Array } from './bytes.js'

function unreadable(name: string, cause: unknown): InvalidArgument {
  return new InvalidArgument(`${name} cannot be read`, { cause })
}

/**
 * A plain object's own enumerable members, copied: `{ ...value }`. Arrays, class instances and
 * non-objects are refused.
 */
export function readObject<T extends object>(value: unknown, name: string): T {
  if (typeof value !== 'object' || value === null) throw new InvalidArgument(`${name} must be an object`)
  let copy: T | undefined
  try {
    if (isPlainObject(value)) copy = { ...value } as T
  } catch (cause) {
    throw unreadable(name, cause)
  }
  if (copy === undefined) throw new InvalidArgument(`${name} must be a plain object`)
  return copy
}

/** Optional options: `{}` when absent, otherwise as {@link readObject}. */
export function readOptions<T extends object>(value: T | undefined, name = 'options'): T {
  return value === undefined ? ({} as T) : readObject<T>(value, name)
}

/** An array's elements, copied. */
export function readArray<T>(value: unknown, name: string): T[] {
  let copy: T[] | undefined
  try {
    if (Array.isArray(value)) copy = Array.prototype.slice.call(value) as T[]
  } catch (cause) {
    throw unreadable(name, cause)
  }
  if (copy === undefined) throw new InvalidArgument(`${name} must be an array`)
  return copy
}

/** An array of strings, copied. */
export function readStringArray(value: unknown, name: string): string[] {
  return onlyStrings(readArray<unknown>(value, name), name)
}

/** Strings from any iterable but a string (an array, a Set, …), copied into an array. */
export function readStringIterable(value: unknown, name: string): string[] {
  let copy: unknown[] | undefined
  try {
    if (typeof value === 'object' && value !== null && typeof (value as Iterable<unknown>)[Symbol.iterator] === 'function') {
      copy = Array.from(value as Iterable<unknown>)
    }
  } catch (cause) {
    throw unreadable(name, cause)
  }
  if (copy === undefined) throw new InvalidArgument(`${name} must be an array or another iterable`)
  return onlyStrings(copy, name)
}

function onlyStrings(values: unknown[], name: string): string[] {
  if (!values.every((value) => typeof value === 'string')) throw new InvalidArgument(`${name} must hold strings only`)
  return values as string[]
}

export function checkString(value: unknown, name: string): string {
  if (typeof value !== 'string') throw new InvalidArgument(`${name} must be a string`)
  return value
}

export function checkNumber(value: unknown, name: string): number {
  if (typeof value !== 'number') throw new InvalidArgument(`${name} must be a number`)
  return value
}

/** An optional boolean option: `false` when absent. */
export function checkBoolean(value: unknown, name: string): boolean {
  if (value === undefined) return false
  if (typeof value !== 'boolean') throw new InvalidArgument(`${name} must be a boolean`)
  return value
}

/** Content to sign or encrypt, or to encode: bytes or text. */
export function checkBytesOrString(value: unknown, name: string): Uint8Array | string {
  if (typeof value !== 'string' && !isUint8Array(value)) throw new InvalidArgument(`${name} must be a Uint8Array or a string`)
  return value
}

export function checkKey(value: unknown, name = 'key'): JotKey {
  if (!isJotKey(value)) throw new InvalidArgument(`${name} must be a JotKey (see importKey)`)
  return value
}

/**
 * An object that implements an interface (a file system, a key store): each method must be a
 * function. Not copied: its methods keep their `this`.
 */
export function checkMethods<T extends object>(value: unknown, methods: readonly string[], name: string): T {
  if (typeof value !== 'object' || value === null) throw new InvalidArgument(`${name} must be an object`)
  let missing: string | undefined
  try {
    missing = methods.find((method) => typeof (value as Record<string, unknown>)[method] !== 'function')
  } catch (cause) {
    throw unreadable(name, cause)
  }
  if (missing !== undefined) throw new InvalidArgument(`${name} must have the methods ${methods.join(', ')}`)
  return value as T
}

/** A key, or a function that resolves one (a key resolver). */
export function checkKeyOrResolver<R extends (...args: never[]) => unknown>(value: unknown, name = 'key'): JotKey | R {
  if (typeof value === 'function') return value as R
  return checkKey(value, `${name} (or a key resolver function)`)
}
