/**
 * Authorization server metadata (RFC 8414 §3) at both well-known names: OAuth clients look under
 * `oauth-authorization-server`, OpenID tooling (and `jotjwt verify --issuer`) under
 * `openid-configuration`; one document serves both, so they cannot disagree.
 * @module
 */
import type { FastifyInstance } from 'fastify'
import type { ServiceContext } from '../../service/context.js'
import type { CoreHandlers } from '../core.js'
import { prepareResponse, sendPrepared, type PreparedResponse } from '../prepared.js'

export const DISCOVERY_PATHS = ['/.well-known/openid-configuration', '/.well-known/oauth-authorization-server'] as const

export function discoveryRoutes(app: FastifyInstance, ctx: ServiceContext, core: CoreHandlers): void {
  // The document changes only with the configuration (a restart): serialized once.
  let prepared: Promise<PreparedResponse> | undefined
  const document = () =>
    (prepared ??= (async () => {
      const response = await core.metadata(ctx)
      // Public metadata: browser-based clients read it from other origins.
      return prepareResponse({ ...response, headers: { ...response.headers, 'access-control-allow-origin': '*' } })
    })().catch((error: unknown) => {
      prepared = undefined
      throw error
    }))
  for (const path of DISCOVERY_PATHS) app.get(path, async (request, reply) => sendPrepared(request, reply, await document()))
}
