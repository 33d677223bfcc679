/**
 * Protected resource metadata (RFC 9728): the JSON document that tells a client which authorization
 * servers issue tokens for an API, which scopes it knows and how it takes tokens, so a client that
 * knows only the API's URL (an MCP host, an AI agent) can find where to get a token for it.
 *
 * - The document lives at the well-known URI of the resource identifier (§3.1):
 *   `/.well-known/oauth-protected-resource` inserted between the host and the path, so
 *   `https://api.example/orders` publishes at
 *   `https://api.example/.well-known/oauth-protected-resource/orders`.
 * - Its `resource` is exactly that identifier (§3.3: clients refuse a document whose `resource`
 *   differs from the URL they derived it from), and the identifier is the `aud` the API accepts:
 *   the token a client gets for it (RFC 8707 `resource`) is then accepted here.
 * - Every challenge points to it with `resource_metadata` (§5.1, `errors/challenge.ts`).
 * @module
 */
import type { ErrorResponse } from '../errors/response.js'

/** The well-known path suffix (RFC 9728 §3, registered in §8.3). */
export const PROTECTED_RESOURCE_WELL_KNOWN = '/.well-known/oauth-protected-resource'

/** What a guard publishes about its API (`GuardOptions.resourceMetadata`). */
export interface ResourceMetadataOptions {
  /**
   * The API's resource identifier (RFC 9728 §1.2): an `https:` URL without query or fragment, one
   * of the guard's `audience` values. Default: `audience` when it is a single string.
   */
  resource?: string | undefined
  /** `authorization_servers`: issuer identifiers of the servers whose tokens the API accepts. Default: the guard's issuer(s). */
  authorizationServers?: readonly string[] | undefined
  /** `scopes_supported`: the scopes the API checks (RFC 9728 §2 recommends listing them). */
  scopesSupported?: readonly string[] | undefined
  /** `resource_name`: a name for people. */
  resourceName?: string | undefined
  /** `resource_documentation`: a page for developers. */
  resourceDocumentation?: string | undefined
}

/** Everything the document says, as the framework-free function takes it. */
export interface ProtectedResourceMetadataInput extends ResourceMetadataOptions {
  resource: string
  authorizationServers: readonly string[]
  /** RFC 6750 methods the API accepts: `header`, `body`, `query`. Default `['header']`. */
  bearerMethods?: readonly ('header' | 'body' | 'query')[]
  /** DPoP proof algorithms, when the API accepts DPoP (RFC 9449 §5.1). */
  dpopAlgorithms?: readonly string[]
  /** True when the API takes DPoP-bound tokens only (`dpop_bound_access_tokens_required`). */
  dpopRequired?: boolean
  /** Allow an `http:` resource identifier (tests, loopback). Default false. */
  allowHttp?: boolean
}

/** The published metadata: the document, where it is served, and the answer to serve. */
export interface ProtectedResourceMetadata {
  /** The RFC 9728 §2 document. */
  readonly document: Readonly<Record<string, unknown>>
  /** Its absolute URL: what the challenges' `resource_metadata` names. */
  readonly url: string
  /** Its path on the API's origin. */
  readonly path: string
  /** The HTTP answer to a GET of {@link path}: 200, JSON, public and cacheable. */
  readonly response: ErrorResponse
}

/** How long clients and proxies may keep the document: it changes only with the configuration. */
const MAX_AGE_SECONDS = 300

/**
 * The resource identifier, checked (RFC 9728 §1.2: https, no fragment; a query would make the
 * well-known URI ambiguous, so none either).
 * @throws TypeError naming what is wrong.
 */
function resourceIdentifier(value: unknown, allowHttp: boolean): URL {
  let url: URL
  try {
    url = new URL(value as string)
  } catch {
    throw new TypeError('resourceMetadata.resource must be an https: URL (RFC 9728 section 1.2)')
  }
  if (url.protocol !== 'https:' && !(allowHttp && url.protocol === 'http:')) {
    throw new TypeError('resourceMetadata.resource must be an https: URL (RFC 9728 section 1.2; allowHttp permits http:)')
  }
  if ((value as string).includes('#')) throw new TypeError('resourceMetadata.resource must have no fragment (RFC 9728 section 1.2)')
  if (url.search !== '' || (value as string).includes('?')) throw new TypeError('resourceMetadata.resource must have no query')
  return url
}

function stringList(value: unknown, name: string): readonly string[] {
  if (!Array.isArray(value) || !value.every((item) => typeof item === 'string' && item !== '')) throw new TypeError(`${name} must be a list of strings`)
  return value
}

/**
 * The metadata document of a protected resource and where it is served.
 *
 * @example
 * ```ts
 * const metadata = protectedResourceMetadata({ resource: 'https://api.example/orders', authorizationServers: ['https://as.example'] })
 * metadata.url // 'https://api.example/.well-known/oauth-protected-resource/orders'
 * ```
 * @throws TypeError for a resource identifier that is not an https: URL without query or fragment, or no authorization server.
 */
export function protectedResourceMetadata(input: ProtectedResourceMetadataInput): ProtectedResourceMetadata {
  const url = resourceIdentifier(input.resource, input.allowHttp === true)
  const authorizationServers = stringList(input.authorizationServers, 'resourceMetadata.authorizationServers')
  if (authorizationServers.length === 0) throw new TypeError('resourceMetadata.authorizationServers must name at least one issuer')
  // §3.1: a path of "/" alone is the terminating slash after the host, which is removed.
  const path = PROTECTED_RESOURCE_WELL_KNOWN + (url.pathname === '/' ? '' : url.pathname)
  const document: Record<string, unknown> = {
    // §3.3: the identifier exactly as configured, which is what the client derived the URL from.
    resource: input.resource,
    authorization_servers: [...authorizationServers],
  }
  if (input.scopesSupported !== undefined) document.scopes_supported = [...stringList(input.scopesSupported, 'resourceMetadata.scopesSupported')]
  document.bearer_methods_supported = [...(input.bearerMethods ?? ['header'])]
  if (input.dpopAlgorithms !== undefined) document.dpop_signing_alg_values_supported = [...input.dpopAlgorithms]
  if (input.dpopRequired === true) document.dpop_bound_access_tokens_required = true
  if (input.resourceName !== undefined) document.resource_name = input.resourceName
  if (input.resourceDocumentation !== undefined) document.resource_documentation = input.resourceDocumentation
  const response: ErrorResponse = {
    status: 200,
    headers: {
      'content-type': 'application/json',
      'cache-control': `public, max-age=${MAX_AGE_SECONDS}`,
      // Public by design, and read by browser-based clients from other origins.
      'access-control-allow-origin': '*',
    },
    body: JSON.stringify(document),
  }
  return { document, url: url.origin + path, path, response }
}

/** What a guard knows that the document repeats. */
export interface GuardMetadataContext {
  readonly audience: unknown
  readonly issuers: readonly string[]
  readonly locations: { readonly header: boolean; readonly body: boolean; readonly query: boolean }
  readonly dpop: { readonly mode: 'off' | 'allowed' | 'required'; readonly algs: string }
  readonly allowHttp: boolean
}

/**
 * A guard's metadata from its options (`resourceMetadata: true` or options), or undefined when it
 * publishes none. The resource must be one of the audiences the guard accepts: a client that gets a
 * token for the published identifier must not be refused for it.
 * @throws TypeError for options that cannot make a truthful document.
 */
export function compileResourceMetadata(options: boolean | ResourceMetadataOptions | undefined, guard: GuardMetadataContext): ProtectedResourceMetadata | undefined {
  if (options === undefined || options === false) return undefined
  const settings: ResourceMetadataOptions = options === true ? {} : options
  if (typeof settings !== 'object' || settings === null) throw new TypeError('resourceMetadata must be true or an object')
  const { audience } = guard
  const resource = settings.resource ?? (typeof audience === 'string' ? audience : undefined)
  if (resource === undefined) throw new TypeError('resourceMetadata.resource is required when audience is not a single string')
  const audiences = typeof audience === 'string' ? [audience] : Array.isArray(audience) ? (audience as unknown[]) : undefined
  if (audiences !== undefined && !audiences.includes(resource)) {
    throw new TypeError('resourceMetadata.resource must be one of the audiences: a token for it must be accepted here (RFC 9728 section 3.3)')
  }
  const authorizationServers = settings.authorizationServers ?? guard.issuers
  const { header, body, query } = guard.locations
  return protectedResourceMetadata({
    ...settings,
    resource,
    authorizationServers,
    bearerMethods: [...(header ? ['header' as const] : []), ...(body ? ['body' as const] : []), ...(query ? ['query' as const] : [])],
    ...(guard.dpop.mode === 'off' ? {} : { dpopAlgorithms: guard.dpop.algs.split(' ') }),
    dpopRequired: guard.dpop.mode === 'required',
    allowHttp: guard.allowHttp,
  })
}

/**
 * The metadata answer for a request, when it is a GET of the metadata path; undefined otherwise
 * (the request is then authenticated like any other).
 */
export function metadataAnswer(metadata: ProtectedResourceMetadata | undefined, method: string, path: string): ErrorResponse | undefined {
  return metadata !== undefined && method === 'GET' && path === metadata.path ? metadata.response : undefined
}
