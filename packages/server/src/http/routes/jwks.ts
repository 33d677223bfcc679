/**
 * The public keys (`jwks_uri`). The response, its caching and CORS headers are built by
 * `keys/jwks-response.ts`; this route only writes it.
 * @module
 */
import type { FastifyInstance } from 'fastify'
import { jwksResponse } from '../../keys/jwks-response.js'
import type { ServiceContext } from '../../service/context.js'
import { sendResponse } from '../respond.js'

export const JWKS_PATH = '/jwks.json'

export function jwksRoutes(app: FastifyInstance, ctx: ServiceContext): void {
  app.get(JWKS_PATH, async (_request, reply) => sendResponse(reply, await jwksResponse(ctx)))
}
