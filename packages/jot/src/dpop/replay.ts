/**
 * Single use of DPoP proofs (RFC 9449 §11.1): a server remembers each accepted proof for as long as
 * the proof would be accepted, and refuses it when it comes again. The store is pluggable, so
 * replicas behind one endpoint can share one (a database or cache that answers atomically); the
 * in-memory store here serves a single process.
 *
 * What reaches a store is not the proof's `jti` itself but a fixed-size id derived from it and from
 * the proof's key (see dpop/verify.ts): the stored state per proof is bounded whatever `jti` the
 * client chose, as §11.1 asks ("store only a hash thereof"), any backend can hold it as a key, and
 * one client's `jti` can never collide with another's.
 * @module
 */
import { InvalidArgument } from '../errors.js'
import { checkNumber, checkString, readOptions } from '../lib/arguments.js'
import type { MaybePromise } from '../lib/maybe-promise.js'

/**
 * Where accepted DPoP proofs are remembered. `useOnce` must be atomic: of concurrent calls with the
 * same `id`, one gets `true`.
 *
 * @example
 * ```ts
 * // A shared store over a key-value database with per-key expiry (SET key NX EXAT):
 * const replay: ReplayStore = {
 *   useOnce: async (id, expiresAt) => (await redis.set(`dpop:${id}`, '1', { NX: true, EXAT: expiresAt })) === 'OK',
 * }
 * ```
 */
export interface ReplayStore {
  /**
   * `true` the first time `id` is seen, and `false` for every later call while the entry lives:
   * while `now` (seconds since the epoch, the verifier's clock) is before `expiresAt` (the same
   * unit). Once it has expired the id may be forgotten. A store that cannot answer should throw (or
   * reject): verification then fails with that error, not with a verdict on the proof.
   */
  useOnce(id: string, expiresAt: number, now: number): MaybePromise<boolean>
}

/** Options of {@link createMemoryReplayStore}. */
export interface MemoryReplayStoreOptions {
  /** Most proofs remembered at once. Default {@link DEFAULT_MAX_REPLAY_ENTRIES}. */
  maxEntries?: number
}

/**
 * Default bound of the in-memory replay store: 100,000 proofs, about 10 MB (some 100 bytes per
 * entry), which covers about 1,500 proofs per second with the default window of 66 s (`maxAge` +
 * `clockTolerance` + 1).
 */
export const DEFAULT_MAX_REPLAY_ENTRIES = 100_000

/**
 * A bounded in-memory {@link ReplayStore} for one process. Entries expire with the proofs they
 * remember and expired ones are dropped as new ones arrive. When `maxEntries` unexpired proofs are
 * held, the oldest is forgotten early to make room: a store too small for the traffic weakens replay
 * detection for the oldest proofs rather than refusing new ones. Size it above the number of proofs
 * accepted per `maxAge` window. Replicas need a shared store instead.
 *
 * @example
 * ```ts
 * const verifyProof = createDPoPVerifier({ algorithms: ['ES256', 'EdDSA'], replay: createMemoryReplayStore() })
 * ```
 */
export function createMemoryReplayStore(options?: MemoryReplayStoreOptions): ReplayStore {
  const { maxEntries = DEFAULT_MAX_REPLAY_ENTRIES } = readOptions(options)
  if (!Number.isInteger(maxEntries) || maxEntries < 1) throw new InvalidArgument('maxEntries must be a positive integer')
  // Insertion order is close to expiry order (a proof's expiry is its iat plus one window), so
  // expired entries are found at the front.
  const entries = new Map<string, number>()
  return {
    useOnce(id, expiresAt, now) {
      checkString(id, 'id')
      checkNumber(expiresAt, 'expiresAt')
      checkNumber(now, 'now')
      const seen = entries.get(id)
      if (seen !== undefined && now < seen) return false
      entries.delete(id)
      for (const [oldest, expiry] of entries) {
        if (now < expiry && entries.size < maxEntries) break
        entries.delete(oldest)
      }
      entries.set(id, expiresAt)
      return true
    },
  }
}
