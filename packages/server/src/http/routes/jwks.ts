/**
 * The public keys (`jwks_uri`). The response, its caching and CORS headers are built by
 * `keys/jwks-response.ts`, serialized once per key change; this route only writes it (or a 304 to
 * a revalidation, `http/prepared.ts`).
 * @module
 */
import type { FastifyInstance } from 'fastify'
import { createJwksResponder } from '../../keys/jwks-response.js'
import { ENDPOINT_PATHS } from '../../oauth/endpoints.js'
import type { ServiceContext } from '../../service/context.js'
import { sendPrepared } from '../prepared.js'

export function jwksRoutes(app: FastifyInstance, ctx: ServiceContext): void {
  const jwks = createJwksResponder()
  app.get(ENDPOINT_PATHS.jwks, async (request, reply) => sendPrepared(request, reply, await jwks(ctx)))
}
