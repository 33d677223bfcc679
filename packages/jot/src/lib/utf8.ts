/** Strict UTF-8 (RFC 8725 §3.7): invalid sequences are errors, never U+FFFD replacements. @module */
import { JSONInvalid } from '../errors.js'
import { scratch } from './scratch.js'

const encoder = new TextEncoder()
// ignoreBOM keeps a leading U+FEFF in the text, so JSON.parse rejects it instead of it vanishing.
const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })

export function encodeUtf8(text: string): Uint8Array {
  return encoder.encode(text)
}

/** `TextEncoder.encodeInto`: as much of `text` as fits, in whole characters. */
export function encodeUtf8Into(text: string, buffer: Uint8Array): { read: number; written: number } {
  return encoder.encodeInto(text, buffer)
}

/**
 * UTF-8 of `text` in scratch slot 0 (see lib/scratch.ts): the returned view is valid only until the
 * caller next yields.
 */
export function encodeUtf8Transient(text: string): Uint8Array {
  const buffer = scratch(0, text.length * 3)
  return buffer.subarray(0, encoder.encodeInto(text, buffer).written)
}

export function decodeUtf8(bytes: Uint8Array): string {
  try {
    return decoder.decode(bytes)
  } catch (cause) {
    throw new JSONInvalid('input is not valid UTF-8', { cause })
  }
}
