/**
 * Unsecured JWTs (`alg: "none"`, RFC 7519 §6). Kept apart from every signing and verifying function:
 * no verify function in jot accepts `none`, and these functions never accept a signed token.
 * @module
 */
import { InvalidArgument, JWSInvalid } from '../errors.js'
import { readObject, readOptions } from '../lib/arguments.js'
import { encode as encodeBase64URL, decode as decodeBase64URL } from '../lib/base64url.js'
import { parseJSONObjectBytes, stringifyJSON } from '../lib/json.js'
import { checkHeader, prepareJWSOptions } from '../jws/header.js'
import { splitCompact } from '../jws/compact/verify.js'
import { decodeProtectedHeader } from '../jws/verify.js'
import type { JWSHeaderParameters } from '../jws/types.js'
import { compileClaimsValidator } from './claims.js'
import type { JWTClaimOptions, JWTClaims } from './types.js'

/**
 * Encodes claims as an unsecured JWT (`header.payload.` with `alg: "none"`). Anyone can forge such
 * a token: use it only where integrity is guaranteed by other means.
 *
 * @example
 * ```ts
 * const token = encodeUnsecuredJWT({ sub: 'test-user' }) // 'eyJhbGciOiJub25lIn0.eyJzdWIiOi….'
 * ```
 */
export function encodeUnsecuredJWT(claims: JWTClaims, header?: Omit<JWSHeaderParameters, 'alg'>): string {
  claims = readObject<JWTClaims>(claims, 'JWT claims')
  const fullHeader: JWSHeaderParameters = { alg: 'none', ...readOptions(header, 'header') }
  // Never emit what decodeUnsecuredJWT would refuse.
  const { alg, b64 } = checkHeader(fullHeader, undefined, new Set(fullHeader.crit ?? []))
  if (alg !== 'none' || !b64) throw new InvalidArgument('an unsecured JWT has alg "none" and a base64url payload')
  return `${encodeBase64URL(stringifyJSON(fullHeader, 'header'))}.${encodeBase64URL(stringifyJSON(claims, 'JWT claims'))}.`
}

/**
 * Decodes an unsecured JWT and validates its claims. Only `alg: "none"` with an empty signature is
 * accepted; a signed token is refused (verify it with {@link verifyJWT}).
 *
 * @example
 * ```ts
 * const { payload } = decodeUnsecuredJWT(token, { requireExpiration: false })
 * ```
 */
export function decodeUnsecuredJWT<P = JWTClaims>(
  token: string,
  options?: JWTClaimOptions & { maxTokenLength?: number; crit?: readonly string[] },
): { header: JWSHeaderParameters; payload: P & JWTClaims } {
  options = readOptions(options)
  const prepared = prepareJWSOptions(options)
  const [protectedB64, payloadB64, signature] = splitCompact(token, prepared)
  const header = decodeProtectedHeader(protectedB64)!
  const { alg, b64 } = checkHeader(header, undefined, prepared.crit)
  if (alg !== 'none' || signature !== '') throw new JWSInvalid('not an unsecured JWT (alg "none", empty signature)')
  if (!b64) throw new JWSInvalid('"b64": false is not allowed in a JWT')
  const payload = parseJSONObjectBytes(decodeBase64URL(payloadB64), 'JWT claims set') as P & JWTClaims
  compileClaimsValidator(options)(payload, header)
  return { header, payload }
}
