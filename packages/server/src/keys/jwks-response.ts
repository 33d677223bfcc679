/**
 * The `jwks_uri` response, framework-free so a property test can drive it with a simulated clock.
 *
 * How long verifiers may cache it is the one number that keeps rotation invisible to them: a key is
 * published `publishAhead` before it signs, so a verifier holding a copy younger than that already
 * knows it. The announced `max-age` is at most half of `publishAhead`, because copies stack: a CDN
 * or proxy may serve a copy up to `max-age` old, which the verifier then keeps for another
 * `max-age`. It is also capped, because an emergency-revoked key disappears from a verifier's view
 * only when its copy expires.
 * @module
 */
import type { JWK } from 'jotjwt'
import { durationSeconds } from '../config/duration.js'
import { prepareResponse, type PreparedResponse } from '../http/prepared.js'
import { publishedKeySet } from '../oauth/signing-keys.js'
import type { OAuthResponse, ServiceContext } from '../service/context.js'

/** The longest `max-age` announced (5 minutes): how long an emergency-revoked key may stay in caches. */
export const JWKS_MAX_AGE_CAP = 300

/** The `max-age` for a given `publishAhead` (seconds). */
export function jwksMaxAge(publishAhead: number): number {
  return Math.max(0, Math.min(JWKS_MAX_AGE_CAP, Math.floor(publishAhead / 2)))
}

/**
 * The JWK Set (the `next`, `active` and `retiring` public keys of every key manager, as the OAuth
 * core publishes them) with its caching headers; readable from any origin (public keys, and
 * browsers verify tokens too).
 */
export async function jwksResponse(ctx: ServiceContext): Promise<OAuthResponse> {
  const jwks = await publishedKeySet(ctx)
  return {
    status: 200,
    headers: {
      'content-type': 'application/jwk-set+json; charset=utf-8', // RFC 7517 §8.5.1
      'cache-control': `public, max-age=${jwksMaxAge(durationSeconds(ctx.config.keys.publishAhead))}`,
      'access-control-allow-origin': '*',
    },
    body: jwks,
  }
}

/**
 * {@link jwksResponse}, serialized once per change of the published keys: the key managers hand
 * out the same public JWK objects while their lists are unchanged, so an unchanged set is
 * recognized without comparing its contents. One per app.
 *
 * @example
 * ```ts
 * const jwks = createJwksResponder()
 * app.get('/jwks.json', async (request, reply) => sendPrepared(request, reply, await jwks(ctx)))
 * ```
 */
export function createJwksResponder(): (ctx: ServiceContext) => Promise<PreparedResponse> {
  let last: { keys: readonly JWK[]; prepared: PreparedResponse } | undefined
  return async (ctx) => {
    const response = await jwksResponse(ctx)
    const { keys } = response.body as { keys: readonly JWK[] }
    if (last !== undefined && last.keys.length === keys.length && last.keys.every((key, index) => key === keys[index])) return last.prepared
    last = { keys, prepared: prepareResponse(response) }
    return last.prepared
  }
}
