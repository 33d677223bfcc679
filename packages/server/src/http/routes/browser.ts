/**
 * The endpoints a browser visits: the authorization endpoint (GET with a query, or POST with a form,
 * OIDC Core §3.1.2.1), the login form's submission, and each upstream provider's button and
 * redirect URI. Parameters are decoded strictly
 * (`http/form.ts`); a query or body that does not decode is answered with an error page, never a
 * redirect (nothing about the request can be trusted). Everything else is the core's (`login/flow.ts`).
 * @module
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { parseCookies } from '../../login/cookies.js'
import { errorPage, PAGE_HEADERS } from '../../login/pages.js'
import { ENDPOINT_PATHS } from '../../oauth/endpoints.js'
import { OAuthError } from '../../oauth/errors.js'
import type { BrowserRequest, BrowserResponse, ServiceContext } from '../../service/context.js'
import type { CoreHandlers, UpstreamHandler } from '../core.js'
import { formText, parseParameters } from '../form.js'
import { requestContext, sendBrowserResponse } from '../respond.js'

/** The request as the core sees it, or undefined when its parameters do not decode. */
function browserRequest(request: FastifyRequest, method: 'GET' | 'POST'): BrowserRequest | undefined {
  let text: string
  try {
    text = method === 'GET' ? (request.url.split('?')[1] ?? '') : formText(request.headers['content-type'], request.body as Uint8Array | undefined)
    const { params, resources, repeated } = parseParameters(text)
    return { method, params, resources, repeated, cookies: parseCookies(request.headers.cookie), headers: request.headers, address: request.ip }
  } catch (error) {
    if (error instanceof OAuthError) return undefined
    throw error
  }
}

function badRequest(reply: FastifyReply): FastifyReply {
  return reply
    .code(400)
    .headers(PAGE_HEADERS)
    .send(errorPage('This sign-in request cannot be completed', 'The request is malformed: its parameters could not be read.', 'invalid_request'))
}

export function browserRoutes(app: FastifyInstance, ctx: ServiceContext, core: CoreHandlers): void {
  const route = (method: 'GET' | 'POST', handler: (parsed: BrowserRequest, ctx: ServiceContext, request: FastifyRequest) => Promise<BrowserResponse>) => async (request: FastifyRequest, reply: FastifyReply) => {
    const parsed = browserRequest(request, method)
    if (!parsed) return badRequest(reply)
    return sendBrowserResponse(reply, await handler(parsed, requestContext(ctx, request), request))
  }
  app.get(ENDPOINT_PATHS.authorization, route('GET', core.authorization))
  app.post(ENDPOINT_PATHS.authorization, route('POST', core.authorization))
  app.post(ENDPOINT_PATHS.login, route('POST', core.login))
  // The upstream's id is a path segment: its button posts to /login/upstream/<id>, the provider sends the browser back to …/callback.
  const upstream = (handler: UpstreamHandler) => (parsed: BrowserRequest, context: ServiceContext, request: FastifyRequest) => handler(parsed, context, (request.params as { upstream: string }).upstream)
  app.post(`${ENDPOINT_PATHS.upstreamLogin}/:upstream`, route('POST', upstream(core.upstreamLogin)))
  app.get(`${ENDPOINT_PATHS.upstreamLogin}/:upstream/callback`, route('GET', upstream(core.upstreamCallback)))
}
