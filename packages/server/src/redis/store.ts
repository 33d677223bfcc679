/**
 * The store as the OAuth core sees it when Redis is configured: the same store, with two changes.
 *
 * - Single use (`useOnce`: `private_key_jwt` assertion `jti`s, RFC 7523 §3 item 7; DPoP proof ids
 *   at the token endpoint, RFC 9449 §11.1) is decided in Redis by `SET NX EXAT`: atomic across
 *   replicas, one round trip, and the entry expires by itself when the assertion or proof would be
 *   refused as stale anyway. The keys are `<prefix><namespace>:<id>`; DPoP's are the guard's
 *   format (`jotjwt-guard/redis` `createRedisReplayStore`). While Redis cannot answer, single use
 *   **fails closed**: the request is answered 503 `temporarily_unavailable` with `Retry-After`
 *   (as for an unreachable database), since accepting an assertion or proof unchecked would let a
 *   captured one be replayed.
 * - Revocations (`revokeToken`, `revokeGrant`) are committed to the store first, then copied to the
 *   Redis denylist (`denylist.ts`); a failed copy never fails the revocation, which is in the store.
 * @module
 */
import { createRedisReplayStore } from 'jotjwt-guard/redis'
import type { ReplayStore } from 'jotjwt'
import { checkStorableKey } from '../store/storable.js'
import { StoreUnavailable, type Store } from '../store/store.js'
import type { RedisClient } from './connection.js'
import type { DenylistCopy } from './denylist.js'

/**
 * @example
 * ```ts
 * const store = withRedis(await openStore(config.store, config.dataDir), redis.client, { prefix: 'jotjwt:', denylist })
 * ```
 */
export function withRedis(store: Store, client: RedisClient, options: { prefix: string; denylist: DenylistCopy }): Store {
  const { prefix, denylist } = options
  const replayStores = new Map<string, ReplayStore>()
  const replayStore = (namespace: string) => {
    let replay = replayStores.get(namespace)
    if (replay === undefined) replayStores.set(namespace, (replay = createRedisReplayStore(client, { prefix: `${prefix}${namespace}:` })))
    return replay
  }
  return {
    ...store,
    async useOnce(namespace, id, expiresAt, now) {
      // The same ids as every backend accepts, so Redis never decides on a key the store would refuse.
      checkStorableKey(namespace, 'namespace')
      checkStorableKey(id, 'id')
      try {
        return await replayStore(namespace).useOnce(id, expiresAt, now)
      } catch (error) {
        throw new StoreUnavailable('the replay store (Redis) cannot be reached', { cause: error })
      }
    },
    async revokeToken(entry) {
      await store.revokeToken(entry)
      await denylist.add([entry])
    },
    async revokeGrant(id, now) {
      const denylisted = await store.revokeGrant(id, now)
      await denylist.add(denylisted)
      return denylisted
    },
  }
}
