/**
 * The authorization server metadata document (RFC 8414 §2), served unchanged at both
 * `/.well-known/oauth-authorization-server` and `/.well-known/openid-configuration` (RFC 8414 §5
 * allows the OpenID path). Every URL is derived from the issuer (`endpoints.ts`).
 *
 * Left out on purpose:
 * - `authorization_endpoint`, `code_challenge_methods_supported`: no grant uses the authorization
 *   endpoint yet. `response_types_supported` is therefore empty (RFC 8414 requires the member).
 * - `subject_types_supported`, `id_token_signing_alg_values_supported`: OpenID Connect Discovery §3
 *   members for a provider that issues ID tokens, which this one does not yet. openid-client 6's
 *   `discovery()` needs only `issuer` to match (it checks nothing else), on either path.
 * - `scopes_supported` (RECOMMENDED): scopes are granted per client; a public union of every
 *   client's scopes would describe every client's permissions to anyone.
 * @module
 */
import type { OAuthResponse, ServiceContext } from '../service/context.js'
import { CLIENT_ASSERTION_ALGORITHMS, CLIENT_AUTH_METHODS } from './client-auth.js'
import { endpointUrl, issuerOf } from './endpoints.js'
import { GRANT_TYPES } from './token.js'

/**
 * The metadata document.
 *
 * @example
 * ```ts
 * serverMetadata(ctx).token_endpoint // 'https://as.example/token'
 * ```
 */
export function serverMetadata(ctx: ServiceContext): Record<string, unknown> {
  const { config } = ctx
  const authMethods = [...CLIENT_AUTH_METHODS]
  const authAlgorithms = [...CLIENT_ASSERTION_ALGORITHMS]
  return {
    issuer: issuerOf(config),
    jwks_uri: endpointUrl(config, 'jwks'),
    token_endpoint: endpointUrl(config, 'token'),
    revocation_endpoint: endpointUrl(config, 'revocation'),
    introspection_endpoint: endpointUrl(config, 'introspection'),
    grant_types_supported: [...GRANT_TYPES],
    response_types_supported: [],
    token_endpoint_auth_methods_supported: authMethods,
    token_endpoint_auth_signing_alg_values_supported: authAlgorithms,
    revocation_endpoint_auth_methods_supported: authMethods,
    revocation_endpoint_auth_signing_alg_values_supported: authAlgorithms,
    introspection_endpoint_auth_methods_supported: authMethods,
    introspection_endpoint_auth_signing_alg_values_supported: authAlgorithms,
  }
}

/**
 * Answers a metadata request (either well-known path).
 *
 * @example
 * ```ts
 * app.get('/.well-known/oauth-authorization-server', () => handleMetadataRequest(ctx))
 * ```
 */
export function handleMetadataRequest(ctx: ServiceContext): OAuthResponse {
  // The document changes only with the configuration, i.e. with a restart.
  return { status: 200, headers: { 'Cache-Control': 'public, max-age=300' }, body: serverMetadata(ctx) }
}
