import { InvalidArgument } from '../../errors.js'
import { readOptions } from '../../lib/arguments.js'
import type { JotKey } from '../../key/key.js'
import { encodePayload, payloadBytes, signEntry } from '../sign.js'
import type { SignJWSOptions } from '../types.js'

/**
 * Signs a payload into a JWS Compact Serialization (RFC 7515 §7.1).
 *
 * @example
 * ```ts
 * const jws = await signCompactJWS('hello', key, { protectedHeader: { typ: 'example' } })
 * ```
 */
export async function signCompactJWS(
  payload: Uint8Array | string,
  key: JotKey,
  options?: SignJWSOptions,
): Promise<string> {
  options = readOptions(options)
  if (options.protectedHeader === '') throw new InvalidArgument('a compact JWS must have a protected header')
  if (options.b64 === false) throw new InvalidArgument('"b64": false is only supported in the JSON serializations')
  const entry = await signEntry(key, encodePayload(payloadBytes(payload), true), options.protectedHeader, undefined, true)
  return `${entry.protected}.${options.detached ? '' : entry.payload}.${entry.signature}`
}
