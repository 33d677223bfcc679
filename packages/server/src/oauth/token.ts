/**
 * The token endpoint (RFC 6749 §3.2): client authentication, the per-client rate limit, then the
 * grant. Part 1 serves the client credentials grant (§4.4) with RFC 8707 resource indicators.
 * @module
 */
import type { OAuthRequest, OAuthResponse, ServiceContext } from '../service/context.js'
import type { ClientRecord } from '../store/store.js'
import { mintAccessToken } from './access-token.js'
import { authenticateClient } from './client-auth.js'
import { OAuthError } from './errors.js'
import { param, resourceParams } from './request.js'

/** Grant types this service implements (discovery's `grant_types_supported`). */
export const GRANT_TYPES = Object.freeze(['client_credentials'] as const)

/** RFC 6749 §5.1: token responses must not be cached. */
export const NO_STORE = Object.freeze({ 'Cache-Control': 'no-store', Pragma: 'no-cache' })

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
  const grantType = param(request, 'grant_type')
  if (grantType === undefined) throw new OAuthError('invalid_request', 'grant_type is required')
  const client = await authenticateClient(request, ctx)
  ctx.oauth.rateLimit(client.clientId, ctx.now())
  if (!(GRANT_TYPES as readonly string[]).includes(grantType)) throw new OAuthError('unsupported_grant_type', 'this server supports the client_credentials grant')
  if (!client.grantTypes.includes(grantType)) throw new OAuthError('unauthorized_client', 'the client may not use this grant type')
  return clientCredentials(request, client, ctx)
}

/** RFC 6749 §4.4. */
async function clientCredentials(request: OAuthRequest, client: ClientRecord, ctx: ServiceContext): Promise<OAuthResponse> {
  const scopes = grantedScopes(request, client)
  const audiences = grantedAudiences(request, client)
  const { token, expiresIn } = await mintAccessToken(ctx, client, { subject: client.clientId, audiences, scopes })
  return {
    status: 200,
    headers: { ...NO_STORE },
    // RFC 6749 §5.1: `scope` is required when it differs from the request; it is always sent, so a
    // client that asked for none learns what it got.
    body: { access_token: token, token_type: 'Bearer', expires_in: expiresIn, ...(scopes.length === 0 ? {} : { scope: scopes.join(' ') }) },
  }
}

/** RFC 6749 §3.3 scope-token: one or more of %x21 / %x23-5B / %x5D-7E. */
const SCOPE_TOKEN = /^[\x21\x23-\x5B\x5D-\x7E]+$/

/**
 * The scopes to grant: every requested scope must be in the client's allowlist (else
 * `invalid_scope`, RFC 6749 §5.2). A request without `scope` is granted the client's whole allowlist
 * (§3.3 lets the server apply a pre-defined default; for client credentials that is everything the
 * client was registered for).
 */
function grantedScopes(request: OAuthRequest, client: ClientRecord): string[] {
  const requested = param(request, 'scope')
  if (requested === undefined) return [...client.scopes]
  const scopes = [...new Set(requested.split(' '))]
  if (scopes.some((scope) => !SCOPE_TOKEN.test(scope))) {
    throw new OAuthError('invalid_scope', 'scope must be scope tokens separated by single spaces (RFC 6749 section 3.3)')
  }
  if (scopes.some((scope) => !client.scopes.includes(scope))) throw new OAuthError('invalid_scope', 'a requested scope is not allowed for this client')
  return scopes
}

/**
 * The audiences (RFC 8707 §2): each `resource` must be an absolute URI without a fragment and in the
 * client's allowlist, else `invalid_target`. Without one, the client's `defaultResource`, or its only
 * allowed resource; a client allowed several must name one.
 */
function grantedAudiences(request: OAuthRequest, client: ClientRecord): string[] {
  const requested = [...new Set(resourceParams(request))]
  if (requested.length === 0) {
    const fallback = client.defaultResource ?? (client.resources.length === 1 ? client.resources[0] : undefined)
    if (fallback === undefined) throw new OAuthError('invalid_target', 'name the resource the token is for with the resource parameter (RFC 8707)')
    return [fallback]
  }
  for (const resource of requested) {
    if (!isResourceIndicator(resource)) throw new OAuthError('invalid_target', 'resource must be an absolute URI without a fragment (RFC 8707 section 2)')
    // Exact string comparison: the allowlist holds the identifiers resource servers check `aud` against.
    if (!client.resources.includes(resource)) throw new OAuthError('invalid_target', 'a requested resource is not allowed for this client')
  }
  return requested
}

function isResourceIndicator(value: string): boolean {
  if (value.includes('#')) return false
  try {
    // WHATWG URL parsing accepts only absolute URLs here (no base), with a scheme.
    new URL(value)
    return true
  } catch {
    return false
  }
}
