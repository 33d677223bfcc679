/**
 * The gateway's decision: which rule applies, which providers must accept the token, what the
 * claims allow, and the answer for the proxy (2xx with claim headers, or the RFC 6750 refusal).
 * Verification and refusals are the guard's core; this module only combines providers. A GET of a
 * configured resource's metadata (RFC 9728, `resources.ts`) is answered before any rule.
 * @module
 */
import { readFileSync } from 'node:fs'
import { createMemoryReplayStore, decodeJWTUnverified, type KeySetEvent, type ReplayStore } from 'jotjwt'
import {
  createTokenCache,
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
  type TokenCache,
} from 'jotjwt-guard'
import { requiredProviders } from '../config/load.js'
import type { GatewayConfig, Requirement } from '../config/schema.js'
import { compileAuthorize } from './authorize.js'
import { compileProvider, type CompiledProvider, type SharedSettings } from './provider.js'
import { compileResources } from './resources.js'
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
  /**
   * Headers for the client's answer when the request is allowed (lower case): `dpop-nonce`, the
   * current nonce for a DPoP request to a provider with `dpopNonce` (RFC 9449 §8.2, §9). A refusal
   * carries it in `headers` already. The reverse proxy adds them to the upstream's response; the
   * forward-auth endpoint sends them with its 200, for the proxy to pass on to the client.
   */
  readonly responseHeaders?: Record<string, string>
  /** Why the token was refused (also when an allowMissing rule let the request through without it). */
  readonly refusal?: GuardError
  /**
   * The gateway's own document (protected resource metadata, RFC 9728): the decision is the answer,
   * sent to the client as it is (with its own `Cache-Control`), never to an upstream.
   */
  readonly document?: true
}

/** A compiled gateway. */
export interface Gateway {
  decide(request: GatewayRequest): Promise<Decision>
  /** Every claim and payload header any provider sets: proxies strip client copies of all of them. */
  readonly managedHeaders: readonly string[]
  /** The verified-token cache all providers share (`cache` in the configuration), for metrics; undefined when off. */
  readonly cache: TokenCache | undefined
  /** Resolves once every provider's keys are loaded. */
  ready(): Promise<void>
}

/** What {@link createGateway} takes besides the configuration: the stores the services connect, and a metrics hook. */
export interface GatewayOptions {
  /** A `jti` denylist checked for every provider (the service passes the Redis one of `revocation.redis`). */
  denylist?: Denylist
  /**
   * Where used DPoP proofs are remembered, shared by every provider (the service passes the Redis one
   * of `dpopReplay.redis`). Default: this process's memory.
   */
  replay?: ReplayStore
  /** A verified-token cache to use instead of the one `cache` configures, e.g. one shared with other guards in the process. */
  cache?: TokenCache
  /** Every remote key set event (fetches, failures, stale use, unknown kids), by provider name: metrics. */
  onKeySetEvent?: (provider: string, event: KeySetEvent) => void
  /**
   * The gateway this one replaces (a hot reload). Its verified-token cache is taken over when `cache`
   * did not change, and so is each provider's guard (its cached verifications and its keys) when
   * nothing that guard was built from changed: the provider's verification settings (key source, a
   * key file's contents included), the realm, the error verbosity and the stores. A provider whose
   * settings changed gets a new guard, and nothing it cached before is used again.
   */
  previous?: Gateway
}

interface CompiledRule {
  readonly matcher: RuleMatcher
  readonly requires: Requirement
  readonly providers: readonly CompiledProvider[]
  readonly authorize: readonly AuthorizationRule[]
  readonly bypassCorsPreflight: boolean
  /** The URL of the rule's resource metadata, for its challenges (RFC 9728 §5.1). */
  readonly resourceMetadata: string | undefined
}

type Accepted = { auth: GuardAuth; provider: CompiledProvider }
/** A refusal and the provider whose challenge answers it (its DPoP mode decides the schemes). */
type Refusal = { error: GuardError; provider: CompiledProvider | undefined }
type Outcome = Accepted[] | Refusal

const NO_RULE = { status: 403, headers: {}, body: undefined } as const

/** What a token's unverified `iss` is: a string, `null` when it names none, undefined when the token cannot be decoded. */
type UnverifiedIssuer = string | null | undefined

function unverifiedIssuer(token: string): UnverifiedIssuer {
  try {
    const { iss } = decodeJWTUnverified(token).payload
    return typeof iss === 'string' ? iss : null
  } catch {
    // Not decodable: the provider's own verification answers it (decoding comes before any key lookup).
    return undefined
  }
}

const unexpectedIssuer = () => new InvalidTokenError('the access token is invalid', 'unexpected "iss"')

/**
 * A refusal as forward-auth can send it. nginx's auth_request turns any status but 2xx, 401 and 403
 * into a 500 for the client, so "the keys are unavailable" (the guard's 503) is answered as 401
 * `invalid_token`: this token cannot be verified now.
 */
function forForwardAuth(error: GuardError): GuardError {
  if (error instanceof ServiceUnavailableError) return new InvalidTokenError('the access token could not be verified', error.detail, { cause: error, scheme: error.scheme })
  return error
}

/** What a gateway can lend the next one (a reload): its cache and its providers' guards, with what they were built from. */
interface Lendable {
  readonly cache: { readonly settings: string; readonly cache: TokenCache | undefined }
  readonly guards: ReadonlyMap<string, { readonly fingerprint: string | undefined; readonly shared: SharedSettings; readonly guard: CompiledProvider['guard'] }>
}
const lendable = new WeakMap<Gateway, Lendable>()

/**
 * What a provider's guard is built from, as text: its configuration without the fields only the
 * gateway reads (claim headers, payload header, forwardToken), a key file's and a nonce secret file's contents, and the
 * gateway-wide realm and verbosity. Equal fingerprints and the same shared stores give an equal guard.
 */
function guardFingerprint(provider: GatewayConfig['providers'][string], config: GatewayConfig): string | undefined {
  const { claimsToHeaders: _headers, payloadHeader: _payload, forwardToken: _forward, ...guardSettings } = provider
  // Files the guard reads at build time: the key file, the DPoP nonce secret (both can be rotated in place).
  const files: (string | undefined)[] = []
  for (const file of [provider.jwks?.local?.file, provider.dpopNonce?.secretFile]) {
    try {
      files.push(file === undefined ? undefined : readFileSync(file, 'utf8'))
    } catch {
      return undefined // compileProvider reports the unreadable file
    }
  }
  return JSON.stringify({ provider: guardSettings, files, realm: config.realm, errorVerbosity: config.errorVerbosity })
}

/** The cache the configuration asks for: none (the default), the default bounds, or these bounds. */
function configuredCache(option: GatewayConfig['cache']): TokenCache | undefined {
  if (option === undefined || option === false) return undefined
  if (option === true) return createTokenCache()
  const { maxEntries, maxBytes, ttl } = option
  return createTokenCache({ ...(maxEntries !== undefined ? { maxEntries } : {}), ...(maxBytes !== undefined ? { maxBytes } : {}), ...(ttl !== undefined ? { ttl } : {}) })
}

/**
 * Builds a gateway from a validated configuration.
 *
 * @example
 * ```ts
 * const gateway = createGateway(await loadConfig('gateway.yaml')) // options: the denylist, DPoP replay store or cache to use
 * const { status, headers } = await gateway.decide({ method: 'GET', host: 'api.example', uri: '/orders', headers: { authorization } })
 * ```
 */
export function createGateway(config: GatewayConfig, options: GatewayOptions = {}): Gateway {
  const settings: ResponseSettings = { realm: config.realm ?? 'api', verbosity: config.errorVerbosity ?? 'generic', problemDetails: false }
  const before = options.previous === undefined ? undefined : lendable.get(options.previous)
  const cacheSettings = JSON.stringify(config.cache ?? false)
  const cache = options.cache ?? (before?.cache.settings === cacheSettings ? before.cache.cache : configuredCache(config.cache))
  const shared: SharedSettings = {
    realm: settings.realm,
    errorVerbosity: settings.verbosity,
    ...(options.denylist ? { revocation: { denylist: options.denylist } } : {}),
    ...(cache ? { cache } : {}),
    // One store for every provider: a proof is used once, whichever provider checked it.
    dpopSettings: { replay: options.replay ?? createMemoryReplayStore() },
  }
  const { onKeySetEvent } = options
  const guards = new Map<string, { fingerprint: string | undefined; shared: SharedSettings; guard: CompiledProvider['guard'] }>()
  const providers = new Map(
    Object.entries(config.providers).map(([name, provider]) => {
      const fingerprint = guardFingerprint(provider, config)
      const kept = before?.guards.get(name)
      const reusable = kept !== undefined && fingerprint !== undefined && kept.fingerprint === fingerprint && sameShared(kept.shared, shared)
      const compiled = compileProvider(name, provider, shared, onKeySetEvent && ((event) => onKeySetEvent(name, event)), reusable ? kept.guard : undefined)
      guards.set(name, { fingerprint, shared, guard: compiled.guard })
      return [name, compiled]
    }),
  )
  const resources = compileResources(config, providers)
  const rules: CompiledRule[] = config.rules.map((rule, index) => ({
    matcher: compileMatch(rule.match),
    requires: rule.requires,
    providers: requiredProviders(rule.requires).map((name) => providers.get(name)!),
    authorize: compileAuthorize(rule.authorize, `rules.${index}`),
    bypassCorsPreflight: rule.bypassCorsPreflight === true,
    resourceMetadata: resources.url(rule.resource),
  }))
  const managedHeaders = [...new Set([...providers.values()].flatMap((provider) => provider.managedHeaders))]
  // Every 2xx names every managed header, empty when there is no claim for it: a proxy that copies
  // the auth response's headers onto the request (Caddy's copy_headers, Traefik's
  // authResponseHeaders) then overwrites a client's copy instead of leaving it in place.
  const allowed = (): Decision => ({ status: 200, headers: Object.fromEntries(managedHeaders.map((name) => [name, ''])) })

  async function authenticate(rule: CompiledRule, request: GatewayRequest): Promise<Outcome> {
    const guardRequest: GuardRequest = { method: request.method, url: request.uri, headers: request.headers }
    // Each provider reads the token from its own sources; the token's unverified iss (decoded once)
    // picks the providers that verify it. Never trial verification across issuers: that would make
    // every provider fetch its JWKS for another issuer's kid.
    const issuers = new Map<string, UnverifiedIssuer>()
    const namesOwnIssuer = (provider: CompiledProvider): boolean => {
      const found = provider.guard.findToken(guardRequest)
      if (found === undefined || found instanceof GuardError) return true // its authenticate answers: no token, or invalid_request
      let iss = issuers.get(found.token)
      if (!issuers.has(found.token)) issuers.set(found.token, (iss = unverifiedIssuer(found.token)))
      return iss === undefined || (iss !== null && provider.issuers.has(iss))
    }
    // One provider: the same as `all` of one, without building a candidate list per request.
    if (rule.providers.length === 1 || (typeof rule.requires === 'object' && 'all' in rule.requires)) {
      const outcome: Accepted[] = []
      for (const provider of rule.providers) {
        if (!namesOwnIssuer(provider)) return { error: unexpectedIssuer(), provider }
        const result = await provider.guard.authenticate(guardRequest)
        if (result === undefined) return { error: new UnauthorizedError('no access token'), provider }
        if (result instanceof GuardError) return { error: result, provider }
        outcome.push({ auth: result, provider })
      }
      return outcome
    }
    const candidates = rule.providers.filter(namesOwnIssuer)
    if (candidates.length === 0) return { error: unexpectedIssuer(), provider: rule.providers[0] }
    let refusal: Refusal | undefined
    for (const provider of candidates) {
      const result = await provider.guard.authenticate(guardRequest)
      if (result !== undefined && !(result instanceof GuardError)) return [{ auth: result, provider }]
      const error = result ?? new UnauthorizedError('no access token')
      // A provider that found a token and refused it says more than one that found none.
      if (refusal === undefined || (refusal.error instanceof UnauthorizedError && !(error instanceof UnauthorizedError))) refusal = { error, provider }
    }
    return refusal!
  }

  /** The refusal in the challenge of the provider that refused (its DPoP mode decides the schemes, RFC 9449 §7.1), naming the rule's resource metadata (RFC 9728 §5.1). */
  function refuse({ error, provider }: Refusal, rule: CompiledRule): Decision {
    const base = provider === undefined ? settings : provider.guard.responseSettings
    return errorResponse(forForwardAuth(error), { ...base, resourceMetadata: rule.resourceMetadata })
  }

  async function decide(request: GatewayRequest): Promise<Decision> {
    // Public by design (RFC 9728 §3): a proxy routing the well-known path here gets the document;
    // asked as forward auth, the request is allowed (and still gets every managed header, empty).
    const metadata = resources.answer(request.method, request.host, request.uri)
    if (metadata !== undefined) return { status: 200, headers: { ...allowed().headers, ...metadata.headers }, body: metadata.body, document: true }
    const path = request.uri.split('?', 1)[0]!
    const index = rules.findIndex((candidate) => candidate.matcher.matches(request.method, request.host, path))
    if (index < 0) return NO_RULE
    const rule = rules[index]!
    // A CORS preflight carries no credentials by design (Fetch standard, CORS-preflight request).
    const headers = request.headers as Record<string, unknown>
    const preflight = request.method === 'OPTIONS' && headers.origin !== undefined && headers['access-control-request-method'] !== undefined
    if (rule.requires === 'none' || (preflight && rule.bypassCorsPreflight)) return { ...allowed(), rule: index }
    const outcome = await authenticate(rule, request)
    if (!Array.isArray(outcome)) {
      // Envoy's semantics: allowMissing lets a request without a token through, allowMissingOrFailed
      // also one whose token fails; neither gets claim headers. Authorization needs a token.
      const { requires } = rule
      const optional = typeof requires === 'object' && (('allowMissing' in requires && outcome.error instanceof UnauthorizedError) || 'allowMissingOrFailed' in requires)
      if (optional && rule.authorize.length === 0) return { ...allowed(), rule: index, refusal: outcome.error }
      return { ...refuse(outcome, rule), rule: index, refusal: outcome.error }
    }
    const verified = outcome.map(({ auth, provider }) => ({ auth, provider: provider.name }))
    // Authorization reads the first provider's claims (under `all`, the first listed).
    const { auth, provider } = outcome[0]!
    for (const check of rule.authorize) {
      const refusal = provider.guard.authorize(auth, check)
      if (refusal) return { ...refuse({ error: refusal, provider }, rule), rule: index, verified, refusal }
    }
    const decision = allowed()
    const responseHeaders: Record<string, string> = {}
    for (const accepted of outcome) {
      Object.assign(decision.headers, accepted.provider.headers(accepted.auth.claims))
      Object.assign(responseHeaders, accepted.provider.guard.responseHeaders(accepted.auth))
    }
    return { ...decision, rule: index, verified, ...(Object.keys(responseHeaders).length > 0 ? { responseHeaders } : {}) }
  }

  const gateway: Gateway = {
    decide,
    managedHeaders,
    cache,
    ready: () => Promise.all([...providers.values()].map((provider) => provider.guard.ready())).then(() => undefined),
  }
  lendable.set(gateway, { cache: { settings: cacheSettings, cache }, guards })
  return gateway
}

/** The same cache, denylist and replay store, and the same challenge settings: a guard built with either is the same guard. */
function sameShared(a: SharedSettings, b: SharedSettings): boolean {
  return a.cache === b.cache && a.revocation?.denylist === b.revocation?.denylist && a.dpopSettings?.replay === b.dpopSettings?.replay && a.realm === b.realm && a.errorVerbosity === b.errorVerbosity
}
