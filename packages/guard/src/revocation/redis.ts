/**
 * The Redis denylist, and the Redis replay store for DPoP proofs. Key formats (stable; any writer may produce them):
 *
 *     jotjwt:revoked:<jti>   value: the revocation time (NumericDate seconds), expiring at the token's `exp` (EXAT)
 *     jotjwt:dpop:<id>       value: "1", expiring when the proof would be refused as stale anyway (EXAT)
 *
 * A key exists exactly while the revoked token could still verify, so the set never grows beyond the
 * live revoked tokens and a lookup is one `EXISTS`. The client is the official `redis` package
 * (node-redis), which Redis maintains and recommends for new projects; any client with the same two
 * commands fits {@link RedisDenylistClient}. The guard never opens connections itself: you pass a
 * connected client and keep control of its lifecycle, TLS and reconnection.
 * @module
 */
import type { ReplayStore } from 'jotjwt'
import type { Denylist } from './denylist.js'

/** The default key prefix. */
export const REVOKED_KEY_PREFIX = 'jotjwt:revoked:'

/** The two commands the denylist uses, as node-redis (v5, v6) declares them. */
export interface RedisDenylistClient {
  exists(key: string): Promise<number>
  set(key: string, value: string, options: { expiration: { type: 'EXAT'; value: number } }): Promise<unknown>
}

/** A Redis-backed denylist, with the writer side for revocation services. */
export interface RedisDenylist extends Denylist {
  /** Lists `jti` as revoked until `exp` (seconds since the epoch). A token already expired is not stored. */
  revoke(jti: string, exp: number): Promise<void>
  /** The key that marks `jti` as revoked. */
  keyOf(jti: string): string
}

/**
 * A denylist read from (and written to) Redis with the key format above.
 *
 * @example
 * ```ts
 * import { createClient } from 'redis'
 * import { createRedisDenylist } from 'jotjwt-guard/redis'
 * const redis = await createClient({ url: 'redis://127.0.0.1:6379' }).connect()
 * const guard = createGuard({ ..., revocation: { denylist: createRedisDenylist(redis) } })
 * ```
 */
export function createRedisDenylist(client: RedisDenylistClient, options: { prefix?: string } = {}): RedisDenylist {
  const prefix = options.prefix ?? REVOKED_KEY_PREFIX
  if (typeof prefix !== 'string') throw new TypeError('prefix must be a string')
  const keyOf = (jti: string) => prefix + jti
  return {
    keyOf,
    async isRevoked(jti) {
      return (await client.exists(keyOf(jti))) > 0
    },
    async revoke(jti, exp) {
      if (typeof jti !== 'string' || jti === '') throw new TypeError('jti must be a non-empty string')
      if (!Number.isFinite(exp)) throw new TypeError('exp must be a NumericDate')
      const now = Date.now() / 1000
      if (exp <= now) return
      await client.set(keyOf(jti), String(Math.floor(now)), { expiration: { type: 'EXAT', value: Math.ceil(exp) } })
    },
  }
}

/** The default key prefix of used DPoP proofs. */
export const DPOP_KEY_PREFIX = 'jotjwt:dpop:'

/** The command the replay store uses, as node-redis (v5, v6) declares it. */
export interface RedisReplayClient {
  set(key: string, value: string, options: { condition: 'NX'; expiration: { type: 'EXAT'; value: number } }): Promise<unknown>
}

/**
 * A DPoP replay store in Redis (`dpopSettings.replay`), shared by every replica: `SET NX` is atomic,
 * so of two replicas receiving the same proof exactly one accepts it (RFC 9449 §11.1).
 *
 * @example
 * ```ts
 * const guard = createGuard({ ..., dpop: 'required', dpopSettings: { replay: createRedisReplayStore(redis), publicOrigin: 'https://api.example' } })
 * ```
 */
export function createRedisReplayStore(client: RedisReplayClient, options: { prefix?: string } = {}): ReplayStore {
  const prefix = options.prefix ?? DPOP_KEY_PREFIX
  if (typeof prefix !== 'string') throw new TypeError('prefix must be a string')
  return {
    async useOnce(id, expiresAt) {
      return (await client.set(prefix + id, '1', { condition: 'NX', expiration: { type: 'EXAT', value: Math.ceil(expiresAt) } })) === 'OK'
    },
  }
}
