/**
 * The guard's options, as users write them. They are validated and compiled once
 * (`core/compile.ts`); nothing here is read per request.
 * @module
 */
import type {
  Duration,
  Instant,
  JotKey,
  JWK,
  JWKSet,
  JWSAlgorithmName,
  JWTClaims,
  KeyResolver,
  RemoteKeySetOptions,
} from 'jotjwt'
import type { Denylist } from '../revocation/denylist.js'
import type { IntrospectionOptions } from '../revocation/introspection.js'
import type { DPoPMode, DPoPSettings } from './dpop.js'
import type { TokenCache, TokenCacheOptions } from '../cache/token-cache.js'
import type { TokenLocations } from '../token/extract.js'
import type { ErrorVerbosity } from '../errors/response.js'
import type { GuardError } from '../errors/errors.js'
import type { ResourceMetadataOptions } from '../metadata/protected-resource.js'

/**
 * Where one issuer's verification keys come from: exactly one of `jwksUri`, `jwks`, `jwk`, `pem`,
 * `secret`, `key`, or `discovery: true`.
 */
export interface KeySource {
  /**
   * Fetch `<issuer>/.well-known/openid-configuration` (OpenID Connect Discovery; its `issuer` must be
   * exactly this issuer) and use its `jwks_uri`, and its `introspection_endpoint` when introspection
   * is enabled without an endpoint. Fetched at the first request (or `ready()`), retried after failures.
   */
  discovery?: boolean
  /** A JWK Set URL, fetched and cached by jot's remote key set (refetch on unknown `kid`, stale-if-error). */
  jwksUri?: string | URL
  /** A JWK Set held in memory. */
  jwks?: JWKSet
  /** One public JWK. */
  jwk?: JWK
  /** One public key as PEM (SPKI, PKCS#1 or an X.509 certificate), imported for each of `algorithms`. */
  pem?: string
  /**
   * An HMAC secret (HS256/384/512 only, and only these in `algorithms`). Explicit on purpose: a
   * guard never treats key material as a secret because of what it looks like (RFC 8725 §3.1).
   */
  secret?: string | Uint8Array
  /** A jot key or key resolver you built yourself. */
  key?: JotKey | KeyResolver
  /** Cache and fetch settings of the remote key set (`jwksUri`, `discovery`): cooldown, maxStale, allowHttp, onEvent, … */
  keySet?: RemoteKeySetOptions
}

/** One trusted issuer (authorization server) among several. */
export interface IssuerOptions extends KeySource {
  /** The exact `iss` value (RFC 7519 §4.1.1) of this issuer's tokens. */
  issuer: string
  /** Algorithms for this issuer's tokens; the guard's `algorithms` by default. */
  algorithms?: readonly JWSAlgorithmName[]
}

/** The token's audiences (as an array), checked by a function. */
export type AudienceCheck = (audiences: readonly string[], claims: JWTClaims) => boolean

/** Guard options. */
export interface GuardOptions extends KeySource {
  /** The issuer, when there is one (its keys are this object's key source). */
  issuer?: string
  /**
   * Several issuers, each with its own keys. The token's `iss` picks the issuer; a token is never
   * tried against several issuers' keys.
   */
  issuers?: readonly IssuerOptions[]
  /**
   * This resource server's identifier(s): the token's `aud` must contain one (RFC 7519 §4.1.3,
   * RFC 9068 §4), or a function deciding from the token's audiences. Required: a token minted for
   * another API must not be accepted here.
   */
  audience: string | readonly string[] | AudienceCheck
  /** Accepted signature algorithms. Required: the token's `alg` header alone never decides (RFC 8725 §3.1). */
  algorithms: readonly JWSAlgorithmName[]
  /**
   * `'rfc9068'`: JWT access tokens per RFC 9068: `typ` must be `at+jwt` (so an ID token is refused,
   * RFC 8725 §3.11), and `iss`, `exp`, `aud`, `sub`, `client_id`, `iat`, `jti` are required. Default
   * `'jwt'`: any JWT that passes the other checks.
   */
  profile?: 'jwt' | 'rfc9068'
  /**
   * The required `typ` header (RFC 8725 §3.11: explicit typing keeps one kind of JWT from passing
   * for another), compared case-insensitively with `application/` optional. `profile: 'rfc9068'`
   * implies `at+jwt`; another value with that profile is refused.
   */
  typ?: string
  /** Leeway for `exp`, `nbf` and `iat`. Default 60 s. */
  clockTolerance?: Duration
  /** Refuse tokens issued (`iat`) longer ago than this. */
  maxTokenAge?: Duration
  /**
   * Refuse tokens minted to live longer than this: `exp` − `iat` (jot's `maxLifetime`; `iat` then
   * becomes required). Bounds what a stolen token is worth whatever lifetime its issuer chose.
   */
  maxLifetime?: Duration
  /** Claims every token must carry. */
  requiredClaims?: readonly string[]
  /** Where tokens are accepted. Default: the `Authorization` header only. */
  tokenLocations?: TokenLocations
  /** Refuse requests without a token (401). Default true; false lets them through without `auth` (invalid tokens are still refused). */
  authRequired?: boolean
  /** The `realm` of challenges. Default `"api"`. */
  realm?: string
  /** How much `error_description` reveals: `'none'`, `'generic'` (default: a fixed text per kind of failure) or `'detailed'`. */
  errorVerbosity?: ErrorVerbosity
  /** Answer refusals with an `application/problem+json` body (RFC 9457). Default false: headers only. */
  problemDetails?: boolean
  /** Called with every refusal before it is answered (logging, metrics). Exceptions are ignored. */
  onError?: (error: GuardError, request: unknown) => void
  /**
   * Check signatures in node:crypto's thread pool rather than on the event loop (jot's `offload`):
   * under concurrent load the event loop keeps serving requests while other cores verify. Default
   * true; false trades that for a little less latency per request on an idle or single-core server.
   * No effect on WebCrypto runtimes (edge), which are asynchronous anyway.
   */
  offload?: boolean
  /**
   * Cache verified tokens (see {@link createTokenCache}): `true` for the default bounds, bounds
   * `{ maxEntries, maxBytes, ttl }`, or a cache shared with other guards. A hit skips decoding and the
   * signature; the DPoP proof, the denylist and introspection still run on every request. Default off.
   */
  cache?: boolean | TokenCacheOptions | TokenCache
  /** The claim the scope helpers read when they are not given `customScopeKey`. Default: `scope` (also `scp`, `scopes`). */
  customScopeKey?: string
  /** Revocation checks after verification: a `jti` denylist, RFC 7662 introspection, or both. */
  revocation?: { denylist?: Denylist; introspection?: IntrospectionOptions }
  /**
   * DPoP (RFC 9449): `'off'` (default: the Bearer scheme only), `'allowed'` (Bearer and DPoP) or
   * `'required'` (DPoP only). A token bound to a DPoP key (`cnf.jkt`) is refused with the Bearer
   * scheme in every mode.
   */
  dpop?: DPoPMode
  /** How DPoP proofs are checked: algorithms, replay store, public origin, nonces. */
  dpopSettings?: DPoPSettings
  /**
   * Publish the API's protected resource metadata (RFC 9728) and point every challenge to it
   * (`resource_metadata`, §5.1): `true` for the defaults (the resource is `audience`, the
   * authorization servers the issuers), or the document's settings. The adapters answer a GET of
   * its well-known path without a token. Default: none.
   */
  resourceMetadata?: boolean | ResourceMetadataOptions
  /** Allow plain-HTTP discovery and JWKS URLs, and an `http:` resource identifier (tests, loopback sidecars). Default false. */
  allowHttp?: boolean
  /** The clock, for tests. */
  currentTime?: () => Instant
}
