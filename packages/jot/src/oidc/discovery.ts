/**
 * OpenID Connect Discovery 1.0: issuer → `/.well-known/openid-configuration` → `jwks_uri`, with the
 * bounded fetch used for key sets. The document's `issuer` must be exactly the configured one
 * (Discovery §4.3): otherwise one provider could publish keys in another's name (the mix-up attack).
 * @module
 */
import { InvalidArgument, OIDCDiscoveryInvalid, quote } from '../errors.js'
import { checkString, readOptions } from '../lib/arguments.js'
import type { Duration } from '../lib/duration.js'
import { checkURL, fetchJSON, fetchPolicy } from '../jwks/fetch.js'
import { createRemoteKeySet } from '../jwks/remote.js'
import type { RemoteKeySet, RemoteKeySetOptions } from '../jwks/types.js'

/** OpenID Provider Metadata (Discovery §3): the members jot reads; all others are passed through. */
export interface OIDCProviderMetadata {
  issuer: string
  jwks_uri: string
  authorization_endpoint?: string
  token_endpoint?: string
  userinfo_endpoint?: string
  id_token_signing_alg_values_supported?: string[]
  [member: string]: unknown
}

/** Options of {@link discoverOIDCProvider}. */
export interface DiscoveryOptions {
  /** Abort after this long (headers and body). Default 5 s. */
  timeout?: Duration
  /** Refuse a larger document. Default 512 KiB. */
  maxResponseBytes?: number
  /** Extra request headers. */
  headers?: Record<string, string>
  /** The fetch implementation; the global `fetch` by default. */
  fetch?: typeof fetch
  /** Allow `http:` issuer and `jwks_uri` (tests, loopback). Default false. */
  allowHttp?: boolean
}

/**
 * Fetches and checks an OpenID Provider's configuration: `issuer` identical to the one given,
 * `jwks_uri` an HTTPS URL (unless `allowHttp`). The well-known path is appended to the issuer as
 * Discovery §4.1 says (after removing one trailing `/`).
 *
 * @example
 * ```ts
 * const provider = await discoverOIDCProvider('https://accounts.example.com')
 * const keys = createRemoteKeySet(provider.jwks_uri)
 * ```
 * @throws {@link InvalidArgument} for an issuer that is not an https: URL without query or fragment;
 *   {@link OIDCDiscoveryInvalid} for an invalid document or an issuer mismatch;
 *   {@link JWKSFetchFailed} / {@link JWKSTimeout} when it cannot be fetched (the same bounded fetch as key sets).
 */
export async function discoverOIDCProvider(issuer: string, options?: DiscoveryOptions): Promise<OIDCProviderMetadata> {
  checkString(issuer, 'issuer')
  options = readOptions(options)
  const allowHttp = options.allowHttp === true
  checkURL(issuer, allowHttp, 'the issuer')
  // Discovery §2: an issuer identifier has no query or fragment (the well-known path is appended to it).
  if (/[?#]/.test(issuer)) throw new InvalidArgument('the issuer must not have a query or fragment (OIDC Discovery §2)')
  const url = checkURL(`${issuer.replace(/\/$/, '')}/.well-known/openid-configuration`, allowHttp, 'the issuer')
  const { body } = await fetchJSON(url, fetchPolicy(options), 'OpenID configuration', (message, cause) => new OIDCDiscoveryInvalid(message, { cause }))
  if (body.issuer !== issuer) {
    throw new OIDCDiscoveryInvalid(`the configuration names issuer ${quote(body.issuer)}, not the configured one`)
  }
  if (typeof body.jwks_uri !== 'string') throw new OIDCDiscoveryInvalid('the configuration has no "jwks_uri"')
  try {
    checkURL(body.jwks_uri, allowHttp, 'jwks_uri')
  } catch (cause) {
    throw new OIDCDiscoveryInvalid('"jwks_uri" must be an https: URL', { cause })
  }
  return body as OIDCProviderMetadata
}

/**
 * Discovery and a remote key set in one step: the provider's metadata and a key set for its `jwks_uri`.
 *
 * @example
 * ```ts
 * const { keys } = await createOIDCKeySet('https://accounts.example.com')
 * const verifyIdToken = createIdTokenVerifier({ issuer: 'https://accounts.example.com', clientId, key: keys })
 * ```
 */
export async function createOIDCKeySet(
  issuer: string,
  options?: RemoteKeySetOptions,
): Promise<{ provider: OIDCProviderMetadata; keys: RemoteKeySet }> {
  options = readOptions(options)
  const provider = await discoverOIDCProvider(issuer, options)
  return { provider, keys: createRemoteKeySet(provider.jwks_uri, options) }
}
