/**
 * Probes for orchestrators. `/health` (liveness) answers while the process serves HTTP at all, so a
 * database outage never gets the process restarted; `/ready` (readiness) answers 200 only when the
 * store responds within {@link READY_TIMEOUT_MS} and every algorithm has a signing key, so a load
 * balancer sends token requests elsewhere meanwhile.
 * @module
 */
import type { FastifyInstance } from 'fastify'
import { keyManagers } from '../../oauth/signing-keys.js'
import type { ServiceContext } from '../../service/context.js'
import { RETRY_AFTER_SECONDS } from '../errors.js'

/**
 * How long the readiness check may take: a store slower than this counts as not ready (the probe's
 * own timeout would say so too, later), and a check stuck on a dead connection does not hold the probe.
 */
export const READY_TIMEOUT_MS = 2000

export function healthRoutes(app: FastifyInstance, ctx: ServiceContext): void {
  app.get('/health', async () => ({ status: 'ok' }))
  app.get('/ready', async (request, reply) => {
    try {
      const health = await withinTimeout(async () => {
        const health = await ctx.store.health()
        for (const manager of keyManagers(ctx)) await manager.signingKey()
        return health
      })
      return { status: 'ready', store: health.backend, schemaVersion: health.schemaVersion }
    } catch (error) {
      request.log.warn({ err: error }, 'not ready')
      return reply.code(503).header('retry-after', String(RETRY_AFTER_SECONDS)).send({ status: 'unavailable' })
    }
  })
}

async function withinTimeout<T>(check: () => Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const running = check()
  running.catch(() => undefined) // a failure after the timeout has answered is of no interest
  try {
    return await Promise.race([
      running,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`the readiness check took longer than ${READY_TIMEOUT_MS} ms`)), READY_TIMEOUT_MS)
      }),
    ])
  } finally {
    clearTimeout(timer)
  }
}
