/**
 * The OAuth core's per-process state, created once at start-up and handed to every handler in
 * `ServiceContext.oauth`: the verified-secret caches and KDF limiters (client secrets, passwords),
 * the token and registration endpoints' rate limiters, the login throttle, the key sets of clients
 * and trusted issuers and the guard on the URLs clients that registered themselves make the service
 * fetch, the resolver over the service's own published keys, the upstream providers, and the keys
 * derived from `keys.encryptionKey`. Nothing here must be shared between replicas (the store holds
 * what must be, Redis the token rate-limit counts when configured; the derived keys are the same
 * everywhere because the encryption key is).
 * @module
 */
import { hkdfSync } from 'node:crypto'
import type { KeyResolver } from 'jotjwt'
import type { ServiceConfig } from '../config/schema.js'
import { createSecretVerifier, type SecretVerifier, type SecretVerifierOptions } from '../crypto/secret-hash.js'
import { createLoginThrottle, type LoginThrottle } from '../login/throttle.js'
import { createOutboundPolicy, type OutboundPolicy, type OutboundPolicyOptions } from '../net/outbound.js'
import type { ServiceContext } from '../service/context.js'
import { createRegisteredKeySets, type RegisteredKeySetOptions, type RegisteredKeySets } from './registered-keys.js'
import { createDPoPRuntime, type DPoPRuntime } from './dpop.js'
import { createRateLimiter, type RateLimiter, type SharedWindowCounter } from './rate-limit.js'
import { createPublishedKeyResolver } from './signing-keys.js'
import { createUpstreamProviders, type UpstreamProviders } from '../upstream/providers.js'

export interface OAuthRuntime {
  secrets: SecretVerifier
  /** Password checks of the built-in login: a verifier of their own, so logins and client authentication do not queue behind each other. */
  passwords: SecretVerifier
  rateLimit: RateLimiter
  loginThrottle: LoginThrottle
  /** The keys of `private_key_jwt` clients, by client id. */
  clientKeys: RegisteredKeySets
  /** The keys of `private_key_jwt` clients that registered themselves (RFC 7591): a `jwksUri` is fetched through {@link outbound} only. */
  selfRegisteredClientKeys: RegisteredKeySets
  /** The keys of trust entries' issuers (JWT-bearer grant), by entry id. */
  trustKeys: RegisteredKeySets
  /** A resolver over the keys the service publishes now. */
  publishedKeys: (ctx: ServiceContext) => Promise<KeyResolver>
  /** `keys.encryptionKey` decoded: seals refresh-token successors for the grace window. */
  encryptionKey: Uint8Array
  /** HKDF of the encryption key for the login form's CSRF tokens (`login/csrf.ts`). */
  csrfKey: Uint8Array
  /** DPoP proofs and nonces at the token endpoint (`dpop.ts`). */
  dpop: DPoPRuntime
  /** The upstream providers' discovered metadata, key sets and ID token validators (`upstream/providers.ts`). */
  upstreams: UpstreamProviders
  /** The SSRF guard for URLs registered clients chose (`jwks_uri`): `net/outbound.ts`. */
  outbound: OutboundPolicy
  /** The registration endpoint's rate limits (`registration.rateLimit`): per client address, and clients registered in total. */
  registrationLimits: { perAddress: RateLimiter; total: RateLimiter }
}

export interface OAuthRuntimeOptions {
  secrets?: SecretVerifierOptions
  passwords?: SecretVerifierOptions
  /** For both clients' and trusted issuers' keys. */
  registeredKeys?: RegisteredKeySetOptions
  /** Rate-limit counts shared by the replicas (Redis); without, each process counts its own. */
  rateLimitCounter?: SharedWindowCounter
  /** The resolver and connection of outbound requests (tests record them without a socket). */
  outbound?: Pick<OutboundPolicyOptions, 'resolve' | 'connect'>
}

/**
 * @example
 * ```ts
 * const ctx: ServiceContext = { config, store, keys, now, log, login, oauth: createOAuthRuntime(config) }
 * ```
 * @throws TypeError when `keys.encryptionKey` is not set (dev mode generates one, elsewhere it is required).
 */
export function createOAuthRuntime(config: ServiceConfig, options: OAuthRuntimeOptions = {}): OAuthRuntime {
  if (config.keys.encryptionKey === undefined) throw new TypeError('keys.encryptionKey is not set')
  const encryptionKey = Buffer.from(config.keys.encryptionKey, 'base64url')
  const outbound = createOutboundPolicy({ allowedNetworks: config.registration.jwksUriAllowedNetworks, ...options.outbound })
  const { perAddress, total, window } = config.registration.rateLimit
  return {
    secrets: createSecretVerifier(options.secrets),
    passwords: createSecretVerifier(options.passwords),
    rateLimit: createRateLimiter({ limit: config.rateLimit.tokenRequestsPerClient, window: config.rateLimit.window, what: 'token requests' }, options.rateLimitCounter),
    loginThrottle: createLoginThrottle(config.login),
    clientKeys: createRegisteredKeySets(options.registeredKeys),
    // Their jwks_uri was chosen by whoever registered: fetched through the guard only, whatever fetch tests pass.
    selfRegisteredClientKeys: createRegisteredKeySets({ ...options.registeredKeys, fetch: outbound.fetch }),
    trustKeys: createRegisteredKeySets(options.registeredKeys),
    publishedKeys: createPublishedKeyResolver(),
    encryptionKey,
    // RFC 5869: a key of its own for each use of the one configured secret.
    csrfKey: new Uint8Array(hkdfSync('sha256', encryptionKey, new Uint8Array(0), 'jotjwt login csrf v1', 32)),
    dpop: createDPoPRuntime(config, encryptionKey),
    upstreams: createUpstreamProviders(),
    outbound,
    registrationLimits: {
      // Per replica (not shared through Redis): they bound floods, as the login throttle does.
      perAddress: createRateLimiter({ limit: perAddress, window, what: 'registration requests from this address' }),
      total: createRateLimiter({ limit: total, window, what: 'client registrations' }),
    },
  }
}
