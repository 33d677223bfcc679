/**
 * The token endpoint (RFC 6749 §3.2): client authentication (public clients name themselves with
 * `client_id`), the per-client rate limit, then the grant: client credentials (§4.4) with RFC 8707
 * resource indicators, authorization code with PKCE (§4.1.3, `authorization-code.ts`) and refresh
 * token with rotation (§6, `refresh-token.ts`), and the JWT-bearer grant (RFC 7523 §2.1,
 * `jwt-bearer.ts`). A request with a DPoP proof (RFC 9449 §5) gets
 * tokens bound to the proof's key (`dpop.ts`).
 * @module
 */
import type { OAuthRequest, OAuthResponse, ServiceContext } from '../service/context.js'
import { JWT_BEARER_GRANT_TYPE } from '../config/schema.js'
import type { ClientRecord } from '../store/store.js'
import { mintAccessToken, tokenType } from './access-token.js'
import { authorizationCodeGrant } from './authorization-code.js'
import { authenticateClient } from './client-auth.js'
import { OAuthError } from './errors.js'
import { jwtBearerGrant } from './jwt-bearer.js'
import { refreshTokenGrant } from './refresh-token.js'
import { NO_STORE } from './response.js'
import { param, resourceParams } from './request.js'
import { grantedAudiences, requestedScopes } from './scopes-and-resources.js'

/** The grants this service implements (discovery's `grant_types_supported`). */
const GRANTS = Object.freeze({
  client_credentials: clientCredentials,
  authorization_code: authorizationCodeGrant,
  refresh_token: refreshTokenGrant,
  [JWT_BEARER_GRANT_TYPE]: jwtBearerGrant,
})

/** Grant types this service implements (discovery's `grant_types_supported`). */
export const GRANT_TYPES = Object.freeze(Object.keys(GRANTS) as (keyof typeof GRANTS)[])

/**
 * Handles a token request.
 *
 * @example
 * ```ts
 * const { status, headers, body } = await handleTokenRequest({ params, resources, authorization }, ctx)
 * ```
 * @throws {@link OAuthError}; `StoreUnavailable` from the store.
 */
export async function handleTokenRequest(request: OAuthRequest, ctx: ServiceContext): Promise<OAuthResponse> {
  try {
    return await tokenResponse(request, ctx)
  } catch (error) {
    // RFC 9449 §8.2: any answer may carry a new nonce. With nonces required, a refused DPoP request
    // (invalid_grant, invalid_scope, …) learns the current one, so its retry is not refused again
    // with use_dpop_nonce just because the nonce rotated meanwhile.
    if (error instanceof OAuthError && request.dpop !== undefined) throw error.withHeaders(ctx.oauth.dpop.nonceHeader(ctx.now()))
    throw error
  }
}

async function tokenResponse(request: OAuthRequest, ctx: ServiceContext): Promise<OAuthResponse> {
  const grantType = param(request, 'grant_type')
  if (grantType === undefined) throw new OAuthError('invalid_request', 'grant_type is required')
  const client = await authenticateClient(request, ctx, { allowPublic: true })
  await ctx.oauth.rateLimit(client.clientId, ctx.now())
  if (!Object.hasOwn(GRANTS, grantType)) throw new OAuthError('unsupported_grant_type', `this server supports the grant types ${GRANT_TYPES.join(', ')}`)
  if (!client.grantTypes.includes(grantType)) throw new OAuthError('unauthorized_client', 'the client may not use this grant type')
  // Before the grant runs, so a bad proof consumes no code or refresh token.
  const jkt = await ctx.oauth.dpop.proofKey(request, ctx)
  if (jkt === undefined && client.dpopBoundAccessTokens === true) {
    // With the nonce its first proof needs (§8), when nonces are required.
    throw new OAuthError('invalid_dpop_proof', 'this client must send a DPoP proof (dpop_bound_access_tokens, RFC 9449 section 5.2)', { headers: ctx.oauth.dpop.nonceHeader(ctx.now()) })
  }
  const response = await GRANTS[grantType as keyof typeof GRANTS](request, client, ctx, jkt)
  // RFC 9449 §8: a fresh nonce with every answer to a DPoP request, so the client's next proof can carry it.
  return jkt === undefined ? response : { ...response, headers: { ...response.headers, ...ctx.oauth.dpop.nonceHeader(ctx.now()) } }
}

/** RFC 6749 §4.4. */
async function clientCredentials(request: OAuthRequest, client: ClientRecord, ctx: ServiceContext, jkt: string | undefined): Promise<OAuthResponse> {
  const scopes = grantedScopes(request, client)
  const audiences = grantedAudiences(resourceParams(request), client)
  const { token, expiresIn } = await mintAccessToken(ctx, client, { subject: client.clientId, audiences, scopes, jkt })
  return {
    status: 200,
    headers: { ...NO_STORE },
    // RFC 6749 §5.1: `scope` is required when it differs from the request; it is always sent, so a
    // client that asked for none learns what it got.
    body: { access_token: token, token_type: tokenType(jkt), expires_in: expiresIn, ...(scopes.length === 0 ? {} : { scope: scopes.join(' ') }) },
  }
}

/**
 * The scopes to grant: every requested scope must be in the client's allowlist (else
 * `invalid_scope`, RFC 6749 §5.2). A request without `scope` is granted the client's whole allowlist
 * (§3.3 lets the server apply a pre-defined default; for client credentials that is everything the
 * client was registered for).
 */
function grantedScopes(request: OAuthRequest, client: ClientRecord): string[] {
  const requested = param(request, 'scope')
  return requested === undefined ? [...client.scopes] : requestedScopes(requested, (scope) => client.scopes.includes(scope))
}
