// The machine's Redis for the tests that need it (denylist, DPoP replay). Unreachable, it FAILS
// with how to start it: no retrying forever, no skip.
import { createClient } from 'redis'

export const REDIS_URL = process.env.JOTJWT_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379'

/** A connected client, or an error naming the server and how to start it. */
export async function connectRedis() {
  const client = createClient({ url: REDIS_URL, socket: { connectTimeout: 3000, reconnectStrategy: false } })
  client.on('error', () => undefined)
  try {
    return await client.connect()
  } catch (error) {
    throw new Error(
      `Redis is not reachable at ${REDIS_URL} (${(error as Error).message}). These tests need it: start it ` +
        `(redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no) or set JOTJWT_TEST_REDIS_URL.`,
    )
  }
}
