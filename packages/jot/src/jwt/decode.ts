/** Reading a JWT without verifying it. @module */
import { JWSInvalid } from '../errors.js'
import { readObject } from '../lib/arguments.js'
import { decodeText as decodeBase64URLText } from '../lib/base64url.js'
import { deepFreeze } from '../lib/freeze.js'
import { parseJSONObject } from '../lib/json.js'
import { remember } from '../lib/memo.js'
import { prepareJWSOptions, type PreparedJWSOptions } from '../jws/header.js'
import { splitCompact } from '../jws/compact/verify.js'
import { decodeProtectedHeader } from '../jws/verify.js'
import type { JWSHeaderParameters } from '../jws/types.js'
import type { JWTClaims } from './types.js'

let defaults: PreparedJWSOptions | undefined
/** Decoded headers by their encoding (lib/memo.ts): the same few headers come back token after token. */
const headers = new Map<string, JWSHeaderParameters>()

/**
 * Decodes a compact JWT's header and claims **without verifying anything**: not the signature, not
 * the algorithm, not a single claim. For logging, debugging and routing only; never for
 * authorization. Parsing is as strict as in {@link verifyJWT} (base64url, UTF-8, duplicate members,
 * length). The header object is frozen: it is shared with later calls that decode the same header.
 *
 * @example
 * ```ts
 * const { header, payload } = decodeJWTUnverified(token)
 * console.log(header.kid, payload.iss) // untrusted values
 * ```
 */
export function decodeJWTUnverified<P = JWTClaims>(
  token: string,
  options?: { maxTokenLength?: number },
): { header: JWSHeaderParameters; payload: P & JWTClaims } {
  // The common call passes no options: reuse one prepared default instead of building it per call.
  defaults ??= prepareJWSOptions()
  const [protectedB64, payloadB64] = splitCompact(token, options === undefined ? defaults : prepareJWSOptions(readObject(options, 'options')))
  const header = remember(headers, protectedB64, (encoded) => deepFreeze(decodeProtectedHeader(encoded)!))
  if (header.b64 === false) throw new JWSInvalid('"b64": false is not allowed in a JWT')
  const payload = parseJSONObject(decodeBase64URLText(payloadB64), 'JWT claims set') as P & JWTClaims
  return { header, payload }
}
