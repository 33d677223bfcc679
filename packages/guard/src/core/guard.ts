/**
 * The framework-agnostic core: `authenticate(request)` → the verified token, a refusal, or nothing
 * (no token and `authRequired: false`). Adapters and gateways share it; it imports no framework.
 *
 * Order of checks (each refusal is final): extract the token (one location only, RFC 6750 §2) →
 * pick the issuer by the token's `iss` (several issuers: decoded without trust, only to choose; the
 * chosen issuer's verifier then checks `iss` again) → jot's verifier (algorithm allowlist, key by
 * `kid` with refetch on rotation, signature, `typ`, required claims, `iss`, `aud`, times) → audience
 * function (these, about the token alone, are what the verified-token cache may skip,
 * `cache/token-cache.ts`) → DPoP (RFC 9449 §7: the proof of an `Authorization: DPoP` request,
 * `core/dpop.ts`; a token bound by `cnf.jkt` is refused with the Bearer scheme) → revocation
 * (denylist, then introspection), on every request.
 * @module
 */
import { decodeJWTUnverified, type AccessTokenClaims, type JWSHeaderParameters, type JWTClaims, type VerifiedJWT } from 'jotjwt'
import { isHeaderSafeText } from '../errors/challenge.js'
import { GuardError, InvalidTokenError, ServiceUnavailableError, UnauthorizedError } from '../errors/errors.js'
import { errorResponse, type ErrorResponse, type ResponseSettings } from '../errors/response.js'
import type { AuthorizationRule, RuleContext } from '../authz/rules.js'
import type { Denylist } from '../revocation/denylist.js'
import { compileLocations, extractToken, tokenFromAuthorization, type CompiledLocations, type FoundToken, type TokenLocation } from '../token/extract.js'
import type { AuthScheme } from '../errors/errors.js'
import { compileDPoP } from './dpop.js'
import { INVALID_TOKEN, verificationFailure } from './failure.js'
import type { GuardOptions } from './options.js'
import { compileProviders, type Provider } from './providers.js'
import type { TokenCachePartition } from '../cache/token-cache.js'
import { pathOf, plainRequestReader, type GuardRequest, type RequestReader } from './request.js'
import { compileResourceMetadata, metadataAnswer, type ProtectedResourceMetadata } from '../metadata/protected-resource.js'

/** A verified token. */
export interface GuardAuth<C = JWTClaims> {
  /** The verified claims. */
  readonly claims: C
  /** The token's protected header. */
  readonly header: JWSHeaderParameters
  /** The token itself, e.g. to call downstream services on the caller's behalf. */
  readonly token: string
  /** Where the token was found. */
  readonly location: TokenLocation
  /** For a DPoP request: the thumbprint of the proof's key, which the token's `cnf.jkt` names. */
  readonly jkt?: string
}

/** What {@link Guard.authenticate} resolves to. */
export type AuthenticateResult<C> = GuardAuth<C> | GuardError | undefined

/** A compiled guard. */
export interface Guard<C = JWTClaims> {
  /**
   * Authenticates a request: the verified token, a refusal ({@link GuardError}: answer it with
   * {@link Guard.errorResponse}), or undefined when there is no token and `authRequired` is false.
   * Never rejects for anything a client sends.
   */
  authenticate(request: GuardRequest): Promise<AuthenticateResult<C>>
  authenticate<R>(request: R, reader: RequestReader<R>): Promise<AuthenticateResult<C>>
  /**
   * The token `authenticate` would verify, and where it is (the enabled locations, one token per
   * request): found, absent (undefined), or the `invalid_request` refusal. Nothing is verified; a
   * gateway reads the unverified `iss` of it to pick the providers that verify.
   */
  findToken(request: GuardRequest): FoundToken | undefined | GuardError
  findToken<R>(request: R, reader: RequestReader<R>): FoundToken | undefined | GuardError
  /** Runs an authorization rule; `auth` undefined (no token) gives a 401 challenge. */
  authorize(auth: GuardAuth<JWTClaims> | undefined, rule: AuthorizationRule): GuardError | undefined
  /** The HTTP answer to a refusal: status, `WWW-Authenticate`, optional problem+json body. */
  errorResponse(error: GuardError): ErrorResponse
  /**
   * What its answers are built from (realm, verbosity, DPoP challenge, resource metadata URL): for a
   * gateway answering with {@link errorResponse} and another `resourceMetadata` per protected API.
   */
  readonly responseSettings: ResponseSettings
  /**
   * Headers for the answer to an accepted request (names in lower case): the current `DPoP-Nonce`
   * for a DPoP request when nonces are configured (RFC 9449 §8.2, §9: a server may hand out a new
   * nonce on any answer, and the client uses it from its next proof on); else none.
   */
  responseHeaders(auth: GuardAuth<unknown> | undefined): Record<string, string>
  /** Passes a refusal to the `onError` hook (exceptions there are ignored). */
  report(error: GuardError, request: unknown): void
  /** Resolves once every issuer's keys are loaded (discovery, JWKS, imports); rejects with the first failure. */
  ready(): Promise<void>
  /** The enabled token locations. */
  readonly locations: CompiledLocations
  /** The API's protected resource metadata (RFC 9728), when `resourceMetadata` is set. */
  readonly resourceMetadata: ProtectedResourceMetadata | undefined
  /**
   * The answer to a GET of the metadata path (adapters send it before authenticating: the document
   * is public), or undefined for any other request.
   */
  metadataResponse<R>(request: R, reader: RequestReader<R>): ErrorResponse | undefined
}

const MISSING = 'no access token'

/** The answer headers of most accepted requests: none, one frozen object rather than one per request. */
const NO_HEADERS: Record<string, string> = Object.freeze({})

function responseSettings(options: GuardOptions, dpop: ResponseSettings['dpop'], resourceMetadata: string | undefined): ResponseSettings {
  const realm = options.realm ?? 'api'
  if (typeof realm !== 'string' || !isHeaderSafeText(realm)) throw new TypeError('realm must be printable ASCII (it is sent in WWW-Authenticate)')
  const verbosity = options.errorVerbosity ?? 'generic'
  if (verbosity !== 'none' && verbosity !== 'generic' && verbosity !== 'detailed') throw new TypeError("errorVerbosity must be 'none', 'generic' or 'detailed'")
  return { realm, verbosity, problemDetails: options.problemDetails === true, dpop, resourceMetadata }
}

/** Settings for refusals made without a guard (a rule that runs before any guard did). */
export const DEFAULT_RESPONSE_SETTINGS: ResponseSettings = { realm: 'api', verbosity: 'generic', problemDetails: false }

/**
 * Builds a guard. Options are validated here, once; keys and discovery load at the first request
 * (or on `ready()`).
 *
 * @example
 * ```ts
 * const guard = createGuard({ issuer: 'https://as.example', jwksUri: 'https://as.example/jwks.json', audience: 'https://api.example', algorithms: ['ES256'], profile: 'rfc9068' })
 * const result = await guard.authenticate({ method: 'GET', url: '/orders', headers: { authorization } })
 * if (result instanceof GuardError) return guard.errorResponse(result)
 * ```
 * @throws TypeError for invalid options (missing `algorithms` or `audience`, no or several key sources, …).
 */
export function createGuard<C extends object = JWTClaims>(options: GuardOptions & { profile: 'rfc9068' }): Guard<C & AccessTokenClaims>
export function createGuard<C extends object = JWTClaims>(options: GuardOptions): Guard<C & JWTClaims>
export function createGuard(options: GuardOptions): Guard {
  if (typeof options !== 'object' || options === null) throw new TypeError('options must be an object')
  const providers = compileProviders(options)
  const single = providers.length === 1 ? providers[0]! : undefined
  const byIssuer = new Map(providers.map((provider) => [provider.issuer, provider]))
  const dpop = compileDPoP(options.dpop, options.dpopSettings)
  const dpopMode = dpop.challenge.mode
  const locations = compileLocations(options.tokenLocations, dpopMode !== 'off')
  const resourceMetadata = compileResourceMetadata(options.resourceMetadata, {
    audience: options.audience,
    issuers: providers.map((provider) => provider.issuer),
    locations,
    dpop: dpop.challenge,
    allowHttp: options.allowHttp === true,
  })
  const settings = responseSettings(options, dpop.challenge, resourceMetadata?.url)
  const authRequired = options.authRequired !== false
  const { audience, onError } = options
  const audienceCheck = typeof audience === 'function' ? audience : undefined
  const denylist: Denylist | undefined = options.revocation?.denylist
  if (denylist !== undefined && typeof denylist.isRevoked !== 'function') throw new TypeError('revocation.denylist must have isRevoked(jti, claims)')
  const checksRevocation = denylist !== undefined || options.revocation?.introspection !== undefined
  if (options.customScopeKey !== undefined && typeof options.customScopeKey !== 'string') throw new TypeError('customScopeKey must be a claim name or JSON Pointer')
  const ruleContext: RuleContext = { customScopeKey: options.customScopeKey }
  const clock = secondsClock(options.currentTime)

  function providerFor(token: string): Provider | GuardError {
    if (single) return single
    let iss: unknown
    try {
      iss = decodeJWTUnverified(token).payload.iss
    } catch (error) {
      return verificationFailure(error)
    }
    // The unverified iss only chooses which issuer's verifier runs; that verifier checks it again.
    return (typeof iss === 'string' && byIssuer.get(iss)) || new InvalidTokenError(INVALID_TOKEN, 'unexpected "iss"')
  }

  async function revocationFailure(provider: Provider, verified: VerifiedJWT, token: string): Promise<GuardError | undefined> {
    const { jti } = verified.payload
    if (typeof jti !== 'string') return new InvalidTokenError(INVALID_TOKEN, '"jti" is missing (needed to check revocation)')
    try {
      if (denylist !== undefined && (await denylist.isRevoked(jti, verified.payload))) {
        return new InvalidTokenError('the access token was revoked', 'the token is on the denylist')
      }
      if (provider.introspection !== undefined) {
        const check = await provider.introspection()
        if (!(await check.isActive(token, verified.payload))) return new InvalidTokenError('the access token was revoked', 'introspection says the token is not active')
      }
    } catch (error) {
      return new ServiceUnavailableError('the revocation status is unavailable', 'the revocation check failed', { cause: error })
    }
    return undefined
  }

  /** The audience function, after jot's verifier accepted the token (which checked everything else about it). */
  function audienceChecked(verified: VerifiedJWT): VerifiedJWT | GuardError {
    if (audienceCheck === undefined) return verified
    const { aud } = verified.payload
    const audiences = aud === undefined ? [] : typeof aud === 'string' ? [aud] : aud
    return audienceCheck(audiences, verified.payload) ? verified : new InvalidTokenError(INVALID_TOKEN, 'unexpected "aud"')
  }

  /**
   * Everything about the token alone: jot's verifier (the profile included), then the audience
   * function. One `then` on the verifier's promise: each extra async layer would cost every request
   * microtask hops.
   */
  function verifyToken(provider: Provider, token: string): Promise<VerifiedJWT | GuardError> {
    return provider.verify(token).then(audienceChecked, verificationFailure)
  }

  /** {@link verifyToken}, through the cache when it is on (`cache/token-cache.ts`: only what depends on the token alone is cached). */
  function cachedToken(provider: Provider, cache: TokenCachePartition, token: string): Promise<VerifiedJWT | GuardError> {
    const now = clock()
    const lookup = (key: string): VerifiedJWT | Promise<VerifiedJWT | GuardError> =>
      cache.get(key, now) ?? verifyToken(provider, token).then((verified) => (verified instanceof GuardError ? verified : cache.set(key, verified, token.length, now)))
    // The key is at hand where node:crypto hashes synchronously: a hit then costs no extra hop.
    const key = cache.key(token)
    return typeof key === 'string' ? Promise.resolve(lookup(key)) : key.then(lookup)
  }

  /** What the request adds to a verified token, on every request, hit or miss: DPoP, then revocation. */
  async function requestChecks<R>(
    provider: Provider,
    verified: VerifiedJWT,
    token: string,
    location: TokenLocation,
    scheme: AuthScheme,
    request: R,
    reader: RequestReader<R>,
  ): Promise<GuardAuth | GuardError> {
    const claims = verified.payload
    let jkt: string | undefined
    if (scheme === 'DPoP') {
      const checked = await dpop.check(request, reader, token, claims)
      if (checked instanceof GuardError) return checked
      jkt = checked
    }
    if (checksRevocation) {
      const refusal = await revocationFailure(provider, verified, token)
      if (refusal) return refusal
    }
    return jkt === undefined ? { claims, header: verified.header, token, location } : { claims, header: verified.header, token, location, jkt }
  }

  function verify<R>(token: string, location: TokenLocation, scheme: AuthScheme, request: R, reader: RequestReader<R>): Promise<GuardAuth | GuardError> {
    let provider: Provider | GuardError
    try {
      provider = providerFor(token)
    } catch (error) {
      // authenticate never throws: what is not a refusal rejects, as from an async function.
      return Promise.reject(error)
    }
    if (provider instanceof GuardError) return Promise.resolve(provider)
    const { cache } = provider
    const verifying = cache === undefined ? verifyToken(provider, token) : cachedToken(provider, cache, token)
    return verifying.then((verified): GuardAuth | GuardError | Promise<GuardAuth | GuardError> => {
      if (verified instanceof GuardError) return verified
      // RFC 9449 §7.2: a bound token is worthless without its proof; as a bearer token it is refused.
      if (scheme !== 'DPoP' && isDPoPBound(verified.payload)) {
        return new InvalidTokenError(INVALID_TOKEN, 'the access token is bound to a DPoP key', { scheme: dpopMode === 'off' ? 'Bearer' : 'DPoP' })
      }
      if (scheme === 'DPoP' || checksRevocation) return requestChecks(provider, verified, token, location, scheme, request, reader)
      return { claims: verified.payload, header: verified.header, token, location }
    })
  }

  function verifyAs<R>(token: string, location: TokenLocation, scheme: AuthScheme, request: R, reader: RequestReader<R>): Promise<GuardAuth | GuardError> {
    if (scheme === 'Bearer') {
      // RFC 9449 §7.1: with dpop 'required' the Bearer scheme is not accepted at all.
      if (dpopMode === 'required') return Promise.resolve(new InvalidTokenError(INVALID_TOKEN, 'the DPoP scheme is required', { scheme: 'DPoP' }))
      return verify(token, location, scheme, request, reader)
    }
    // Every refusal of a DPoP request is answered in the DPoP challenge.
    return verify(token, location, scheme, request, reader).then((result) => {
      if (result instanceof GuardError) result.scheme = 'DPoP'
      return result
    })
  }

  function findToken<R>(request: R, reader: RequestReader<R>): FoundToken | undefined | GuardError {
    if (!locations.headerOnly) return extractToken(request, reader, locations)
    const found = tokenFromAuthorization(reader.authorization(request), locations.dpop)
    return found === undefined || found instanceof GuardError ? found : { token: found.token, scheme: found.scheme, location: 'header' }
  }

  function authenticate<R>(request: R, reader: RequestReader<R>): Promise<AuthenticateResult<JWTClaims>> {
    const found = findToken(request, reader)
    if (found instanceof GuardError) return Promise.resolve(found)
    if (found === undefined) return Promise.resolve(authRequired ? new UnauthorizedError(MISSING) : undefined)
    return verifyAs(found.token, found.location, found.scheme, request, reader)
  }

  return {
    locations,
    findToken: (request: unknown, reader?: RequestReader<unknown>) =>
      reader === undefined ? findToken(request as GuardRequest, plainRequestReader) : findToken(request, reader),
    resourceMetadata,
    metadataResponse: (request, reader) => (resourceMetadata === undefined ? undefined : metadataAnswer(resourceMetadata, reader.method(request), pathOf(reader.url(request)))),
    authenticate: (request: unknown, reader?: RequestReader<unknown>) =>
      reader === undefined ? authenticate(request as GuardRequest, plainRequestReader) : authenticate(request, reader),
    authorize(auth, rule) {
      if (auth === undefined) return new UnauthorizedError(MISSING)
      const refusal = rule(auth.claims, ruleContext)
      if (refusal !== undefined && auth.jkt !== undefined) refusal.scheme = 'DPoP'
      return refusal
    },
    responseSettings: settings,
    errorResponse: (error) => errorResponse(error, settings),
    responseHeaders(auth) {
      const { nonce } = dpop.challenge
      return nonce === undefined || auth?.jkt === undefined ? NO_HEADERS : { 'dpop-nonce': nonce.current() }
    },
    report(error, request) {
      if (onError === undefined) return
      try {
        onError(error, request)
      } catch {
        // A failing logger must not change the answer.
      }
    },
    ready: () => Promise.all(providers.map((provider) => provider.ready())).then(() => undefined),
  } as Guard
}

/** Whole seconds since the epoch, as jot's claim checks count them, from the optional test clock. */
function secondsClock(currentTime: GuardOptions['currentTime']): () => number {
  if (currentTime === undefined) return () => Math.floor(Date.now() / 1000)
  return () => {
    const now = currentTime()
    return Math.floor(typeof now === 'number' ? now : now.getTime() / 1000)
  }
}

/** True when the claims bind the token to a DPoP key (RFC 9449 §6: `cnf.jkt`). */
function isDPoPBound(claims: JWTClaims): boolean {
  const { cnf } = claims
  return typeof cnf === 'object' && cnf !== null && Object.hasOwn(cnf, 'jkt')
}
