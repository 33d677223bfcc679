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
  assertNoDuplicateMembers(text)
  return value
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
      i = text.indexOf('"', i + 1)
      while (isEscaped(text, i)) i = text.indexOf('"', i + 1)
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
