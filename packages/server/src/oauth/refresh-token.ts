/**
 * The refresh token grant (RFC 6749 §6) with rotation and reuse detection (RFC 9700 §4.14.2):
 *
 * - every use rotates: the token is consumed and a successor issued, atomically in the store, so of
 *   any number of concurrent uses exactly one rotates it;
 * - a consumed token presented again is reuse: the whole family (the grant) is revoked, its refresh
 *   tokens and its live access tokens, because either the client or a thief now holds a token that
 *   someone else already used;
 * - except inside the client's grace window (`refreshToken.graceWindow`, default 30 s): a use of
 *   the spent token shortly after its rotation gets the **same** successor again, as long as that
 *   successor has not been used itself. This makes a refresh retryable when its answer was lost
 *   (the store committed the rotation, the client saw a 503 or a reset connection), which the
 *   FAPI 2.0 Security Profile requires of an authorization server that rotates, and absorbs
 *   clients that refresh from several tabs or threads at once (Hydra's `rotation_grace_period`,
 *   Okta's rotation grace period). The successor is kept sealed with the spent token for this,
 *   while only hashes identify tokens.
 *   With no grace window a lost answer, like a concurrent loser, counts as reuse and revokes the
 *   family, the successor included;
 * - a token dies unused after the idle lifetime, and no token of the family lives past the grant's
 *   absolute lifetime.
 * @module
 */
import { open, seal } from '../crypto/encryption.js'
import { hashToken, randomToken } from '../crypto/token-hash.js'
import type { OAuthRequest, OAuthResponse, ServiceContext } from '../service/context.js'
import type { ClientRecord, GrantRecord, RefreshTokenRecord } from '../store/store.js'
import { OAuthError } from './errors.js'
import { recordAccessToken, refreshLifetimes, refreshTokenExpiry, revokeFamily, unrecordedUserTokens, userTokenResponse, withRefreshToken } from './grant-tokens.js'
import { param, resourceParams } from './request.js'
import { requestedScopes, requireResourceOfRegistered } from './scopes-and-resources.js'

/** The sealed successor opens only as the successor of this token (bound as additional data). */
const successorPurpose = (tokenHash: string) => `jotjwt/refresh-successor/v1 ${tokenHash}`

/** One description for every token that is not live and this client's: nothing to probe. */
const INVALID = 'the refresh token is invalid, expired or revoked'

/**
 * Handles `grant_type=refresh_token` for an authenticated `client`.
 *
 * @throws {@link OAuthError} `invalid_request`, `invalid_grant`, `invalid_scope`, `invalid_target`;
 *   `StoreUnavailable` from the store.
 */
export async function refreshTokenGrant(request: OAuthRequest, client: ClientRecord, ctx: ServiceContext, jkt: string | undefined): Promise<OAuthResponse> {
  const presented = param(request, 'refresh_token')
  if (presented === undefined) throw new OAuthError('invalid_request', 'refresh_token is required')
  const tokenHash = hashToken(presented)
  const family = await ctx.store.getRefreshTokenWithGrant(tokenHash)
  // RFC 6749 §6: the token must have been issued to the authenticated client.
  if (!family || family.token.clientId !== client.clientId) throw new OAuthError('invalid_grant', INVALID)
  const { token, grant } = family
  if (grant.revokedAt !== undefined) throw new OAuthError('invalid_grant', INVALID)
  // RFC 9449 §5: a bound family is refreshed only with a proof by its key; without one the token
  // is worth nothing to a thief, and is neither rotated nor taken as reuse.
  if (grant.dpopJkt !== undefined && grant.dpopJkt !== jkt) throw new OAuthError('invalid_grant', 'the refresh token is bound to a DPoP key: send a proof by that key')
  if (token.consumedAt !== undefined) {
    const successor = await sameSuccessor(token, grant, client, ctx)
    return userTokenResponse(ctx, client, grant, { ...narrowing(request, grant, client), refreshToken: successor, jkt })
  }
  const now = ctx.now()
  if (token.expiresAt <= now || grant.expiresAt <= now) throw new OAuthError('invalid_grant', INVALID)

  // Everything else that needs the store (the person, the signing key) happens before the
  // rotation, which is the one write: it records the access token in the family with the rotation,
  // atomically, so a store failure up to it leaves the token unspent and the client's retry is a
  // plain first use. Only a rotation that committed and whose answer was then lost (the database's
  // acknowledgement, or the HTTP response) needs the grace window to be retried. Checked before
  // rotating too: a bad request leaves the token usable.
  const { response, accessToken } = await unrecordedUserTokens(ctx, client, grant, { ...narrowing(request, grant, client), jkt })
  const successor = randomToken()
  const rotated = await ctx.store.rotateRefreshToken(
    tokenHash,
    {
      tokenHash: hashToken(successor),
      sealed: seal(successor, ctx.oauth.encryptionKey, successorPurpose(tokenHash)),
      createdAt: now,
      expiresAt: refreshTokenExpiry(ctx, client, grant, now),
      accessToken,
    },
    now,
  )
  if (rotated) return withRefreshToken(response, successor)
  // Another use rotated it in between (or it died this instant); the rotation that lost recorded
  // nothing. Reuse revokes the family; a retry inside the grace window gets the same successor, and
  // the access token is recorded first, refused if the family was revoked meanwhile.
  const again = await ctx.store.getRefreshToken(tokenHash)
  if (again?.consumedAt === undefined) throw new OAuthError('invalid_grant', INVALID)
  const same = await sameSuccessor(again, grant, client, ctx)
  await recordAccessToken(ctx, grant, accessToken)
  return withRefreshToken(response, same)
}

/**
 * RFC 6749 §6 and RFC 8707 §2.2: the new access token may be narrower than the grant, never wider;
 * a registered client names its resource every time. A retry inside the grace window asks the
 * same, so it gets an equivalent access token.
 */
function narrowing(request: OAuthRequest, grant: GrantRecord, client: ClientRecord): { scopes?: string[]; audiences?: string[] } {
  const scope = param(request, 'scope')
  const scopes = scope === undefined ? undefined : requestedScopes(scope, (name) => grant.scopes.includes(name))
  const resources = [...new Set(resourceParams(request))]
  requireResourceOfRegistered(resources, client)
  if (resources.some((resource) => !grant.audiences.includes(resource))) throw new OAuthError('invalid_target', 'a requested resource was not part of the grant')
  return { ...(scopes === undefined ? {} : { scopes }), ...(resources.length === 0 ? {} : { audiences: resources }) }
}

/**
 * A consumed token: the successor it was rotated into, inside the grace window and while that
 * successor is unused (a retry whose answer was lost, or a concurrent use); else reuse, which
 * revokes the family (RFC 9700 §4.14.2).
 */
async function sameSuccessor(token: RefreshTokenRecord, grant: GrantRecord, client: ClientRecord, ctx: ServiceContext): Promise<string> {
  const { graceWindow } = refreshLifetimes(ctx, client)
  const now = ctx.now()
  if (graceWindow > 0 && token.consumedAt! + graceWindow > now && token.successorHash !== undefined && token.successorSealed !== undefined) {
    const successor = await ctx.store.getRefreshToken(token.successorHash)
    // Only while the successor is unused: once it was used, the chain moved on, and this is reuse.
    if (successor && successor.consumedAt === undefined && successor.expiresAt > now) {
      ctx.log.info({ grant_id: grant.id, client_id: client.clientId }, 'refresh token retried: the same successor again')
      return open(token.successorSealed, ctx.oauth.encryptionKey, successorPurpose(token.tokenHash))
    }
  }
  await revokeFamily(ctx, grant.id, client.clientId, 'refresh token reused')
  throw new OAuthError('invalid_grant', 'the refresh token was already used; its grant is revoked')
}
