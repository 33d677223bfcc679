/**
 * The one decoder for base64url members of a JWE (`iv`, `ciphertext`, `tag`, `encrypted_key`, `aad`)
 * and of its headers (`epk` coordinates, `apu`/`apv`, key-wrap `iv`/`tag`, `p2s`): every malformed
 * value is ERR_JWE_INVALID, whichever member it is, with the base64url error as its cause.
 * @module
 */
import { JWEInvalid } from '../errors.js'
import { decode as decodeBase64URL } from '../lib/base64url.js'

/** Decodes `value`, the member `name`; with `length`, the decoded bytes must have exactly that length. */
export function decodeMember(value: unknown, name: string, length?: number): Uint8Array {
  if (typeof value !== 'string') throw new JWEInvalid(`"${name}" must be a base64url string`)
  let bytes: Uint8Array
  try {
    bytes = decodeBase64URL(value)
  } catch (cause) {
    throw new JWEInvalid(`"${name}" is not valid base64url`, { cause })
  }
  if (length !== undefined && bytes.length !== length) throw new JWEInvalid(`"${name}" must be ${length} bytes`)
  return bytes
}
