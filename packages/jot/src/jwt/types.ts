/** Public JWT types. @module */
import type { Duration } from '../lib/duration.js'
import type { VerifiedTokenCacheOptions } from './cache.js'
import type { JotKey } from '../key/key.js'
import type { JWSHeaderParameters, KeyResolver, VerifyJWSOptions } from '../jws/types.js'

/** Registered claims (RFC 7519 §4.1); any other claim is allowed. Times are NumericDate seconds. */
export interface JWTClaims {
  iss?: string
  sub?: string
  aud?: string | string[]
  exp?: number
  nbf?: number
  iat?: number
  jti?: string
  [claim: string]: unknown
}

/** A point in time: a `Date`, or seconds since the Unix epoch. */
export type Instant = Date | number

/** Options of {@link signJWT} and {@link createSigner}. Relative times end in `In`, absolute ones in `At`. */
export interface SignJWTOptions {
  /** `exp` relative to now: seconds or a duration such as `"15m"`. */
  expiresIn?: Duration
  /** `exp` as an absolute time. */
  expiresAt?: Instant
  /** `nbf` relative to now. */
  notBeforeIn?: Duration
  /** `nbf` as an absolute time. */
  notBeforeAt?: Instant
  /** `iat`: now by default; an absolute time, or `false` to leave it out. */
  issuedAt?: Instant | false
  /** `iss` claim. */
  issuer?: string
  /** `sub` claim. */
  subject?: string
  /** `aud` claim. */
  audience?: string | string[]
  /** `jti` claim. */
  jwtId?: string
  /** `kid` header; defaults to the key's `kid`. */
  kid?: string
  /** `typ` header; `"JWT"` by default (RFC 8725 §3.11 recommends explicit types such as `"at+jwt"`). */
  typ?: string
  /** Further protected header parameters. */
  header?: JWSHeaderParameters
  /** The clock, for tests: seconds since the epoch or a Date, or a function returning one. */
  currentTime?: Instant | (() => Instant)
}

/** Claim checks shared by JWS-signed and (later) encrypted JWTs. */
export interface JWTClaimOptions {
  /** Accepted `iss` values (exact match). */
  issuer?: string | readonly string[]
  /** Accepted audiences: the token's `aud` must contain at least one. */
  audience?: string | readonly string[]
  /**
   * Accept a token that carries `aud` although no `audience` is configured. Off by default: a token
   * minted for another relying party must not be accepted just because this one forgot to ask.
   */
  acceptAnyAudience?: boolean
  /** Required `sub` value. */
  subject?: string
  /** Required `jti` value. */
  jwtId?: string
  /** Required `typ` header, compared per RFC 8725 §3.11 (case-insensitive, `application/` optional). */
  typ?: string
  /**
   * `'rfc9068'`: the JWT access token profile (RFC 9068), checked with the other claims: `typ` must
   * be `at+jwt` (§2.1, §4; a `typ` option must say the same), the §2.2 claims `iss`, `exp`, `aud`,
   * `sub`, `client_id`, `iat` and `jti` must be present, and `client_id` must be a string. `issuer`
   * is required, and `audience` unless `acceptAnyAudience` says the caller checks `aud` itself (§4).
   * {@link createAccessTokenVerifier} applies it and adds scopes.
   */
  profile?: 'rfc9068'
  /** Leeway for `exp`, `nbf` and `iat` checks: seconds or a duration string. Default 0. */
  clockTolerance?: Duration
  /** Maximum age since `iat` (which then becomes required). */
  maxTokenAge?: Duration
  /**
   * Maximum lifetime the issuer granted, `exp` − `iat` (both then become required). Unlike
   * `maxTokenAge` it needs no clock: a token minted to live longer than this is refused at any
   * time, with `ERR_JWT_CLAIM_INVALID` (claim `exp`, reason `lifetime_too_long`).
   */
  maxLifetime?: Duration
  /** Claims that must be present. */
  requiredClaims?: readonly string[]
  /** Require an `exp` claim. Default true: a token that never expires is rarely intended. */
  requireExpiration?: boolean
  /** The clock, for tests: seconds since the epoch or a Date, or a function returning one. */
  currentTime?: Instant | (() => Instant)
}

/** Options of {@link verifyJWT}. */
export interface VerifyJWTOptions extends VerifyJWSOptions, JWTClaimOptions {}

/** Options of {@link createVerifier}: verification options plus the key (or key resolver). */
export interface CreateVerifierOptions extends VerifyJWTOptions {
  key: JotKey | KeyResolver
  /**
   * Opt-in cache of verified tokens (see {@link VerifiedTokenCacheOptions}); `true` for the
   * defaults. A hit skips decoding and the signature check but re-runs every claim check. Results
   * are frozen when the cache is on.
   */
  cache?: boolean | VerifiedTokenCacheOptions
}

/** Options of {@link createSigner}: signing options plus the key. */
export interface CreateSignerOptions extends SignJWTOptions {
  key: JotKey
}

/** The result of a successful JWT verification. */
export interface VerifiedJWT<P = JWTClaims> {
  payload: P & JWTClaims
  header: JWSHeaderParameters
  key: JotKey
}
