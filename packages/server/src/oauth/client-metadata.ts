/**
 * The client metadata of a registration request (RFC 7591 §2), checked member by member into what
 * the service will store. Every member has a type, a size bound and a rule; what breaks one is
 * `invalid_redirect_uri` (a redirect URI) or `invalid_client_metadata` (anything else, §3.2.2).
 * Members this service does not use (`client_uri`, `logo_uri`, `contacts`, …) are ignored, as §2
 * requires for members a server does not understand, and are not echoed back.
 *
 * What a client may be given is bounded by the configuration, never by what it asks for:
 * - scopes within `registration.allowedScopes` (and the identity scopes): asking for any other is
 *   refused, so registering cannot yield an admin scope;
 * - redirect URIs a browser may safely be sent to with a code: `https:`, loopback `http:` for native
 *   apps (127.0.0.1, [::1] or localhost, RFC 8252 §7.3, §8.3), or a private-use scheme named after
 *   a reversed domain (`com.example.app:/cb`, RFC 8252 §7.1);
 * - public keys only, in `jwks` or at an `https:` `jwks_uri` (never both, §2), whose host is
 *   resolved and checked now (`net/outbound.ts`) and again at every fetch.
 * @module
 */
import { IDENTITY_SCOPES } from '../config/schema.js'
import type { ServiceConfig } from '../config/schema.js'
import { isLoopbackHost } from '../config/load.js'
import { OutboundAddressRefused, type OutboundPolicy } from '../net/outbound.js'
import type { ClientRecord } from '../store/store.js'
import { CLIENT_ASSERTION_ALGORITHMS, CLIENT_AUTH_METHODS } from './client-auth.js'
import { OAuthError } from './errors.js'
import { registeredKeysProblems } from './registered-keys.js'

/** What a registration decides: the stored client's fields (before its id, secret and times). */
export type RegisteredMetadata = Pick<ClientRecord, 'authMethod' | 'grantTypes' | 'scopes' | 'resources'> &
  Partial<Pick<ClientRecord, 'name' | 'redirectUris' | 'jwks' | 'jwksUri' | 'dpopBoundAccessTokens'>> & {
    /** The `scope` value as registered (identity scopes included), for the response. */
    scope: string
  }

/** Bounds on what one registration may hold. */
const MAX_REDIRECT_URIS = 10
const MAX_URI_LENGTH = 2048
const MAX_NAME_LENGTH = 255
const MAX_SCOPE_LENGTH = 1024
const MAX_KEYS = 10

const AUTH_METHODS: readonly string[] = [...CLIENT_AUTH_METHODS, 'none']
const GRANT_TYPES: readonly string[] = ['authorization_code', 'refresh_token', 'client_credentials']

const invalid = (description: string) => new OAuthError('invalid_client_metadata', description)
const invalidRedirect = (description: string) => new OAuthError('invalid_redirect_uri', description)

function optionalString(metadata: Record<string, unknown>, name: string, maxLength: number): string | undefined {
  const value = metadata[name]
  if (value === undefined) return undefined
  if (typeof value !== 'string' || value.length === 0 || value.length > maxLength) throw invalid(`${name} must be a string of 1 to ${maxLength} characters`)
  return value
}

function stringList(metadata: Record<string, unknown>, name: string, maxItems: number, refuse = invalid): string[] | undefined {
  const value = metadata[name]
  if (value === undefined) return undefined
  if (!Array.isArray(value) || value.length > maxItems || !value.every((item) => typeof item === 'string')) {
    throw refuse(`${name} must be an array of at most ${maxItems} strings`)
  }
  return [...new Set(value as string[])]
}

/** A reverse-domain private-use scheme (RFC 8252 §7.1): letters, digits, `+ - .`, with at least one dot. */
const PRIVATE_USE_SCHEME = /^[a-z][a-z0-9+-]*(\.[a-z0-9+-]+)+$/

/** RFC 6749 §3.1.2 and RFC 8252 §7: where a code may be sent; see the module notes. */
function checkRedirectUri(uri: string): void {
  if (uri.length > MAX_URI_LENGTH) throw invalidRedirect(`a redirect URI is longer than ${MAX_URI_LENGTH} characters`)
  let url: URL
  try {
    url = new URL(uri)
  } catch {
    throw invalidRedirect('a redirect URI is not an absolute URI')
  }
  // RFC 6749 §3.1.2: no fragment; whitespace and credentials have no business in one either.
  if (uri.includes('#') || /\s/.test(uri)) throw invalidRedirect('a redirect URI must have no fragment and no whitespace')
  if (url.username !== '' || url.password !== '') throw invalidRedirect('a redirect URI must not carry user information')
  const scheme = url.protocol.slice(0, -1)
  if (scheme === 'https') return
  if (scheme === 'http') {
    // RFC 8252 §7.3: a native app's loopback listener; anywhere else a code would cross the network in the clear.
    if (isLoopbackHost(url.hostname)) return
    throw invalidRedirect('an http: redirect URI is allowed only on loopback (127.0.0.1, [::1] or localhost; RFC 8252 section 7.3)')
  }
  if (!PRIVATE_USE_SCHEME.test(scheme)) {
    throw invalidRedirect('a redirect URI must be https:, loopback http:, or a private-use scheme named after a reversed domain (RFC 8252 section 7.1)')
  }
}

/** A JWK Set of public keys usable for client assertions: the same check as a configured or admin-registered one. */
async function checkJwks(value: unknown): Promise<{ keys: Record<string, unknown>[] }> {
  const keys = typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as { keys?: unknown }).keys : undefined
  if (!Array.isArray(keys) || keys.length === 0 || keys.length > MAX_KEYS) throw invalid(`jwks must be a JWK Set of 1 to ${MAX_KEYS} keys`)
  const jwks = { keys: keys as Record<string, unknown>[] }
  const [problem] = await registeredKeysProblems({ jwks }, CLIENT_ASSERTION_ALGORITHMS)
  if (problem !== undefined) throw invalid(`jwks must hold public keys for client assertions: ${problem}`)
  return jwks
}

async function checkJwksUri(uri: string, outbound: OutboundPolicy, allowHttp: boolean): Promise<void> {
  let url: URL
  try {
    url = new URL(uri)
  } catch {
    throw invalid('jwks_uri must be an absolute URL')
  }
  if (url.protocol !== 'https:' && !(allowHttp && url.protocol === 'http:')) throw invalid('jwks_uri must be an https: URL')
  if (url.username !== '' || url.password !== '' || uri.includes('#')) throw invalid('jwks_uri must carry no user information and no fragment')
  try {
    await outbound.check(url)
  } catch (error) {
    if (!(error instanceof OutboundAddressRefused)) throw error
    throw invalid(`jwks_uri is not allowed: ${error.message}`)
  }
}

/**
 * Checks registration metadata against the registration settings.
 *
 * @example
 * ```ts
 * const decided = await checkClientMetadata({ redirect_uris: ['http://127.0.0.1:7777/cb'], token_endpoint_auth_method: 'none' }, config, outbound)
 * ```
 * @throws {@link OAuthError} `invalid_redirect_uri` or `invalid_client_metadata`.
 */
export async function checkClientMetadata(metadata: Record<string, unknown>, config: ServiceConfig, outbound: OutboundPolicy): Promise<RegisteredMetadata> {
  const settings = config.registration
  const authMethod = optionalString(metadata, 'token_endpoint_auth_method', 64) ?? 'client_secret_basic' // RFC 7591 §2 default
  if (!AUTH_METHODS.includes(authMethod)) throw invalid(`token_endpoint_auth_method must be one of ${AUTH_METHODS.join(', ')}`)
  const grantTypes = stringList(metadata, 'grant_types', GRANT_TYPES.length) ?? ['authorization_code'] // §2 default
  if (grantTypes.length === 0 || grantTypes.some((grant) => !GRANT_TYPES.includes(grant))) throw invalid(`grant_types must be some of ${GRANT_TYPES.join(', ')}`)
  if (authMethod === 'none' && grantTypes.includes('client_credentials')) throw invalid('a public client (token_endpoint_auth_method none) cannot use client_credentials')
  if (grantTypes.includes('refresh_token') && !grantTypes.includes('authorization_code')) throw invalid('refresh_token comes with authorization_code')
  const usesCode = grantTypes.includes('authorization_code')
  // §2.1: response_types and grant_types must agree; "code" is the only response type here.
  const responseTypes = stringList(metadata, 'response_types', 1) ?? (usesCode ? ['code'] : [])
  if (responseTypes.some((type) => type !== 'code') || responseTypes.includes('code') !== usesCode) {
    throw invalid('response_types must be ["code"] with the authorization_code grant, and empty without it')
  }

  const redirectUris = stringList(metadata, 'redirect_uris', MAX_REDIRECT_URIS, invalidRedirect) ?? []
  if (usesCode && redirectUris.length === 0) throw invalidRedirect('redirect_uris is required with the authorization_code grant')
  if (!usesCode && redirectUris.length > 0) throw invalidRedirect('redirect_uris go with the authorization_code grant')
  redirectUris.forEach(checkRedirectUri)

  const requestedScope = optionalString(metadata, 'scope', MAX_SCOPE_LENGTH)
  const scopes = requestedScope === undefined ? [...settings.allowedScopes] : [...new Set(requestedScope.split(' '))]
  for (const scope of scopes) {
    if (!settings.allowedScopes.includes(scope) && !(usesCode && IDENTITY_SCOPES.includes(scope))) {
      // Never a subset silently granted: the client learns at once that it cannot have this scope.
      throw invalid('scope names a scope registered clients may not have')
    }
  }

  const jwksUri = optionalString(metadata, 'jwks_uri', MAX_URI_LENGTH)
  const jwks = metadata.jwks === undefined ? undefined : await checkJwks(metadata.jwks)
  if (jwks !== undefined && jwksUri !== undefined) throw invalid('jwks and jwks_uri must not both be present (RFC 7591 section 2)')
  if (authMethod === 'private_key_jwt' && jwks === undefined && jwksUri === undefined) throw invalid('private_key_jwt needs jwks or jwks_uri')
  if (authMethod !== 'private_key_jwt' && (jwks !== undefined || jwksUri !== undefined)) throw invalid('jwks and jwks_uri go with private_key_jwt')
  if (jwksUri !== undefined) await checkJwksUri(jwksUri, outbound, config.dev)

  const name = optionalString(metadata, 'client_name', MAX_NAME_LENGTH)
  const dpopBound = metadata.dpop_bound_access_tokens
  if (dpopBound !== undefined && typeof dpopBound !== 'boolean') throw invalid('dpop_bound_access_tokens must be a boolean')
  // Software statements (§2.3) are not supported: accepting one unchecked would trust what it claims.
  if (metadata.software_statement !== undefined) throw new OAuthError('unapproved_software_statement', 'software statements are not accepted by this server')

  return {
    authMethod: authMethod as ClientRecord['authMethod'],
    grantTypes,
    // The stored allowlist holds API scopes; identity scopes need no listing (config/schema.ts).
    scopes: scopes.filter((scope) => !IDENTITY_SCOPES.includes(scope)),
    scope: scopes.join(' '),
    resources: [...settings.allowedResources],
    ...(name === undefined ? {} : { name }),
    ...(redirectUris.length === 0 ? {} : { redirectUris }),
    ...(jwks === undefined ? {} : { jwks }),
    ...(jwksUri === undefined ? {} : { jwksUri }),
    ...(dpopBound === true ? { dpopBoundAccessTokens: true } : {}),
  }
}
