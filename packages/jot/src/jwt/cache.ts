/**
 * The opt-in verified-token cache of {@link createVerifier}, for gateways that see the same token
 * on many requests. What it may skip is only what cannot change for a given token string under a
 * given verifier: decoding, header checks and the signature. The claim checks (`exp`, `nbf`,
 * `maxTokenAge`, …) run again on every hit, so a cached token expires exactly when an uncached one
 * would. Safety properties:
 * - the key is the full token string, and each verifier owns its cache (no cross-verifier hits, no
 *   user-supplied cache key: fast-jwt's GHSA-rp9m came from a pluggable key builder);
 * - bounded by entries and by total token characters; least recently used entries go first;
 * - an entry lives at most `ttl` seconds, which bounds how long a key that was removed from a key
 *   resolver keeps accepting tokens it signed;
 * - failures are never cached; cached results are frozen, so one caller cannot alter another's.
 * @module
 */
import { InvalidArgument } from '../errors.js'
import { toSeconds, type Duration } from '../lib/duration.js'

/** Options of the verified-token cache. */
export interface VerifiedTokenCacheOptions {
  /** Maximum number of tokens kept. Default 1000. */
  maxEntries?: number
  /** Maximum total length of the tokens kept, in characters. Default 4 MiB. */
  maxCharacters?: number
  /** Longest time a verified token is served from the cache: seconds or a duration. Default "10m". */
  ttl?: Duration
}

interface Entry<T> {
  readonly value: T
  readonly expiresAt: number
}

export class VerifiedTokenCache<T> {
  readonly #entries = new Map<string, Entry<T>>()
  readonly #maxEntries: number
  readonly #maxCharacters: number
  readonly #ttl: number
  #characters = 0

  constructor(options: VerifiedTokenCacheOptions = {}) {
    const { maxEntries = 1000, maxCharacters = 4 * 1024 * 1024, ttl = '10m' } = options
    if (!Number.isInteger(maxEntries) || maxEntries < 1) throw new InvalidArgument('cache.maxEntries must be a positive integer')
    if (!Number.isInteger(maxCharacters) || maxCharacters < 1) throw new InvalidArgument('cache.maxCharacters must be a positive integer')
    this.#maxEntries = maxEntries
    this.#maxCharacters = maxCharacters
    this.#ttl = toSeconds(ttl, 'cache.ttl')
  }

  /** The cached value for `token` if it is still within its ttl at `now` (seconds). */
  get(token: string, now: number): T | undefined {
    const entry = this.#entries.get(token)
    if (!entry) return undefined
    this.#entries.delete(token)
    if (now >= entry.expiresAt) {
      this.#characters -= token.length
      return undefined
    }
    this.#entries.set(token, entry) // most recently used goes last
    return entry.value
  }

  set(token: string, value: T, now: number): void {
    if (token.length > this.#maxCharacters) return
    if (this.#entries.delete(token)) this.#characters -= token.length
    this.#entries.set(token, { value, expiresAt: now + this.#ttl })
    this.#characters += token.length
    for (const oldest of this.#entries.keys()) {
      if (this.#entries.size <= this.#maxEntries && this.#characters <= this.#maxCharacters) break
      this.#entries.delete(oldest)
      this.#characters -= oldest.length
    }
  }
}
