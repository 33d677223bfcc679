/**
 * The UserInfo endpoint (OIDC Core §5.3): the claims about the person an access token is for, as
 * its scopes release them (`user-claims.ts`, the same claims the ID token carries). The token is a
 * bearer token (RFC 6750) in the `Authorization` header or, for POST, the form body (§2.2; never in
 * the query), and errors are RFC 6750 §3 challenges:
 *
 * - no token: 401 with `WWW-Authenticate: Bearer realm="…"` and no error code (§3.1);
 * - a token sent two ways: 400 `invalid_request`;
 * - a token that is not ours, expired, revoked, or whose person or client is gone: 401 `invalid_token`;
 * - a DPoP-bound token (`cnf`): 401 `invalid_token`: this endpoint takes bearer tokens only, and a
 *   bound token without its proof must not work (RFC 9449 §7.2);
 * - a token without the `openid` scope (a client credentials token has none): 403
 *   `insufficient_scope` with `scope="openid"`.
 * @module
 */
import type { OAuthRequest, OAuthResponse, ServiceContext } from '../service/context.js'
import { bearerChallenge as challenge, bearerToken } from './bearer.js'
import { verifyIssuedToken } from './issued-token.js'
import { NO_STORE } from './response.js'
import { userClaims } from './user-claims.js'

/**
 * Handles a userinfo request; `request.params` holds the form body of a POST (empty for GET).
 *
 * @example
 * ```ts
 * const { status, headers, body } = await handleUserinfoRequest({ params: new Map(), resources: [], authorization: `Bearer ${accessToken}` }, ctx)
 * ```
 */
export async function handleUserinfoRequest(request: OAuthRequest, ctx: ServiceContext): Promise<OAuthResponse> {
  const fromBody = request.params.get('access_token')
  const header = request.authorization
  if (header !== undefined && fromBody !== undefined) return challenge(ctx, 400, 'invalid_request', 'send the access token one way only (RFC 6750 section 2)')
  let token = fromBody
  if (header !== undefined) {
    token = bearerToken(header)
    if (token === undefined) return challenge(ctx, 400, 'invalid_request', 'the Authorization header is not a Bearer token (RFC 6750 section 2.1)')
  }
  if (token === undefined) return challenge(ctx, 401)

  const invalid = () => challenge(ctx, 401, 'invalid_token', 'the access token is invalid, expired or revoked')
  const claims = await verifyIssuedToken(token, ctx)
  if (!claims || (await ctx.store.isTokenRevoked(claims.jti))) return invalid()
  if (claims.cnf !== undefined) return challenge(ctx, 401, 'invalid_token', 'the access token is DPoP-bound; userinfo accepts bearer tokens only')
  const scopes = typeof claims.scope === 'string' ? claims.scope.split(' ') : []
  if (!scopes.includes('openid')) return challenge(ctx, 403, 'insufficient_scope', 'userinfo needs a token with the openid scope', 'openid')
  const [user, client] = await Promise.all([ctx.login.user(claims.sub), ctx.store.getClient(claims.client_id)])
  if (!user || !client) return invalid()
  return { status: 200, headers: { ...NO_STORE }, body: { ...userClaims(ctx, client, user, scopes), sub: user.subject } }
}
