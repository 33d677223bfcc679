/**
 * Change notifications (`store/change-notifications.ts`) between replicas over Redis pub/sub (`<prefix>changes`): a replica that
 * changed something other replicas keep a copy of (the signing keys, client records) publishes the
 * topic, and the others drop their copy, so they read the store again at their next use.
 *
 * Pub/sub delivers at most once and only to connected subscribers, so a notification can be lost:
 * every copy also expires after `redis.pollInterval` (the replicas poll), and a subscriber that
 * reconnects treats every topic as changed, since it may have missed anything while it was away.
 * User records are read from the store on every request, so they need no notification; client
 * records are kept for at most `cache.clientMaxAge` (`store/client-cache.ts`).
 * @module
 */
import { randomBytes } from 'node:crypto'
import type { Logger } from '../service/context.js'
import { CHANGE_TOPICS, isChangeTopic, type ChangeNotifications, type ChangeTopic } from '../store/change-notifications.js'
import type { RedisConnection } from './connection.js'

// The interface is shared with PostgreSQL's LISTEN/NOTIFY (`store/change-notifications.ts`).
export type { ChangeNotifications, ChangeTopic }

export interface ChangeNotificationOptions {
  channel: string
  /** False: neither publish nor subscribe (polling only, e.g. where pub/sub is not allowed). */
  enabled: boolean
  log: Logger
}

/**
 * @example
 * ```ts
 * const changes = createChangeNotifications(redis, { channel: 'jotjwt:changes', enabled: true, log })
 * changes.subscribe('keys', () => cache.invalidate())
 * await changes.publish('keys')
 * ```
 */
export function createChangeNotifications(connection: RedisConnection, options: ChangeNotificationOptions): ChangeNotifications {
  const { channel, enabled, log } = options
  // Tells this replica's own messages apart: it already knows what it changed.
  const origin = randomBytes(12).toString('base64url')
  const listeners = new Map<ChangeTopic, (() => void)[]>()
  const notify = (topic: ChangeTopic) => {
    for (const listener of listeners.get(topic) ?? []) listener()
  }

  let subscriber: RedisConnection | undefined
  // Subscribing takes a connection of its own, opened with the first listener (a process that only
  // publishes, like key administration, never opens it).
  const startSubscriber = () => {
    const live = (subscriber = connection.duplicate('notifications'))
    const onMessage = (message: string) => {
      let parsed: { topic?: unknown; origin?: unknown }
      try {
        parsed = JSON.parse(message) as typeof parsed
      } catch {
        return
      }
      if (parsed.origin !== origin && isChangeTopic(parsed.topic)) notify(parsed.topic)
    }
    let subscribed = false
    live.onReady(() => {
      // node-redis subscribes again by itself after a reconnection; the first time is ours to do.
      if (!subscribed) {
        live.client
          .subscribe(channel, onMessage)
          .then(() => void (subscribed = true))
          .catch((error: unknown) => log.warn({ reason: (error as Error).message }, 'Redis: subscribing to change notifications failed'))
      }
      for (const topic of CHANGE_TOPICS) notify(topic)
    })
  }

  return {
    async publish(topic) {
      if (!enabled) return
      try {
        await connection.client.publish(channel, JSON.stringify({ topic, origin }))
      } catch (error) {
        log.warn({ topic, reason: (error as Error).message }, 'Redis: a change notification was not published; the other replicas will poll')
      }
    },
    subscribe(topic, listener) {
      listeners.set(topic, [...(listeners.get(topic) ?? []), listener])
      if (enabled && subscriber === undefined) startSubscriber()
    },
    close: async () => {
      await subscriber?.close()
    },
  }
}
