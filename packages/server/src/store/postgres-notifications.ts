/**
 * Change notifications (`change-notifications.ts`) over PostgreSQL's LISTEN/NOTIFY, for a
 * PostgreSQL store without Redis. The sending side is in the store itself (`postgres.ts`): every
 * write of a key list or a client record runs `pg_notify` in its own statement, so the notification
 * is delivered when, and only when, the change commits (PostgreSQL manual, NOTIFY: "if a NOTIFY is
 * executed inside a transaction, the notify events are not delivered until and unless the
 * transaction is committed"). A crash between a commit and a publish cannot lose one.
 *
 * This side listens, on a connection of its own (a pooled connection is shared, and LISTEN belongs
 * to a session). PostgreSQL delivers a notification to every session listening when the
 * transaction commits, and to no other: one sent while this listener is disconnected is lost. So:
 * - `live()` is true only while the listener is connected, listening, and was heard from (a
 *   notification or its heartbeat) within the last {@link LIVE_FOR_MS}; the key copies are used only
 *   then (`keys/cached-key-store.ts`), else every token reads the key list's version, as without
 *   notifications;
 * - when it (re)connects, every topic counts as changed (copies are dropped), as when it is lost;
 * - it reconnects by itself, with a growing, jittered pause, and never throws or rejects unhandled.
 * @module
 */
import type pg from 'pg'
import type { Logger } from '../service/context.js'
import { CHANGE_TOPICS, isChangeTopic, type ChangeNotifications, type ChangeTopic } from './change-notifications.js'

/** The channel every jot store notifies on; the payload names the schema (two deployments may share a database). */
export const CHANGE_CHANNEL = 'jotjwt_changes'

/** What a store's write sends with `pg_notify(CHANGE_CHANNEL, …)`. */
export const changePayload = (schema: string, topic: ChangeTopic, origin: string): string => JSON.stringify({ schema, topic, origin })

/** The listener asks the database for an answer this often; one that does not come within {@link LIVE_FOR_MS} counts as down. */
const HEARTBEAT_MS = 5000
/** How long after it was last heard from the listener still counts as up (a silent network loss). */
export const LIVE_FOR_MS = 2 * HEARTBEAT_MS
/** Pauses between reconnection attempts: from the first, doubling up to the last. */
const RECONNECT_MIN_MS = 100
const RECONNECT_MAX_MS = 10_000

export interface PostgresChangeNotifications extends ChangeNotifications {
  live(): boolean
  /** Resolves true once listening, false after `timeoutMs` (the service starts anyway, with the fallback). */
  waitReady(timeoutMs: number): Promise<boolean>
}

export interface PostgresChangeOptions {
  /** A new, unconnected client with the store's connection settings (never one of the pool). */
  connect: () => pg.Client
  schema: string
  /** The store's own origin: its writes' notifications are ignored here. */
  origin: string
  log: Logger
  /** A monotonic clock in milliseconds (tests). */
  clock?: () => number
}

/**
 * @example
 * ```ts
 * const changes = createPostgresChangeNotifications({ connect: () => new pg.Client(settings), schema: 'jotjwt', origin, log })
 * changes.subscribe('keys', () => cache.invalidate())
 * ```
 */
export function createPostgresChangeNotifications(options: PostgresChangeOptions): PostgresChangeNotifications {
  const { connect, schema, origin, log, clock = () => performance.now() } = options
  const listeners = new Map<ChangeTopic, (() => void)[]>()
  const notify = (topic: ChangeTopic) => {
    for (const listener of listeners.get(topic) ?? []) listener()
  }
  const notifyAll = () => {
    for (const topic of CHANGE_TOPICS) notify(topic)
  }

  let client: pg.Client | undefined
  let listening = false
  let heardAt = -Infinity
  let closed = false
  let started = false
  let failures = 0
  let retry: NodeJS.Timeout | undefined
  let heartbeat: NodeJS.Timeout | undefined
  let readyWaiters: ((ready: boolean) => void)[] = []

  const onNotification = (message: pg.Notification) => {
    heardAt = clock()
    let parsed: { schema?: unknown; topic?: unknown; origin?: unknown }
    try {
      parsed = JSON.parse(message.payload ?? '') as typeof parsed
    } catch {
      return
    }
    if (parsed.schema === schema && parsed.origin !== origin && isChangeTopic(parsed.topic)) notify(parsed.topic)
  }

  /** The listener is gone (or never came): copies are no longer vouched for; try again after a pause. */
  const lost = (live: pg.Client, reason: string) => {
    if (client !== live) return // already handled
    client = undefined
    live.removeAllListeners('notification')
    live.end().catch(() => undefined)
    if (listening) log.warn({ reason }, 'PostgreSQL: the change notification listener was lost; every token reads the signing keys\' version until it is back')
    else if (failures === 0) log.warn({ reason }, 'PostgreSQL: the change notification listener cannot connect; every token reads the signing keys\' version until it does')
    listening = false
    failures++
    // Whatever happened since the connection died went unheard: nothing kept may be trusted.
    notifyAll()
    if (closed) return
    const pause = Math.min(RECONNECT_MAX_MS, RECONNECT_MIN_MS * 2 ** Math.min(failures - 1, 10)) * (0.5 + Math.random() / 2)
    retry = setTimeout(open, pause).unref()
  }

  const open = () => {
    retry = undefined
    if (closed) return
    const live = (client = connect())
    // Reported by the query it breaks, or by 'end'; without a listener it would crash the process.
    live.on('error', (error) => lost(live, reasonOf(error)))
    live.on('end', () => lost(live, 'connection ended'))
    live.on('notification', onNotification)
    live
      .connect()
      .then(() => live.query(`LISTEN ${CHANGE_CHANNEL}`))
      .then(() => {
        if (client !== live) return
        if (closed) return void live.end().catch(() => undefined)
        if (failures > 0) log.info({}, 'PostgreSQL: the change notification listener is back')
        failures = 0
        heardAt = clock()
        listening = true
        // It may have missed anything while it was away (or before it first listened).
        notifyAll()
        for (const resolve of readyWaiters) resolve(true)
        readyWaiters = []
      })
      .catch((error: unknown) => lost(live, reasonOf(error)))
  }

  const beat = () => {
    const live = client
    if (!listening || live === undefined) return
    live.query('SELECT 1').then(
      () => void (client === live && (heardAt = clock())),
      (error: unknown) => lost(live, reasonOf(error)),
    )
  }

  const start = () => {
    if (started || closed) return
    started = true
    heartbeat = setInterval(beat, HEARTBEAT_MS).unref()
    open()
  }

  const live = () => listening && clock() - heardAt < LIVE_FOR_MS

  return {
    // The store's writes notify in their own transaction (`postgres.ts`): nothing is left to send.
    publish: async () => undefined,
    subscribe(topic, listener) {
      listeners.set(topic, [...(listeners.get(topic) ?? []), listener])
      start()
    },
    live,
    waitReady(timeoutMs) {
      start()
      if (live()) return Promise.resolve(true)
      return new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => resolve(false), timeoutMs).unref()
        readyWaiters.push((ready) => {
          clearTimeout(timer)
          resolve(ready)
        })
      })
    },
    async close() {
      closed = true
      clearInterval(heartbeat)
      clearTimeout(retry)
      const live = client
      client = undefined
      listening = false
      for (const resolve of readyWaiters) resolve(false)
      readyWaiters = []
      await live?.end().catch(() => undefined)
    },
  }
}

/** A failure's SQLSTATE or Node error code, else its message's first words: never the connection string. */
function reasonOf(error: unknown): string {
  const { code, message } = error as { code?: unknown; message?: unknown }
  if (typeof code === 'string') return code
  return typeof message === 'string' ? message.replace(/postgres(ql)?:\/\/\S*/g, '<url>').slice(0, 120) : 'unknown'
}
