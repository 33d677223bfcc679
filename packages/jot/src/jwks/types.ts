/** Public key-set types. @module */
import type { Duration } from '../lib/duration.js'
import type { Instant } from '../jwt/types.js'
import type { JotError } from '../errors.js'
import type { JWKSet } from '../key/jwk.js'
import type { KeyResolver } from '../jws/types.js'

/** Options of {@link createLocalKeySet}; remote key sets take them too. */
export interface KeySetOptions {
  /**
   * Let symmetric (`oct`) JWKs verify HMAC tokens. Off by default: a published key set holds public
   * keys, and a secret that anyone can download verifies tokens anyone can forge (RFC 8725 §3.2).
   * With it, a set that holds both `oct` and asymmetric keys is refused (`ERR_JWKS_INVALID`).
   */
  allowSymmetricKeys?: boolean
  /** Refuse tokens without a `kid` header. Default false: they are tried against every fitting key. */
  requireKid?: boolean
  /**
   * Let a token's `kid` name several keys that all fit its `alg`, and try each in document order.
   * Off by default: such a token is refused with `ERR_JWKS_MULTIPLE_MATCHING_KEYS`, since which key
   * was meant is a guess (a `kid` repeated across key types is never ambiguous: the `alg` decides).
   */
  allowAmbiguousKids?: boolean
  /** Most keys tried for one token (kid-less tokens, `allowAmbiguousKids`): 1 to 5, default 5. */
  maxCandidates?: number
}

/** Why a remote key set fetched. */
export type KeySetFetchReason = 'initial' | 'expired' | 'refresh-ahead' | 'unknown-kid' | 'reload'

/**
 * What a remote key set reports to {@link RemoteKeySetOptions.onEvent}, for metrics and logs. `kid`
 * values come from unverified tokens: treat them as untrusted text.
 */
export type KeySetEvent =
  /** `maxAge`: how long the fetched keys stay fresh, in seconds (milliseconds as the fraction). */
  | { type: 'fetch'; uri: string; reason: KeySetFetchReason; keys: number; maxAge: number }
  | { type: 'fetch-failed'; uri: string; reason: KeySetFetchReason; error: JotError }
  /**
   * Expired keys answered a request (a refresh runs behind them); `staleFor`: seconds since expiry
   * (milliseconds as the fraction); `error`: the last refresh failure, if any.
   */
  | { type: 'stale'; uri: string; staleFor: number; error: JotError | undefined }
  /**
   * `action`: `fetch` (started or joined one), `cooldown` (fetch budget spent), `negative-cache` (absent
   * from the latest fetch), `ignored` (not a string, or far longer than any `kid` of the set: never fetched for).
   */
  | { type: 'unknown-kid'; uri: string; kid: string | undefined; action: 'fetch' | 'cooldown' | 'negative-cache' | 'ignored' }

/** Serializable state of a remote key set, to persist between serverless invocations. */
export interface KeySetState {
  uri: string
  jwks: JWKSet
  /** When the fetch ended, in seconds since the epoch (milliseconds as the fraction). */
  fetchedAt: number
  /** When it stops being fresh, in seconds since the epoch (milliseconds as the fraction). */
  expiresAt: number
}

/**
 * Options of {@link createRemoteKeySet}. Durations are seconds or strings like `"10m"`, kept to the
 * millisecond (`0.3` and `"0.3s"` are both 300 ms): the key set times its cooldown, cache lifetime and
 * staleness on a millisecond clock.
 */
export interface RemoteKeySetOptions extends KeySetOptions {
  /** Give up on a fetch (headers and body) after this long, whether or not `fetch` honours the abort. Must be positive. Default 5 s. */
  timeout?: Duration
  /** Refuse a response body larger than this many bytes. Default 512 KiB. */
  maxResponseBytes?: number
  /**
   * Freshness when the response has no `Cache-Control: max-age`. Default 10 min (moved into
   * [`minCacheAge`, `maxCacheAge`] when those exclude it); a value you set outside those bounds is
   * refused with `ERR_INVALID_ARGUMENT`.
   */
  cacheMaxAge?: Duration
  /** Lower bound for a server's `max-age` (also used for `no-cache`/`no-store`); at least `cooldown`, more than `refreshAhead`. Default 1 min. */
  minCacheAge?: Duration
  /** Upper bound for a server's `max-age`. Default 1 day. */
  maxCacheAge?: Duration
  /**
   * After any fetch attempt ends (answered, failed or timed out), the next one waits at least this
   * long, whatever triggers it: a flood of unknown `kid`s causes at most one fetch per window, and a
   * hanging endpoint is not asked again as soon as its timeout ends. Default 30 s.
   */
  cooldown?: Duration
  /**
   * A `kid` absent from the latest fetch is refused without a fetch for this long after that fetch
   * ended (and only until the next fetch starts). At most `cooldown`, its default: it never keeps a
   * newly published `kid` unknown once the budget allows looking again.
   */
  negativeCacheTtl?: Duration
  /**
   * After expiry, cached keys keep verifying for this long while a refresh runs in the background
   * (stale-while-revalidate) or keeps failing (stale-if-error); requests never wait for it. Beyond it,
   * a request waits for a fetch and, if that fails, fails with `ERR_JWKS_STALE`. Default 6 h.
   */
  maxStale?: Duration
  /** Start a background refresh this long before expiry. Shorter than `minCacheAge`. Default 30 s. */
  refreshAhead?: Duration
  /** Allow `http:` URLs (e.g. a test server on localhost). Default false: HTTPS only. */
  allowHttp?: boolean
  /** Extra request headers (e.g. an API key for a private key set). */
  headers?: Record<string, string>
  /** The fetch implementation; the global `fetch` by default. */
  fetch?: typeof fetch
  /**
   * Cached state from {@link RemoteKeySet.exportState}, e.g. read from storage at a cold start. Its
   * expiry is clamped to `fetchedAt + maxCacheAge`; a `fetchedAt` more than a minute in the future is refused.
   */
  state?: KeySetState
  /** Called synchronously for fetches, failures, stale use and unknown `kid`s. Exceptions are ignored. */
  onEvent?: (event: KeySetEvent) => void
  /**
   * The clock, for tests: a Date, or seconds since the epoch with milliseconds as the fraction (the
   * key set reads it to the millisecond; a verifier given the same clock rounds it down to whole
   * seconds for claims). Default `Date.now`.
   *
   * @example
   * ```ts
   * let now = Date.now()
   * const keys = createRemoteKeySet('https://issuer.example/jwks.json', { cooldown: 0.3, currentTime: () => new Date(now) })
   * now += 300 // the cooldown has passed
   * ```
   */
  currentTime?: () => Instant
}

/** A remote key set: a {@link KeyResolver} plus cache controls. */
export interface RemoteKeySet extends KeyResolver {
  /** Fetches now (single-flight, but ignoring the cooldown), e.g. at start-up or on an admin signal. */
  reload(): Promise<void>
  /** The current cache state (undefined before the first successful fetch), to persist. */
  exportState(): KeySetState | undefined
  /** The JWKS URL. */
  readonly uri: string
}
