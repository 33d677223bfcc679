/**
 * The admin API: one table of endpoints (method, path, handler), which the HTTP layer registers and
 * the tests walk, so no endpoint can escape authentication: {@link handleAdminRequest} authenticates
 * every request (`auth.ts`) before its handler runs or its body is read.
 * @module
 */
import type { OAuthResponse, ServiceContext } from '../service/context.js'
import type { AdminActor } from './audit.js'
import { authenticateAdmin, ADMIN_PATH } from './auth.js'
import { createClient, deleteClient, getClient, listClients, rotateClientSecret, updateClient } from './clients.js'
import { AdminError } from './errors.js'
import { listKeys, retireKey, revokeKey, rotateKeys } from './keys.js'
import type { AdminRequest } from './request.js'
import { createTrustEntry, deleteTrustEntry, listTrustEntries } from './trust.js'
import { createUser, deleteUser, listUsers } from './users.js'

export type AdminHandler = (request: AdminRequest, ctx: ServiceContext, actor: AdminActor) => Promise<OAuthResponse>

export interface AdminEndpoint {
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE'
  /** Fastify's syntax: `:name` is a path parameter. */
  path: string
  handler: AdminHandler
}

/** Most audit events one request lists. */
const MAX_AUDIT_EVENTS = 1000

async function listAudit(request: AdminRequest, ctx: ServiceContext): Promise<OAuthResponse> {
  const { limit } = request.query
  const count = limit === undefined ? 100 : typeof limit === 'string' && /^\d{1,4}$/.test(limit) ? Math.min(Number(limit), MAX_AUDIT_EVENTS) : undefined
  if (count === undefined) throw new AdminError('invalid_request', `limit is a number of events (at most ${MAX_AUDIT_EVENTS})`)
  return { status: 200, headers: {}, body: { events: await ctx.store.listAuditEvents(count) } }
}

const endpoint = (method: AdminEndpoint['method'], path: string, handler: AdminHandler): AdminEndpoint => ({ method, path: ADMIN_PATH + path, handler })

export const ADMIN_ENDPOINTS: readonly AdminEndpoint[] = Object.freeze([
  endpoint('GET', '/clients', listClients),
  endpoint('POST', '/clients', createClient),
  endpoint('GET', '/clients/:clientId', getClient),
  endpoint('PATCH', '/clients/:clientId', updateClient),
  endpoint('DELETE', '/clients/:clientId', deleteClient),
  endpoint('POST', '/clients/:clientId/secret', rotateClientSecret),
  endpoint('GET', '/users', listUsers),
  endpoint('POST', '/users', createUser),
  endpoint('DELETE', '/users/:subject', deleteUser),
  endpoint('GET', '/keys', listKeys),
  endpoint('POST', '/keys/rotate', rotateKeys),
  endpoint('POST', '/keys/:kid/retire', retireKey),
  endpoint('POST', '/keys/:kid/revoke', revokeKey),
  endpoint('GET', '/trust', listTrustEntries),
  endpoint('POST', '/trust', createTrustEntry),
  endpoint('DELETE', '/trust/:id', deleteTrustEntry),
  endpoint('GET', '/audit', listAudit),
])

/**
 * Authenticates the request, then runs the endpoint's handler; its {@link AdminError}s become their
 * JSON answers (store failures and the unexpected go on to the HTTP layer's error handling: 503, 500).
 *
 * @example
 * ```ts
 * const response = await handleAdminRequest(ADMIN_ENDPOINTS[0]!, request, ctx)
 * ```
 */
export async function handleAdminRequest(endpoint: AdminEndpoint, request: AdminRequest, ctx: ServiceContext): Promise<OAuthResponse> {
  const auth = await authenticateAdmin(request.authorization, ctx)
  if ('challenge' in auth) return auth.challenge
  try {
    return await endpoint.handler(request, ctx, auth.actor)
  } catch (error) {
    if (error instanceof AdminError) return error.response()
    throw error
  }
}
