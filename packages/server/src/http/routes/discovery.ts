/**
 * Authorization server metadata (RFC 8414 §3) at both well-known names: OAuth clients look under
 * `oauth-authorization-server`, OpenID tooling (and `jotjwt verify --issuer`) under
 * `openid-configuration`; one document serves both, so they cannot disagree.
 * @module
 */
import type { FastifyInstance } from 'fastify'
import type { ServiceContext } from '../../service/context.js'
import type { CoreHandlers } from '../core.js'

export const DISCOVERY_PATHS = ['/.well-known/openid-configuration', '/.well-known/oauth-authorization-server'] as const

/** Metadata changes only with the configuration (a restart); five minutes of caching is harmless. */
const HEADERS = { 'cache-control': 'public, max-age=300', 'access-control-allow-origin': '*' }

export function discoveryRoutes(app: FastifyInstance, ctx: ServiceContext, core: CoreHandlers): void {
  for (const path of DISCOVERY_PATHS) {
    app.get(path, async (_request, reply) => reply.headers(HEADERS).send(await core.metadata(ctx.config)))
  }
}
