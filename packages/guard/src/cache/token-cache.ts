/**
 * The verified-token cache: a token that verified once is not decoded, looked up in the key set or
 * signature-checked again while it is sure to verify. It lives in the guard's core so that every
 * entry point shares it: the framework middleware, the gateway's forward-auth and its reverse proxy.
 *
 * What is cached is the verification only: the signature, the header and claim checks, the audience
 * function and the profile's checks, for one token under one verifier's options. What the request
 * adds or what can change later runs on every request, hit or miss: the DPoP proof (RFC 9449 §7:
 * a fresh proof for each request), the denylist and introspection (a revocation applies to cached
 * tokens at once).
 *
 * Safety properties:
 * - Keys are BASE64URL(SHA-256(token)) within a partition per verifier: memory holds no token a heap
 *   snapshot could replay, and a token verified for one issuer, audience or provider is never
 *   served to another (the gateway shares one cache between all its providers).
 * - An entry is used only inside the window where the full verification is sure to accept the
 *   token, without the clock tolerance: from max(`iat`, `nbf`) until min(`exp`, `iat` +
 *   `maxTokenAge`), and at most `ttl` after it was verified. A token that is not valid yet is not
 *   cached. So a hit never accepts what the full path would refuse (a strict subset, as a fast path
 *   must be); from `exp` on the full path runs again and applies the tolerance itself.
 * - `ttl` bounds how long a signing key removed from the issuer's key set still counts for tokens it
 *   signed and the cache holds.
 * - Bounded by entries and by bytes; the least recently used go first. Failures are never cached.
 *   Cached results are deeply frozen: requests with the same token share them.
 * @module
 */
import { durationToSeconds, type Duration, type VerifiedJWT } from 'jotjwt'
import { sha256 } from './hash.js'
import { ExpiringLru } from './lru.js'

/** Bounds of a {@link TokenCache}. */
export interface TokenCacheOptions {
  /** Most tokens kept. Default 10,000. */
  maxEntries?: number
  /**
   * Most bytes kept. An entry counts its token's length (the decoded header and claims it keeps are
   * never longer as JSON text) plus its 45-byte key. Default 16 MiB.
   */
  maxBytes?: number
  /** Longest time one verification is reused: seconds or a duration such as `"5m"`. Default 10 minutes. */
  ttl?: Duration
}

/** A verified-token cache; one can serve any number of guards, each in its own partition. */
export interface TokenCache {
  /** The number of tokens held (expired ones until they are read or evicted). */
  readonly entries: number
  /** The bytes held, as counted against `maxBytes`. */
  readonly bytes: number
  /** Drops every entry, e.g. after a signing key was compromised: every token is verified afresh. */
  clear(): void
  /**
   * A partition for one verifier (guards make one per issuer). Its keys never meet another
   * partition's, so one token verified under different options is cached separately.
   * `maxTokenAge` (seconds) is the verifier's, which the entries' window must respect.
   */
  partition(limits?: { maxTokenAge?: number }): TokenCachePartition
}

/** One verifier's view of a {@link TokenCache}. */
export interface TokenCachePartition {
  /** The cache key of a token (synchronous where node:crypto exists). */
  key(token: string): string | Promise<string>
  /** The verification cached under `key`, when it may be used at `now` (seconds since the epoch). */
  get(key: string, now: number): VerifiedJWT | undefined
  /**
   * Caches the verification of a `length`-character token made at `now`, unless the token is not
   * valid yet; returns the frozen value that hits will return.
   */
  set(key: string, verified: VerifiedJWT, length: number, now: number): VerifiedJWT
}

interface Entry {
  readonly verified: VerifiedJWT
  /** max(iat, nbf): before it the full path could refuse (a clock set back). */
  readonly validFrom: number
}

const KEY_BYTES = 45 // "<partition>." and 43 base64url characters, about

const caches = new WeakSet<object>()

/** True for a cache made by {@link createTokenCache}. */
export function isTokenCache(value: unknown): value is TokenCache {
  return typeof value === 'object' && value !== null && caches.has(value)
}

function positiveInteger(value: unknown, name: string): number {
  if (!Number.isInteger(value) || (value as number) < 1) throw new TypeError(`cache.${name} must be a positive integer`)
  return value as number
}

/** Freezes claims and header for sharing between requests; iterative, so deep nesting cannot overflow. */
function freezeAll<T>(value: T): T {
  const pending: unknown[] = [value]
  while (pending.length > 0) {
    const next = pending.pop()
    if (typeof next !== 'object' || next === null || Object.isFrozen(next)) continue
    Object.freeze(next)
    for (const member of Object.values(next)) pending.push(member)
  }
  return value
}

/**
 * Makes a verified-token cache. Pass it as the `cache` option of any number of guards (the gateway
 * passes one to every provider); `cache: true` or `cache: { … }` makes one for a single guard.
 *
 * @example
 * ```ts
 * const cache = createTokenCache({ maxEntries: 50_000, maxBytes: 64 * 1024 * 1024, ttl: '5m' })
 * const orders = createGuard({ issuer, jwksUri, audience: 'https://api.example/orders', algorithms: ['ES256'], cache })
 * const billing = createGuard({ issuer, jwksUri, audience: 'https://api.example/billing', algorithms: ['ES256'], cache })
 * metrics.gauge('token_cache_bytes', cache.bytes)
 * ```
 * @throws TypeError for bounds that are not positive integers or a ttl that is not a duration.
 */
export function createTokenCache(options: TokenCacheOptions = {}): TokenCache {
  if (typeof options !== 'object' || options === null) throw new TypeError('cache must be true, bounds { maxEntries, maxBytes, ttl } or a token cache')
  const maxEntries = positiveInteger(options.maxEntries ?? 10_000, 'maxEntries')
  const maxBytes = positiveInteger(options.maxBytes ?? 16 * 1024 * 1024, 'maxBytes')
  let ttl: number
  try {
    ttl = durationToSeconds(options.ttl ?? 600)
  } catch {
    throw new TypeError('cache.ttl must be seconds or a duration such as "5m"')
  }
  const lru = new ExpiringLru<Entry>(maxEntries, maxBytes)
  let partitions = 0
  const cache: TokenCache = {
    get entries() {
      return lru.size
    },
    get bytes() {
      return lru.totalSize
    },
    clear: () => lru.clear(),
    partition(limits = {}) {
      const prefix = `${(partitions++).toString(36)}.`
      const { maxTokenAge } = limits
      return {
        key: (token) => {
          const hash = sha256(token)
          return typeof hash === 'string' ? prefix + hash : hash.then((value) => prefix + value)
        },
        get(key, now) {
          const entry = lru.get(key, now)
          return entry !== undefined && now >= entry.validFrom ? entry.verified : undefined
        },
        set(key, verified, length, now) {
          // The key is the application's (shared, never ours to freeze); the rest is this token's.
          const frozen = Object.freeze({ ...verified, payload: freezeAll(verified.payload), header: freezeAll(verified.header) })
          const { iat, nbf, exp } = frozen.payload
          const validFrom = Math.max(typeof iat === 'number' ? iat : -Infinity, typeof nbf === 'number' ? nbf : -Infinity)
          if (validFrom > now) return frozen
          let until = Math.min(now + ttl, typeof exp === 'number' ? exp : Infinity)
          if (maxTokenAge !== undefined && typeof iat === 'number') until = Math.min(until, iat + maxTokenAge)
          lru.set(key, { verified: frozen, validFrom }, until, now, length + KEY_BYTES)
          return frozen
        },
      }
    },
  }
  caches.add(cache)
  return cache
}
