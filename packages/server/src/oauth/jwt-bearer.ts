/**
 * The JWT-bearer authorization grant (RFC 7523 §2.1): a client presents a JWT that a trusted issuer
 * signed about a subject, and gets an access token for that subject. Whom to trust is the trust
 * entries' (configuration and admin API): an issuer, the one subject accepted or any, the most it
 * may be granted, and its keys (a JWK Set, or a `jwksUri` read through the library's remote key set).
 *
 * The assertion (RFC 7523 §3): `iss` names a trust entry and `sub` its subject (items 1, 2); `aud`
 * is this issuer's identifier alone, the token endpoint URL only by opt-in (item 3,
 * draft-ietf-oauth-rfc7523bis); `exp` is required and at most `tokens.maxGrantAssertionLifetime`
 * ahead (item 4); `nbf` and `iat` are checked with the clock tolerance (items 5, 6); `jti` is
 * required and single use across replicas, through the store's single-use entries like client
 * assertions' (item 7); the signature is by the entry's keys (item 9). Every failure is
 * `invalid_grant` (RFC 7521 §4.1.1, RFC 7523 §3.1).
 *
 * The client authenticates as for any grant and must be allowed this grant type. The scopes granted
 * are those requested within the trust entry's and the client's (all of both without `scope`; none
 * is `invalid_scope`); the token's `sub` is the assertion's.
 * @module
 */
import { decodeJWTUnverified, isJotError, JWTClaimError, verifyJWT, type JWSAlgorithmName, type JWTClaims } from 'jotjwt'
import { durationSeconds } from '../config/duration.js'
import type { OAuthRequest, OAuthResponse, ServiceContext } from '../service/context.js'
import type { ClientRecord, TrustEntryRecord } from '../store/store.js'
import { mintAccessToken, tokenType } from './access-token.js'
import { assertionAudiences, claimFailure, hasAcceptedType, KEY_SET_FAILURES, MAX_JTI_LENGTH } from './client-auth.js'
import { OAuthError } from './errors.js'
import { param, resourceParams } from './request.js'
import { NO_STORE } from './response.js'
import { grantedAudiences, requestedScopes } from './scopes-and-resources.js'

/** `typ` values a grant assertion may carry: none or plain JWT (a client assertion's type is refused here). */
const GRANT_ASSERTION_TYPES: ReadonlySet<string> = new Set(['jwt'])

/** The one description for an issuer or subject that is not trusted (unknown, expired, another subject). */
const UNTRUSTED = 'the assertion\'s issuer is not trusted for its subject'

const invalidGrant = (description: string) => new OAuthError('invalid_grant', description)

/**
 * RFC 7523 §2.1: exchanges `assertion` for an access token.
 *
 * @example
 * ```ts
 * const response = await jwtBearerGrant(request, client, ctx, undefined)
 * ```
 * @throws {@link OAuthError} `invalid_request`, `invalid_grant`, `invalid_scope`, `invalid_target`.
 */
export async function jwtBearerGrant(request: OAuthRequest, client: ClientRecord, ctx: ServiceContext, jkt: string | undefined): Promise<OAuthResponse> {
  const assertion = param(request, 'assertion')
  if (assertion === undefined) throw new OAuthError('invalid_request', 'assertion is required (RFC 7523 section 2.1)')
  const { entry, claims } = await verifyAssertion(assertion, ctx)
  const scopes = grantedScopes(param(request, 'scope'), entry, client)
  const audiences = grantedAudiences(resourceParams(request), client)
  // Spent only now: a request refused for its scope or resource leaves the assertion usable.
  await spendAssertion(entry, claims, ctx)
  const { token, expiresIn } = await mintAccessToken(ctx, client, { subject: claims.sub, audiences, scopes, jkt })
  ctx.log.info({ client_id: client.clientId, trust_id: entry.id, sub: claims.sub }, 'jwt-bearer assertion accepted')
  return {
    status: 200,
    headers: { ...NO_STORE },
    // RFC 6749 §5.1: `scope` always, since it may be narrower than what was asked for.
    body: { access_token: token, token_type: tokenType(jkt), expires_in: expiresIn, scope: scopes.join(' ') },
  }
}

/** The trust entry that vouches for the assertion, and its verified claims; else `invalid_grant`. */
async function verifyAssertion(assertion: string, ctx: ServiceContext): Promise<{ entry: TrustEntryRecord; claims: JWTClaims & { sub: string; exp: number; jti: string } }> {
  let unverified: JWTClaims
  try {
    unverified = decodeJWTUnverified(assertion).payload
  } catch {
    throw invalidGrant('the assertion is not a JWT')
  }
  // Only to find the entry; the signature check below binds iss and sub.
  const { iss, sub } = unverified
  if (typeof iss !== 'string' || typeof sub !== 'string') throw invalidGrant('the assertion needs iss and sub (RFC 7523 section 3)')
  const now = ctx.now()
  const entry = trustedEntry(await ctx.store.findTrustEntries(iss), sub, now)
  if (!entry) throw invalidGrant(UNTRUSTED)
  let keys
  try {
    keys = ctx.oauth.trustKeys(entry.id, entry, ctx)
  } catch (error) {
    if (!isJotError(error)) throw error
    ctx.log.warn({ trust_id: entry.id, code: error.code }, 'the trust entry\'s keys are unusable')
  }
  if (!keys) throw invalidGrant(UNTRUSTED)

  const tolerance = durationSeconds(ctx.config.tokens.clockTolerance)
  let payload: JWTClaims
  let typ: unknown
  try {
    ;({ payload, header: { typ } } = await verifyJWT(assertion, keys, {
      algorithms: entry.algorithms as JWSAlgorithmName[],
      issuer: entry.issuer,
      ...(entry.subject === undefined ? {} : { subject: entry.subject }),
      audience: assertionAudiences(ctx),
      requireExpiration: true,
      requiredClaims: ['sub', 'jti'],
      clockTolerance: tolerance,
      currentTime: now,
    }))
  } catch (error) {
    if (!isJotError(error)) throw error
    if (error instanceof JWTClaimError) throw invalidGrant(`assertion: ${claimFailure(error)}`)
    if (KEY_SET_FAILURES.has(error.code)) ctx.log.warn({ trust_id: entry.id, code: error.code }, 'the trusted issuer\'s jwks_uri could not be used')
    throw invalidGrant('the assertion\'s signature does not verify with the trusted issuer\'s keys')
  }
  if (!hasAcceptedType(typ, GRANT_ASSERTION_TYPES)) throw invalidGrant('assertion: typ must be JWT')
  const claims = payload as JWTClaims & { sub: string; exp: number; jti: string }
  const { aud, exp, jti } = claims
  if (Array.isArray(aud) && aud.length !== 1) throw invalidGrant('assertion: aud must name this issuer alone')
  const maxLifetime = durationSeconds(ctx.config.tokens.maxGrantAssertionLifetime)
  if (exp > now + maxLifetime + tolerance) throw invalidGrant(`assertion: exp is more than ${maxLifetime} seconds ahead`)
  if (typeof jti !== 'string' || jti.length === 0 || jti.length > MAX_JTI_LENGTH) throw invalidGrant('assertion: jti is empty or too long')
  return { entry, claims }
}

/**
 * RFC 7523 §3 item 7: single use, across replicas, for as long as the assertion would be accepted
 * (through the store's single-use entries, as client assertions). The issuer is length-prefixed so
 * that no (issuer, jti) pair can collide with another.
 */
async function spendAssertion(entry: TrustEntryRecord, { exp, jti }: { exp: number; jti: string }, ctx: ServiceContext): Promise<void> {
  const tolerance = durationSeconds(ctx.config.tokens.clockTolerance)
  if (!(await ctx.store.useOnce('jwt_bearer', `${entry.issuer.length}:${entry.issuer}${jti}`, Math.ceil(exp + tolerance), ctx.now()))) {
    throw invalidGrant('assertion: jti was already used')
  }
}

/** The entry for exactly this subject, else the issuer's any-subject entry; an expired one trusts nothing. */
function trustedEntry(entries: readonly TrustEntryRecord[], subject: string, now: number): TrustEntryRecord | undefined {
  const entry = entries.find((candidate) => candidate.subject === subject) ?? entries.find((candidate) => candidate.subject === undefined)
  return entry && (entry.expiresAt === undefined || now < entry.expiresAt) ? entry : undefined
}

/**
 * What both the trust entry and the client allow, narrowed to the request's `scope` (RFC 6749
 * §3.3: the server may issue fewer scopes than requested, and says so in `scope`). Nothing left is
 * `invalid_scope`.
 */
function grantedScopes(requested: string | undefined, entry: TrustEntryRecord, client: ClientRecord): string[] {
  const allowed = entry.scopes.filter((scope) => client.scopes.includes(scope))
  const scopes = requested === undefined ? allowed : requestedScopes(requested, () => true).filter((scope) => allowed.includes(scope))
  if (scopes.length === 0) throw new OAuthError('invalid_scope', 'no requested scope is allowed for both this issuer and this client')
  return scopes
}
