/**
 * The OAuth core's per-process state, created once at start-up and handed to every handler in
 * `ServiceContext.oauth`: the verified-secret cache and KDF limiter, the token endpoint's rate
 * limiter, client key sets, and the resolver over the service's own published keys. Nothing here
 * must be shared between replicas (the store holds what must be).
 * @module
 */
import type { KeyResolver } from 'jotjwt'
import type { ServiceConfig } from '../config/schema.js'
import { createSecretVerifier, type SecretVerifier, type SecretVerifierOptions } from '../crypto/secret-hash.js'
import type { ServiceContext } from '../service/context.js'
import { createClientKeySets, type ClientKeySetOptions, type ClientKeySets } from './client-keys.js'
import { createRateLimiter, type RateLimiter } from './rate-limit.js'
import { createPublishedKeyResolver } from './signing-keys.js'

export interface OAuthRuntime {
  secrets: SecretVerifier
  rateLimit: RateLimiter
  clientKeys: ClientKeySets
  /** A resolver over the keys the service publishes now. */
  publishedKeys: (ctx: ServiceContext) => Promise<KeyResolver>
}

export interface OAuthRuntimeOptions {
  secrets?: SecretVerifierOptions
  clientKeys?: ClientKeySetOptions
}

/**
 * @example
 * ```ts
 * const ctx: ServiceContext = { config, store, keys, now, log, oauth: createOAuthRuntime(config) }
 * ```
 */
export function createOAuthRuntime(config: ServiceConfig, options: OAuthRuntimeOptions = {}): OAuthRuntime {
  return {
    secrets: createSecretVerifier(options.secrets),
    rateLimit: createRateLimiter(config.rateLimit),
    clientKeys: createClientKeySets(options.clientKeys),
    publishedKeys: createPublishedKeyResolver(),
  }
}
