/**
 * Remote key sets (`jwks_uri`): a cached {@link KeyIndex} kept fresh by a small state machine. The
 * decisions, each made here only:
 *
 * - Time: every span here (cooldown, lifetimes, staleness) is kept in milliseconds on a millisecond
 *   clock. Whole seconds would let a 2 s cooldown end after 1.001 s and turn 0.3 s into 0 or 1 s.
 * - Freshness: the response's `Cache-Control: max-age` (minus `Age`, RFC 9111 §4.2), clamped to
 *   [`minCacheAge`, `maxCacheAge`]; `cacheMaxAge` when absent (an explicit one outside those bounds
 *   is refused). A background refresh starts `refreshAhead` before expiry, so requests rarely wait.
 * - Fetch budget: the end of every attempt (success, failure or timeout, whatever triggered it)
 *   starts a `cooldown` window with no further attempt, and concurrent needs share one in-flight
 *   request (single-flight). A flood of random `kid`s therefore costs at most one fetch per window,
 *   and an outage at most one timeout per window: counted from the start, a timeout as long as the
 *   cooldown would let a hanging endpoint be retried back to back. `reload()` alone ignores the cooldown.
 * - Unknown `kid`: refetch once (within the budget). A `kid` the fetch did not have is remembered as
 *   absent (at most 1,000, oldest forgotten first) until the next fetch starts and for at most
 *   `negativeCacheTtl` ≤ `cooldown` after the end of the one that missed it: the negative cache never
 *   delays a `kid` beyond the cooldown, so probing the issuer's next `kid` before it is published
 *   cannot block its rotation. A `kid` far longer than any the set holds (over 256 characters) is never
 *   fetched for nor remembered: it comes from an unverified token and would only cost memory.
 * - Stale-while-revalidate and stale-if-error: once expired, the keys keep answering for up to
 *   `maxStale` past expiry (reported as `stale` events) while a refresh runs behind them, so a slow
 *   or failing endpoint never makes a request wait. Only without usable keys (never fetched, or
 *   past `maxStale`) does a request wait for the fetch; past `maxStale` it fails with `ERR_JWKS_STALE`.
 * - Restored state (`options.state`) is trusted no further than a fetch: its expiry is clamped to
 *   `fetchedAt + maxCacheAge`, and a `fetchedAt` in the future is refused.
 * - Failures never escape as unhandled rejections: background refreshes report through `onEvent`.
 * @module
 */
import { InvalidArgument, isJotError, type JotError, JWKSFetchFailed, JWKSInvalid, JWKSNoMatchingKey, JWKSStale } from '../errors.js'
import { readObject, readOptions } from '../lib/arguments.js'
import { toMilliseconds, type Duration } from '../lib/duration.js'
import type { JotKey } from '../key/key.js'
import type { JWSHeaderParameters } from '../jws/types.js'
import { millisecondClockFrom } from '../jwt/time.js'
import { checkURL, fetchJSON, fetchPolicy, freshnessLifetime, type FetchPolicy } from './fetch.js'
import { KeyIndex, selectionPolicy } from './key-index.js'
import { admissibleAlgorithm, describe, type SelectionPolicy } from './select.js'
import type { KeySetEvent, KeySetFetchReason, KeySetState, RemoteKeySet, RemoteKeySetOptions } from './types.js'

/** Most `kid`s remembered as absent; the oldest are forgotten first. */
const NEGATIVE_CACHE_SIZE = 1000

/** Unknown `kid`s longer than this (and than every `kid` of the set) are not worth a fetch. */
const MAX_KID_LENGTH = 256

/** How far in the future a restored `fetchedAt` may lie (clock skew between instances), in milliseconds. */
const RESTORE_SKEW = 60_000

/** The key set's spans, in milliseconds. */
interface Timing {
  readonly cacheMaxAge: number
  readonly minCacheAge: number
  readonly maxCacheAge: number
  readonly cooldown: number
  readonly negativeCacheTtl: number
  readonly maxStale: number
  readonly refreshAhead: number
}

function milliseconds(value: Duration | undefined, fallback: number, name: string): number {
  return value === undefined ? fallback : toMilliseconds(value, name)
}

function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, value))
}

/** Refuses spans that contradict each other, naming both options with their values. */
function requireSpans(holds: boolean, [nameA, a]: [string, number], relation: string, [nameB, b]: [string, number]): void {
  if (!holds) throw new InvalidArgument(`${nameA} (${a / 1000} s) must ${relation} ${nameB} (${b / 1000} s)`)
}

function timing(options: RemoteKeySetOptions): Timing {
  const minCacheAge = milliseconds(options.minCacheAge, 60_000, 'minCacheAge')
  const maxCacheAge = milliseconds(options.maxCacheAge, 86_400_000, 'maxCacheAge')
  const cooldown = milliseconds(options.cooldown, 30_000, 'cooldown')
  const t: Timing = {
    // The default moves into the bounds; a value the caller chose is checked below instead, so the
    // cache never silently lives longer or shorter than configured.
    cacheMaxAge: milliseconds(options.cacheMaxAge, clamp(600_000, minCacheAge, maxCacheAge), 'cacheMaxAge'),
    minCacheAge,
    maxCacheAge,
    cooldown,
    negativeCacheTtl: milliseconds(options.negativeCacheTtl, cooldown, 'negativeCacheTtl'),
    maxStale: milliseconds(options.maxStale, 6 * 3_600_000, 'maxStale'),
    refreshAhead: milliseconds(options.refreshAhead, 30_000, 'refreshAhead'),
  }
  const span = (name: keyof Timing): [string, number] => [name, t[name]]
  requireSpans(t.minCacheAge <= t.maxCacheAge, span('minCacheAge'), 'not exceed', span('maxCacheAge'))
  requireSpans(t.cacheMaxAge >= t.minCacheAge, span('cacheMaxAge'), 'not be shorter than', span('minCacheAge'))
  requireSpans(t.cacheMaxAge <= t.maxCacheAge, span('cacheMaxAge'), 'not exceed', span('maxCacheAge'))
  // Each of these would make the cache fight itself: a refresh due as soon as keys arrive, keys that
  // expire while no fetch is allowed, a kid kept unknown after the budget allows looking again.
  requireSpans(t.refreshAhead < t.minCacheAge, span('refreshAhead'), 'be shorter than', span('minCacheAge'))
  requireSpans(t.cooldown <= t.minCacheAge, span('cooldown'), 'not exceed', span('minCacheAge'))
  requireSpans(t.negativeCacheTtl <= t.cooldown, span('negativeCacheTtl'), 'not exceed', span('cooldown'))
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
  /** When the latest fetch attempt settled: the cooldown and the negative cache count from here. */
  #lastAttemptEndedAt = Number.NEGATIVE_INFINITY
  #lastError: JotError | undefined
  #inflight: Promise<void> | undefined
  /** Counts fetch attempts, so a result is applied to the negative cache only if no newer fetch started. */
  #generation = 0
  /** `kid`s the fetch that ended at `#lastAttemptEndedAt` did not have, oldest first. */
  readonly #absentKids = new Set<string>()

  constructor(uri: string | URL, options: RemoteKeySetOptions) {
    this.#url = checkURL(uri, options.allowHttp === true, 'the JWKS URI')
    this.uri = this.#url.href
    this.#fetch = fetchPolicy(options)
    this.#policy = selectionPolicy(options)
    this.#timing = timing(options)
    this.#onEvent = options.onEvent
    this.#clock = millisecondClockFrom(options.currentTime)
    if (options.state !== undefined) this.#restore(options.state)
  }

  async resolve(header: Readonly<JWSHeaderParameters>): Promise<JotKey[]> {
    // A header no key could ever match (unknown or symmetric alg, missing required kid) costs no fetch.
    if (!admissibleAlgorithm(header, this.#policy)) throw new JWKSNoMatchingKey(`no key in the key set matches ${describe(header)}`)
    const index = await this.#usableIndex()
    const keys = await index.candidates(header)
    if (keys.length > 0) {
      this.#refreshAheadIfDue()
      return keys
    }
    return this.#resolveUnknown(header)
  }

  /**
   * {@link resolve}'s answer at once, when it needs nothing to wait for: the keys are fresh and the
   * matching ones imported. Undefined otherwise (no match, stale, not fetched, not imported yet):
   * the caller then runs {@link resolve}, which decides everything else.
   */
  resolveNow(header: Readonly<JWSHeaderParameters>): JotKey[] | undefined {
    const index = this.#index
    if (!index || this.#clock() >= this.#expiresAt || !admissibleAlgorithm(header, this.#policy)) return undefined
    const keys = index.importedCandidates(header)
    if (keys !== undefined) this.#refreshAheadIfDue()
    return keys
  }

  reload(): Promise<void> {
    return this.#inflight ?? this.#start('reload')
  }

  exportState(): KeySetState | undefined {
    if (!this.#index) return undefined
    return { uri: this.uri, jwks: this.#index.toJSON(), fetchedAt: this.#fetchedAt / 1000, expiresAt: this.#expiresAt / 1000 }
  }

  /** The index to select from now: fresh, stale within `maxStale` (refreshing behind it), or just fetched. */
  async #usableIndex(): Promise<KeyIndex> {
    const now = this.#clock()
    const cached = this.#index
    if (cached && now < this.#expiresAt) return cached
    if (cached && now - this.#expiresAt < this.#timing.maxStale) {
      this.#fetchIfAllowed('expired')
      this.#emit({ type: 'stale', uri: this.uri, staleFor: (now - this.#expiresAt) / 1000, error: this.#lastError })
      return cached
    }
    // No usable keys: this request has to wait for a fetch (shared with every other waiting one).
    const fetching = this.#fetchIfAllowed(cached ? 'expired' : 'initial')
    if (fetching) await fetching.catch(() => undefined)
    const index = this.#index
    if (!index) throw this.#lastError ?? new JWKSFetchFailed('the key set has not been fetched yet')
    const staleFor = this.#clock() - this.#expiresAt
    if (staleFor >= this.#timing.maxStale) {
      throw new JWKSStale(`the key set expired ${Math.round(staleFor / 1000)} s ago and could not be refreshed`, { cause: this.#lastError })
    }
    return index
  }

  async #resolveUnknown(header: Readonly<JWSHeaderParameters>): Promise<JotKey[]> {
    const { kid } = header
    const noMatch = (cause?: unknown) => new JWKSNoMatchingKey(`no key in the key set matches ${describe(header)}`, { cause })
    if (kid !== undefined) {
      if (typeof kid !== 'string' || kid.length > Math.max(MAX_KID_LENGTH, this.#index?.longestKid ?? 0)) {
        this.#emit({ type: 'unknown-kid', uri: this.uri, kid: String(kid), action: 'ignored' })
        throw noMatch()
      }
      if (this.#absentKids.has(kid) && this.#clock() - this.#lastAttemptEndedAt < this.#timing.negativeCacheTtl) {
        this.#emit({ type: 'unknown-kid', uri: this.uri, kid, action: 'negative-cache' })
        throw noMatch()
      }
    }
    const fetching = this.#fetchIfAllowed('unknown-kid')
    this.#emit({ type: 'unknown-kid', uri: this.uri, kid, action: fetching ? 'fetch' : 'cooldown' })
    if (!fetching) throw noMatch()
    const generation = this.#generation
    try {
      await fetching
    } catch (error) {
      throw noMatch(error)
    }
    const keys = await this.#index!.candidates(header)
    if (keys.length > 0) return keys
    // Only the latest fetch's view counts: a fetch started since may well have the kid.
    if (kid !== undefined && generation === this.#generation) this.#rememberAbsent(kid)
    throw noMatch()
  }

  #rememberAbsent(kid: string): void {
    this.#absentKids.delete(kid)
    this.#absentKids.add(kid)
    if (this.#absentKids.size > NEGATIVE_CACHE_SIZE) this.#absentKids.delete(this.#absentKids.values().next().value!)
  }

  #refreshAheadIfDue(): void {
    if (this.#clock() >= this.#expiresAt - this.#timing.refreshAhead) this.#fetchIfAllowed('refresh-ahead')
  }

  /** The in-flight fetch, a new one if the cooldown allows it, or undefined. Never rejects unhandled. */
  #fetchIfAllowed(reason: KeySetFetchReason): Promise<void> | undefined {
    if (this.#inflight) return this.#inflight
    if (this.#clock() - this.#lastAttemptEndedAt < this.#timing.cooldown) return undefined
    return this.#start(reason)
  }

  #start(reason: KeySetFetchReason): Promise<void> {
    this.#generation++
    this.#absentKids.clear()
    const attempt = this.#fetchOnce(reason).finally(() => {
      this.#lastAttemptEndedAt = this.#clock()
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
      const index = new KeyIndex(body, this.#policy, this.#index)
      const { minCacheAge, maxCacheAge, cacheMaxAge } = this.#timing
      const lifetime = freshnessLifetime(headers)
      const maxAge = lifetime === undefined ? cacheMaxAge : clamp(lifetime * 1000, minCacheAge, maxCacheAge)
      const now = this.#clock()
      this.#index = index
      this.#fetchedAt = now
      this.#expiresAt = now + maxAge
      this.#lastError = undefined
      this.#emit({ type: 'fetch', uri: this.uri, reason, keys: index.size, maxAge: maxAge / 1000 })
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
    if (![state.fetchedAt, state.expiresAt].every((n) => typeof n === 'number' && Number.isFinite(n))) {
      throw new InvalidArgument('options.state has invalid times')
    }
    // Seconds in the state (like NumericDate), milliseconds kept as their fraction.
    const fetchedAt = Math.round(state.fetchedAt * 1000)
    const expiresAt = Math.round(state.expiresAt * 1000)
    const now = this.#clock()
    // Persisted state may be old, tampered with, or written by an instance whose clock was wrong: it
    // gets no more trust than a fresh fetch would have.
    if (fetchedAt > now + RESTORE_SKEW) throw new InvalidArgument('options.state was fetched in the future')
    this.#index = new KeyIndex(state.jwks, this.#policy)
    this.#fetchedAt = fetchedAt
    this.#expiresAt = Math.min(expiresAt, fetchedAt + this.#timing.maxCacheAge)
    // The cooldown carries over: a fleet of cold starts does not turn into a fetch storm.
    this.#lastAttemptEndedAt = Math.min(fetchedAt, now)
  }

  #emit(event: KeySetEvent): void {
    try {
      this.#onEvent?.(event)
    } catch {
      // A failing metrics hook must not fail verification.
    }
  }
}

/**
 * A key resolver backed by a remote JWK Set (`jwks_uri`), for `verifyJWT`, `createVerifier` and the JWS
 * verify functions. Keys are selected exactly as in {@link createLocalKeySet}. See
 * {@link RemoteKeySetOptions} for the cache, fetch budget and stale-if-error settings, all with safe
 * defaults (5 s timeout, 512 KiB cap, 10 min default freshness clamped to [1 min, 1 day], 30 s
 * cooldown counted from the end of each fetch, 6 h maximum staleness, HTTPS only), all timed to the
 * millisecond. Nothing is fetched until the first token arrives (or `reload()` is called).
 *
 * @example
 * ```ts
 * const keys = createRemoteKeySet('https://issuer.example/.well-known/jwks.json', {
 *   onEvent: (event) => metrics.increment(`jwks.${event.type}`),
 * })
 * const verify = createVerifier({ key: keys, issuer: 'https://issuer.example', audience: 'api' })
 * const { payload } = await verify(token)
 * ```
 * @throws {@link InvalidArgument} for a non-HTTPS URI (unless `allowHttp`) or invalid options, such as
 *   spans that contradict each other (a `cacheMaxAge` below `minCacheAge`; the message names both values).
 *   Verification fails with {@link JWKSNoMatchingKey}, {@link JWKSStale}, {@link JWKSFetchFailed},
 *   {@link JWKSTimeout} or {@link JWKSInvalid}.
 */
export function createRemoteKeySet(uri: string | URL, options?: RemoteKeySetOptions): RemoteKeySet {
  const cache = new RemoteKeySetCache(uri, readOptions(options))
  const resolveLater = async (header: Readonly<JWSHeaderParameters>) => cache.resolve(readObject(header, 'header'))
  // Fresh, imported keys answer synchronously, so a verifier on node:crypto runs a token start to
  // finish without a promise here (lib/maybe-promise.ts); every other case, failures included, is
  // the asynchronous path and rejects rather than throws.
  const resolver = (header: Readonly<JWSHeaderParameters>): JotKey[] | Promise<JotKey[]> => {
    let keys: JotKey[] | undefined
    try {
      keys = cache.resolveNow(readObject(header, 'header'))
    } catch {
      // resolveLater reports it.
    }
    return keys ?? resolveLater(header)
  }
  return Object.assign(resolver, {
    reload: () => cache.reload(),
    exportState: () => cache.exportState(),
    uri: cache.uri,
  })
}
