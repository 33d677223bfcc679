// Redis for the server's tests: the machine's Redis (unreachable, the tests FAIL with how to start
// it, never skip) under a key prefix of their own, and throwaway redis-servers (scripts/
// throwaway-redis.sh) that a test may stop, restart empty, flush or freeze.
import { randomBytes } from 'node:crypto'
import { execFile } from 'node:child_process'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { connectRedis } from '../../guard/test/helpers/redis.js'
import { freePort } from './service-http.js'

export { freePort }

export { connectRedis, REDIS_URL } from '../../guard/test/helpers/redis.js'

const run = promisify(execFile)
const SCRIPT = join(dirname(fileURLToPath(import.meta.url)), '..', 'scripts', 'throwaway-redis.sh')

/** A key prefix no other test run shares (several helpers use the machine's Redis at once). */
export function uniquePrefix(name: string): string {
  return `jotjwt-test-${name}-${randomBytes(6).toString('hex')}:`
}

/** Deletes every key under `prefix` on the machine's Redis. */
export async function dropPrefix(prefix: string): Promise<void> {
  const redis = await connectRedis()
  try {
    for await (const keys of redis.scanIterator({ MATCH: `${prefix}*` })) if (keys.length > 0) await redis.del(keys)
  } finally {
    await redis.close()
  }
}


export interface ThrowawayRedis {
  url: string
  port: number
  start(): Promise<void>
  /** Stops it; started again, it is empty. */
  stop(): Promise<void>
  /** SIGSTOP: its connections stay open and nothing is answered. */
  pause(): Promise<void>
  resume(): Promise<void>
  destroy(): Promise<void>
}

/** Starts a redis-server of the test's own on a free port, without persistence. */
export async function startThrowawayRedis(): Promise<ThrowawayRedis> {
  const dir = join(mkdtempSync(join(tmpdir(), 'jotjwt-redis-')), 'redis')
  const port = await freePort()
  const script = async (...args: string[]) => {
    try {
      await run('bash', [SCRIPT, ...args])
    } catch (error) {
      throw new Error(`throwaway-redis.sh ${args[0]} failed: ${(error as { stderr?: string }).stderr ?? (error as Error).message}`)
    }
  }
  const redis: ThrowawayRedis = {
    url: `redis://127.0.0.1:${port}`,
    port,
    start: () => script('start', dir, String(port)),
    stop: () => script('stop', dir),
    pause: () => script('pause', dir),
    resume: () => script('resume', dir),
    destroy: () => script('destroy', dir),
  }
  await redis.start()
  return redis
}

/** Polls `check` every 20 ms until it holds; the milliseconds it took, or a failure after `withinMs`. */
export async function eventually(withinMs: number, what: string, check: () => Promise<boolean>): Promise<number> {
  const started = performance.now()
  for (;;) {
    if (await check()) return performance.now() - started
    if (performance.now() - started > withinMs) throw new Error(`not within ${withinMs} ms: ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}
