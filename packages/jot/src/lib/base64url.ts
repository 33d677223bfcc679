/**
 * Strict base64url (RFC 4648 §5, as RFC 7515 §2 uses it): URL-safe alphabet, no padding, no
 * whitespace, and canonical (the unused low bits of the last character must be zero), so a token has
 * exactly one encoding and nothing can be smuggled into its spare bits.
 * @module
 */
import { Base64URLInvalid } from '../errors.js'
import { scratch } from './scratch.js'
import { decodeUtf8, encodeUtf8Into, encodeUtf8Transient } from './utf8.js'

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
/** ASCII code per sextet. */
const CODES = /* @__PURE__ */ (() => Uint8Array.from(ALPHABET, (c) => c.charCodeAt(0)))()
/**
 * Sextet per input byte, pre-shifted to its place in a group of four characters: entry
 * `(k << 8) | byte` holds the sextet of `byte` as character k of a group. Bytes outside the
 * alphabet (any byte above 127 included) are negative, and a negative stays negative in any OR.
 */
const GROUP = /* @__PURE__ */ (() => {
  const table = new Int32Array(1024).fill(-1 << 24)
  for (let i = 0; i < ALPHABET.length; i++) {
    for (let k = 0; k < 4; k++) table[(k << 8) | ALPHABET.charCodeAt(i)] = i << (18 - 6 * k)
  }
  return table
})()

const INVALID = 'base64url input has a character outside the URL-safe alphabet'

/** Decodes strict base64url text to bytes (public as `base64url.decode`, lib/base64url-public.ts). */
export function decode(input: string): Uint8Array {
  return decodeInto(input, undefined)
}

/**
 * Decodes base64url UTF-8 text (a JWT's claims) straight to a string, through scratch slot 1 rather
 * than a fresh byte array (see lib/scratch.ts).
 * @internal
 */
export function decodeText(input: string): string {
  return decodeUtf8(decodeTransient(input))
}

/**
 * Decodes into scratch slot 1 (see lib/scratch.ts): the view is valid until the caller next yields.
 * @internal
 */
export function decodeTransient(input: string): Uint8Array {
  return decodeInto(input, scratch(1, (input.length * 3) >> 2))
}

function decodeInto(input: string, buffer: Uint8Array | undefined): Uint8Array {
  if (typeof input !== 'string') throw new Base64URLInvalid('base64url input must be a string')
  const length = input.length
  const tail = length % 4
  if (tail === 1) throw new Base64URLInvalid('base64url input has an impossible length')
  // The characters are read as bytes, which the native encoder writes faster than charCodeAt reads
  // them one by one. Any character outside ASCII makes the UTF-8 longer than the text: refused.
  const chars = scratch(2, length)
  const { read, written } = encodeUtf8Into(input, chars)
  if (read !== length || written !== length) throw new Base64URLInvalid(INVALID)
  const size = (length * 3) >> 2
  const out = buffer ? buffer.subarray(0, size) : new Uint8Array(size)
  let o = 0
  let i = 0
  // Hot loop, branch-free per group of four: a character outside the alphabet makes the group
  // negative, which is tested once, after the loop.
  let invalid = 0
  for (const end = length - tail; i < end; i += 4) {
    const group = GROUP[chars[i]!]! | GROUP[256 | chars[i + 1]!]! | GROUP[512 | chars[i + 2]!]! | GROUP[768 | chars[i + 3]!]!
    invalid |= group
    out[o] = group >> 16
    out[o + 1] = group >> 8
    out[o + 2] = group
    o += 3
  }
  if (tail !== 0) {
    // Two or three characters left, read as the last ones of a group: the bits below the last whole
    // byte must be zero (canonical encoding).
    const group = GROUP[chars[i]!]! | GROUP[256 | chars[i + 1]!]! | (tail === 3 ? GROUP[512 | chars[i + 2]!]! : 0)
    invalid |= group
    if (invalid >= 0 && group & (tail === 2 ? 0xffff : 0xff)) throw new Base64URLInvalid('base64url input is not canonical')
    out[o++] = group >> 16
    if (tail === 3) out[o++] = group >> 8
  }
  if (invalid < 0) throw new Base64URLInvalid(INVALID)
  return out
}

/** Encodes bytes (or a string, as UTF-8) to unpadded base64url (public as `base64url.encode`). */
export function encode(input: Uint8Array | string): string {
  // Text is encoded into scratch memory, and the characters are written as ASCII bytes into another
  // scratch buffer and turned into a string in one native call: 2–4× faster than building the string
  // by concatenation, the cost that dominated encoding a JWT's claims.
  return decodeUtf8(encodeAfter(NO_PREFIX, typeof input === 'string' ? encodeUtf8Transient(input) : input))
}

/**
 * `prefix` ‖ BASE64URL(UTF-8(text)) as ASCII bytes in scratch slot 2 (see lib/scratch.ts): a JWT's
 * signing input built in one pass, ready to sign, instead of encoding the claims to a string and the
 * joined string back to bytes.
 * @internal
 */
export function encodeSigningInput(prefix: Uint8Array, text: string): Uint8Array {
  return encodeAfter(prefix, encodeUtf8Transient(text))
}

const NO_PREFIX = new Uint8Array(0)

/** `prefix` then the base64url characters of `bytes`, as ASCII bytes in scratch slot 2. */
function encodeAfter(prefix: Uint8Array, bytes: Uint8Array): Uint8Array {
  const out = scratch(2, prefix.length + Math.ceil(bytes.length / 3) * 4)
  out.set(prefix)
  let o = prefix.length
  let i = 0
  for (const end = bytes.length - (bytes.length % 3); i < end; i += 3) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!
    out[o] = CODES[n >> 18]!
    out[o + 1] = CODES[(n >> 12) & 63]!
    out[o + 2] = CODES[(n >> 6) & 63]!
    out[o + 3] = CODES[n & 63]!
    o += 4
  }
  const rest = bytes.length - i
  if (rest === 1) {
    const n = bytes[i]!
    out[o++] = CODES[n >> 2]!
    out[o++] = CODES[(n & 3) << 4]!
  } else if (rest === 2) {
    const n = (bytes[i]! << 8) | bytes[i + 1]!
    out[o++] = CODES[n >> 10]!
    out[o++] = CODES[(n >> 4) & 63]!
    out[o++] = CODES[(n & 15) << 2]!
  }
  return out.subarray(0, o)
}
