/**
 * The UserInfo endpoint (OIDC Core §5.3.1: GET and POST). A POST may carry the access token in a
 * form body (RFC 6750 §2.2), parsed strictly like every OAuth body; a POST without a body relies on
 * the Authorization header. Everything else is the core's (`oauth/userinfo.ts`).
 * @module
 */
import type { FastifyInstance } from 'fastify'
import { ENDPOINT_PATHS } from '../../oauth/endpoints.js'
import type { ServiceContext } from '../../service/context.js'
import type { CoreHandlers } from '../core.js'
import { parseForm } from '../form.js'
import { requestContext, sendResponse } from '../respond.js'
import { authorization } from './oauth.js'

export function userinfoRoutes(app: FastifyInstance, ctx: ServiceContext, core: CoreHandlers): void {
  app.get(ENDPOINT_PATHS.userinfo, async (request, reply) =>
    sendResponse(reply, await core.userinfo({ params: new Map(), resources: [], authorization: authorization(request) }, requestContext(ctx, request))),
  )
  app.post(ENDPOINT_PATHS.userinfo, async (request, reply) => {
    const body = request.body as Uint8Array | undefined
    const form = body === undefined || body.length === 0 ? { params: new Map<string, string>(), resources: [] } : parseForm(request.headers['content-type'], body)
    return sendResponse(reply, await core.userinfo({ ...form, authorization: authorization(request) }, requestContext(ctx, request)))
  })
}
