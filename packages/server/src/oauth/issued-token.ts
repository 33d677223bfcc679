/**
 * Recognizing the service's own access tokens at the revocation and introspection endpoints: an
 * RFC 9068 JWT (`typ: at+jwt`) signed by a key the service publishes now, with its `iss`, carrying
 * every claim RFC 9068 §2.2 requires, and not expired. Anything else is "not a token we can act
 * on": unknown, foreign, forged, or expired alike (RFC 7009 §2.2 and RFC 7662 §2.2 treat them the
 * same way, and saying which would help an attacker scan for tokens).
 * @module
 */
import { isJotError, verifyJWT, type AccessTokenClaims, type JWSAlgorithmName } from 'jotjwt'
import { durationSeconds } from '../config/duration.js'
import type { ServiceContext } from '../service/context.js'
import { issuerOf } from './endpoints.js'
import { signingAlgorithms } from './signing-keys.js'

/**
 * The token's claims when it is one of ours and live now; undefined otherwise. Revocation is not
 * checked here (the callers decide what it means for them).
 *
 * @example
 * ```ts
 * const claims = await verifyIssuedToken(token, ctx)
 * if (!claims || (await ctx.store.isTokenRevoked(claims.jti))) return { active: false }
 * ```
 */
export async function verifyIssuedToken(token: string, ctx: ServiceContext): Promise<AccessTokenClaims | undefined> {
  const key = await ctx.oauth.publishedKeys(ctx)
  const now = ctx.now()
  let payload: AccessTokenClaims
  try {
    ;({ payload } = await verifyJWT<AccessTokenClaims>(token, key, {
      algorithms: signingAlgorithms(ctx) as JWSAlgorithmName[],
      typ: 'at+jwt',
      issuer: issuerOf(ctx.config),
      // Whoever the token is for, the issuer recognizes it; who may learn about it is the caller's rule.
      acceptAnyAudience: true,
      requiredClaims: ['aud', 'sub', 'client_id', 'iat', 'jti'],
      // Tolerance for `iat` and `nbf` only (replicas' clocks differ a little); `exp` is checked below.
      clockTolerance: durationSeconds(ctx.config.tokens.clockTolerance),
      currentTime: now,
    }))
  } catch (error) {
    if (isJotError(error)) return undefined
    throw error
  }
  // Strictly unexpired: an introspection answer means "active now", and a revocation needs to be
  // remembered only until `exp` (the denylist entry expires with the token).
  if (payload.exp <= now || typeof payload.client_id !== 'string') return undefined
  return payload
}
