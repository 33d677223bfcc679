/**
 * The introspection endpoint (RFC 7662) for the service's JWT access tokens.
 *
 * Who may learn about a token (§2.1, §4: the server decides, and should not help a caller scan for
 * tokens): the client the token was issued to, and any client registered for one of the token's
 * audiences (its `resources` include a value of the token's `aud`) — the resource servers the token
 * is meant for, which introspect to see a revocation. For any other caller the token is inactive.
 * @module
 */
import type { OAuthRequest, OAuthResponse, ServiceContext } from '../service/context.js'
import { authenticateClient } from './client-auth.js'
import { OAuthError } from './errors.js'
import { verifyIssuedToken } from './issued-token.js'
import { param } from './request.js'
import { NO_STORE } from './token.js'

const INACTIVE = Object.freeze({ active: false })

/**
 * Handles an introspection request. Inactive (`{"active": false}`, §2.2) covers every token that is
 * not live and ours: unknown, malformed, expired, revoked, signed by a key we do not publish, or not
 * the caller's to ask about. `token_type_hint` is ignored (§2.1 lets the server).
 *
 * @example
 * ```ts
 * const { body } = await handleIntrospectionRequest({ params: new Map([['token', token]]), resources: [], authorization }, ctx)
 * ```
 * @throws {@link OAuthError}: `invalid_client` (an unauthenticated caller, §2.1), `invalid_request` (no token).
 */
export async function handleIntrospectionRequest(request: OAuthRequest, ctx: ServiceContext): Promise<OAuthResponse> {
  const caller = await authenticateClient(request, ctx)
  const token = param(request, 'token')
  if (token === undefined) throw new OAuthError('invalid_request', 'token is required (RFC 7662 section 2.1)')
  const inactive = { status: 200, headers: { ...NO_STORE }, body: INACTIVE }
  const claims = await verifyIssuedToken(token, ctx)
  if (!claims) return inactive
  const audiences = typeof claims.aud === 'string' ? [claims.aud] : claims.aud
  const entitled = claims.client_id === caller.clientId || audiences.some((audience) => caller.resources.includes(audience))
  if (!entitled || (await ctx.store.isTokenRevoked(claims.jti))) return inactive
  return {
    status: 200,
    headers: { ...NO_STORE },
    body: {
      active: true,
      ...(claims.scope === undefined ? {} : { scope: claims.scope }),
      client_id: claims.client_id,
      sub: claims.sub,
      aud: claims.aud,
      iss: claims.iss,
      exp: claims.exp,
      iat: claims.iat,
      ...(claims.nbf === undefined ? {} : { nbf: claims.nbf }),
      jti: claims.jti,
      token_type: 'Bearer',
    },
  }
}
