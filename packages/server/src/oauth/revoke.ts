/**
 * The revocation endpoint (RFC 7009) for the service's tokens:
 * - a JWT access token: its `jti` is kept in the store's denylist until the token expires, and
 *   introspection reports it inactive (resource servers that verify tokens locally do not see
 *   revocations; they should keep token lifetimes short or introspect);
 * - a refresh token: its whole grant is revoked, the refresh tokens and the live access tokens of the
 *   family (§2.1: the server "SHOULD also invalidate all access tokens based on the same
 *   authorization grant").
 * Public clients may revoke their own tokens (§2.1: they send `client_id`).
 * @module
 */
import type { OAuthRequest, OAuthResponse, ServiceContext } from '../service/context.js'
import { hashToken } from '../crypto/token-hash.js'
import { authenticateClient } from './client-auth.js'
import { OAuthError } from './errors.js'
import { revokeFamily } from './grant-tokens.js'
import { verifyIssuedToken } from './issued-token.js'
import { param } from './request.js'
import { NO_STORE } from './response.js'

/**
 * Handles a revocation request.
 *
 * `token_type_hint` is ignored: RFC 7009 §2.1 lets the server ignore it, and the only tokens this
 * service issues are recognized by their form. Unknown, foreign, malformed and expired tokens are
 * answered 200 (§2.2: "invalid tokens do not cause an error response").
 *
 * @example
 * ```ts
 * await handleRevocationRequest({ params: new Map([['token', accessToken]]), resources: [], authorization }, ctx)
 * ```
 * @throws {@link OAuthError}: `invalid_client`, `invalid_request` (no token), `invalid_grant` (another client's token).
 */
export async function handleRevocationRequest(request: OAuthRequest, ctx: ServiceContext): Promise<OAuthResponse> {
  const client = await authenticateClient(request, ctx, { allowPublic: true })
  const token = param(request, 'token')
  if (token === undefined) throw new OAuthError('invalid_request', 'token is required (RFC 7009 section 2.1)')
  // Refresh tokens are opaque (base64url, no dots); access tokens are JWTs.
  if (!token.includes('.')) {
    const refreshToken = await ctx.store.getRefreshToken(hashToken(token))
    if (refreshToken) {
      if (refreshToken.clientId !== client.clientId) throw new OAuthError('invalid_grant', 'the token was issued to another client')
      await revokeFamily(ctx, refreshToken.grantId, client.clientId, 'revoked by the client', false)
    }
    return { status: 200, headers: { ...NO_STORE }, body: {} }
  }
  const claims = await verifyIssuedToken(token, ctx)
  if (claims) {
    // RFC 7009 §2.1: the server "verifies whether the token was issued to the client making the
    // revocation request. If this validation fails, the request is refused and the client is
    // informed of the error". RFC 6749 §5.2 names the error for a grant "issued to another client":
    // invalid_grant. The token stays valid.
    if (claims.client_id !== client.clientId) throw new OAuthError('invalid_grant', 'the token was issued to another client')
    await ctx.store.revokeToken({ jti: claims.jti, clientId: client.clientId, expiresAt: claims.exp, revokedAt: Math.floor(ctx.now()) })
    ctx.log.info({ jti: claims.jti, client_id: client.clientId }, 'access token revoked')
  }
  return { status: 200, headers: { ...NO_STORE }, body: {} }
}
