/**
 * The JWT-bearer grant's trust entries through the admin API: list every entry, create and delete
 * those the API made. A body is an entry as the configuration declares one (`trust[]`), validated
 * by the same schema and deployment rules; the service names it (`tr-` and 128 random bits).
 * Entries of the configuration are read-only here.
 * @module
 */
import { randomBytes } from 'node:crypto'
import { trustDeploymentProblems } from '../config/load.js'
import { trustEntryRecord } from '../config/records.js'
import { trustEntrySchema } from '../config/schema.js'
import { registeredKeysProblems } from '../oauth/registered-keys.js'
import type { OAuthResponse, ServiceContext } from '../service/context.js'
import { StoreConflict, type TrustEntryRecord } from '../store/store.js'
import { recordChange, type AdminActor } from './audit.js'
import { AdminError, readOnly } from './errors.js'
import { jsonBody, refuseMembers, validated, type AdminRequest } from './request.js'

export async function listTrustEntries(_request: AdminRequest, ctx: ServiceContext): Promise<OAuthResponse> {
  return { status: 200, headers: {}, body: { trust: await ctx.store.listTrustEntries() } }
}

/** `POST /admin/trust`: 201 with the entry, under the id the service chose. */
export async function createTrustEntry(request: AdminRequest, ctx: ServiceContext, actor: AdminActor): Promise<OAuthResponse> {
  const body = jsonBody(request)
  refuseMembers(body, ['id'], 'the service names the trust entries it creates')
  const entry = validated(trustEntrySchema, body, 'the trust entry')
  const now = Math.floor(ctx.now())
  const record: TrustEntryRecord = { ...trustEntryRecord(entry, 'api', { createdAt: now, updatedAt: now }), id: `tr-${randomBytes(16).toString('base64url')}` }
  const keys = await registeredKeysProblems(record, record.algorithms)
  const issues = [
    ...(ctx.config.dev ? [] : trustDeploymentProblems(entry, 'trust')),
    ...keys.map((problem) => `trust.${entry.jwk === undefined ? 'jwks' : 'jwk'}: ${problem}`),
  ]
  if (issues.length > 0) throw new AdminError('invalid_request', 'the trust entry is invalid', issues)
  try {
    await ctx.store.putTrustEntry(record)
  } catch (error) {
    if (error instanceof StoreConflict) throw new AdminError('conflict', `a trust entry has this issuer and ${record.subject === undefined ? 'any: true' : 'subject'}`)
    throw error
  }
  await recordChange(ctx, actor, 'trust.create', record.id)
  return { status: 201, headers: {}, body: { entry: record } }
}

/** `DELETE /admin/trust/{id}`: 204; the issuer's assertions are refused from now on. */
export async function deleteTrustEntry(request: AdminRequest, ctx: ServiceContext, actor: AdminActor): Promise<OAuthResponse> {
  const entry = await ctx.store.getTrustEntry(request.params.id!)
  if (!entry) throw new AdminError('not_found', 'no trust entry has this id')
  if (entry.source !== 'api') throw readOnly(`the trust entry ${JSON.stringify(entry.id)}`)
  if (await ctx.store.deleteTrustEntry(entry.id)) await recordChange(ctx, actor, 'trust.delete', entry.id)
  return { status: 204, headers: {}, body: undefined }
}
