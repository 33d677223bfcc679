/**
 * The upstream's claims mapped to the person's fields (`upstreams[].claims`): which claim of the
 * provider's ID token or userinfo response becomes `username`, `name`, `email`, `emailVerified` and
 * `groups`. A claim is named as it is (`groups`, `https://example.com/roles`: names may hold dots
 * and slashes), or by an RFC 6901 JSON Pointer into nested claims (`/realm_access/roles`).
 *
 * Values are taken only in the shape the field needs; anything else counts as absent, so a provider
 * that sends a number where a name belongs cannot put it into jot's tokens. Groups are strings
 * (a single string counts as one group), at most {@link MAX_GROUPS}, each 1 to 255 characters, as
 * for configured users.
 * @module
 */
import type { UpstreamConfig } from '../config/schema.js'

/** The most groups kept of one person (they travel in every access token). */
export const MAX_GROUPS = 256

/** The person's fields, as the provider says now. */
export interface UpstreamProfile {
  username: string | undefined
  name: string | undefined
  email: string | undefined
  emailVerified: boolean | undefined
  groups: string[]
}

/**
 * The value `reference` names in `claims`: a member, or with a leading `/` a JSON Pointer (RFC 6901
 * §4: `~1` is `/`, `~0` is `~`; array elements by index). Members of the JSON only: `__proto__`,
 * `constructor` or an array's `length` never reach anything else.
 */
export function claimValue(claims: Readonly<Record<string, unknown>>, reference: string): unknown {
  if (!reference.startsWith('/')) return Object.hasOwn(claims, reference) ? claims[reference] : undefined
  let value: unknown = claims
  for (const token of reference.slice(1).split('/')) {
    const name = token.replaceAll('~1', '/').replaceAll('~0', '~')
    // An array's members are its elements, by index without leading zeros (§4), never `length`.
    const member = Array.isArray(value) ? /^(0|[1-9]\d*)$/.test(name) && Number(name) < value.length : typeof value === 'object' && value !== null && Object.hasOwn(value, name)
    if (!member) return undefined
    value = (value as Record<string, unknown>)[name]
  }
  return value
}

const text = (value: unknown, max: number): string | undefined => (typeof value === 'string' && value !== '' && value.length <= max ? value : undefined)

/** `email_verified` is a boolean (OIDC Core §5.1); some providers send it as the string "true" or "false". */
function verified(value: unknown): boolean | undefined {
  if (typeof value === 'boolean') return value
  return value === 'true' ? true : value === 'false' ? false : undefined
}

function groups(value: unknown): string[] {
  const list = typeof value === 'string' ? [value] : Array.isArray(value) ? value : []
  const kept = list.filter((group): group is string => typeof group === 'string' && group !== '' && group.length <= 255)
  return [...new Set(kept)].slice(0, MAX_GROUPS)
}

/**
 * The person's fields from `claims` (the ID token's claims with the userinfo response's).
 *
 * @example
 * ```ts
 * mapUpstreamClaims(upstream, { sub: '248289761001', name: 'Ada', realm_access: { roles: ['admins'] } })
 * // with claims.groups '/realm_access/roles': { name: 'Ada', groups: ['admins'], … }
 * ```
 */
export function mapUpstreamClaims(upstream: UpstreamConfig, claims: Readonly<Record<string, unknown>>): UpstreamProfile {
  const value = (field: keyof UpstreamConfig['claims']) => claimValue(claims, upstream.claims[field])
  return {
    username: text(value('username'), 255),
    name: text(value('name'), 255),
    email: text(value('email'), 320),
    emailVerified: verified(value('emailVerified')),
    groups: groups(value('groups')),
  }
}
