/**
 * User claims by scope (OIDC Core §5.4): the `userClaims` mapping (the client's own, else the
 * service's) names, for each scope, which claims it releases and which user field each comes from.
 * The same claims go into the ID token and the userinfo response, so the two never disagree. The
 * `accessTokenClaims` mapping does the same for a person's access tokens.
 * @module
 */
import type { LoginUser } from '../login/provider.js'
import type { ServiceContext } from '../service/context.js'
import type { ClientRecord } from '../store/store.js'
import { RESERVED_CLAIMS } from './access-token.js'

/**
 * Claims a mapping may never produce: the registered ones (but `groups`, which is the person's), and
 * the ID token's bindings (OIDC Core §2, §3.1.3.6).
 */
export const RESERVED_USER_CLAIMS: ReadonlySet<string> = new Set([...[...RESERVED_CLAIMS].filter((claim) => claim !== 'groups'), 'at_hash', 'c_hash', 'sid'])

/**
 * A claim mapping's entries that would set a reserved claim, one line each starting with `path`
 * (checked at start for the configuration, and by the admin API for the clients it creates).
 *
 * @example
 * ```ts
 * claimMappingProblems({ profile: { sub: 'name' } }, 'userClaims') // ['userClaims.profile.sub: a registered claim, …']
 * ```
 */
export function claimMappingProblems(mapping: Record<string, Record<string, string>> | undefined, path: string): string[] {
  return Object.entries(mapping ?? {}).flatMap(([scope, claims]) =>
    Object.keys(claims).filter((claim) => RESERVED_USER_CLAIMS.has(claim)).map((claim) => `${path}.${scope}.${claim}: a registered claim, which no mapping may set`),
  )
}

function field(user: LoginUser, name: string): unknown {
  if (name.startsWith('attributes.')) return user.attributes?.[name.slice('attributes.'.length)]
  return (user as unknown as Record<string, unknown>)[name]
}

/** The claims `mapping` releases about `user` for `scopes`; absent fields give no claim. */
function mappedClaims(mapping: Readonly<Record<string, Readonly<Record<string, string>>>>, user: LoginUser, scopes: readonly string[]): Record<string, unknown> {
  // A null prototype: a claim named "__proto__" is an ordinary claim.
  const claims: Record<string, unknown> = Object.create(null)
  for (const scope of scopes) {
    for (const [claim, source] of Object.entries(mapping[scope] ?? {})) {
      const value = field(user, source)
      if (value !== undefined && !RESERVED_USER_CLAIMS.has(claim)) claims[claim] = value
    }
  }
  return claims
}

/**
 * The claims `scopes` release about `user` for `client` in its ID tokens and at userinfo.
 *
 * @example
 * ```ts
 * userClaims(ctx, client, user, ['openid', 'profile']) // { name: 'Ada Lovelace', preferred_username: 'ada' }
 * ```
 */
export function userClaims(ctx: ServiceContext, client: ClientRecord, user: LoginUser, scopes: readonly string[]): Record<string, unknown> {
  return mappedClaims(client.userClaims ?? ctx.config.userClaims, user, scopes)
}

/**
 * The claims about `user` a person's access token carries for `scopes` (`accessTokenClaims`; RFC
 * 9068 §2.2.2 identity claims, §2.2.3.1 `groups`).
 *
 * @example
 * ```ts
 * accessTokenUserClaims(ctx, user, ['openid', 'profile', 'groups']) // { name: 'Ada Lovelace', groups: ['admins'] }
 * ```
 */
export function accessTokenUserClaims(ctx: ServiceContext, user: LoginUser, scopes: readonly string[]): Record<string, unknown> {
  return mappedClaims(ctx.config.accessTokenClaims, user, scopes)
}

/** Every claim name `mappings` can release (discovery's `claims_supported`). */
export function mappedClaimNames(mappings: readonly Record<string, Record<string, string>>[]): string[] {
  return [...new Set(mappings.flatMap((mapping) => Object.values(mapping).flatMap((claims) => Object.keys(claims))))].filter((claim) => !RESERVED_USER_CLAIMS.has(claim))
}
