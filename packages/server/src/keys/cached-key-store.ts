/**
 * A replica's copy of its key list, so that signing a token and serving the JWKS do not read and
 * decrypt the list from the store every time: used with change notifications, which tell the
 * replica when another one changed the list (`store/change-notifications.ts`: Redis pub/sub, or
 * PostgreSQL's LISTEN/NOTIFY).
 *
 * The copy is always safe to decide on, because the store's compare-and-swap has the last word: a
 * save made from an outdated copy loses the swap, the copy is dropped, and the key manager reloads
 * from the store and decides again. What an outdated copy can do is serve keys a little late: a key
 * another replica created or revoked is seen when the notification arrives, or at the latest after
 * `maxAge` (the poll interval) when it was lost. While the carrier says it could miss one
 * (`live()` false: PostgreSQL's listener is down), the copy is not used at all: every check asks the
 * store for the list's version, as without notifications, so the next token sees a revocation.
 * @module
 */
import type { KeyStore, StoredKey } from 'jotjwt'

export interface KeyChanges {
  /** Seconds a loaded list is used before the store is read again; 0 keeps no copy. */
  maxAge: number
  /** Tells the other replicas that this one saved a new list. */
  publish(): Promise<void>
  /** Runs `listener` when another replica saved a new list (or may have). */
  subscribe(listener: () => void): void
  /** False while a change could go unnoticed: the copy is then not used. Absent: always true. */
  live?(): boolean
}

/**
 * `inner` with a copy of the last list loaded or saved, dropped on a change notification, after
 * `changes.maxAge`, and on any failed save.
 *
 * @example
 * ```ts
 * const store = createCachedKeyStore(createEncryptedKeyStore(db, encryptionKey), { maxAge: 5, publish, subscribe })
 * ```
 */
export function createCachedKeyStore(inner: KeyStore, changes: KeyChanges, clock: () => number = () => performance.now() / 1000): KeyStore {
  let copy: { keys: StoredKey[]; version: string; at: number } | undefined
  // Bumped by every change, so a load that started before one does not put back an older list.
  let generation = 0
  let turn: Promise<void> | undefined
  changes.subscribe(() => {
    generation++
    copy = undefined
  })
  // The key manager changes the lists it loads while it plans: it gets its own copy each time.
  const snapshot = (keys: readonly StoredKey[]) => ({ keys: structuredClone(keys) as StoredKey[] })
  const current = (held: { at: number }): boolean => (changes.live?.() ?? true) && clock() - held.at < changes.maxAge

  return {
    async load() {
      if (copy !== undefined && current(copy)) return { ...snapshot(copy.keys), version: copy.version }
      const started = generation
      const loaded = await inner.load()
      if (started === generation && changes.maxAge > 0) copy = { ...snapshot(loaded.keys), version: loaded.version, at: clock() }
      return loaded
    },
    // The manager asks this before every batch of reads: answered from the copy while it is
    // current, else by the store's version alone (and a copy found still current is kept).
    ...(inner.version === undefined
      ? {}
      : {
          async version() {
            if (copy !== undefined && current(copy)) {
              // Still one answer per event-loop turn, as the store's own check: the manager's reads of
              // a turn then share one, which measured cheaper per token (PostgreSQL client_credentials
              // about 210 → 170 CPU µs) than answering each read at once.
              const held = copy
              await (turn ??= new Promise<void>((resolve) => setImmediate(() => ((turn = undefined), resolve()))))
              return held.version
            }
            const started = generation
            const version = await inner.version!()
            if (copy !== undefined && started === generation && copy.version === version) copy.at = clock()
            return version
          },
        }),
    async save(keys, expectedVersion) {
      generation++
      copy = undefined
      // A failed save leaves no copy: the manager reloads from the store (a lost swap) or retries later.
      const version = await inner.save(keys, expectedVersion)
      if (changes.maxAge > 0) copy = { ...snapshot(keys), version, at: clock() }
      await changes.publish()
      return version
    },
  }
}
