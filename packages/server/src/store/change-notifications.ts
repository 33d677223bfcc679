/**
 * Change notifications between the replicas of one deployment, whatever carries them: Redis
 * pub/sub (`redis/notifications.ts`) when Redis is configured, else PostgreSQL's LISTEN/NOTIFY
 * (`store/postgres-notifications.ts`). A replica that changed something other replicas keep a copy
 * of (the signing keys, client records) tells the topic, and the others drop their copy, so they
 * read the store again at their next use.
 *
 * Both carriers give the same guarantees: each message names its origin, so a replica ignores its
 * own (it already knows what it changed); a listener that (re)connects treats every topic as
 * changed, since it may have missed anything while it was away; and a copy never outlives what the
 * carrier can vouch for (Redis: `redis.pollInterval`; PostgreSQL: only while its listener is up).
 * @module
 */
import type { KeyChanges } from '../keys/cached-key-store.js'
import type { ClientChanges } from './client-cache.js'

/**
 * What can change: the signing keys (rotation, emergency revocation, a replica planning a
 * successor), and client records (admin API, registration).
 */
export type ChangeTopic = 'keys' | 'clients'

export const CHANGE_TOPICS: readonly ChangeTopic[] = ['keys', 'clients']

export const isChangeTopic = (value: unknown): value is ChangeTopic => value === 'keys' || value === 'clients'

export interface ChangeNotifications {
  /** Tells the other replicas; a failure is logged, never thrown (they converge by polling). */
  publish(topic: ChangeTopic): Promise<void>
  /** Runs `listener` when another replica changed `topic`, or may have. */
  subscribe(topic: ChangeTopic, listener: () => void): void
  /**
   * False while a change made elsewhere could go unnoticed (PostgreSQL: its listener is down):
   * copies must then not be trusted. Absent: copies are bounded by their own `maxAge`.
   */
  live?(): boolean
  close(): Promise<void>
}

/**
 * The key managers' view of `notifications` (`keys/cached-key-store.ts`): a copy of the key lists
 * used for at most `maxAge` seconds, and only while `notifications` is live.
 */
export function keyChangesOf(notifications: ChangeNotifications, maxAge: number): KeyChanges {
  return {
    maxAge,
    publish: () => notifications.publish('keys'),
    subscribe: (listener) => notifications.subscribe('keys', listener),
    ...(notifications.live ? { live: notifications.live } : {}),
  }
}

/** The client cache's view of `notifications` (`store/client-cache.ts`). */
export function clientChangesOf(notifications: ChangeNotifications): ClientChanges {
  return { publish: () => notifications.publish('clients'), subscribe: (listener) => notifications.subscribe('clients', listener) }
}
