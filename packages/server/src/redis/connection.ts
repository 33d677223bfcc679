/**
 * One connection to Redis, set up so that Redis can never stall the service:
 *
 * - no offline queue: while the connection is down a command fails at once instead of waiting for a
 *   reconnection, so each caller applies its rule for an absent Redis (see "While Redis is down" in
 *   the README) without delay;
 * - a command timeout (`redis.commandTimeout`) that also covers commands already sent, so a Redis
 *   that accepts connections but does not answer (stopped, swapping, a network partition without a
 *   reset) costs a request at most that long;
 * - reconnection forever, with exponential backoff capped at {@link MAX_RECONNECT_DELAY_MS} and
 *   jitter, so that a fleet of replicas does not reconnect in lockstep after a Redis restart, and a
 *   Redis that comes back is used again within that bound;
 * - one log line per change of state (`Redis unavailable`, `Redis connected`), never one per failed
 *   command, and never the URL (it may carry a password).
 * @module
 */
import { createClient } from 'redis'
import type { Logger } from '../service/context.js'

/** The longest wait between two reconnection attempts. */
export const MAX_RECONNECT_DELAY_MS = 2000

/** How long connecting (TCP and handshake) may take before the attempt counts as failed. */
const CONNECT_TIMEOUT_MS = 2000

/** The client with this module's settings (no offline queue, command timeout, backoff). */
function createRedisClient(url: string, commandTimeoutMs: number) {
  return createClient({
    url,
    disableOfflineQueue: true,
    commandOptions: { timeout: commandTimeoutMs, rejectInFlight: true },
    socket: { connectTimeout: Math.max(CONNECT_TIMEOUT_MS, commandTimeoutMs), reconnectStrategy: reconnectDelay },
  })
}

export type RedisClient = ReturnType<typeof createRedisClient>

export interface RedisConnection {
  readonly client: RedisClient
  /** True while connected; commands fail at once otherwise. */
  isReady(): boolean
  /** Runs `listener` on every connection and reconnection (the Redis may have lost its data meanwhile). */
  onReady(listener: () => void): void
  /** Until connected or `ms` have passed; true when connected. */
  waitReady(ms: number): Promise<boolean>
  /** Another connection with the same settings (a subscriber needs a connection of its own). */
  duplicate(name: string): RedisConnection
  close(): Promise<void>
}

export interface RedisConnectionOptions {
  url: string
  /** Milliseconds a command may take, sending and answer included. */
  commandTimeoutMs: number
  log: Logger
  /** Names the connection in log lines (`commands`, `notifications`). */
  name: string
}

/** Backoff for the `attempt`-th reconnection (from 0): 50 ms doubling, capped, with up to 20 % jitter. */
export function reconnectDelay(attempt: number): number {
  const base = Math.min(MAX_RECONNECT_DELAY_MS, 50 * 2 ** Math.min(attempt, 16))
  return Math.round(base * (0.8 + Math.random() * 0.2))
}

/**
 * Opens a connection in the background: it returns at once, and connects (and reconnects) by itself.
 *
 * @example
 * ```ts
 * const redis = openRedisConnection({ url: 'redis://127.0.0.1:6379', commandTimeoutMs: 1000, log, name: 'commands' })
 * await redis.waitReady(2000)
 * ```
 */
export function openRedisConnection(options: RedisConnectionOptions): RedisConnection {
  return manage(createRedisClient(options.url, options.commandTimeoutMs), options)
}

function manage(client: RedisClient, options: RedisConnectionOptions): RedisConnection {
  const { log, name } = options
  const listeners: (() => void)[] = []
  let state: 'starting' | 'up' | 'down' = 'starting'
  let closed = false
  client.on('error', (error: Error & { code?: string }) => {
    if (closed || state === 'down') return
    state = 'down'
    // The message names the host and port at most (node-redis never puts the URL's password in it).
    log.warn({ connection: name, code: error.code, reason: error.message }, 'Redis unavailable')
  })
  client.on('ready', () => {
    if (state !== 'up') log.info({ connection: name }, 'Redis connected')
    state = 'up'
    for (const listener of listeners) listener()
  })
  const connecting = client.connect().catch(() => undefined)

  return {
    client,
    isReady: () => client.isReady,
    onReady(listener) {
      listeners.push(listener)
    },
    async waitReady(ms) {
      if (client.isReady) return true
      let timer: NodeJS.Timeout | undefined
      const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)))
      await Promise.race([connecting, timeout])
      clearTimeout(timer)
      return client.isReady
    },
    duplicate(duplicateName) {
      return manage(client.duplicate(), { ...options, name: duplicateName })
    },
    async close() {
      if (closed) return
      closed = true
      // A graceful QUIT waits for the answers still due; without a connection there are none.
      if (client.isReady) await client.close().catch(() => client.destroy())
      else if (client.isOpen) client.destroy()
      await connecting
    },
  }
}
