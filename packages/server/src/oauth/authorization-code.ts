/**
 * Authorization codes (RFC 6749 §4.1): issued at the authorization endpoint once the person is
 * logged in, redeemed once at the token endpoint for the grant's first tokens.
 *
 * A code is 256 random bits, stored as its hash, bound to the client, the `redirect_uri` and the
 * PKCE challenge, and lives `tokens.authorizationCodeTtl`. Redemption checks everything before it
 * consumes the code, so a request that cannot redeem it (a stolen code without its verifier) cannot
 * burn it either. A code presented after it was redeemed is a replay: the request is refused and
 * the grant the first redemption started is revoked with its tokens (RFC 6749 §4.1.2, §10.5).
 * @module
 */
import { randomBytes } from 'node:crypto'
import { durationSeconds } from '../config/duration.js'
import { hashToken, randomToken } from '../crypto/token-hash.js'
import type { LoginUser } from '../login/provider.js'
import type { OAuthRequest, OAuthResponse, ServiceContext } from '../service/context.js'
import type { AuthorizationCodeRecord, ClientRecord } from '../store/store.js'
import { authorizationResponseUrl, type AuthorizationRequest } from './authorization-request.js'
import { OAuthError } from './errors.js'
import { refreshLifetimes, revokeFamily, userTokenResponse } from './grant-tokens.js'
import { verifyCodeVerifier } from './pkce.js'
import { param, resourceParams } from './request.js'
import { requireResourceOfRegistered } from './scopes-and-resources.js'

/**
 * Issues a code for `request` to `user`, logged in at `authTime`, and returns the URL that takes it
 * to the client (with `state` and `iss`).
 *
 * @example
 * ```ts
 * const location = await issueAuthorizationCode(ctx, request, user, session.authTime)
 * ```
 */
export async function issueAuthorizationCode(ctx: ServiceContext, request: AuthorizationRequest, user: LoginUser, authTime: number): Promise<string> {
  const code = randomToken()
  const now = ctx.now()
  const record: AuthorizationCodeRecord = {
    codeHash: hashToken(code),
    clientId: request.client.clientId,
    redirectUri: request.redirectUri,
    codeChallenge: request.codeChallenge,
    grantId: randomBytes(16).toString('base64url'),
    subject: user.subject,
    scopes: request.scopes,
    audiences: request.audiences,
    authTime,
    ...(request.nonce === undefined ? {} : { nonce: request.nonce }),
    ...(request.dpopJkt === undefined ? {} : { dpopJkt: request.dpopJkt }),
    createdAt: now,
    expiresAt: now + durationSeconds(ctx.config.tokens.authorizationCodeTtl),
  }
  await ctx.store.createAuthorizationCode(record)
  ctx.log.info({ client_id: record.clientId, grant_id: record.grantId }, 'authorization code issued')
  return authorizationResponseUrl(ctx, request.redirectUri, { code, state: request.state })
}

/**
 * The authorization code grant (RFC 6749 §4.1.3) with PKCE (RFC 7636 §4.5): the first tokens of the
 * grant the code starts. Every failure about the code is `invalid_grant` (§5.2).
 *
 * @throws {@link OAuthError}; `StoreUnavailable` from the store.
 */
export async function authorizationCodeGrant(request: OAuthRequest, client: ClientRecord, ctx: ServiceContext, jkt: string | undefined): Promise<OAuthResponse> {
  const code = param(request, 'code')
  if (code === undefined) throw new OAuthError('invalid_request', 'code is required')
  const redirectUri = param(request, 'redirect_uri')
  if (redirectUri === undefined) throw new OAuthError('invalid_request', 'redirect_uri is required: the authorization request had one (RFC 6749 section 4.1.3)')
  const codeHash = hashToken(code)
  const record = await ctx.store.getAuthorizationCode(codeHash)
  // A code issued to another client is as unknown to this one.
  if (!record || record.clientId !== client.clientId) throw new OAuthError('invalid_grant', 'the authorization code is invalid')
  if (record.consumedAt !== undefined) return replayed(record, ctx)
  const now = ctx.now()
  if (record.expiresAt <= now) throw new OAuthError('invalid_grant', 'the authorization code has expired')
  if (redirectUri !== record.redirectUri) throw new OAuthError('invalid_grant', 'redirect_uri differs from the one in the authorization request')
  // RFC 7636 §4.6: a verifier that does not match is invalid_grant; a missing one cannot match.
  const verifier = param(request, 'code_verifier')
  if (verifier === undefined) throw new OAuthError('invalid_grant', 'code_verifier is required: the code was issued for a code_challenge (RFC 7636)')
  if (!verifyCodeVerifier(verifier, record.codeChallenge)) throw new OAuthError('invalid_grant', 'code_verifier does not match the code_challenge (RFC 7636 section 4.6)')
  // RFC 9449 §10: a code requested with dpop_jkt is redeemed only with a proof by that key.
  if (record.dpopJkt !== undefined && record.dpopJkt !== jkt) throw new OAuthError('invalid_grant', 'the DPoP proof is not by the key of the authorization request (dpop_jkt)')
  // RFC 8707 §2.2: the token request may narrow the audiences the authorization request named.
  const requested = resourceParams(request)
  requireResourceOfRegistered(requested, client)
  if (requested.some((resource) => !record.audiences.includes(resource))) throw new OAuthError('invalid_target', 'a requested resource was not part of the authorization')

  const grant = {
    id: record.grantId,
    clientId: client.clientId,
    subject: record.subject,
    scopes: record.scopes,
    audiences: record.audiences,
    authTime: record.authTime,
    // RFC 9449 §5: a public client's refresh tokens are bound to its DPoP key (a confidential
    // client's are already bound to its credentials).
    ...(jkt !== undefined && client.authMethod === 'none' ? { dpopJkt: jkt } : {}),
    createdAt: now,
    expiresAt: now + refreshLifetimes(ctx, client).absoluteTtl,
  }
  // The grant exists before the code is consumed: a replay that sees the code consumed always finds
  // the grant to revoke.
  await ctx.store.createGrant(grant)
  // Everything else that needs the store (the person, the signing key, recording the access token,
  // the refresh token) happens before the code is consumed, the last write: a store failure up to it
  // leaves the code unused, so the client's retry redeems it. Tokens made for a redemption that then
  // loses are in the grant, which the replay revokes.
  const response = await userTokenResponse(ctx, client, grant, {
    ...(requested.length === 0 ? {} : { audiences: [...new Set(requested)] }),
    nonce: record.nonce,
    refreshToken: client.grantTypes.includes('refresh_token') ? 'new' : undefined,
    jkt,
  })
  if (!(await ctx.store.consumeAuthorizationCode(codeHash, now))) {
    const again = await ctx.store.getAuthorizationCode(codeHash)
    if (again?.consumedAt !== undefined) return replayed(again, ctx)
    throw new OAuthError('invalid_grant', 'the authorization code has expired')
  }
  return response
}

async function replayed(record: AuthorizationCodeRecord, ctx: ServiceContext): Promise<never> {
  await revokeFamily(ctx, record.grantId, record.clientId, 'authorization code replayed')
  throw new OAuthError('invalid_grant', 'the authorization code was already used')
}
