/**
 * A small remembered-results table for parsing that repeats: the tokens one issuer sends share a
 * handful of distinct headers, so decoding and checking each once is enough. Only successes are
 * remembered (a throwing `compute` stores nothing). When full it is simply emptied: cheaper than
 * tracking recency, and a working set that large is not the case being optimized.
 * @module
 */

/** Entries kept per table. */
const LIMIT = 32

/**
 * Longest key remembered, in characters: real protected headers are a few dozen; a long one is
 * computed every time rather than letting 32 attacker-chosen near-maxTokenLength headers stay pinned.
 */
const MAX_KEY_LENGTH = 1024

/** The value remembered under `key`, computing and remembering it first if need be. */
export function remember<V>(table: Map<string, V>, key: string, compute: (key: string) => V): V {
  if (key.length > MAX_KEY_LENGTH) return compute(key)
  let value = table.get(key)
  if (value === undefined) {
    value = compute(key)
    if (table.size >= LIMIT) table.clear()
    table.set(key, value)
  }
  return value
}
