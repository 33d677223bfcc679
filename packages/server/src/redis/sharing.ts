/**
 * Redis for what the replicas of one deployment must share fast (`redis` in the configuration),
 * beside the store, which stays the source of truth:
 *
 * | What | In Redis | While Redis is down |
 * |---|---|---|
 * | single use of assertion and DPoP proof ids | `SET NX EXAT` (`store.ts`) | fails closed: 503 + `Retry-After` |
 * | the access-token denylist, for guards and gateways | copied after each store commit (`denylist.ts`) | copies fail; rebuilt from the store when Redis is back |
 * | token endpoint rate-limit counts | `INCR` per client and window (`rate-limit.ts`) | fails open to the per-replica limit |
 * | signing-key changes | pub/sub notifications (`notifications.ts`) | replicas poll: copies expire after `pollInterval` |
 * | client record changes | pub/sub notifications | copies expire after `cache.clientMaxAge` |
 *
 * Redis being unreachable at start does not stop the service: it starts, applies the rules above,
 * and uses Redis once it answers.
 * @module
 */
import { durationSeconds } from '../config/duration.js'
import type { ServiceConfig } from '../config/schema.js'
import type { KeyChanges } from '../keys/cached-key-store.js'
import { clientChangesOf, keyChangesOf } from '../store/change-notifications.js'
import type { ClientChanges } from '../store/client-cache.js'
import type { SharedWindowCounter } from '../oauth/rate-limit.js'
import type { Logger } from '../service/context.js'
import type { Store } from '../store/store.js'
import { openRedisConnection, type RedisConnection } from './connection.js'
import { createDenylistCopy, type DenylistCopy } from './denylist.js'
import { createChangeNotifications } from './notifications.js'
import { createRedisWindowCounter } from './rate-limit.js'
import { withRedis } from './store.js'

export type RedisConfig = NonNullable<ServiceConfig['redis']>

/** How long the start waits for a first connection before it goes on without Redis. */
const STARTUP_WAIT_MS = 2000

/** setInterval's longest delay; longer poll intervals are clamped to it. */
const MAX_TIMER_MS = 2 ** 31 - 1

export interface RedisSharing {
  /** The store with single use in Redis and revocations copied to the Redis denylist. */
  store: Store
  /** For the key managers: copies renewed on notifications and every `pollInterval`. */
  keyChanges: KeyChanges
  /** For the client cache: drops copies when another replica changed a client. */
  clientChanges: ClientChanges
  /** For the rate limiter. */
  rateLimitCounter: SharedWindowCounter
  denylist: DenylistCopy
  connection: RedisConnection
  close(): Promise<void>
}

const connect = (config: RedisConfig, log: Logger) =>
  openRedisConnection({ url: config.url, commandTimeoutMs: durationSeconds(config.commandTimeout) * 1000, log, name: 'commands' })

/**
 * Connects (waiting at most 2 seconds for a first connection) and starts the denylist checks.
 *
 * @example
 * ```ts
 * const redis = await startRedisSharing(config.redis, store, { log, now })
 * const { keys } = serviceKeyManagers(config, redis.store, { changes: redis.keyChanges })
 * ```
 */
export async function startRedisSharing(config: RedisConfig, store: Store, options: { log: Logger; now: () => number }): Promise<RedisSharing> {
  const { log, now } = options
  const { prefix } = config
  const connection = connect(config, log)
  const denylist = createDenylistCopy(connection, store, { prefix, log, now })
  const notifications = createChangeNotifications(connection, { channel: `${prefix}changes`, enabled: config.notifications, log })
  const pollSeconds = durationSeconds(config.pollInterval)
  const timer = setInterval(() => void denylist.check(), Math.min(MAX_TIMER_MS, pollSeconds * 1000)).unref()
  if (!(await connection.waitReady(STARTUP_WAIT_MS))) {
    log.warn({}, 'Redis: not reachable at start; serving without it until it is (see "While Redis is down" in the README)')
  }
  return {
    store: withRedis(store, connection.client, { prefix, denylist }),
    keyChanges: keyChangesOf(notifications, pollSeconds),
    clientChanges: clientChangesOf(notifications),
    rateLimitCounter: createRedisWindowCounter(connection.client, prefix),
    denylist,
    connection,
    async close() {
      clearInterval(timer)
      await notifications.close()
      await connection.close()
    },
  }
}

/**
 * For key administration (`service/keys-admin.ts`), which changes keys without serving: it keeps no
 * copy and publishes each change, so the running replicas reload at once rather than at their next poll.
 */
export async function openKeyChangePublisher(config: RedisConfig, log: Logger): Promise<{ keyChanges: KeyChanges; close(): Promise<void> }> {
  const connection = connect(config, log)
  const notifications = createChangeNotifications(connection, { channel: `${config.prefix}changes`, enabled: config.notifications, log })
  await connection.waitReady(STARTUP_WAIT_MS)
  return {
    keyChanges: { maxAge: 0, publish: () => notifications.publish('keys'), subscribe: () => undefined },
    close: () => connection.close(),
  }
}
