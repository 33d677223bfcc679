/**
 * The gateway's decision: which rule applies, which providers must accept the token, what the
 * claims allow, and the answer for the proxy (2xx with claim headers, or the RFC 6750 refusal).
 * Verification and refusals are the guard's core; this module only combines providers.
 * @module
 */
import { decodeJWTUnverified, type KeySetEvent } from 'jotjwt'
import {
  errorResponse,
  GuardError,
  InvalidTokenError,
  ServiceUnavailableError,
  UnauthorizedError,
  type AuthorizationRule,
  type Denylist,
  type GuardAuth,
  type GuardRequest,
  type ResponseSettings,
} from 'jotjwt-guard'
import { requiredProviders } from '../config/load.js'
import type { GatewayConfig, Requirement } from '../config/schema.js'
import { compileAuthorize } from './authorize.js'
import { compileProvider, type CompiledProvider } from './provider.js'
import { compileMatch, type RuleMatcher } from './rules.js'

/** The request as the proxy saw it (after trusted forwarded headers were applied). */
export interface GatewayRequest {
  readonly method: string
  readonly host: string | undefined
  /** Path and query. */
  readonly uri: string
  readonly headers: GuardRequest['headers']
}

/** The answer for the proxy. Header names are lower case. */
export interface Decision {
  readonly status: number
  readonly headers: Record<string, string>
  readonly body?: string | undefined
  /** The index of the rule that decided; undefined when no rule matched. */
  readonly rule?: number
  /** The verified tokens, by provider name (the first one is the one `authorize` read). */
  readonly verified?: readonly { readonly auth: GuardAuth; readonly provider: string }[]
  /** Why the token was refused (also when an allowMissing rule let the request through without it). */
  readonly refusal?: GuardError
}

/** Settings of {@link createGateway}. */
export interface GatewayOptions {
  /** A jti denylist checked for every provider. */
  denylist?: Denylist
  /** Every remote key set event (fetches, failures, stale use, unknown kids), by provider name: metrics. */
  onKeySetEvent?: (provider: string, event: KeySetEvent) => void
}

/** A compiled gateway. */
export interface Gateway {
  decide(request: GatewayRequest): Promise<Decision>
  /** Every claim and payload header any provider sets: proxies strip client copies of all of them. */
  readonly managedHeaders: readonly string[]
  /** Resolves once every provider's keys are loaded. */
  ready(): Promise<void>
}

interface CompiledRule {
  readonly matcher: RuleMatcher
  readonly requires: Requirement
  readonly providers: readonly CompiledProvider[]
  readonly authorize: readonly AuthorizationRule[]
  readonly bypassCorsPreflight: boolean
}

type Outcome = { auth: GuardAuth; provider: CompiledProvider }[] | GuardError

const NO_RULE = { status: 403, headers: {}, body: undefined } as const

/**
 * The issuer of the Authorization header's token, decoded without trust: it only chooses which
 * providers verify (never trial verification across issuers, which would make every provider fetch
 * its JWKS for another issuer's kid). Undefined when there is no readable bearer token there.
 */
function bearerIssuer(request: GatewayRequest): string | undefined {
  const headers = request.headers
  const value = typeof (headers as Headers).get === 'function' ? (headers as Headers).get('authorization') : (headers as Record<string, unknown>).authorization
  if (typeof value !== 'string' || !/^bearer /i.test(value)) return undefined
  try {
    const iss = decodeJWTUnverified(value.slice(7).trim()).payload.iss
    return typeof iss === 'string' ? iss : undefined
  } catch {
    return undefined
  }
}

/**
 * A refusal as forward-auth can send it. nginx's auth_request turns any status but 2xx, 401 and 403
 * into a 500 for the client, so "the keys are unavailable" (the guard's 503) is answered as 401
 * `invalid_token`: this token cannot be verified now.
 */
function forForwardAuth(error: GuardError): GuardError {
  if (error instanceof ServiceUnavailableError) return new InvalidTokenError('the access token could not be verified', error.detail, { cause: error })
  return error
}

/**
 * Builds a gateway from a validated configuration.
 *
 * @example
 * ```ts
 * const gateway = createGateway(await loadConfig('gateway.yaml')) // options.denylist: a jti denylist for every provider
 * const { status, headers } = await gateway.decide({ method: 'GET', host: 'api.example', uri: '/orders', headers: { authorization } })
 * ```
 */
export function createGateway(config: GatewayConfig, options: GatewayOptions = {}): Gateway {
  const settings: ResponseSettings = { realm: config.realm ?? 'api', verbosity: config.errorVerbosity ?? 'generic', problemDetails: false }
  const guardSettings = { realm: settings.realm, errorVerbosity: settings.verbosity, ...(options.denylist ? { revocation: { denylist: options.denylist } } : {}) }
  const { onKeySetEvent } = options
  const providers = new Map(
    Object.entries(config.providers).map(([name, provider]) => [name, compileProvider(name, provider, guardSettings, onKeySetEvent && ((event) => onKeySetEvent(name, event)))]),
  )
  const rules: CompiledRule[] = config.rules.map((rule, index) => ({
    matcher: compileMatch(rule.match),
    requires: rule.requires,
    providers: requiredProviders(rule.requires).map((name) => providers.get(name)!),
    authorize: compileAuthorize(rule.authorize, `rules.${index}`),
    bypassCorsPreflight: rule.bypassCorsPreflight === true,
  }))
  const managedHeaders = [...new Set([...providers.values()].flatMap((provider) => provider.managedHeaders))]
  // Every 2xx names every managed header, empty when there is no claim for it: a proxy that copies
  // the auth response's headers onto the request (Caddy's copy_headers, Traefik's
  // authResponseHeaders) then overwrites a client's copy instead of leaving it in place.
  const allowed = (): Decision => ({ status: 200, headers: Object.fromEntries(managedHeaders.map((name) => [name, ''])) })

  async function authenticate(rule: CompiledRule, request: GatewayRequest): Promise<Outcome> {
    const guardRequest: GuardRequest = { method: request.method, url: request.uri, headers: request.headers }
    if (typeof rule.requires === 'object' && 'all' in rule.requires) {
      const outcome: { auth: GuardAuth; provider: CompiledProvider }[] = []
      for (const provider of rule.providers) {
        const result = await provider.guard.authenticate(guardRequest)
        if (result === undefined) return new UnauthorizedError('no access token')
        if (result instanceof GuardError) return result
        outcome.push({ auth: result, provider })
      }
      return outcome
    }
    const iss = bearerIssuer(request)
    const candidates = iss === undefined ? rule.providers : rule.providers.filter((provider) => provider.issuers.has(iss))
    if (candidates.length === 0) return new InvalidTokenError('the access token is invalid', 'unexpected "iss"')
    let refusal: GuardError | undefined
    for (const provider of candidates) {
      const result = await provider.guard.authenticate(guardRequest)
      if (result !== undefined && !(result instanceof GuardError)) return [{ auth: result, provider }]
      const error = result ?? new UnauthorizedError('no access token')
      // A provider that found a token and refused it says more than one that found none.
      if (refusal === undefined || (refusal instanceof UnauthorizedError && !(error instanceof UnauthorizedError))) refusal = error
    }
    return refusal!
  }

  function refuse(error: GuardError): Decision {
    return errorResponse(forForwardAuth(error), settings)
  }

  async function decide(request: GatewayRequest): Promise<Decision> {
    const path = request.uri.split('?', 1)[0]!
    const index = rules.findIndex((candidate) => candidate.matcher.matches(request.method, request.host, path))
    if (index < 0) return NO_RULE
    const rule = rules[index]!
    // A CORS preflight carries no credentials by design (Fetch standard, CORS-preflight request).
    const headers = request.headers as Record<string, unknown>
    const preflight = request.method === 'OPTIONS' && headers.origin !== undefined && headers['access-control-request-method'] !== undefined
    if (rule.requires === 'none' || (preflight && rule.bypassCorsPreflight)) return { ...allowed(), rule: index }
    const outcome = await authenticate(rule, request)
    if (outcome instanceof GuardError) {
      // Envoy's semantics: allowMissing lets a request without a token through, allowMissingOrFailed
      // also one whose token fails; neither gets claim headers. Authorization needs a token.
      const { requires } = rule
      const optional = typeof requires === 'object' && (('allowMissing' in requires && outcome instanceof UnauthorizedError) || 'allowMissingOrFailed' in requires)
      if (optional && rule.authorize.length === 0) return { ...allowed(), rule: index, refusal: outcome }
      return { ...refuse(outcome), rule: index, refusal: outcome }
    }
    const verified = outcome.map(({ auth, provider }) => ({ auth, provider: provider.name }))
    // Authorization reads the first provider's claims (under `all`, the first listed).
    const { auth, provider } = outcome[0]!
    for (const check of rule.authorize) {
      const refusal = provider.guard.authorize(auth, check)
      if (refusal) return { ...refuse(refusal), rule: index, verified, refusal }
    }
    const decision = allowed()
    for (const accepted of outcome) Object.assign(decision.headers, accepted.provider.headers(accepted.auth.claims))
    return { ...decision, rule: index, verified }
  }

  return {
    decide,
    managedHeaders,
    ready: () => Promise.all([...providers.values()].map((provider) => provider.guard.ready())).then(() => undefined),
  }
}
