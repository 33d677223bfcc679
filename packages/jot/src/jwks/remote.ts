/**
 * Remote key sets (`jwks_uri`): a cached {@link KeyIndex} kept fresh by a small state machine. The
 * decisions, each made here only:
 *
 * - Freshness: the response's `Cache-Control: max-age` (minus `Age`, RFC 9111 §4.2), clamped to
 *   [`minCacheAge`, `maxCacheAge`]; `cacheMaxAge` when absent. A background refresh starts
 *   `refreshAhead` before expiry, so requests rarely wait.
 * - Fetch budget: every attempt (success or failure, whatever triggered it) starts a `cooldown`
 *   window with no further attempt, and concurrent needs share one in-flight request (single-flight).
 *   A flood of random `kid`s therefore costs at most one fetch per window, and an outage at most one
 *   timeout per window. `reload()` alone ignores the cooldown.
 * - Unknown `kid`: refetch once (within the budget), then remember the `kid` as absent for
 *   `negativeCacheTtl`, so one misbehaving client cannot keep triggering fetches.
 * - Stale-if-error: once expired, the keys are refreshed before use; if that fails, the cached keys
 *   keep verifying for up to `maxStale` past expiry (reported as `stale` events), then every
 *   verification fails with `ERR_JWKS_STALE`.
 * - Failures never escape as unhandled rejections: background refreshes report through `onEvent`.
 * @module
 */
import { InvalidArgument, isJotError, type JotError, JWKSFetchFailed, JWKSInvalid, JWKSNoMatchingKey, JWKSStale } from '../errors.js'
import type { Duration } from '../lib/duration.js'
import type { Instant } from '../jwt/types.js'
import type { JotKey } from '../key/key.js'
import type { JWSHeaderParameters } from '../jws/types.js'
import { checkURL, fetchJSON, fetchPolicy, freshnessLifetime, toMilliseconds, type FetchPolicy } from './fetch.js'
import { describe, KeyIndex, selectionPolicy } from './key-index.js'
import { admissibleAlgorithm, type SelectionPolicy } from './select.js'
import type { KeySetEvent, KeySetFetchReason, KeySetState, RemoteKeySet, RemoteKeySetOptions } from './types.js'

/** Most `kid`s remembered as absent; the oldest are forgotten first. */
const NEGATIVE_CACHE_SIZE = 10_000

interface Timing {
  readonly cacheMaxAge: number
  readonly minCacheAge: number
  readonly maxCacheAge: number
  readonly cooldown: number
  readonly negativeCacheTtl: number
  readonly maxStale: number
  readonly refreshAhead: number
}

/** Seconds with fractions kept (the cooldown and timeouts in tests are sub-second). */
function seconds(value: Duration | undefined, fallback: number, name: string): number {
  return value === undefined ? fallback : toMilliseconds(value, name) / 1000
}

function timing(options: RemoteKeySetOptions): Timing {
  const t: Timing = {
    cacheMaxAge: seconds(options.cacheMaxAge, 600, 'cacheMaxAge'),
    minCacheAge: seconds(options.minCacheAge, 60, 'minCacheAge'),
    maxCacheAge: seconds(options.maxCacheAge, 86_400, 'maxCacheAge'),
    cooldown: seconds(options.cooldown, 30, 'cooldown'),
    negativeCacheTtl: seconds(options.negativeCacheTtl, 60, 'negativeCacheTtl'),
    maxStale: seconds(options.maxStale, 6 * 3600, 'maxStale'),
    refreshAhead: seconds(options.refreshAhead, 30, 'refreshAhead'),
  }
  if (t.minCacheAge > t.maxCacheAge) throw new InvalidArgument('minCacheAge must not exceed maxCacheAge')
  return t
}

class RemoteKeySetCache {
  readonly uri: string
  readonly #url: URL
  readonly #fetch: FetchPolicy
  readonly #policy: SelectionPolicy
  readonly #timing: Timing
  readonly #onEvent: ((event: KeySetEvent) => void) | undefined
  readonly #clock: () => number
  #index: KeyIndex | undefined
  #fetchedAt = 0
  #expiresAt = 0
  #lastAttemptAt = Number.NEGATIVE_INFINITY
  #lastError: JotError | undefined
  #inflight: Promise<void> | undefined
  readonly #absentKids = new Map<string, number>()

  constructor(uri: string | URL, options: RemoteKeySetOptions) {
    this.#url = checkURL(uri, options.allowHttp === true, 'the JWKS URI')
    this.uri = this.#url.href
    this.#fetch = fetchPolicy(options)
    this.#policy = selectionPolicy(options)
    this.#timing = timing(options)
    this.#onEvent = options.onEvent
    this.#clock = clock(options.currentTime)
    if (options.state !== undefined) this.#restore(options.state)
  }

  async resolve(header: Readonly<JWSHeaderParameters>): Promise<JotKey[]> {
    // A header no key could ever match (unknown or symmetric alg, missing required kid) costs no fetch.
    if (!admissibleAlgorithm(header, this.#policy)) throw new JWKSNoMatchingKey(`no key in the key set matches ${describe(header)}`)
    const index = await this.#usableIndex()
    const keys = await index.candidates(header, this.#policy)
    if (keys.length > 0) {
      this.#refreshAheadIfDue()
      return keys
    }
    return this.#resolveUnknown(header)
  }

  reload(): Promise<void> {
    return this.#inflight ?? this.#start('reload')
  }

  exportState(): KeySetState | undefined {
    if (!this.#index) return undefined
    return { uri: this.uri, jwks: this.#index.toJSON(), fetchedAt: this.#fetchedAt, expiresAt: this.#expiresAt }
  }

  /** The index to select from now: fresh, refreshed, or stale within `maxStale` when refreshing fails. */
  async #usableIndex(): Promise<KeyIndex> {
    const now = this.#clock()
    if (this.#index && now < this.#expiresAt) return this.#index
    const fetching = this.#fetchIfAllowed(this.#index ? 'expired' : 'initial')
    if (fetching) await fetching.catch(() => undefined)
    const index = this.#index
    if (!index) throw this.#lastError ?? new JWKSFetchFailed('the key set has not been fetched yet')
    const later = this.#clock()
    if (later < this.#expiresAt) return index
    const staleFor = later - this.#expiresAt
    if (staleFor >= this.#timing.maxStale) {
      throw new JWKSStale(`the key set expired ${Math.round(staleFor)} s ago and could not be refreshed`, { cause: this.#lastError })
    }
    this.#emit({ type: 'stale', uri: this.uri, staleFor, error: this.#lastError })
    return index
  }

  async #resolveUnknown(header: Readonly<JWSHeaderParameters>): Promise<JotKey[]> {
    const { kid } = header
    const now = this.#clock()
    const noMatch = (cause?: unknown) => new JWKSNoMatchingKey(`no key in the key set matches ${describe(header)}`, { cause })
    if (kid !== undefined) {
      const absentSince = this.#absentKids.get(kid)
      if (absentSince !== undefined && now - absentSince < this.#timing.negativeCacheTtl) {
        this.#emit({ type: 'unknown-kid', uri: this.uri, kid, action: 'negative-cache' })
        throw noMatch()
      }
    }
    const fetching = this.#fetchIfAllowed('unknown-kid')
    this.#emit({ type: 'unknown-kid', uri: this.uri, kid, action: fetching ? 'fetch' : 'cooldown' })
    if (!fetching) throw noMatch()
    try {
      await fetching
    } catch (error) {
      throw noMatch(error)
    }
    const keys = await this.#index!.candidates(header, this.#policy)
    if (keys.length > 0) return keys
    if (kid !== undefined) this.#rememberAbsent(kid, this.#clock())
    throw noMatch()
  }

  #rememberAbsent(kid: string, now: number): void {
    this.#absentKids.delete(kid)
    this.#absentKids.set(kid, now)
    if (this.#absentKids.size > NEGATIVE_CACHE_SIZE) this.#absentKids.delete(this.#absentKids.keys().next().value!)
  }

  #refreshAheadIfDue(): void {
    if (this.#clock() >= this.#expiresAt - this.#timing.refreshAhead) this.#fetchIfAllowed('refresh-ahead')
  }

  /** The in-flight fetch, a new one if the cooldown allows it, or undefined. Never rejects unhandled. */
  #fetchIfAllowed(reason: KeySetFetchReason): Promise<void> | undefined {
    if (this.#inflight) return this.#inflight
    if (this.#clock() - this.#lastAttemptAt < this.#timing.cooldown) return undefined
    return this.#start(reason)
  }

  #start(reason: KeySetFetchReason): Promise<void> {
    this.#lastAttemptAt = this.#clock()
    const attempt = this.#fetchOnce(reason).finally(() => {
      this.#inflight = undefined
    })
    // Background refreshes have no awaiting caller; failures are reported through onEvent instead.
    attempt.catch(() => undefined)
    this.#inflight = attempt
    return attempt
  }

  async #fetchOnce(reason: KeySetFetchReason): Promise<void> {
    try {
      const { body, headers } = await fetchJSON(this.#url, this.#fetch, 'JWKS', (message, cause) => new JWKSInvalid(message, { cause }))
      const index = new KeyIndex(body, this.#index)
      const { minCacheAge, maxCacheAge, cacheMaxAge } = this.#timing
      const maxAge = Math.min(maxCacheAge, Math.max(minCacheAge, freshnessLifetime(headers) ?? cacheMaxAge))
      const now = this.#clock()
      this.#index = index
      this.#fetchedAt = now
      this.#expiresAt = now + maxAge
      this.#lastError = undefined
      this.#emit({ type: 'fetch', uri: this.uri, reason, keys: index.size, maxAge })
    } catch (error) {
      const jotError = isJotError(error) ? error : new JWKSFetchFailed('JWKS request failed', { cause: error })
      this.#lastError = jotError
      this.#emit({ type: 'fetch-failed', uri: this.uri, reason, error: jotError })
      throw jotError
    }
  }

  #restore(state: KeySetState): void {
    if (typeof state !== 'object' || state === null || state.uri !== this.uri) {
      throw new InvalidArgument('options.state must come from exportState() of a key set with the same URI')
    }
    const { fetchedAt, expiresAt } = state
    if (![fetchedAt, expiresAt].every((n) => typeof n === 'number' && Number.isFinite(n))) {
      throw new InvalidArgument('options.state has invalid times')
    }
    this.#index = new KeyIndex(state.jwks)
    this.#fetchedAt = fetchedAt
    this.#expiresAt = expiresAt
    // The cooldown carries over: a fleet of cold starts does not turn into a fetch storm.
    this.#lastAttemptAt = fetchedAt
  }

  #emit(event: KeySetEvent): void {
    try {
      this.#onEvent?.(event)
    } catch {
      // A failing metrics hook must not fail verification.
    }
  }
}

function clock(currentTime: (() => Instant) | undefined): () => number {
  if (currentTime === undefined) return () => Date.now() / 1000
  if (typeof currentTime !== 'function') throw new InvalidArgument('currentTime must be a function')
  return () => {
    const value = currentTime()
    const now = value instanceof Date ? value.getTime() / 1000 : value
    if (typeof now !== 'number' || !Number.isFinite(now)) throw new InvalidArgument('currentTime must return a Date or seconds')
    return now
  }
}

/**
 * A key resolver backed by a remote JWK Set (`jwks_uri`), for `verifyJWT`, `createVerifier` and the JWS
 * verify functions. Keys are selected exactly as in {@link createLocalKeySet}. See
 * {@link RemoteKeySetOptions} for the cache, fetch budget and stale-if-error settings, all with safe
 * defaults (5 s timeout, 512 KiB cap, 10 min default freshness clamped to [1 min, 1 day], 30 s
 * cooldown, 6 h maximum staleness, HTTPS only). Nothing is fetched until the first token arrives
 * (or `reload()` is called).
 *
 * @example
 * ```ts
 * const keys = createRemoteKeySet('https://issuer.example/.well-known/jwks.json', {
 *   onEvent: (event) => metrics.increment(`jwks.${event.type}`),
 * })
 * const verify = createVerifier({ key: keys, issuer: 'https://issuer.example', audience: 'api' })
 * const { payload } = await verify(token)
 * ```
 * @throws {@link InvalidArgument} for a non-HTTPS URI (unless `allowHttp`) or invalid options.
 *   Verification fails with {@link JWKSNoMatchingKey}, {@link JWKSStale}, {@link JWKSFetchFailed},
 *   {@link JWKSTimeout} or {@link JWKSInvalid}.
 */
export function createRemoteKeySet(uri: string | URL, options: RemoteKeySetOptions = {}): RemoteKeySet {
  const cache = new RemoteKeySetCache(uri, options)
  const resolver = (header: Readonly<JWSHeaderParameters>) => cache.resolve(header)
  return Object.assign(resolver, {
    reload: () => cache.reload(),
    exportState: () => cache.exportState(),
    uri: cache.uri,
  })
}
