/**
 * The admin API's routes (`admin/endpoints.ts`): each endpoint of the table as a Fastify route
 * handing the core its parameters, query, raw body and Authorization header.
 * @module
 */
import type { FastifyInstance } from 'fastify'
import { ADMIN_ENDPOINTS, handleAdminRequest } from '../../admin/endpoints.js'
import type { ServiceContext } from '../../service/context.js'
import { requestContext, sendResponse } from '../respond.js'
import { authorization } from './oauth.js'

export function adminRoutes(app: FastifyInstance, ctx: ServiceContext): void {
  for (const endpoint of ADMIN_ENDPOINTS) {
    app.route({
      method: endpoint.method,
      url: endpoint.path,
      handler: async (request, reply) =>
        sendResponse(
          reply,
          await handleAdminRequest(
            endpoint,
            {
              params: request.params as Record<string, string>,
              query: request.query as Record<string, unknown>,
              contentType: request.headers['content-type'],
              body: request.body as Uint8Array | undefined,
              authorization: authorization(request),
            },
            requestContext(ctx, request),
          ),
        ),
    })
  }
}
