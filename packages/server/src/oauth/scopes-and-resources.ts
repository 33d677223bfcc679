/**
 * What a grant may cover, decided the same way at the authorization and token endpoints: scopes
 * (RFC 6749 §3.3) from the client's allowlist, and audiences (RFC 8707 resource indicators) from its
 * registered resources. A client that registered itself (RFC 7591) must name the resource in every
 * authorization and token request: it was not configured for one API, and a token whose audience
 * it did not choose could be accepted by an API it never meant to call (the MCP authorization
 * profile requires `resource` in both requests for the same reason).
 * @module
 */
import { IDENTITY_SCOPES } from '../config/schema.js'
import type { ClientRecord } from '../store/store.js'
import { OAuthError } from './errors.js'

/** RFC 6749 §3.3 scope-token: one or more of %x21 / %x23-5B / %x5D-7E. */
const SCOPE_TOKEN = /^[\x21\x23-\x5B\x5D-\x7E]+$/

/**
 * The scopes in a `scope` parameter, deduplicated, each allowed by `allowed`, else `invalid_scope`
 * (RFC 6749 §5.2 and §4.1.2.1).
 */
export function requestedScopes(requested: string, allowed: (scope: string) => boolean): string[] {
  const scopes = [...new Set(requested.split(' '))]
  if (scopes.some((scope) => !SCOPE_TOKEN.test(scope))) {
    throw new OAuthError('invalid_scope', 'scope must be scope tokens separated by single spaces (RFC 6749 section 3.3)')
  }
  if (scopes.some((scope) => !allowed(scope))) throw new OAuthError('invalid_scope', 'a requested scope is not allowed for this client')
  return scopes
}

/**
 * What a client may ask for through the authorization code flow: its API scopes and the identity
 * scopes (OIDC Core §5.4, §11).
 */
export function mayRequestInLogin(client: ClientRecord): (scope: string) => boolean {
  return (scope) => IDENTITY_SCOPES.includes(scope) || client.scopes.includes(scope)
}

/**
 * RFC 8707 §2 for a registered client: a request without `resource` is `invalid_target`.
 * @throws {@link OAuthError}
 */
export function requireResourceOfRegistered(requested: readonly string[], client: ClientRecord): void {
  if (requested.length === 0 && client.source === 'registration') {
    throw new OAuthError('invalid_target', 'a registered client names the resource of every request with the resource parameter (RFC 8707)')
  }
}

/**
 * The audiences (RFC 8707 §2): each `resource` must be an absolute URI without a fragment and in the
 * client's allowlist, else `invalid_target`. Without one, the client's `defaultResource`, or its only
 * allowed resource; a client allowed several, or a registered client, must name one.
 */
export function grantedAudiences(requested: readonly string[], client: ClientRecord): string[] {
  const resources = [...new Set(requested)]
  requireResourceOfRegistered(resources, client)
  if (resources.length === 0) {
    const fallback = client.defaultResource ?? (client.resources.length === 1 ? client.resources[0] : undefined)
    if (fallback === undefined) throw new OAuthError('invalid_target', 'name the resource the token is for with the resource parameter (RFC 8707)')
    return [fallback]
  }
  for (const resource of resources) {
    if (!isResourceIndicator(resource)) throw new OAuthError('invalid_target', 'resource must be an absolute URI without a fragment (RFC 8707 section 2)')
    // Exact string comparison: the allowlist holds the identifiers resource servers check `aud` against.
    if (!client.resources.includes(resource)) throw new OAuthError('invalid_target', 'a requested resource is not allowed for this client')
  }
  return resources
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
