/**
 * The public keys (`jwks_uri`). The response, its caching and CORS headers are built by
 * `keys/jwks-response.ts`; this route only writes it.
 * @module
 */
import type { FastifyInstance } from 'fastify'
import { jwksResponse } from '../../keys/jwks-response.js'
import { ENDPOINT_PATHS } from '../../oauth/endpoints.js'
import type { ServiceContext } from '../../service/context.js'
import { sendResponse } from '../respond.js'

export function jwksRoutes(app: FastifyInstance, ctx: ServiceContext): void {
  app.get(ENDPOINT_PATHS.jwks, async (_request, reply) => sendResponse(reply, await jwksResponse(ctx)))
}
