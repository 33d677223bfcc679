/**
 * Issuers ("providers") compiled from the options: for each, a key source and one prepared jot
 * verifier. Nothing that needs the network happens here: discovery and key imports start lazily
 * behind a key resolver, so a guard is built synchronously (middleware factories cannot await) and
 * a provider that is down at start-up recovers on its own.
 * @module
 */
import {
  durationToSeconds,
  createLocalKeySet,
  createRemoteKeySet,
  createVerifier,
  discoverOIDCProvider,
  importKey,
  importSecret,
  type CreateVerifierOptions,
  type JotKey,
  type JWSAlgorithmName,
  type JWSHeaderParameters,
  type KeyResolver,
  type OIDCProviderMetadata,
  type RemoteKeySet,
  type VerifiedJWT,
} from 'jotjwt'
import { createIntrospectionCheck, type IntrospectionCheck, type IntrospectionOptions } from '../revocation/introspection.js'
import { createTokenCache, isTokenCache, type TokenCache, type TokenCachePartition } from '../cache/token-cache.js'
import type { GuardOptions, IssuerOptions, KeySource } from './options.js'

/** After a failed discovery, requests fail fast for this long before the next attempt (milliseconds). */
const DISCOVERY_RETRY_MS = 30_000

const KEY_SOURCES = ['discovery', 'jwksUri', 'jwks', 'jwk', 'pem', 'secret', 'key'] as const

/** One trusted issuer, ready to verify its tokens. */
export interface Provider {
  readonly issuer: string
  readonly verify: (token: string) => Promise<VerifiedJWT>
  /** The issuer's introspection check, when introspection is enabled (resolved through discovery if needed). */
  readonly introspection: (() => IntrospectionCheck | Promise<IntrospectionCheck>) | undefined
  /** Resolves when discovery and key imports are done (rejects with their failure). */
  readonly ready: () => Promise<void>
  /** This issuer's partition of the verified-token cache, when the cache is on. */
  readonly cache: TokenCachePartition | undefined
}

function isHmac(alg: string): boolean {
  return alg === 'HS256' || alg === 'HS384' || alg === 'HS512'
}

function checkAlgorithms(algorithms: unknown, name: string): readonly JWSAlgorithmName[] {
  if (!Array.isArray(algorithms) || algorithms.length === 0 || !algorithms.every((alg) => typeof alg === 'string')) {
    throw new TypeError(`${name} is required: a non-empty list such as ['ES256'] (the token's alg header never decides alone)`)
  }
  if (algorithms.includes('none')) throw new TypeError(`${name} must not include "none"`)
  return algorithms as readonly JWSAlgorithmName[]
}

/** Discovery, once at a time, retried after a pause when it fails. */
function lazyDiscovery(issuer: string, source: KeySource, allowHttp: boolean): () => Promise<OIDCProviderMetadata> {
  let result: Promise<OIDCProviderMetadata> | undefined
  let failure: { error: unknown; at: number } | undefined
  const options = { allowHttp, ...(source.keySet?.fetch ? { fetch: source.keySet.fetch } : {}), ...(source.keySet?.timeout !== undefined ? { timeout: source.keySet.timeout } : {}) }
  return () => {
    if (result) return result
    if (failure && Date.now() - failure.at < DISCOVERY_RETRY_MS) return Promise.reject(failure.error)
    const attempt = discoverOIDCProvider(issuer, options).catch((error: unknown) => {
      result = undefined
      failure = { error, at: Date.now() }
      throw error
    })
    result = attempt
    return attempt
  }
}

/** A resolver over keys imported once per algorithm (PEM, secret). */
function importedKeys(imports: Promise<JotKey[]>): { resolver: KeyResolver; ready: () => Promise<void> } {
  let byAlg: Map<string, JotKey> | undefined
  const loaded = imports.then((keys) => {
    byAlg = new Map(keys.map((key) => [key.alg, key]))
    return byAlg
  })
  // A failed import surfaces at ready() and at the first request, never as an unhandled rejection.
  loaded.catch(() => undefined)
  const pick = (keys: Map<string, JotKey>, header: Readonly<JWSHeaderParameters>): JotKey | JotKey[] =>
    // An unlisted alg finds no key; the verifier's algorithm allowlist has refused it already.
    keys.get(String(header.alg)) ?? []
  return {
    resolver: (header) => (byAlg ? pick(byAlg, header) : loaded.then((keys) => pick(keys, header))),
    ready: () => loaded.then(() => undefined),
  }
}

interface KeyPlan {
  resolver: JotKey | KeyResolver
  ready: () => Promise<void>
  metadata: (() => Promise<OIDCProviderMetadata>) | undefined
}

function keyPlan(issuer: string, source: KeySource, algorithms: readonly JWSAlgorithmName[], allowHttp: boolean): KeyPlan {
  const given = KEY_SOURCES.filter((name) => source[name] !== undefined && source[name] !== false)
  if (given.length !== 1) {
    throw new TypeError(`issuer ${issuer}: give exactly one key source (${KEY_SOURCES.join(', ')}); found ${given.length === 0 ? 'none' : given.join(', ')}`)
  }
  const hmac = algorithms.filter(isHmac)
  if (source.secret !== undefined) {
    if (hmac.length !== algorithms.length) throw new TypeError(`issuer ${issuer}: a secret verifies HS256/HS384/HS512 only; list only those in algorithms`)
  } else if (hmac.length > 0 && source.key === undefined) {
    // RFC 8725 §3.1: HS* with a public key as the "secret" is the classic algorithm confusion.
    throw new TypeError(`issuer ${issuer}: ${hmac.join(', ')} need an explicit secret, never a public key`)
  }
  const keySetOptions = { ...source.keySet, ...(allowHttp ? { allowHttp: true } : {}) }
  const none = () => Promise.resolve()
  if (source.key !== undefined) return { resolver: source.key, ready: none, metadata: undefined }
  if (source.jwks !== undefined) return { resolver: createLocalKeySet(source.jwks), ready: none, metadata: undefined }
  if (source.jwk !== undefined) return { resolver: createLocalKeySet({ keys: [source.jwk] }), ready: none, metadata: undefined }
  if (source.jwksUri !== undefined) {
    const keys = createRemoteKeySet(source.jwksUri, keySetOptions)
    return { resolver: keys, ready: () => keys.reload(), metadata: undefined }
  }
  if (source.pem !== undefined) {
    const pem = source.pem
    return { ...importedKeys(Promise.all(algorithms.map((alg) => importKey(pem, { alg })))), metadata: undefined }
  }
  if (source.secret !== undefined) {
    const secret = source.secret
    return { ...importedKeys(Promise.all(algorithms.map((alg) => importSecret(secret, { alg })))), metadata: undefined }
  }
  const metadata = lazyDiscovery(issuer, source, allowHttp)
  let keys: RemoteKeySet | undefined
  const remoteKeys = () => metadata().then((provider) => (keys ??= createRemoteKeySet(provider.jwks_uri, keySetOptions)))
  const resolver: KeyResolver = (header, context) => (keys ? keys(header, context) : remoteKeys().then((set) => set(header, context)))
  return { resolver, ready: () => remoteKeys().then((set) => set.reload()), metadata }
}

function introspectionFor(
  issuer: string,
  options: IntrospectionOptions | undefined,
  metadata: (() => Promise<OIDCProviderMetadata>) | undefined,
): Provider['introspection'] {
  if (options === undefined) return undefined
  if (options.endpoint !== undefined) {
    const check = createIntrospectionCheck({ ...options, endpoint: options.endpoint })
    return () => check
  }
  if (metadata === undefined) throw new TypeError(`issuer ${issuer}: introspection needs an endpoint, or discovery: true to find it`)
  let check: IntrospectionCheck | undefined
  return () =>
    check ??
    metadata().then((provider) => {
      const endpoint = provider.introspection_endpoint
      if (typeof endpoint !== 'string') throw new TypeError(`issuer ${issuer} publishes no introspection_endpoint`)
      return (check ??= createIntrospectionCheck({ ...options, endpoint }))
    })
}

/** The cache the `cache` option names: none, a new one, or one shared with other guards. */
function tokenCacheOf(option: GuardOptions['cache']): TokenCache | undefined {
  if (option === undefined || option === false) return undefined
  if (option === true) return createTokenCache()
  return isTokenCache(option) ? option : createTokenCache(option)
}

/** The issuers of the options, each compiled once. */
export function compileProviders(options: GuardOptions): Provider[] {
  const algorithms = checkAlgorithms(options.algorithms, 'algorithms')
  const rfc9068 = options.profile === 'rfc9068'
  if (options.profile !== undefined && options.profile !== 'jwt' && !rfc9068) throw new TypeError("profile must be 'jwt' or 'rfc9068'")
  const { audience } = options
  if (audience === undefined) throw new TypeError('audience is required: the identifier(s) of this API, or a function')
  const requiredClaims = options.requiredClaims ?? []
  const allowHttp = options.allowHttp === true
  if (options.typ !== undefined && (typeof options.typ !== 'string' || options.typ === '')) throw new TypeError('typ must be a non-empty string')
  const { typ } = options

  let issuers: readonly IssuerOptions[]
  if (options.issuers !== undefined) {
    if (options.issuer !== undefined) throw new TypeError('give issuer or issuers, not both')
    if (!Array.isArray(options.issuers) || options.issuers.length === 0) throw new TypeError('issuers must be a non-empty array')
    if (KEY_SOURCES.some((name) => options[name] !== undefined)) throw new TypeError('with issuers, each issuer names its own key source')
    issuers = options.issuers
  } else {
    if (typeof options.issuer !== 'string') throw new TypeError('issuer (or issuers) is required: the exact iss of accepted tokens')
    issuers = [{ ...options, issuer: options.issuer }]
  }
  const cache = tokenCacheOf(options.cache)
  const maxTokenAge = options.maxTokenAge === undefined ? undefined : durationToSeconds(options.maxTokenAge)
  const seen = new Set<string>()
  return issuers.map((entry) => {
    const { issuer } = entry
    if (typeof issuer !== 'string' || issuer === '') throw new TypeError('every issuer needs an issuer identifier')
    if (seen.has(issuer)) throw new TypeError(`issuer ${issuer} is listed twice`)
    seen.add(issuer)
    const issuerAlgorithms = entry.algorithms === undefined ? algorithms : checkAlgorithms(entry.algorithms, `issuer ${issuer}: algorithms`)
    const plan = keyPlan(issuer, entry, issuerAlgorithms, allowHttp)
    const verifierOptions: CreateVerifierOptions = {
      key: plan.resolver,
      algorithms: issuerAlgorithms,
      issuer,
      clockTolerance: options.clockTolerance ?? 60,
      requireExpiration: true,
      offload: options.offload !== false,
      ...(typeof audience === 'function' ? { acceptAnyAudience: true } : { audience }),
      // RFC 9068 (typ at+jwt, the §2.2 claims, client_id a string) is jot's profile check, in one place.
      ...(rfc9068 ? { profile: 'rfc9068' as const } : {}),
      ...(typ !== undefined ? { typ } : {}),
      ...(requiredClaims.length > 0 ? { requiredClaims } : {}),
      ...(options.maxTokenAge !== undefined ? { maxTokenAge: options.maxTokenAge } : {}),
      ...(options.maxLifetime !== undefined ? { maxLifetime: options.maxLifetime } : {}),
      ...(options.currentTime !== undefined ? { currentTime: options.currentTime } : {}),
    }
    return {
      issuer,
      verify: createVerifier(verifierOptions),
      introspection: introspectionFor(issuer, options.revocation?.introspection, plan.metadata),
      ready: plan.ready,
      cache: cache?.partition(maxTokenAge === undefined ? {} : { maxTokenAge }),
    }
  })
}
