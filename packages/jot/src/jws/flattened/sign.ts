import { readOptions } from '../../lib/arguments.js'
import type { JotKey } from '../../key/key.js'
import { encodePayload, payloadBytes, signEntry } from '../sign.js'
import type { FlattenedJWS, JWSHeaderParameters, SignJWSOptions } from '../types.js'

/** Options for {@link signFlattenedJWS}. */
export interface SignFlattenedJWSOptions extends SignJWSOptions {
  /** Header parameters carried outside the signature (not integrity-protected). */
  unprotectedHeader?: JWSHeaderParameters
}

/**
 * Signs a payload into a flattened JWS JSON Serialization (RFC 7515 §7.2.2).
 *
 * @example
 * ```ts
 * const jws = await signFlattenedJWS('$.02', key, { b64: false, detached: true })
 * ```
 */
export async function signFlattenedJWS(
  payload: Uint8Array | string,
  key: JotKey,
  options?: SignFlattenedJWSOptions,
): Promise<FlattenedJWS> {
  options = readOptions(options)
  const b64 = options.b64 !== false
  const entry = await signEntry(key, encodePayload(payloadBytes(payload), b64), options.protectedHeader, options.unprotectedHeader, b64)
  const jws: FlattenedJWS = { signature: entry.signature }
  if (entry.protected !== '') jws.protected = entry.protected
  if (options.unprotectedHeader !== undefined) jws.header = options.unprotectedHeader
  if (!options.detached) jws.payload = entry.payload
  return jws
}
