/**
 * Client authentication (RFC 6749 §2.3) at the token, revocation and introspection endpoints:
 * `client_secret_basic` (§2.3.1, the Authorization header), `client_secret_post` (§2.3.1, form
 * parameters) and `private_key_jwt` (RFC 7523 §2.2 and §3, a JWT signed with one of the client's
 * keys); and `none` for public clients, which only name themselves with `client_id` (§2.1, §3.2.1)
 * and are accepted where the endpoint allows them (token and revocation, not introspection).
 *
 * Rules kept here, once for every endpoint:
 * - one method per request (RFC 6749 §2.3: "MUST NOT use more than one authentication method in
 *   each request"), else `invalid_request`;
 * - a client authenticates only with its registered method;
 * - every failure is `invalid_client` (401, with `WWW-Authenticate: Basic` when the Authorization
 *   header was used, §5.2), and until the client has proven who it is the description is the same
 *   whatever was wrong: an unknown client id, a wrong secret and the wrong method look alike, and a
 *   secret costs the same KDF in each case (`crypto/secret-hash.ts`), so client ids cannot be probed.
 * @module
 */
import { decodeJWTUnverified, isJotError, JWTClaimError, verifyJWT, type JWSAlgorithmName, type JWTClaims } from 'jotjwt'
import { durationSeconds } from '../config/duration.js'
import { KdfSaturated, MAX_SECRET_LENGTH } from '../crypto/secret-hash.js'
import type { OAuthRequest, ServiceContext } from '../service/context.js'
import type { ClientRecord } from '../store/store.js'
import { endpointUrl, issuerOf } from './endpoints.js'
import { OAuthError } from './errors.js'
import { param } from './request.js'

/** RFC 7523 §2.2. */
export const CLIENT_ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer'

/** The authentication methods of confidential clients (discovery's `*_auth_methods_supported`, with `none` where public clients are accepted). */
export const CLIENT_AUTH_METHODS = Object.freeze(['client_secret_basic', 'client_secret_post', 'private_key_jwt'] as const)

/** Client assertion algorithms: asymmetric only (the keys are the client's published public keys). */
export const CLIENT_ASSERTION_ALGORITHMS: readonly JWSAlgorithmName[] = Object.freeze([
  'ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519', 'PS256', 'PS384', 'PS512', 'RS256', 'RS384', 'RS512',
])

/** Longest accepted assertion lifetime from now, in seconds (beyond the clock tolerance). */
export const MAX_ASSERTION_LIFETIME = 300

/** `typ` values an assertion may carry: none, plain JWT, or the explicit type of draft-ietf-oauth-rfc7523bis. */
const ASSERTION_TYPES = new Set(['jwt', 'client-authentication+jwt'])

/** Claim failure reasons (the library's `JWTClaimError.reason`) in words. */
const CLAIM_FAILURES: Readonly<Record<string, string>> = {
  missing: 'missing',
  mismatch: 'not the expected value',
  type: 'of the wrong type',
  expired: 'in the past',
  future: 'in the future',
  not_yet_valid: 'in the future',
}

/** Failures of a registered remote key set: worth a warning, as they are not the request's fault. */
export const KEY_SET_FAILURES: ReadonlySet<string> = new Set(['ERR_JWKS_FETCH_FAILED', 'ERR_JWKS_TIMEOUT', 'ERR_JWKS_STALE', 'ERR_JWKS_INVALID'])

/** Longest `jti` remembered for replay detection. */
export const MAX_JTI_LENGTH = 256

/**
 * A claim failure of an assertion in words (`exp is in the past`). The library checks claims only
 * after the signature, so saying which claim failed tells nothing to someone without the key.
 */
export function claimFailure(error: JWTClaimError): string {
  return `${error.claim} is ${CLAIM_FAILURES[error.reason] ?? 'invalid'}`
}

/**
 * The `aud` values an assertion made for this server may carry: the issuer identifier
 * (draft-ietf-oauth-rfc7523bis), and the token endpoint URL of RFC 7523 §3 item 3 only by opt-in
 * (it lets a token endpoint URL chosen by an attacker-run "authorization server" collect
 * assertions that are valid here).
 */
export function assertionAudiences(ctx: ServiceContext): string[] {
  const issuer = issuerOf(ctx.config)
  return ctx.config.tokens.acceptTokenEndpointAsAudience ? [issuer, endpointUrl(ctx.config, 'token')] : [issuer]
}

/**
 * The `typ` header of an assertion, when present, is one of `accepted` (compared without case and
 * an `application/` prefix, RFC 7515 §4.1.9): RFC 8725 §3.11, a token of another type (an access
 * token, a DPoP proof) is never taken for an assertion.
 */
export function hasAcceptedType(typ: unknown, accepted: ReadonlySet<string>): boolean {
  return typ === undefined || (typeof typ === 'string' && accepted.has(typ.toLowerCase().replace(/^application\//, '')))
}

/** What a request presents. */
type Credentials =
  | { method: 'client_secret_basic' | 'client_secret_post'; clientId: string; secret: string }
  | { method: 'private_key_jwt'; clientId: string | undefined; assertion: string }
  | { method: 'none'; clientId: string }

/** The description for every failure before the client has proven its identity. */
const FAILED = 'client authentication failed'

/**
 * Authenticates the client making `request`.
 *
 * @example
 * ```ts
 * const client = await authenticateClient(request, ctx)
 * if (!client.grantTypes.includes('client_credentials')) throw new OAuthError('unauthorized_client', '…')
 * ```
 * @throws {@link OAuthError} `invalid_client` (401), `invalid_request` (400), or
 *   `temporarily_unavailable` (503, too many secret checks at once); `StoreUnavailable` from the store.
 */
export async function authenticateClient(request: OAuthRequest, ctx: ServiceContext, options: { allowPublic?: boolean } = {}): Promise<ClientRecord> {
  const credentials = presentedCredentials(request, ctx, options.allowPublic === true)
  const fail = (description: string) => invalidClient(description, credentials.method === 'client_secret_basic', ctx)
  if (credentials.method === 'none') {
    const client = await ctx.store.getClient(credentials.clientId)
    // A confidential client that presents no credentials fails like an unknown one.
    if (client?.authMethod !== 'none') throw fail(FAILED)
    return client
  }
  return credentials.method === 'private_key_jwt' ? byAssertion(credentials, ctx, fail) : bySecret(credentials, ctx, fail)
}

function invalidClient(description: string, viaHeader: boolean, ctx: ServiceContext): OAuthError {
  // RFC 6749 §5.2: 401 with a challenge matching the scheme the client used.
  const realm = issuerOf(ctx.config).replace(/["\\]/g, '\\$&')
  return new OAuthError('invalid_client', description, viaHeader ? { headers: { 'WWW-Authenticate': `Basic realm="${realm}"` } } : {})
}

function presentedCredentials(request: OAuthRequest, ctx: ServiceContext, allowPublic: boolean): Credentials {
  const { authorization } = request
  const secret = param(request, 'client_secret')
  const assertion = param(request, 'client_assertion')
  const assertionType = param(request, 'client_assertion_type')
  const clientId = param(request, 'client_id')
  const methods = [authorization !== undefined, secret !== undefined, assertion !== undefined || assertionType !== undefined]
  if (methods.filter(Boolean).length > 1) {
    throw new OAuthError('invalid_request', 'use exactly one client authentication method (RFC 6749 section 2.3)')
  }
  if (authorization !== undefined) {
    const basic = parseBasic(authorization)
    if (!basic) throw invalidClient('the Authorization header does not hold Basic client credentials', true, ctx)
    // The client may also name itself in the body (RFC 6749 §3.2.1), but not as another client.
    if (clientId !== undefined && clientId !== basic.clientId) throw new OAuthError('invalid_request', 'client_id differs from the client authenticated by the Authorization header')
    return { method: 'client_secret_basic', ...basic }
  }
  if (secret !== undefined) {
    if (clientId === undefined) throw new OAuthError('invalid_request', 'client_secret needs client_id')
    return { method: 'client_secret_post', clientId, secret }
  }
  if (assertion !== undefined || assertionType !== undefined) {
    if (assertion === undefined || assertionType === undefined) {
      throw new OAuthError('invalid_request', 'client_assertion and client_assertion_type go together (RFC 7521 section 4.2)')
    }
    if (assertionType !== CLIENT_ASSERTION_TYPE) throw invalidClient('unsupported client_assertion_type', false, ctx)
    return { method: 'private_key_jwt', clientId, assertion }
  }
  if (allowPublic && clientId !== undefined) return { method: 'none', clientId }
  throw invalidClient('client authentication required', false, ctx)
}

const BASIC = /^basic +([A-Za-z0-9+/]+={0,2}) *$/i
const UTF8 = new TextDecoder('utf-8', { fatal: true })

/**
 * RFC 6749 §2.3.1: the client id and secret are each encoded with application/x-www-form-urlencoded
 * and then used as the user-id and password of Basic authentication (RFC 7617). Undefined when the
 * header is anything else or does not decode exactly.
 */
function parseBasic(header: string): { clientId: string; secret: string } | undefined {
  const encoded = BASIC.exec(header)?.[1]
  if (encoded === undefined) return undefined
  const bytes = Buffer.from(encoded, 'base64')
  // Buffer's decoder skips what it does not understand; only canonical base64 is accepted.
  if (bytes.toString('base64').replace(/=+$/, '') !== encoded.replace(/=+$/, '')) return undefined
  let text: string
  try {
    text = UTF8.decode(bytes)
  } catch {
    return undefined
  }
  const colon = text.indexOf(':')
  if (colon < 0) return undefined
  const clientId = formDecode(text.slice(0, colon))
  const secret = formDecode(text.slice(colon + 1))
  return clientId && secret !== undefined ? { clientId, secret } : undefined
}

/** application/x-www-form-urlencoded decoding of one value: `+` is a space, then percent-decoding (UTF-8). */
function formDecode(value: string): string | undefined {
  try {
    return decodeURIComponent(value.replaceAll('+', ' '))
  } catch {
    return undefined
  }
}

async function bySecret(
  credentials: Extract<Credentials, { secret: string }>,
  ctx: ServiceContext,
  fail: (description: string) => OAuthError,
): Promise<ClientRecord> {
  const { clientId, secret, method } = credentials
  // No registered secret is that long or empty; refusing before the KDF tells nothing about any client.
  if (secret.length === 0 || secret.length > MAX_SECRET_LENGTH) throw fail(FAILED)
  const client = await ctx.store.getClient(clientId)
  // A client registered for another method is checked against no hash: the same KDF, the same failure.
  const secretHash = client?.authMethod === method ? client.secretHash : undefined
  let verified: boolean
  try {
    verified = await ctx.oauth.secrets.verify(clientId, secretHash, secret)
  } catch (error) {
    if (!(error instanceof KdfSaturated)) throw error
    throw new OAuthError('temporarily_unavailable', 'too many client authentications in progress; retry shortly', {
      headers: { 'Retry-After': '1' },
    })
  }
  if (!verified || !client) throw fail(FAILED)
  return client
}

async function byAssertion(
  credentials: Extract<Credentials, { assertion: string }>,
  ctx: ServiceContext,
  fail: (description: string) => OAuthError,
): Promise<ClientRecord> {
  const { assertion } = credentials
  let unverified: JWTClaims
  try {
    unverified = decodeJWTUnverified(assertion).payload
  } catch {
    throw fail('client assertion: not a JWT')
  }
  // RFC 7523 §3 items 1–2: iss and sub are both the client_id. Checked on the unverified claims only
  // to find the client; the signature check below then binds them.
  const clientId = unverified.sub
  if (typeof clientId !== 'string' || unverified.iss !== clientId) throw fail('client assertion: iss and sub must both be the client_id')
  if (credentials.clientId !== undefined && credentials.clientId !== clientId) throw fail('client_id differs from the client assertion sub')
  const client = await ctx.store.getClient(clientId)
  if (client?.authMethod !== 'private_key_jwt') throw fail(FAILED)
  let keys
  try {
    keys = (client.source === 'registration' ? ctx.oauth.selfRegisteredClientKeys : ctx.oauth.clientKeys)(clientId, client, ctx)
  } catch (error) {
    if (!isJotError(error)) throw error
    ctx.log.warn({ client_id: clientId, code: error.code }, 'the client\'s registered jwks is unusable')
  }
  if (!keys) throw fail(FAILED)

  const now = ctx.now()
  const tolerance = durationSeconds(ctx.config.tokens.clockTolerance)
  let payload: JWTClaims
  let typ: unknown
  try {
    ;({ payload, header: { typ } } = await verifyJWT(assertion, keys, {
      algorithms: CLIENT_ASSERTION_ALGORITHMS,
      issuer: clientId,
      subject: clientId,
      audience: assertionAudiences(ctx),
      requireExpiration: true, // RFC 7523 §3 item 4
      requiredClaims: ['jti'], // RFC 7523 §3 item 7, needed for replay detection
      clockTolerance: tolerance,
      currentTime: now,
    }))
  } catch (error) {
    if (!isJotError(error)) throw error
    // The library checks claims only after the signature: a claim error means the client holds the key.
    if (error instanceof JWTClaimError) throw fail(`client assertion: ${claimFailure(error)}`)
    if (KEY_SET_FAILURES.has(error.code)) ctx.log.warn({ client_id: clientId, code: error.code }, 'the client\'s jwks_uri could not be used')
    throw fail(FAILED)
  }
  if (!hasAcceptedType(typ, ASSERTION_TYPES)) {
    throw fail('client assertion: typ must be JWT or client-authentication+jwt')
  }
  const { aud, exp, jti } = payload as { aud: string | string[]; exp: number; jti: string }
  if (Array.isArray(aud) && aud.length !== 1) throw fail('client assertion: aud must name this issuer alone')
  if (exp > now + MAX_ASSERTION_LIFETIME + tolerance) throw fail(`client assertion: exp is more than ${MAX_ASSERTION_LIFETIME} seconds ahead`)
  if (jti.length === 0 || jti.length > MAX_JTI_LENGTH) throw fail('client assertion: jti is empty or too long')
  // RFC 7523 §3 item 7: single use, across replicas, for as long as the assertion would be accepted.
  // The client id is length-prefixed so that no (client, jti) pair can collide with another.
  if (!(await ctx.store.useOnce('client_assertion', `${clientId.length}:${clientId}${jti}`, Math.ceil(exp + tolerance), now))) {
    throw fail('client assertion: jti was already used')
  }
  return client
}
