/**
 * The introspection endpoint (RFC 7662) for the service's JWT access tokens and refresh tokens.
 *
 * Who may learn about a token (§2.1, §4: the server decides, and should not help a caller scan for
 * tokens): the client the token was issued to, and any client registered for one of the token's
 * audiences (its `resources` include a value of the token's `aud`) — the resource servers the token
 * is meant for, which introspect to see a revocation. A refresh token only to the client it was
 * issued to. For any other caller the token is inactive. Public clients cannot introspect: nothing
 * authenticates them (§2.1 requires the caller to be authorized).
 * @module
 */
import type { OAuthRequest, OAuthResponse, ServiceContext } from '../service/context.js'
import { hashToken } from '../crypto/token-hash.js'
import { authenticateClient } from './client-auth.js'
import { tokenType } from './access-token.js'
import { issuerOf } from './endpoints.js'
import { OAuthError } from './errors.js'
import { verifyIssuedToken } from './issued-token.js'
import { param } from './request.js'
import { NO_STORE } from './response.js'

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
  // Refresh tokens are opaque (base64url, no dots); access tokens are JWTs.
  if (!token.includes('.')) return (await refreshTokenState(token, caller.clientId, ctx)) ?? inactive
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
      // RFC 9449 §6.2: a bound token's confirmation, so the resource server can check the proof.
      ...(claims.cnf === undefined ? {} : { cnf: claims.cnf }),
      token_type: tokenType((claims.cnf as { jkt?: string } | undefined)?.jkt),
    },
  }
}

/** A live refresh token of `clientId`: unused, unexpired, its grant neither revoked nor past its absolute lifetime. */
async function refreshTokenState(token: string, clientId: string, ctx: ServiceContext): Promise<OAuthResponse | undefined> {
  const record = await ctx.store.getRefreshToken(hashToken(token))
  if (!record || record.clientId !== clientId || record.consumedAt !== undefined) return undefined
  const grant = await ctx.store.getGrant(record.grantId)
  const now = ctx.now()
  if (!grant || grant.revokedAt !== undefined || record.expiresAt <= now || grant.expiresAt <= now) return undefined
  return {
    status: 200,
    headers: { ...NO_STORE },
    body: {
      active: true,
      ...(grant.scopes.length === 0 ? {} : { scope: grant.scopes.join(' ') }),
      client_id: record.clientId,
      sub: grant.subject,
      iss: issuerOf(ctx.config),
      exp: Math.floor(record.expiresAt),
      iat: Math.floor(record.createdAt),
    },
  }
}
