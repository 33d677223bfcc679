/**
 * Probes for orchestrators. `/health` (liveness) answers while the process serves HTTP at all, so a
 * database outage never gets the process restarted; `/ready` (readiness) answers 200 only when the
 * store responds and every algorithm has a signing key, so a load balancer sends token requests
 * elsewhere meanwhile.
 * @module
 */
import type { FastifyInstance } from 'fastify'
import { keyManagers } from '../../oauth/signing-keys.js'
import type { ServiceContext } from '../../service/context.js'
import { RETRY_AFTER_SECONDS } from '../errors.js'

export function healthRoutes(app: FastifyInstance, ctx: ServiceContext): void {
  app.get('/health', async () => ({ status: 'ok' }))
  app.get('/ready', async (request, reply) => {
    try {
      const health = await ctx.store.health()
      for (const manager of keyManagers(ctx)) await manager.signingKey()
      return { status: 'ready', store: health.backend, schemaVersion: health.schemaVersion }
    } catch (error) {
      request.log.warn({ err: error }, 'not ready')
      return reply.code(503).header('retry-after', String(RETRY_AFTER_SECONDS)).send({ status: 'unavailable' })
    }
  })
}
