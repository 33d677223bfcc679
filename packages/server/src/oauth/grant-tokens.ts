/**
 * The tokens of a person's grant, issued by the authorization code and refresh token grants: an
 * access token recorded in the grant's family (so revoking the family denylists it), an ID token
 * when `openid` was granted, and a refresh token. Also the family's lifetimes and its revocation.
 * @module
 */
import { durationSeconds } from '../config/duration.js'
import { hashToken, randomToken } from '../crypto/token-hash.js'
import type { OAuthResponse, ServiceContext } from '../service/context.js'
import type { ClientRecord, GrantRecord } from '../store/store.js'
import { mintAccessToken, tokenType } from './access-token.js'
import { OAuthError } from './errors.js'
import { mintIdToken } from './id-token.js'
import { NO_STORE } from './response.js'
import { accessTokenUserClaims } from './user-claims.js'

/** A client's refresh token lifetimes in seconds: its own settings, else `tokens.refreshToken`. */
export function refreshLifetimes(ctx: ServiceContext, client: ClientRecord): { idleTtl: number; absoluteTtl: number; graceWindow: number } {
  const defaults = ctx.config.tokens.refreshToken
  const own = client.refreshToken ?? {}
  return {
    idleTtl: own.idleTtl ?? durationSeconds(defaults.idleTtl),
    absoluteTtl: own.absoluteTtl ?? durationSeconds(defaults.absoluteTtl),
    graceWindow: own.graceWindow ?? durationSeconds(defaults.graceWindow),
  }
}

/** When a refresh token issued now dies unused: its idle lifetime, never past the family's absolute one. */
export function refreshTokenExpiry(ctx: ServiceContext, client: ClientRecord, grant: GrantRecord, now: number): number {
  return Math.min(now + refreshLifetimes(ctx, client).idleTtl, grant.expiresAt)
}

export interface UserTokenOptions {
  /** The access token's scopes and audiences when narrower than the grant's (RFC 6749 §6, RFC 8707 §2.2). */
  scopes?: readonly string[]
  audiences?: readonly string[]
  /** The authentication request's nonce (OIDC Core §3.1.2.1), for the ID token of a code redemption. */
  nonce?: string | undefined
  /** `'new'`: issue the family's first refresh token; a string: the (rotated) refresh token to return; undefined: none. */
  refreshToken: 'new' | string | undefined
  /** The thumbprint of the request's DPoP proof key: the access token is bound to it (RFC 9449 §5). */
  jkt: string | undefined
}

/**
 * The token response (RFC 6749 §5.1, OIDC Core §3.1.3.3) for `grant`.
 *
 * @example
 * ```ts
 * return userTokenResponse(ctx, client, grant, { nonce: code.nonce, refreshToken: 'new' })
 * ```
 * @throws {@link OAuthError} `invalid_grant` when the person is gone or the family was revoked meanwhile.
 */
export async function userTokenResponse(ctx: ServiceContext, client: ClientRecord, grant: GrantRecord, options: UserTokenOptions): Promise<OAuthResponse> {
  const { response, accessToken } = await unrecordedUserTokens(ctx, client, grant, options)
  await recordAccessToken(ctx, grant, accessToken)
  let refreshToken = options.refreshToken
  if (refreshToken === 'new') {
    refreshToken = randomToken()
    const now = ctx.now()
    await ctx.store.createRefreshToken({
      tokenHash: hashToken(refreshToken),
      grantId: grant.id,
      clientId: client.clientId,
      createdAt: now,
      expiresAt: refreshTokenExpiry(ctx, client, grant, now),
    })
  }
  return refreshToken === undefined ? response : withRefreshToken(response, refreshToken)
}

/**
 * The token response for `grant` without a refresh token, and its access token, **not yet
 * recorded** in the family: the caller records it before handing the response out, with
 * {@link recordAccessToken} or in the same atomic step as a rotation (`Store.rotateRefreshToken`).
 *
 * @throws {@link OAuthError} `invalid_grant` when the person is gone.
 */
export async function unrecordedUserTokens(
  ctx: ServiceContext,
  client: ClientRecord,
  grant: GrantRecord,
  options: Omit<UserTokenOptions, 'refreshToken'>,
): Promise<{ response: OAuthResponse; accessToken: { jti: string; expiresAt: number } }> {
  const user = await ctx.login.user(grant.subject)
  if (!user) throw new OAuthError('invalid_grant', 'the person this grant is for no longer exists')
  const scopes = options.scopes ?? grant.scopes
  const access = await mintAccessToken(ctx, client, {
    subject: grant.subject,
    audiences: options.audiences ?? grant.audiences,
    scopes,
    authTime: grant.authTime,
    userClaims: accessTokenUserClaims(ctx, user, scopes),
    jkt: options.jkt,
  })
  const idToken = scopes.includes('openid')
    ? await mintIdToken(ctx, client, { user, scopes, authTime: grant.authTime, nonce: options.nonce, accessToken: access.token })
    : undefined
  const response = {
    status: 200,
    headers: { ...NO_STORE },
    body: {
      access_token: access.token,
      token_type: tokenType(options.jkt),
      expires_in: access.expiresIn,
      ...(scopes.length === 0 ? {} : { scope: scopes.join(' ') }),
      ...(idToken === undefined ? {} : { id_token: idToken }),
    },
  }
  return { response, accessToken: { jti: access.claims.jti, expiresAt: access.claims.exp } }
}

/**
 * Records an access token in its family before it is handed out: a family revoked from here on
 * denylists it, one revoked before refuses it (the store makes the two atomic).
 *
 * @throws {@link OAuthError} `invalid_grant` when the family was revoked.
 */
export async function recordAccessToken(ctx: ServiceContext, grant: GrantRecord, accessToken: { jti: string; expiresAt: number }): Promise<void> {
  if (!(await ctx.store.recordAccessToken(grant.id, accessToken))) throw new OAuthError('invalid_grant', 'the grant was revoked')
}

/** `response` with the refresh token (RFC 6749 §5.1 `refresh_token`) added. */
export function withRefreshToken(response: OAuthResponse, refreshToken: string): OAuthResponse {
  return { ...response, body: { ...(response.body as Record<string, unknown>), refresh_token: refreshToken } }
}

/**
 * Revokes a grant's whole family: its refresh tokens stop working, its live access tokens go on the
 * denylist. Logged by grant id and client with the reason, as a warning when it answers an attack
 * (a reused refresh token, a replayed code).
 *
 * @example
 * ```ts
 * await revokeFamily(ctx, grant.id, client.clientId, 'refresh token reused')
 * ```
 */
export async function revokeFamily(ctx: ServiceContext, grantId: string, clientId: string, reason: string, suspicious = true): Promise<void> {
  const denylisted = (await ctx.store.revokeGrant(grantId, Math.floor(ctx.now()))).length
  ctx.log[suspicious ? 'warn' : 'info']({ grant_id: grantId, client_id: clientId, denylisted, reason }, 'grant revoked')
}
