/**
 * The OAuth endpoints: token (RFC 6749 §3.2), revocation (RFC 7009 §2.1) and introspection
 * (RFC 7662 §2.1). Each is POST with a form body; the route parses it strictly (`http/form.ts`) and
 * hands the core a framework-free request. Everything else (client authentication, grants, errors)
 * is the core's. With `registration.enabled`, also client registration (RFC 7591 §3): POST with a
 * JSON body, handed to the core as bytes (it checks the type, size and JSON itself).
 * @module
 */
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { ENDPOINT_PATHS } from '../../oauth/endpoints.js'
import { OAuthError } from '../../oauth/errors.js'
import type { ServiceContext } from '../../service/context.js'
import type { CoreHandlers, OAuthHandler } from '../core.js'
import { parseForm } from '../form.js'
import { requestContext, sendResponse } from '../respond.js'

/**
 * The one `Authorization` header. Node keeps only the first of several, so a second one would be
 * silently ignored here while a proxy in front may have acted on it: refuse instead (RFC 6749 §2.3
 * allows one authentication method per request).
 */
export function authorization(request: FastifyRequest): string | undefined {
  const raw = request.raw.rawHeaders
  let count = 0
  for (let index = 0; index < raw.length; index += 2) if (raw[index]!.toLowerCase() === 'authorization') count++
  if (count > 1) throw new OAuthError('invalid_request', 'more than one Authorization header')
  return request.headers.authorization
}

export function oauthRoutes(app: FastifyInstance, ctx: ServiceContext, core: CoreHandlers): void {
  // The paths the metadata document names (oauth/endpoints.ts), so the two cannot disagree.
  for (const name of ['token', 'revocation', 'introspection'] as const) {
    const handler: OAuthHandler = core[name]
    app.post(ENDPOINT_PATHS[name], async (request, reply) => {
      const form = parseForm(request.headers['content-type'], request.body as Uint8Array | undefined)
      const dpop = request.headers.dpop
      return sendResponse(reply, await handler({ ...form, authorization: authorization(request), dpop: Array.isArray(dpop) ? dpop.join(',') : dpop }, requestContext(ctx, request)))
    })
  }
  const { registration } = ctx.config
  if (!registration.enabled) return
  // The core answers a body over maxMetadataBytes with invalid_client_metadata; Fastify's limit
  // (413) only stops what exceeds both.
  const bodyLimit = Math.max(ctx.config.http.bodyLimit, registration.maxMetadataBytes)
  app.post(ENDPOINT_PATHS.registration, { bodyLimit }, async (request, reply) => {
    const registrationRequest = {
      body: request.body as Uint8Array | undefined,
      contentType: request.headers['content-type'],
      authorization: authorization(request),
      address: request.ip,
    }
    return sendResponse(reply, await core.registration(registrationRequest, requestContext(ctx, request)))
  })
}
