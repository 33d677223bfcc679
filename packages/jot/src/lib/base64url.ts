/**
 * Strict base64url (RFC 4648 §5, as RFC 7515 §2 uses it): URL-safe alphabet, no padding, no
 * whitespace, and canonical (the unused low bits of the last character must be zero), so a token has
 * exactly one encoding and nothing can be smuggled into its spare bits.
 * @module
 */
import { Base64URLInvalid } from '../errors.js'

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
/** Sextet value per ASCII code; 0xff marks characters outside the alphabet. */
const DECODE = new Uint8Array(128).fill(0xff)
for (let i = 0; i < ALPHABET.length; i++) DECODE[ALPHABET.charCodeAt(i)] = i

const INVALID = 'base64url input has a character outside the URL-safe alphabet'

/** Sextet of one character, or 0xff; codes above 127 map to 0xff too. */
function sextet(input: string, index: number): number {
  const code = input.charCodeAt(index)
  return code < 128 ? DECODE[code]! : 0xff
}

/**
 * Decodes strict base64url text to bytes.
 *
 * @example
 * ```ts
 * base64url.decode('aGk') // Uint8Array [104, 105]
 * ```
 * @throws {@link Base64URLInvalid} on padding, foreign characters or a non-canonical last character.
 */
export function decode(input: string): Uint8Array {
  if (typeof input !== 'string') throw new Base64URLInvalid('base64url input must be a string')
  const length = input.length
  const tail = length % 4
  if (tail === 1) throw new Base64URLInvalid('base64url input has an impossible length')
  const out = new Uint8Array((length * 3) >> 2)
  let o = 0
  let i = 0
  // Hot loop: one validity test per four characters (any 0xff sextet sets a high bit).
  for (const end = length - tail; i < end; i += 4) {
    const a = sextet(input, i)
    const b = sextet(input, i + 1)
    const c = sextet(input, i + 2)
    const d = sextet(input, i + 3)
    if ((a | b | c | d) & 0xc0) throw new Base64URLInvalid(INVALID)
    out[o++] = (a << 2) | (b >> 4)
    out[o++] = ((b & 0x0f) << 4) | (c >> 2)
    out[o++] = ((c & 0x03) << 6) | d
  }
  if (tail === 2) {
    const a = sextet(input, i)
    const b = sextet(input, i + 1)
    if ((a | b) & 0xc0) throw new Base64URLInvalid(INVALID)
    if (b & 0x0f) throw new Base64URLInvalid('base64url input is not canonical')
    out[o++] = (a << 2) | (b >> 4)
  } else if (tail === 3) {
    const a = sextet(input, i)
    const b = sextet(input, i + 1)
    const c = sextet(input, i + 2)
    if ((a | b | c) & 0xc0) throw new Base64URLInvalid(INVALID)
    if (c & 0x03) throw new Base64URLInvalid('base64url input is not canonical')
    out[o++] = (a << 2) | (b >> 4)
    out[o++] = ((b & 0x0f) << 4) | (c >> 2)
  }
  return out
}

/**
 * Encodes bytes (or a string, as UTF-8) to unpadded base64url.
 *
 * @example
 * ```ts
 * base64url.encode('hi') // 'aGk'
 * ```
 */
export function encode(input: Uint8Array | string): string {
  const bytes = typeof input === 'string' ? new TextEncoder().encode(input) : input
  let out = ''
  let i = 0
  for (const end = bytes.length - (bytes.length % 3); i < end; i += 3) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!
    out += ALPHABET[n >> 18]! + ALPHABET[(n >> 12) & 63]! + ALPHABET[(n >> 6) & 63]! + ALPHABET[n & 63]!
  }
  const rest = bytes.length - i
  if (rest === 1) {
    const n = bytes[i]!
    out += ALPHABET[n >> 2]! + ALPHABET[(n & 3) << 4]!
  } else if (rest === 2) {
    const n = (bytes[i]! << 8) | bytes[i + 1]!
    out += ALPHABET[n >> 10]! + ALPHABET[(n >> 4) & 63]! + ALPHABET[(n & 15) << 2]!
  }
  return out
}
