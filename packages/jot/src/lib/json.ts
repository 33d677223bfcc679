/**
 * Strict JSON for headers, claims and JWKs. RFC 7515 §4 and RFC 7519 §4 let a parser either reject
 * duplicate member names or keep the last one; `JSON.parse` silently keeps the last one, which lets
 * two parsers disagree about the same token (one sees `"alg":"HS256"`, another `"alg":"none"`).
 * jot rejects duplicates at every depth.
 * @module
 */
import { InvalidArgument, JSONDuplicateMember, JSONInvalid } from '../errors.js'
import { isPlainObject } from './bytes.js'
import { decodeUtf8 } from './utf8.js'

/** JSON text of a value jot is about to sign; values JSON cannot represent are the caller's error. */
export function stringifyJSON(value: unknown, what: string): string {
  let text: string | undefined
  try {
    text = JSON.stringify(value)
  } catch (cause) {
    throw new InvalidArgument(`${what} cannot be serialized as JSON`, { cause })
  }
  if (text === undefined) throw new InvalidArgument(`${what} cannot be serialized as JSON`)
  return text
}

/** Parses UTF-8 JSON bytes that must hold one JSON object; `what` names it in error messages. */
export function parseJSONObjectBytes(bytes: Uint8Array, what: string): Record<string, unknown> {
  return parseJSONObject(decodeUtf8(bytes), what)
}

/** Parses JSON text that must hold one JSON object without duplicate member names at any depth. */
export function parseJSONObject(text: string, what: string): Record<string, unknown> {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (cause) {
    throw new JSONInvalid(`${what} is not valid JSON`, { cause })
  }
  if (!isPlainObject(value)) throw new JSONInvalid(`${what} must be a JSON object`)
  // Duplicates are rare and the check runs on every token, so first a cheap count: each member has
  // exactly one ':' outside strings, and JSON.parse keeps one property per distinct name (objects
  // that lose to a later duplicate vanish with it), so the counts are equal exactly when no object
  // anywhere repeats a name. Only a mismatch pays for the walk that names the duplicate.
  if (countColons(text) !== countMembers(value)) assertNoDuplicateMembers(text)
  return value
}

const COLON = 0x3a

/** Number of ':' outside strings in JSON text. */
function countColons(text: string): number {
  let colons = 0
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (c === QUOTE) i = closingQuote(text, i)
    else if (c === COLON) colons++
  }
  return colons
}

/**
 * Number of properties of every object in a parsed JSON value. `for…in` is by far the fastest walk,
 * and it sees only own properties unless someone made an inherited one enumerable: then -1, which
 * never matches a count. Explicit stack (allocated only for nested values), as JSON may nest deeply.
 */
function countMembers(root: object): number {
  for (const _ in EMPTY) return -1
  let members = 0
  let pending: object[] | undefined
  for (let value: object | undefined = root; value !== undefined; value = pending?.pop()) {
    if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) {
        const child: unknown = value[i]
        if (typeof child === 'object' && child !== null) (pending ??= []).push(child)
      }
      continue
    }
    for (const name in value) {
      members++
      const child: unknown = (value as Record<string, unknown>)[name]
      if (typeof child === 'object' && child !== null) (pending ??= []).push(child)
    }
  }
  return members
}

const EMPTY = {}

/** Index of the quote that closes the string opening at `open`. */
function closingQuote(text: string, open: number): number {
  let i = text.indexOf('"', open + 1)
  while (isEscaped(text, i)) i = text.indexOf('"', i + 1)
  return i
}

const QUOTE = 0x22
const BACKSLASH = 0x5c

/**
 * Walks JSON text that `JSON.parse` has already accepted and throws on the first object that names
 * a member twice. Keys are compared after unescaping ("a" and "\u0061" are the same name). The walk
 * keeps an explicit stack, so deep nesting cannot overflow the call stack, and jumps over string
 * contents with indexOf, since only the text between strings holds structure.
 */
function assertNoDuplicateMembers(text: string): void {
  const stack: Array<Set<string> | null> = [] // a Set per open object, null per open array
  let expectKey = false
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (c === QUOTE) {
      const start = i
      i = closingQuote(text, i)
      const keys = stack[stack.length - 1]
      if (expectKey && keys) {
        const raw = text.slice(start + 1, i)
        const key = raw.includes('\\') ? (JSON.parse(`"${raw}"`) as string) : raw
        if (keys.has(key)) throw new JSONDuplicateMember(key)
        keys.add(key)
        expectKey = false
      }
    } else if (c === 0x7b /* { */) {
      stack.push(new Set())
      expectKey = true
    } else if (c === 0x5b /* [ */) {
      stack.push(null)
      expectKey = false
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
      stack.pop()
      expectKey = false
    } else if (c === 0x2c /* , */) {
      expectKey = stack[stack.length - 1] !== null
    }
  }
}

/** True when the character at `index` follows an odd run of backslashes. */
function isEscaped(text: string, index: number): boolean {
  let backslashes = 0
  while (text.charCodeAt(index - 1 - backslashes) === BACKSLASH) backslashes++
  return backslashes % 2 === 1
}
