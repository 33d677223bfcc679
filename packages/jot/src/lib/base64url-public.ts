/**
 * The public `base64url` namespace: strict `encode` and `decode` only. The codec's scratch-memory
 * helpers in lib/base64url.ts stay internal: what they return is a view the next call overwrites.
 * @module
 */
import { checkBytesOrString, checkString } from './arguments.js'
import { decode as decodeBase64URL, encode as encodeBase64URL } from './base64url.js'

/**
 * Decodes strict base64url text to bytes.
 *
 * @example
 * ```ts
 * base64url.decode('aGk') // Uint8Array [104, 105]
 * ```
 * @throws {@link Base64URLInvalid} on padding, foreign characters or a non-canonical last character;
 *   {@link InvalidArgument} when `input` is not a string.
 */
export function decode(input: string): Uint8Array {
  return decodeBase64URL(checkString(input, 'input'))
}

/**
 * Encodes bytes (or a string, as UTF-8) to unpadded base64url.
 *
 * @example
 * ```ts
 * base64url.encode('hi') // 'aGk'
 * ```
 * @throws {@link InvalidArgument} when `input` is neither a Uint8Array nor a string.
 */
export function encode(input: Uint8Array | string): string {
  return encodeBase64URL(checkBytesOrString(input, 'input'))
}
