/** The binding of an access token to a DPoP key (RFC 9449 §6, §7.1). @module */
import { InvalidArgument, JWTClaimInvalid, JWTClaimMissing } from '../errors.js'
import type { JWTClaims } from '../jwt/types.js'
import { readObject } from '../lib/arguments.js'
import { isPlainObject } from '../lib/bytes.js'

/**
 * Checks that an access token is bound to the key of the DPoP proof it came with: its confirmation
 * claim `cnf.jkt` (RFC 9449 §6.1; the same member in an introspection response, §6.2) must be the
 * proof's `jkt`. A resource server grants access only when this holds too (§7.1); a token without
 * the binding is not a DPoP-bound token, and one bound to another key fails as `invalid_token`.
 *
 * @example
 * ```ts
 * const { payload } = await verifyAccessToken(accessToken, { issuer, audience: 'https://api.example', key: keys })
 * const { jkt } = await verifyProof(proof, { method: 'GET', url, accessToken })
 * checkDPoPBinding(payload, jkt) // throws unless payload.cnf.jkt === jkt
 * ```
 * @throws {@link JWTClaimMissing} (claim `cnf`) when the token carries no `cnf.jkt`,
 *   {@link JWTClaimInvalid} (claim `cnf`, reason `mismatch` or `type`) when it names another key.
 */
export function checkDPoPBinding(claims: JWTClaims, jkt: string): void {
  claims = readObject<JWTClaims>(claims, 'claims')
  if (typeof jkt !== 'string' || jkt === '') throw new InvalidArgument('jkt must be the DPoP proof key\'s thumbprint')
  const { cnf } = claims
  if (cnf === undefined) throw new JWTClaimMissing('the access token is not DPoP-bound (no "cnf")', 'cnf', 'missing')
  if (!isPlainObject(cnf)) throw new JWTClaimInvalid('"cnf" must be an object', 'cnf', 'type')
  if (cnf.jkt === undefined) throw new JWTClaimMissing('the access token is not DPoP-bound (no "cnf.jkt")', 'cnf', 'missing')
  if (typeof cnf.jkt !== 'string') throw new JWTClaimInvalid('"cnf.jkt" must be a string', 'cnf', 'type')
  if (cnf.jkt !== jkt) throw new JWTClaimInvalid('the access token is bound to another key ("cnf.jkt")', 'cnf', 'mismatch')
}
