/**
 * JWT access tokens, RFC 9068: the profile a resource server applies on top of JWT verification.
 * `typ` must be `at+jwt` (§2.1, §4), which is what keeps an ID token (typ `JWT`, aud = the client)
 * from being accepted as an access token (RFC 8725 §3.12: mutually exclusive validation rules), and
 * `iss`, `exp`, `aud`, `sub`, `client_id`, `iat` and `jti` are required (§2.2).
 * @module
 */
import { InvalidArgument, JWTInsufficientScope } from '../errors.js'
import { readObject, readStringArray } from '../lib/arguments.js'
import type { JotKey } from '../key/key.js'
import type { KeyResolver, VerifyJWSOptions } from '../jws/types.js'
import { grantedScopes } from './scope.js'
import type { Instant, JWTClaims, VerifiedJWT } from './types.js'
import type { Duration } from '../lib/duration.js'
import { createVerifier } from './verify.js'

/** RFC 9068 §2.2 claims. */
export interface AccessTokenClaims extends JWTClaims {
  iss: string
  exp: number
  aud: string | string[]
  sub: string
  client_id: string
  iat: number
  jti: string
  scope?: string
}

/** Options of {@link createAccessTokenVerifier}. */
export interface AccessTokenVerifierOptions extends VerifyJWSOptions {
  /** The authorization server's issuer identifier (required, §4 step 3). */
  issuer: string | readonly string[]
  /** This resource server's identifier(s); `aud` must contain one (required, §4 step 4). */
  audience: string | readonly string[]
  /** The issuer's keys: a key set or one key. */
  key: JotKey | KeyResolver
  /** Scopes every token must grant; otherwise {@link JWTInsufficientScope} (RFC 6750 §3.1: answer 403). */
  requiredScopes?: readonly string[]
  /** Leeway for `exp`, `nbf` and `iat`. Default 0. */
  clockTolerance?: Duration
  /** Refuse tokens whose `iat` is older than this. */
  maxTokenAge?: Duration
  /** Refuse tokens minted to live longer than this (`exp` − `iat`), see {@link JWTClaimOptions.maxLifetime}. */
  maxLifetime?: Duration
  /** The clock, for tests. */
  currentTime?: Instant | (() => Instant)
}

/** A verified access token with its scopes. */
export interface VerifiedAccessToken extends VerifiedJWT<AccessTokenClaims> {
  /** Scopes from `scope` (or `scp`/`scopes`), see {@link scopesOf}. */
  scopes: string[]
}

/**
 * Prepares an RFC 9068 access-token verifier: signature and algorithm, `typ: at+jwt` (or
 * `application/at+jwt`), the required claims, `iss`, `aud`, time claims, `client_id` a string, and
 * optionally required scopes.
 *
 * @example
 * ```ts
 * const verifyAccessToken = createAccessTokenVerifier({ issuer: 'https://as.example', audience: 'https://api.example', key: keys })
 * const { payload, scopes } = await verifyAccessToken(bearerToken)
 * ```
 * @throws (per call) {@link JWTClaimInvalid} / {@link JWTClaimMissing} (claim `typ` for an ID token or
 *   another type), {@link JWTExpired}, {@link JWTInsufficientScope}, {@link JWSSignatureInvalid}, key-set errors.
 */
export function createAccessTokenVerifier(options: AccessTokenVerifierOptions): (token: string) => Promise<VerifiedAccessToken> {
  options = readObject<AccessTokenVerifierOptions>(options, 'options')
  if (options.issuer === undefined) throw new InvalidArgument('issuer is required for access tokens (RFC 9068 §4)')
  if (options.audience === undefined) throw new InvalidArgument('audience is required for access tokens (RFC 9068 §4)')
  const { requiredScopes: scopesOption, ...rest } = options
  const requiredScopes = scopesOption === undefined ? [] : readStringArray(scopesOption, 'requiredScopes')
  // The profile (typ, required claims, client_id a string) is one of the claim checks (claims.ts);
  // they check `typ` before required claims, so an ID token fails as the wrong kind of token rather
  // than as one missing `client_id`.
  const verify = createVerifier<AccessTokenClaims>({ ...rest, profile: 'rfc9068', typ: 'at+jwt', requireExpiration: true })
  return async (token) => {
    const verified = await verify(token)
    const scopes = grantedScopes(verified.payload)
    const missing = requiredScopes.filter((scope) => !scopes.includes(scope))
    if (missing.length > 0) throw new JWTInsufficientScope('the token lacks a required scope', 'scope', 'insufficient')
    return { ...verified, scopes }
  }
}

/**
 * Verifies one RFC 9068 access token; see {@link createAccessTokenVerifier} (prefer it on a hot path).
 *
 * @example
 * ```ts
 * const { payload, scopes } = await verifyAccessToken(token, { issuer, audience: 'https://api.example', key: keys })
 * ```
 */
export function verifyAccessToken(token: string, options: AccessTokenVerifierOptions): Promise<VerifiedAccessToken> {
  return createAccessTokenVerifier(options)(token)
}
