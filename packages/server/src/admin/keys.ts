/**
 * The signing keys through the admin API: list, rotate now, retire, revoke, over the running
 * service's key managers (`service/keys-admin.ts`). Every replica reads the keys from the store on
 * each operation, so a change made through one replica holds for all at once.
 * @module
 */
import { isJotError } from 'jotjwt'
import { z } from 'zod'
import { keyManagers } from '../oauth/signing-keys.js'
import type { OAuthResponse, ServiceContext } from '../service/context.js'
import { KeyNotRetiring, keyOperations, type SigningKeyInfo } from '../service/keys-admin.js'
import { recordChange, type AdminActor } from './audit.js'
import { AdminError } from './errors.js'
import { jsonBody, validated, type AdminRequest } from './request.js'

const rotateSchema = z.strictObject({ alg: z.string().optional() })

/** The library's "no such key" and "no such algorithm" as the API's errors. */
async function keyOperation<T>(operation: () => Promise<T>, notFound: string): Promise<T> {
  try {
    return await operation()
  } catch (error) {
    if (error instanceof KeyNotRetiring) throw new AdminError('conflict', error.message)
    if (isJotError(error) && error.code === 'ERR_INVALID_ARGUMENT') throw new AdminError(notFound === 'kid' ? 'not_found' : 'invalid_request', error.message)
    throw error
  }
}

export async function listKeys(_request: AdminRequest, ctx: ServiceContext): Promise<OAuthResponse> {
  return { status: 200, headers: {}, body: { keys: await keyOperations(keyManagers(ctx)).list() } }
}

/**
 * `POST /admin/keys/rotate` (body `{"alg": …}` optional: every algorithm without it): the new keys,
 * published now, signing after `keys.publishAhead`.
 */
export async function rotateKeys(request: AdminRequest, ctx: ServiceContext, actor: AdminActor): Promise<OAuthResponse> {
  const { alg } = validated(rotateSchema, jsonBody(request, { optional: true }), 'the rotation')
  const fresh = await keyOperation(() => keyOperations(keyManagers(ctx)).rotate(alg), 'alg')
  for (const key of fresh) await recordChange(ctx, actor, 'key.rotate', key.kid)
  return { status: 200, headers: {}, body: { keys: fresh } }
}

function keyChange(action: 'retire' | 'revoke') {
  return async (request: AdminRequest, ctx: ServiceContext, actor: AdminActor): Promise<OAuthResponse> => {
    const kid = request.params.kid!
    const key: SigningKeyInfo = await keyOperation(() => keyOperations(keyManagers(ctx))[action](kid), 'kid')
    await recordChange(ctx, actor, `key.${action}`, kid)
    return { status: 200, headers: {}, body: { key } }
  }
}

/** `POST /admin/keys/{kid}/retire`: a key that no longer signs leaves the JWKS now. */
export const retireKey = keyChange('retire')

/** `POST /admin/keys/{kid}/revoke`: emergency; the key leaves the JWKS and never signs again. */
export const revokeKey = keyChange('revoke')
