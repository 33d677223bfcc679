/**
 * The copy of the access-token denylist in Redis, for resource servers: `jotjwt-guard` and
 * `jotjwt-gateway` configured with the guard's Redis denylist refuse a revoked token by one `EXISTS`,
 * without asking the service. The keys are the guard's (`createRedisDenylist` from
 * `jotjwt-guard/redis` writes them here too): `<prefix>revoked:<jti>`, expiring at the token's `exp`.
 *
 * The store is the truth, Redis a copy that may lose entries (a restart without persistence, a
 * flush, a failover to a replica that lagged) and may miss writes (down when a token was revoked).
 * So every revocation is written after its store commit, and the copy is rebuilt from the store's
 * live revocations
 * - on every connection and reconnection: Redis may have come back with less than it had;
 * - when a write failed, at the next check once Redis answers again;
 * - when the marker key `<prefix>denylist:rebuilt`, set by each rebuild, is gone at a check: the
 *   data was flushed while the connection stayed up.
 * Checks run every `redis.pollInterval`. A rebuild only adds keys (SET is idempotent), so rebuilds
 * by several replicas at once do no harm.
 * @module
 */
import { createRedisDenylist } from 'jotjwt-guard/redis'
import type { Logger } from '../service/context.js'
import type { RevokedToken, Store } from '../store/store.js'
import type { RedisConnection } from './connection.js'

/** Keys written at once during a rebuild (node-redis pipelines them). */
const REBUILD_BATCH = 500

export interface DenylistCopy {
  /** Copies revocations the store has committed. Never throws: a failed write is made good by a rebuild. */
  add(tokens: readonly RevokedToken[]): Promise<void>
  /** Rebuilds when a write failed or the copy was lost; called every `pollInterval`. */
  check(): Promise<void>
  /** Copies every live revocation of the store (one at a time: concurrent calls share it). */
  rebuild(): Promise<void>
}

export interface DenylistCopyOptions {
  prefix: string
  log: Logger
  /** The service's clock (seconds): revocations alive at this time are copied. */
  now: () => number
}

/**
 * @example
 * ```ts
 * const denylist = createDenylistCopy(redis, store, { prefix: 'jotjwt:', log, now })
 * await store.revokeToken(entry)
 * await denylist.add([entry])
 * ```
 */
export function createDenylistCopy(connection: RedisConnection, store: Store, options: DenylistCopyOptions): DenylistCopy {
  const { prefix, log, now } = options
  const denylist = createRedisDenylist(connection.client, { prefix: `${prefix}revoked:` })
  const marker = `${prefix}denylist:rebuilt`
  let stale = false
  let running: Promise<void> | undefined

  async function copyAll(): Promise<void> {
    // Cleared first: a write failing while the rebuild runs sets it again.
    stale = false
    try {
      const tokens = await store.listRevokedTokens(now())
      for (let start = 0; start < tokens.length; start += REBUILD_BATCH) {
        await Promise.all(tokens.slice(start, start + REBUILD_BATCH).map((token) => denylist.revoke(token.jti, token.expiresAt)))
      }
      await connection.client.set(marker, String(Math.floor(now())))
      log.info({ denylisted: tokens.length }, 'Redis: denylist rebuilt from the store')
    } catch (error) {
      stale = true
      log.warn({ reason: (error as Error).message }, 'Redis: rebuilding the denylist failed; retrying at the next check')
    }
  }

  const rebuild = () => (running ??= copyAll().finally(() => (running = undefined)))
  connection.onReady(() => void rebuild())

  return {
    rebuild,
    async add(tokens) {
      try {
        await Promise.all(tokens.map((token) => denylist.revoke(token.jti, token.expiresAt)))
      } catch (error) {
        stale = true
        log.warn({ jtis: tokens.map((token) => token.jti), reason: (error as Error).message }, 'Redis: revocation not copied to the denylist yet; it will be with the next rebuild')
      }
    },
    async check() {
      if (!connection.isReady()) return
      try {
        if (stale || (await connection.client.exists(marker)) === 0) await rebuild()
      } catch {
        // Redis went away again; the next check or reconnection rebuilds.
      }
    },
  }
}
