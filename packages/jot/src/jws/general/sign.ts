import { InvalidArgument } from '../../errors.js'
import { readArray, readObject, readOptions } from '../../lib/arguments.js'
import type { JotKey } from '../../key/key.js'
import { encodePayload, payloadBytes, signEntry } from '../sign.js'
import type { GeneralJWS, JWSHeaderParameters } from '../types.js'

/** One signer of a general JWS. */
export interface GeneralJWSSigner {
  key: JotKey
  /** Extra protected parameters, or the exact header text ('' for none), as in `SignJWSOptions`. */
  protectedHeader?: JWSHeaderParameters | string
  unprotectedHeader?: JWSHeaderParameters
}

/**
 * Signs one payload with several keys into a general JWS JSON Serialization (RFC 7515 §7.2.1).
 *
 * @example
 * ```ts
 * const jws = await signGeneralJWS(payload, [{ key: rsaKey }, { key: ecKey, unprotectedHeader: { kid: 'ec-1' } }])
 * ```
 */
export async function signGeneralJWS(
  payload: Uint8Array | string,
  signers: readonly GeneralJWSSigner[],
  options?: { b64?: boolean; detached?: boolean },
): Promise<GeneralJWS> {
  signers = readArray<unknown>(signers, 'signers').map((signer) => readObject<GeneralJWSSigner>(signer, 'each signer'))
  if (signers.length === 0) throw new InvalidArgument('signers must be a non-empty array')
  options = readOptions(options)
  // RFC 7797 §3: every signature of one JWS must agree on b64, so it is an option of the whole JWS.
  const b64 = options.b64 !== false
  const encoded = encodePayload(payloadBytes(payload), b64)
  const signatures: GeneralJWS['signatures'] = []
  for (const signer of signers) {
    const entry = await signEntry(signer.key, encoded, signer.protectedHeader, signer.unprotectedHeader, b64)
    const signature: GeneralJWS['signatures'][number] = { signature: entry.signature }
    if (entry.protected !== '') signature.protected = entry.protected
    if (signer.unprotectedHeader !== undefined) signature.header = signer.unprotectedHeader
    signatures.push(signature)
  }
  return options.detached ? { signatures } : { payload: encoded, signatures }
}
