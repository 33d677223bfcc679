/**
 * Probes for orchestrators. `/health` (liveness) answers while the process serves HTTP at all, so a
 * database outage never gets the process restarted; `/ready` (readiness) answers 200 only when the
 * store responds and a signing key is available, so a load balancer sends token requests elsewhere
 * meanwhile.
 * @module
 */
import type { FastifyInstance } from 'fastify'
import type { ServiceContext } from '../../service/context.js'
import { RETRY_AFTER_SECONDS } from '../errors.js'

export function healthRoutes(app: FastifyInstance, ctx: ServiceContext): void {
  app.get('/health', async () => ({ status: 'ok' }))
  app.get('/ready', async (request, reply) => {
    try {
      const health = await ctx.store.health()
      await ctx.keys.signingKey()
      return { status: 'ready', store: health.backend, schemaVersion: health.schemaVersion }
    } catch (error) {
      request.log.warn({ err: error }, 'not ready')
      return reply.code(503).header('retry-after', String(RETRY_AFTER_SECONDS)).send({ status: 'unavailable' })
    }
  })
}
