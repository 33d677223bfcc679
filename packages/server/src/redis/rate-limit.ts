/**
 * The token endpoint's rate-limit counts in Redis, shared by every replica: one counter per client
 * and fixed window (`<prefix>rate:<window>:<client_id>`), `INCR`ed atomically, so concurrent requests
 * on several replicas each see a count of their own and the limit is never overshot. A counter
 * lives two windows, long enough to serve as the "previous" window of the sliding-window formula
 * (`oauth/rate-limit.ts`, which decides and fails open when this throws).
 * @module
 */
import type { SharedWindowCounter } from '../oauth/rate-limit.js'
import type { RedisClient } from './connection.js'

/**
 * @example
 * ```ts
 * const oauth = createOAuthRuntime(config, { rateLimitCounter: createRedisWindowCounter(redis.client, 'jotjwt:') })
 * ```
 */
export function createRedisWindowCounter(client: RedisClient, prefix: string): SharedWindowCounter {
  const keyOf = (key: string, index: number) => `${prefix}rate:${index}:${key}`
  return {
    async add(key, index, span) {
      const [current, , previous] = await client
        .multi()
        .incr(keyOf(key, index))
        .expire(keyOf(key, index), Math.ceil(2 * span) + 1)
        .get(keyOf(key, index - 1))
        .exec()
      return { current: Number(current), previous: Number(previous ?? 0) }
    },
    async remove(key, index) {
      await client.decr(keyOf(key, index))
    },
  }
}
