/**
 * The two seams between Fastify and the framework-free core: the context a handler runs with (the
 * service context, with the request's own logger so core log lines carry the request id) and
 * writing an {@link OAuthResponse}.
 * @module
 */
import type { FastifyReply, FastifyRequest } from 'fastify'
import type { OAuthResponse, ServiceContext } from '../service/context.js'

export function requestContext(ctx: ServiceContext, request: FastifyRequest): ServiceContext {
  return { ...ctx, log: request.log }
}

export function sendResponse(reply: FastifyReply, response: OAuthResponse): FastifyReply {
  return reply.code(response.status).headers(response.headers).send(response.body)
}
