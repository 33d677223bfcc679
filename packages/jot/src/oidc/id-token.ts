/**
 * ID token validation, OpenID Connect Core 1.0 §3.1.3.7 (and §3.2.2.11, §3.3.2.12 for the implicit
 * and hybrid flows). The per-client checks are compiled once; the per-login values (`nonce`,
 * `max_age`, the access token and code the ID token is bound to) are given per call.
 * @module
 */
import { InvalidArgument, JWTClaimInvalid, JWTClaimMissing } from '../errors.js'
import { readObject, readOptions, readStringArray } from '../lib/arguments.js'
import { toSeconds, type Duration } from '../lib/duration.js'
import type { JotKey } from '../key/key.js'
import type { KeyResolver, VerifyJWSOptions } from '../jws/types.js'
import { normalizeTyp } from '../jwt/claims.js'
import { clockFrom } from '../jwt/time.js'
import type { Instant, JWTClaims, VerifiedJWT } from '../jwt/types.js'
import { createVerifier } from '../jwt/verify.js'
import { leftHalfHash } from './hash.js'

/** ID token claims (Core §2). */
export interface IdTokenClaims extends JWTClaims {
  iss: string
  sub: string
  aud: string | string[]
  exp: number
  iat: number
  auth_time?: number
  nonce?: string
  acr?: string
  amr?: string[]
  azp?: string
  at_hash?: string
  c_hash?: string
}

/** Options of {@link createIdTokenVerifier}: the client's fixed expectations. */
export interface IdTokenVerifierOptions extends VerifyJWSOptions {
  /** The OpenID Provider's issuer identifier; `iss` must equal it exactly (step 2). */
  issuer: string
  /** This client's `client_id`; `aud` must contain it (step 3), `azp` must equal it when present (step 5). */
  clientId: string
  /** The provider's keys: a key set (e.g. {@link createRemoteKeySet}) or one key. */
  key: JotKey | KeyResolver
  /** Other audiences this client trusts in `aud` next to itself. Default none: any other audience is refused (step 3). */
  trustedAudiences?: readonly string[]
  /** Accepted `acr` values; when set, `acr` is required and must be one of them (step 12). */
  acrValues?: readonly string[]
  /** Default `max_age` for every login (seconds or e.g. `"1h"`): `auth_time` is then required and checked (step 13). */
  maxAge?: Duration
  /** Require `auth_time` even without `max_age` (the client registered `require_auth_time`). */
  requireAuthTime?: boolean
  /** Refuse tokens whose `iat` is older than this (step 10 leaves the window to the client). */
  maxTokenAge?: Duration
  /** Leeway for `exp`, `iat` and `auth_time`. Default 0. */
  clockTolerance?: Duration
  /** The clock, for tests. */
  currentTime?: Instant | (() => Instant)
}

/** Values of one login, given per call. */
export interface IdTokenCheck {
  /**
   * The `nonce` sent in the authentication request; the token's must equal it (step 11). When
   * omitted, a token that carries a `nonce` is refused: it belongs to a request that sent one, and
   * skipping the check would let it be replayed into another login. `null` means "no nonce check"
   * (a flow that does not use nonces): the token's `nonce`, if any, is then ignored.
   */
  nonce?: string | null
  /** The `max_age` sent in the request, overriding the default. */
  maxAge?: Duration
  /** The access token issued with the ID token: `at_hash`, when present, must match it (§3.1.3.8). */
  accessToken?: string
  /** The authorization code issued with the ID token: `c_hash`, when present, must match it (§3.3.2.10). */
  code?: string
  /** Require `at_hash`/`c_hash` for the values given (implicit and hybrid flows, where they are REQUIRED). */
  requireHashes?: boolean
}

/**
 * Prepares an ID token verifier for one client. Each call checks the signature and algorithm, then,
 * in the order of Core §3.1.3.7: `iss` equals the issuer; `aud` contains the client id and no
 * untrusted audience; `azp` present when there are several audiences and equal to the client id when
 * present; `exp`; `iat` (required, not in the future, `maxTokenAge`); `nonce` (a token that carries
 * one is refused unless the expected nonce is given, or `nonce: null` opts out); `acr`; `auth_time`
 * with `max_age`; and the `at_hash`/`c_hash` bindings with the left-half hash of the token's `alg`.
 * A `typ` other than `JWT` (e.g. `at+jwt`) is refused: an access token is not an ID token
 * (RFC 8725 §3.12).
 *
 * @example
 * ```ts
 * const verifyIdToken = createIdTokenVerifier({ issuer: 'https://accounts.example.com', clientId: 'my-app', key: keys })
 * const { payload } = await verifyIdToken(idToken, { nonce: session.nonce, accessToken })
 * ```
 * @throws (per call) {@link JWTClaimInvalid} / {@link JWTClaimMissing} naming the claim (`nonce`, `azp`,
 *   `auth_time`, `at_hash`, …), {@link JWTExpired}, {@link JWSSignatureInvalid}, key-set errors.
 */
export function createIdTokenVerifier(
  options: IdTokenVerifierOptions,
): (token: string, check?: IdTokenCheck) => Promise<VerifiedJWT<IdTokenClaims>> {
  options = readObject<IdTokenVerifierOptions>(options, 'options')
  const { issuer, clientId, trustedAudiences, acrValues, requireAuthTime = false } = options
  if (typeof issuer !== 'string' || issuer === '') throw new InvalidArgument('issuer is required')
  if (typeof clientId !== 'string' || clientId === '') throw new InvalidArgument('clientId is required')
  const trusted = new Set([clientId, ...(trustedAudiences === undefined ? [] : readStringArray(trustedAudiences, 'trustedAudiences'))])
  const acr = acrValues === undefined ? undefined : new Set(readStringArray(acrValues, 'acrValues'))
  const tolerance = toSeconds(options.clockTolerance ?? 0, 'clockTolerance')
  const defaultMaxAge = options.maxAge === undefined ? undefined : toSeconds(options.maxAge, 'maxAge')
  const clock = clockFrom(options.currentTime)
  const verify = createVerifier<IdTokenClaims>({
    ...pickJWS(options),
    key: options.key,
    issuer,
    audience: clientId,
    requiredClaims: ['iss', 'sub', 'aud', 'exp', 'iat'],
    clockTolerance: tolerance,
    ...(options.maxTokenAge === undefined ? {} : { maxTokenAge: options.maxTokenAge }),
    ...(options.currentTime === undefined ? {} : { currentTime: options.currentTime }),
  })

  return async (token, check) => {
    check = readOptions(check, 'check')
    const verified = await verify(token)
    const { payload, header } = verified
    if (header.typ !== undefined && (typeof header.typ !== 'string' || normalizeTyp(header.typ) !== 'jwt')) {
      throw new JWTClaimInvalid('an ID token has typ "JWT" or none; this is another kind of token', 'typ', 'mismatch')
    }
    const audiences = typeof payload.aud === 'string' ? [payload.aud] : payload.aud
    if (!audiences.every((aud) => trusted.has(aud))) throw new JWTClaimInvalid('"aud" names an untrusted audience', 'aud', 'untrusted')
    if (payload.azp !== undefined && payload.azp !== clientId) throw new JWTClaimInvalid('"azp" is not this client', 'azp', 'mismatch')
    if (audiences.length > 1 && payload.azp === undefined) {
      throw new JWTClaimMissing('"azp" is required when "aud" has several audiences', 'azp', 'missing')
    }
    checkNonce(payload.nonce, check.nonce)
    if (acr) {
      if (payload.acr === undefined) throw new JWTClaimMissing('"acr" is missing', 'acr', 'missing')
      if (typeof payload.acr !== 'string' || !acr.has(payload.acr)) throw new JWTClaimInvalid('"acr" is not acceptable', 'acr', 'mismatch')
    }
    const maxAge = check.maxAge === undefined ? defaultMaxAge : toSeconds(check.maxAge, 'maxAge')
    checkAuthTime(payload, maxAge, requireAuthTime, clock(), tolerance)
    await checkHash('at_hash', payload.at_hash, check.accessToken, check.requireHashes, verified)
    await checkHash('c_hash', payload.c_hash, check.code, check.requireHashes, verified)
    return verified
  }
}

/**
 * Verifies one ID token; see {@link createIdTokenVerifier} (prefer it for more than one token).
 *
 * @example
 * ```ts
 * const { payload } = await verifyIdToken(idToken, { issuer, clientId: 'my-app', key: keys }, { nonce })
 * ```
 */
export function verifyIdToken(token: string, options: IdTokenVerifierOptions, check?: IdTokenCheck): Promise<VerifiedJWT<IdTokenClaims>> {
  return createIdTokenVerifier(options)(token, check)
}

/** The JWS options, passed through as given (absent ones stay absent, so the verifier's defaults apply). */
function pickJWS({ algorithms, crit, maxTokenLength }: VerifyJWSOptions): VerifyJWSOptions {
  return {
    ...(algorithms === undefined ? {} : { algorithms }),
    ...(crit === undefined ? {} : { crit }),
    ...(maxTokenLength === undefined ? {} : { maxTokenLength }),
  }
}

/** Core §3.1.3.7 step 11; `expected` null: the caller opted out of nonce checking. */
function checkNonce(actual: unknown, expected: string | null | undefined): void {
  if (expected === null) return
  if (expected === undefined) {
    if (actual !== undefined) throw new JWTClaimInvalid('the token has a "nonce" but none was expected (pass nonce: null to skip the check)', 'nonce', 'unexpected')
    return
  }
  if (actual === undefined) throw new JWTClaimMissing('"nonce" is missing', 'nonce', 'missing')
  if (actual !== expected) throw new JWTClaimInvalid('"nonce" does not match the request', 'nonce', 'mismatch')
}

/** Core §3.1.3.7 step 13, with the clock tolerance in the token's favour both ways. */
function checkAuthTime(payload: IdTokenClaims, maxAge: number | undefined, required: boolean, now: number, tolerance: number): void {
  const authTime = payload.auth_time
  if (authTime === undefined) {
    if (maxAge !== undefined || required) throw new JWTClaimMissing('"auth_time" is required', 'auth_time', 'missing')
    return
  }
  if (typeof authTime !== 'number' || !Number.isFinite(authTime)) throw new JWTClaimInvalid('"auth_time" must be a NumericDate', 'auth_time', 'type')
  if (authTime > now + tolerance) throw new JWTClaimInvalid('"auth_time" is in the future', 'auth_time', 'future')
  if (maxAge !== undefined && now - authTime > maxAge + tolerance) {
    throw new JWTClaimInvalid('the authentication is older than max_age: re-authenticate', 'auth_time', 'too_old')
  }
}

async function checkHash(
  claim: 'at_hash' | 'c_hash',
  actual: unknown,
  value: string | undefined,
  required: boolean | undefined,
  { header, key }: VerifiedJWT<IdTokenClaims>,
): Promise<void> {
  if (value === undefined) return
  if (actual === undefined) {
    if (required) throw new JWTClaimMissing(`"${claim}" is required`, claim, 'missing')
    return
  }
  if (typeof actual !== 'string' || actual !== (await leftHalfHash(value, header.alg!, key))) {
    throw new JWTClaimInvalid(`"${claim}" does not match`, claim, 'mismatch')
  }
}
