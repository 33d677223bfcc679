/**
 * A replica's short-lived copy of the client records it authenticates, so that a busy token
 * endpoint does not read (and parse) the same client from the database for every request: a
 * record read from the store is used for at most `maxAge` seconds (`cache.clientMaxAge`).
 *
 * What that means for a change to a client (its secret rotated, its scopes narrowed, the client
 * deleted), which is the revocation latency of a client credential:
 * - made through this replica (admin API, registration): seen at once, the copy is dropped as soon
 *   as the store has the change;
 * - made through another replica, with change notifications (Redis, or PostgreSQL's LISTEN/NOTIFY
 *   while its listener is up): seen when the notification arrives (typically well under a second),
 *   at the latest after `maxAge`;
 * - otherwise (no notifications, or a lost one): seen after at most `maxAge`.
 *
 * Only records that exist are kept: an unknown client id is always looked up (a client created
 * anywhere is usable at once), and ids that do not exist cannot fill the cache. The copies are frozen,
 * so no request can change what the next one reads.
 * @module
 */
import { BoundedMap } from '../lib/bounded-map.js'
import type { ClientRecord, Store } from './store.js'

export interface ClientChanges {
  /** Tells the other replicas that this one changed a client record. */
  publish(): Promise<void>
  /** Runs `listener` when another replica changed a client record (or may have). */
  subscribe(listener: () => void): void
}

export interface ClientCacheOptions {
  /** Seconds a record read from the store is used; 0 keeps no copy (every request reads the store). */
  maxAge: number
  /** Client records kept at most (the least recently used is dropped). */
  maxEntries: number
  /** Change notifications between replicas (Redis, or PostgreSQL's LISTEN/NOTIFY). */
  changes?: ClientChanges
  /** A monotonic clock in seconds (tests). */
  clock?: () => number
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value)
    for (const member of Object.values(value)) deepFreeze(member)
  }
  return value
}

/**
 * `store` whose `getClient` answers from a copy at most `maxAge` old, dropped on every client write
 * made through it (and on a notification from another replica).
 *
 * @example
 * ```ts
 * const store = withClientCache(await openStore(config.store, config.dataDir), { maxAge: 2, maxEntries: 10_000 })
 * ```
 */
export function withClientCache(store: Store, options: ClientCacheOptions): Store {
  const { maxAge, maxEntries, changes, clock = () => performance.now() / 1000 } = options
  if (maxAge <= 0) return store
  const copies = new BoundedMap<string, { record: ClientRecord; at: number }>(maxEntries)
  // Reads of one client asked for while one is in flight share it.
  const reads = new Map<string, Promise<ClientRecord | undefined>>()
  // Bumped by every change, so a read that started before one does not put back the older record.
  let generation = 0
  const forget = (clientId?: string) => {
    generation++
    if (clientId === undefined) {
      copies.clear()
      reads.clear()
    } else {
      copies.delete(clientId)
      reads.delete(clientId)
    }
  }
  changes?.subscribe(() => forget())
  /** Runs a write, then drops the copy (here at once, elsewhere by notification). */
  const written = async <T>(clientId: string, write: Promise<T>): Promise<T> => {
    try {
      return await write
    } finally {
      // Also after a failed write: it may have committed before the failure was reported.
      forget(clientId)
      await changes?.publish()
    }
  }

  return {
    ...store,
    getClient(clientId) {
      const copy = copies.get(clientId)
      if (copy !== undefined && clock() - copy.at < maxAge) return Promise.resolve(copy.record)
      let read = reads.get(clientId)
      if (read === undefined) {
        const started = generation
        const at = clock()
        read = store.getClient(clientId).then(
          (record) => {
            if (reads.get(clientId) === read) reads.delete(clientId)
            if (record === undefined || started !== generation) return record
            copies.set(clientId, { record: deepFreeze(record), at })
            return record
          },
          (error: unknown) => {
            if (reads.get(clientId) === read) reads.delete(clientId)
            throw error
          },
        )
        reads.set(clientId, read)
      }
      return read
    },
    putClient: (client) => written(client.clientId, store.putClient(client)),
    createClient: (client) => written(client.clientId, store.createClient(client)),
    deleteClient: (clientId) => written(clientId, store.deleteClient(clientId)),
  }
}
