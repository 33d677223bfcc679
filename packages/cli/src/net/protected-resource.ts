/**
 * Finding the authorization server of an API from the API's protected resource metadata
 * (RFC 9728), as `jotjwt token --resource URL` does without `--issuer`:
 *
 * - the document is at the resource's well-known URI: `/.well-known/oauth-protected-resource`
 *   inserted between the host and the path (§3.1);
 * - its `resource` must be exactly the URL it was derived from (§3.3), or another server could
 *   send the client, and its credentials, to an authorization server of its choosing;
 * - `authorization_servers` names the issuers (§2); with several, the caller picks one with `--issuer`.
 *
 * The fetch is bounded like the token request: a timeout, no redirects, a size limit.
 * @module
 */
import { CliError, EXIT_INVALID, EXIT_UNAVAILABLE } from '../cli/errors.js'
import { failureReason, readLimited } from './http-response.js'

/** RFC 9728 §3: the registered well-known suffix. */
const WELL_KNOWN = '/.well-known/oauth-protected-resource'

/**
 * The metadata URL of a resource identifier (§3.1; a path of "/" alone is the terminating slash
 * after the host, which is removed).
 *
 * @example
 * ```ts
 * resourceMetadataUrl(new URL('https://api.example/orders')) // 'https://api.example/.well-known/oauth-protected-resource/orders'
 * ```
 */
export function resourceMetadataUrl(resource: URL): string {
  return `${resource.origin}${WELL_KNOWN}${resource.pathname === '/' ? '' : resource.pathname}${resource.search}`
}

export interface ResourceDiscoveryOptions {
  /** Allow an `http:` resource (loopback, or `--allow-http`). */
  allowHttp: boolean
  /** Seconds. */
  timeout: number
}

/**
 * The issuers the resource's metadata names, after the §3.3 check.
 *
 * @example
 * ```ts
 * const [issuer] = await authorizationServersOf('https://api.example/orders', { allowHttp: false, timeout: 5 })
 * ```
 * @throws {@link CliError}: exit 3 when the metadata cannot be fetched, exit 1 when it is missing or untrustworthy.
 */
export async function authorizationServersOf(resource: string, options: ResourceDiscoveryOptions): Promise<string[]> {
  let url: URL
  try {
    url = new URL(resource)
  } catch {
    throw new CliError(`--resource ${resource} is not an absolute URL`, EXIT_INVALID)
  }
  if (url.protocol !== 'https:' && !(options.allowHttp && url.protocol === 'http:')) {
    throw new CliError(`the resource ${resource} is not https: (--allow-http allows http: beyond loopback)`, EXIT_INVALID)
  }
  if (resource.includes('#')) throw new CliError('a resource identifier has no fragment (RFC 9728 §1.2)', EXIT_INVALID)
  const metadataUrl = resourceMetadataUrl(url)
  let response: Response
  try {
    response = await fetch(metadataUrl, { headers: { accept: 'application/json' }, redirect: 'error', signal: AbortSignal.timeout(options.timeout * 1000) })
  } catch (error) {
    throw new CliError(`cannot fetch the protected resource metadata ${metadataUrl}: ${failureReason(error)}`, EXIT_UNAVAILABLE, { cause: error })
  }
  const text = await readLimited(response, 'the protected resource metadata')
  if (!response.ok) {
    throw new CliError(`no protected resource metadata at ${metadataUrl} (HTTP ${response.status}); pass --issuer`, response.status >= 500 ? EXIT_UNAVAILABLE : EXIT_INVALID)
  }
  let metadata: unknown
  try {
    metadata = JSON.parse(text)
  } catch {
    throw new CliError(`the protected resource metadata at ${metadataUrl} is not JSON`, EXIT_INVALID)
  }
  const { resource: named, authorization_servers: servers } = (typeof metadata === 'object' && metadata !== null ? metadata : {}) as Record<string, unknown>
  if (named !== resource) {
    throw new CliError(`the protected resource metadata names the resource ${JSON.stringify(named)}, not ${resource} (RFC 9728 §3.3): not trusted`, EXIT_INVALID)
  }
  if (!Array.isArray(servers) || servers.length === 0 || !servers.every((server) => typeof server === 'string' && server !== '')) {
    throw new CliError(`the protected resource metadata of ${resource} names no authorization_servers; pass --issuer`, EXIT_INVALID)
  }
  return servers as string[]
}
