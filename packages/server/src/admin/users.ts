/**
 * The people of the built-in login through the admin API: list every user, create and delete
 * those the API made. A body is a user as the configuration declares one (`users[]`); a password
 * given in the clear is hashed before it is stored (scrypt), and no answer ever carries a hash.
 * Users of the configuration are read-only here.
 * @module
 */
import { userRecord } from '../config/records.js'
import { userSchema } from '../config/schema.js'
import { hashSecret, isSecretHash } from '../crypto/secret-hash.js'
import type { OAuthResponse, ServiceContext } from '../service/context.js'
import { StoreConflict, type UserRecord } from '../store/store.js'
import { recordChange, type AdminActor } from './audit.js'
import { AdminError, readOnly } from './errors.js'
import { jsonBody, validated, type AdminRequest } from './request.js'

/** A user as the API shows it: everything but the password's hash, and where it comes from. */
export function userView(user: UserRecord): Record<string, unknown> {
  const { passwordHash, ...rest } = user
  return { ...rest, source: user.source ?? 'config', hasPassword: passwordHash !== undefined }
}

export async function listUsers(_request: AdminRequest, ctx: ServiceContext): Promise<OAuthResponse> {
  return { status: 200, headers: {}, body: { users: (await ctx.store.listUsers()).map(userView) } }
}

/** `POST /admin/users`: 201 with the user. The subject defaults to the username, as in the configuration. */
export async function createUser(request: AdminRequest, ctx: ServiceContext, actor: AdminActor): Promise<OAuthResponse> {
  const user = validated(userSchema, jsonBody(request), 'the user')
  if (user.passwordHash !== undefined && !isSecretHash(user.passwordHash)) {
    throw new AdminError('invalid_request', 'the user is invalid', ['passwordHash: not a password hash (make one with: jotjwt serve --hash-password)'])
  }
  const passwordHash = user.password === undefined ? user.passwordHash : await hashSecret(user.password)
  const now = Math.floor(ctx.now())
  const record = userRecord(user, passwordHash, 'api', { createdAt: now, updatedAt: now })
  let created: boolean
  try {
    created = await ctx.store.createUser(record)
  } catch (error) {
    if (error instanceof StoreConflict) throw new AdminError('conflict', 'a user has this username')
    throw error
  }
  if (!created) throw new AdminError('conflict', 'a user has this subject')
  await recordChange(ctx, actor, 'user.create', record.subject)
  return { status: 201, headers: {}, body: { user: userView(record) } }
}

/** `DELETE /admin/users/{subject}`: 204. Their sessions and refresh tokens stop working. */
export async function deleteUser(request: AdminRequest, ctx: ServiceContext, actor: AdminActor): Promise<OAuthResponse> {
  const user = await ctx.store.getUser(request.params.subject!)
  if (!user) throw new AdminError('not_found', 'no user has this subject')
  if (user.source !== 'api') throw readOnly(`the user ${JSON.stringify(user.subject)}`)
  if (await ctx.store.deleteUser(user.subject)) await recordChange(ctx, actor, 'user.delete', user.subject)
  return { status: 204, headers: {}, body: undefined }
}
