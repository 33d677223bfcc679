/**
 * People of upstream providers as jot knows them: an account per upstream (`iss`, `sub`), never
 * found by email (a provider may let a person set any address, and another provider may vouch for
 * the same one), with a subject of jot's own and the profile of the last login.
 * @module
 */
import { randomUUID } from 'node:crypto'
import type { UpstreamConfig } from '../config/schema.js'
import type { LoginUser } from '../login/provider.js'
import type { ServiceContext } from '../service/context.js'
import { StoreInvalidKey, type UpstreamAccountRecord } from '../store/store.js'
import type { UpstreamProfile } from './claims.js'
import { UpstreamError } from './errors.js'

/** The person an upstream account is, for sessions, tokens and userinfo. */
export function upstreamAccountUser(account: UpstreamAccountRecord): LoginUser {
  return {
    subject: account.subject,
    username: account.username,
    groups: account.groups,
    ...(account.name === undefined ? {} : { name: account.name }),
    ...(account.email === undefined ? {} : { email: account.email }),
    ...(account.emailVerified === undefined ? {} : { emailVerified: account.emailVerified }),
  }
}

/**
 * Records a login of (`issuer`, `upstreamSubject`) through `upstream`: the account is created at
 * the first one (with a new random subject) and its profile replaced at every one, so groups the
 * provider took away are gone from the next tokens. The username is the provider's
 * (`claims.username`), or its `sub` when it sends none.
 *
 * @throws {@link UpstreamError} when the provider's `iss` or `sub` is no key a store can hold.
 *
 * @example
 * ```ts
 * const user = await recordUpstreamLogin(ctx, upstream, { issuer: payload.iss, upstreamSubject: payload.sub }, profile)
 * ```
 */
export async function recordUpstreamLogin(
  ctx: ServiceContext,
  upstream: UpstreamConfig,
  key: { issuer: string; upstreamSubject: string },
  profile: UpstreamProfile,
): Promise<LoginUser> {
  const now = Math.floor(ctx.now())
  const account: UpstreamAccountRecord = {
    ...key,
    subject: randomUUID(),
    upstream: upstream.id,
    username: profile.username ?? key.upstreamSubject,
    groups: profile.groups,
    ...(profile.name === undefined ? {} : { name: profile.name }),
    ...(profile.email === undefined ? {} : { email: profile.email }),
    ...(profile.emailVerified === undefined ? {} : { emailVerified: profile.emailVerified }),
    createdAt: now,
    updatedAt: now,
  }
  try {
    return upstreamAccountUser(await ctx.store.saveUpstreamAccount(account))
  } catch (error) {
    if (!(error instanceof StoreInvalidKey)) throw error
    throw new UpstreamError('invalid_id_token', 'the ID token\'s "iss" or "sub" is not well-formed Unicode, or holds U+0000', { cause: error })
  }
}
