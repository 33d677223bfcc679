/**
 * A bounded map whose entries carry their own expiry, on the caller's clock (any unit, as long as
 * `expiresAt` and `now` agree): least recently used entries are evicted first, expired ones are
 * dropped when read. Bounded by the number of entries and, optionally, by the total of the sizes the
 * caller gives each entry (bytes, say). Insertion order of a `Map` is the recency order.
 * @module
 */
interface Entry<V> {
  readonly value: V
  readonly expiresAt: number
  readonly size: number
}

export class ExpiringLru<V> {
  readonly #entries = new Map<string, Entry<V>>()
  readonly #maxEntries: number
  readonly #maxSize: number
  #totalSize = 0

  constructor(maxEntries: number, maxSize = Number.POSITIVE_INFINITY) {
    if (!Number.isInteger(maxEntries) || maxEntries < 1) throw new TypeError('maxEntries must be a positive integer')
    if (maxSize !== Number.POSITIVE_INFINITY && (!Number.isInteger(maxSize) || maxSize < 1)) throw new TypeError('the size bound must be a positive integer')
    this.#maxEntries = maxEntries
    this.#maxSize = maxSize
  }

  /** The number of entries held (expired ones included until they are read or evicted). */
  get size(): number {
    return this.#entries.size
  }

  /** The total of the entries' sizes. */
  get totalSize(): number {
    return this.#totalSize
  }

  get(key: string, now: number): V | undefined {
    const entry = this.#entries.get(key)
    if (entry === undefined) return undefined
    this.#entries.delete(key)
    if (now >= entry.expiresAt) {
      this.#totalSize -= entry.size
      return undefined
    }
    this.#entries.set(key, entry)
    return entry.value
  }

  /** Stores `value` until `expiresAt`; nothing is stored when that has passed or `size` alone exceeds the bound. */
  set(key: string, value: V, expiresAt: number, now: number, size = 0): void {
    this.delete(key)
    if (expiresAt <= now || size > this.#maxSize) return
    this.#entries.set(key, { value, expiresAt, size })
    this.#totalSize += size
    for (const [oldest, entry] of this.#entries) {
      if (this.#entries.size <= this.#maxEntries && this.#totalSize <= this.#maxSize) break
      this.#entries.delete(oldest)
      this.#totalSize -= entry.size
    }
  }

  delete(key: string): void {
    const entry = this.#entries.get(key)
    if (entry === undefined) return
    this.#entries.delete(key)
    this.#totalSize -= entry.size
  }

  clear(): void {
    this.#entries.clear()
    this.#totalSize = 0
  }
}
