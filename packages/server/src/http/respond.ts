/**
 * The seams between Fastify and the framework-free core: the context a handler runs with (the
 * service context, with the request's own logger so core log lines carry the request id), and
 * writing an {@link OAuthResponse} (JSON) or a {@link BrowserResponse} (a page or a redirect).
 * @module
 */
import type { FastifyReply, FastifyRequest } from 'fastify'
import type { BrowserResponse, OAuthResponse, ServiceContext } from '../service/context.js'

export function requestContext(ctx: ServiceContext, request: FastifyRequest): ServiceContext {
  return { ...ctx, log: request.log }
}

export function sendResponse(reply: FastifyReply, response: OAuthResponse): FastifyReply {
  return reply.code(response.status).headers(response.headers).send(response.body)
}

export function sendBrowserResponse(reply: FastifyReply, response: BrowserResponse): FastifyReply {
  reply.code(response.status).headers(response.headers)
  if (response.cookies.length > 0) reply.header('set-cookie', response.cookies)
  return reply.send(response.html)
}
