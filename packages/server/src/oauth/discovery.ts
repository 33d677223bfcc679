/**
 * The authorization server metadata document (RFC 8414 §2, and OpenID Connect Discovery §3 for the
 * OpenID Provider members), served unchanged at both `/.well-known/oauth-authorization-server` and
 * `/.well-known/openid-configuration` (RFC 8414 §5 allows the OpenID path). Every URL is derived
 * from the issuer (`endpoints.ts`); everything else from what the code implements and the
 * configuration enables, so the document cannot promise what the service does not do.
 *
 * `scopes_supported` lists the identity scopes, the configured clients' scopes and, with
 * registration on, the scopes registered clients may have: what may be asked for at all; each
 * client may still ask for its own only. `registration_endpoint` (RFC 8414 §2) is there only when
 * dynamic registration (RFC 7591) is enabled.
 * @module
 */
import { IDENTITY_SCOPES } from '../config/schema.js'
import type { OAuthResponse, ServiceContext } from '../service/context.js'
import { CLIENT_ASSERTION_ALGORITHMS, CLIENT_AUTH_METHODS } from './client-auth.js'
import { endpointUrl, issuerOf } from './endpoints.js'
import { CODE_CHALLENGE_METHODS } from './pkce.js'
import { signingAlgorithms } from './signing-keys.js'
import { GRANT_TYPES } from './token.js'
import { mappedClaimNames } from './user-claims.js'

/** The ID token's own claims (OIDC Core §2, §3.1.3.6), besides those the claim mappings release. */
const ID_TOKEN_CLAIMS = ['iss', 'sub', 'aud', 'exp', 'iat', 'auth_time', 'nonce', 'azp', 'at_hash']

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
  const registration = config.registration.enabled
  const clientScopes = [...config.clients.flatMap((client) => client.scopes), ...(registration ? config.registration.allowedScopes : [])]
  const mappings = [config.userClaims, ...config.clients.flatMap((client) => (client.userClaims ? [client.userClaims] : []))]
  return {
    issuer: issuerOf(config),
    authorization_endpoint: endpointUrl(config, 'authorization'),
    token_endpoint: endpointUrl(config, 'token'),
    userinfo_endpoint: endpointUrl(config, 'userinfo'),
    jwks_uri: endpointUrl(config, 'jwks'),
    revocation_endpoint: endpointUrl(config, 'revocation'),
    introspection_endpoint: endpointUrl(config, 'introspection'),
    ...(registration ? { registration_endpoint: endpointUrl(config, 'registration') } : {}),
    scopes_supported: [...new Set([...IDENTITY_SCOPES, ...clientScopes])],
    response_types_supported: ['code'],
    response_modes_supported: ['query'],
    grant_types_supported: [...GRANT_TYPES],
    code_challenge_methods_supported: [...CODE_CHALLENGE_METHODS],
    subject_types_supported: ['public'],
    // OIDC Discovery §3: RS256 must be listed; the service keeps keys for it and for every algorithm
    // configured (keys/manager.ts), and any of them may sign a client's ID tokens.
    id_token_signing_alg_values_supported: signingAlgorithms(ctx),
    claims_supported: [...new Set([...ID_TOKEN_CLAIMS, ...mappedClaimNames(mappings)])],
    // OIDC Discovery §3 defaults request_uri_parameter_supported to true: say it is not.
    request_parameter_supported: false,
    request_uri_parameter_supported: false,
    claims_parameter_supported: false,
    // RFC 9207 §3: every authorization response carries `iss`.
    authorization_response_iss_parameter_supported: true,
    token_endpoint_auth_methods_supported: [...authMethods, 'none'],
    token_endpoint_auth_signing_alg_values_supported: authAlgorithms,
    revocation_endpoint_auth_methods_supported: [...authMethods, 'none'],
    revocation_endpoint_auth_signing_alg_values_supported: authAlgorithms,
    introspection_endpoint_auth_methods_supported: authMethods,
    introspection_endpoint_auth_signing_alg_values_supported: authAlgorithms,
    // RFC 9449 §5.1
    dpop_signing_alg_values_supported: [...config.dpop.algorithms],
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
