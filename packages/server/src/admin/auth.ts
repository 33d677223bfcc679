/**
 * Who may use the admin API: the bearer of an access token this service issued (RFC 9068 JWT,
 * verified with its own published keys, `iss` its own, unexpired, not revoked, not DPoP-bound)
 * for the admin API's audience (`admin.audience`, default `<issuer>/admin`) and carrying the
 * admin scope (`admin.scope`, default `jotjwt:admin`), whose client still exists and may still
 * have that scope. Nobody has the scope unless the configuration (or an admin) allows a client it.
 *
 * RFC 6750 §3 answers: no token, 401 with a bare `Bearer` challenge; a malformed header, 400
 * `invalid_request`; a token that fails any check above but the scope, 401 `invalid_token`
 * (RFC 9068 §4: a token for another audience is invalid here); no admin scope, 403
 * `insufficient_scope` naming it.
 * @module
 */
import type { ServiceConfig } from '../config/schema.js'
import { bearerChallenge, bearerToken } from '../oauth/bearer.js'
import { issuerOf } from '../oauth/endpoints.js'
import { verifyIssuedToken } from '../oauth/issued-token.js'
import type { OAuthResponse, ServiceContext } from '../service/context.js'
import type { AdminActor } from './audit.js'

/** Where the admin API lives, relative to the issuer. */
export const ADMIN_PATH = '/admin'

/**
 * The audience admin tokens must be issued for: `admin.audience`, else the admin API's URL.
 *
 * @example
 * ```ts
 * adminAudience(config) // 'https://auth.example.com/admin'
 * ```
 */
export function adminAudience(config: ServiceConfig): string {
  return config.admin.audience ?? issuerOf(config).replace(/\/$/, '') + ADMIN_PATH
}

/**
 * The actor behind `authorization` when it carries an admin token; otherwise the challenge to answer with.
 *
 * @example
 * ```ts
 * const auth = await authenticateAdmin(request.authorization, ctx)
 * if ('challenge' in auth) return auth.challenge
 * ```
 */
export async function authenticateAdmin(authorization: string | undefined, ctx: ServiceContext): Promise<{ actor: AdminActor } | { challenge: OAuthResponse }> {
  const refuse = (status: number, error?: 'invalid_request' | 'invalid_token' | 'insufficient_scope', description?: string, scope?: string) => ({
    challenge: bearerChallenge(ctx, status, error, description, scope),
  })
  if (authorization === undefined) return refuse(401)
  const token = bearerToken(authorization)
  if (token === undefined) return refuse(400, 'invalid_request', 'the Authorization header is not a Bearer token (RFC 6750 section 2.1)')
  const invalid = () => refuse(401, 'invalid_token', 'the access token is invalid, expired, revoked, or not for the admin API')
  const claims = await verifyIssuedToken(token, ctx)
  if (!claims || (await ctx.store.isTokenRevoked(claims.jti))) return invalid()
  // A bound token presented without its proof must not work (RFC 9449 §7.2); the admin API takes bearer tokens only.
  if (claims.cnf !== undefined) return refuse(401, 'invalid_token', 'the access token is DPoP-bound; the admin API accepts bearer tokens only')
  const audience = adminAudience(ctx.config)
  if (!(Array.isArray(claims.aud) ? claims.aud.includes(audience) : claims.aud === audience)) return invalid()
  const client = await ctx.store.getClient(claims.client_id)
  if (!client) return invalid()
  const { scope } = ctx.config.admin
  const scopes = typeof claims.scope === 'string' ? claims.scope.split(' ') : []
  // The client must still be allowed the scope: taking it away ends the admin rights of tokens already issued.
  if (!scopes.includes(scope) || !client.scopes.includes(scope)) return refuse(403, 'insufficient_scope', `the admin API needs a token with the ${scope} scope`, scope)
  return { actor: { clientId: claims.client_id, subject: claims.sub } }
}
