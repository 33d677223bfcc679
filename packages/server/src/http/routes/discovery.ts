/**
 * Authorization server metadata (RFC 8414 §3) at both well-known names: OAuth clients look under
 * `oauth-authorization-server`, OpenID tooling (and `jotjwt verify --issuer`) under
 * `openid-configuration`; one document serves both, so they cannot disagree.
 * @module
 */
import type { FastifyInstance } from 'fastify'
import type { ServiceContext } from '../../service/context.js'
import type { CoreHandlers } from '../core.js'
import { sendResponse } from '../respond.js'

export const DISCOVERY_PATHS = ['/.well-known/openid-configuration', '/.well-known/oauth-authorization-server'] as const

export function discoveryRoutes(app: FastifyInstance, ctx: ServiceContext, core: CoreHandlers): void {
  for (const path of DISCOVERY_PATHS) {
    // Public metadata: browser-based clients read it from other origins.
    app.get(path, async (_request, reply) => sendResponse(reply.header('access-control-allow-origin', '*'), await core.metadata(ctx)))
  }
}
