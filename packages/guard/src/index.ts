/**
 * jot guard: bearer-token authentication for resource servers (RFC 6750, RFC 9068) on jot. This
 * entry is the framework-free core; the adapters are `jotjwt-guard/express`, `jotjwt-guard/fastify`
 * and `jotjwt-guard/hono`, the Redis denylist is `jotjwt-guard/redis`.
 *
 * @example
 * ```ts
 * import { createGuard, isGuardError } from 'jotjwt-guard'
 * const guard = createGuard({ issuer, jwksUri, audience: 'https://api.example', algorithms: ['ES256'], profile: 'rfc9068' })
 * const result = await guard.authenticate({ method: 'GET', url: '/orders', headers })
 * if (isGuardError(result)) return guard.errorResponse(result)
 * ```
 * @module
 */
export { createGuard, DEFAULT_RESPONSE_SETTINGS, type AuthenticateResult, type Guard, type GuardAuth } from './core/guard.js'
export type { AudienceCheck, GuardOptions, IssuerOptions, KeySource } from './core/options.js'
export type { DPoPMode, DPoPNonceSource, DPoPSettings } from './core/dpop.js'
export { createDPoPNonces, DEFAULT_DPOP_NONCE_LIFETIME, type DPoPNonceOptions, type DPoPNonces } from './core/nonce.js'
export { pathOf, plainRequestReader, type GuardRequest, type RequestReader } from './core/request.js'
export type { FoundToken, TokenLocation, TokenLocations } from './token/extract.js'
export {
  GuardError,
  InsufficientScopeError,
  InvalidRequestError,
  InvalidDPoPProofError,
  InvalidTokenError,
  isGuardError,
  ServiceUnavailableError,
  UnauthorizedError,
  UseDPoPNonceError,
  type AuthScheme,
  type GuardErrorCode,
} from './errors/errors.js'
export { bearerChallenge, dpopChallenge, quotedString, type ChallengeParameters } from './errors/challenge.js'
export { errorResponse, type ErrorResponse, type ErrorVerbosity, type ResponseSettings } from './errors/response.js'
export {
  protectedResourceMetadata,
  PROTECTED_RESOURCE_WELL_KNOWN,
  type ProtectedResourceMetadata,
  type ProtectedResourceMetadataInput,
  type ResourceMetadataOptions,
} from './metadata/protected-resource.js'
export {
  claimCheck,
  claimEquals,
  claimIncludes,
  requiredScopes,
  scopeIncludesAny,
  type AuthorizationRule,
  type JSONPrimitive,
  type RuleContext,
  type ScopeRuleOptions,
} from './authz/rules.js'
export { compilePath, valueAt, type ClaimPath } from './authz/path.js'
export { createTokenCache, type TokenCache, type TokenCacheOptions, type TokenCachePartition } from './cache/token-cache.js'
export { createMemoryDenylist, type Denylist } from './revocation/denylist.js'
export { createIntrospectionCheck, IntrospectionFailed, type IntrospectionCheck, type IntrospectionOptions } from './revocation/introspection.js'
export { authorizationOf } from './adapters/node.js'
