/**
 * Scopes of an access token, whichever claim the issuer uses: `scope`, a space-separated string
 * (RFC 9068 §2.2.3, RFC 8693 §4.2), or `scp`/`scopes`, a string array (or string) as some issuers
 * emit. Malformed values are refused rather than guessed at: authorization depends on them.
 * @module
 */
import { JWTClaimInvalid } from '../errors.js'
import { readObject, readStringArray } from '../lib/arguments.js'
import type { JWTClaims } from './types.js'

const SCOPE_CLAIMS = ['scope', 'scp', 'scopes'] as const

/**
 * The token's scopes (deduplicated, in order of appearance), from `scope`, `scp` and `scopes`.
 *
 * @example
 * ```ts
 * scopesOf({ scope: 'orders:read orders:write' }) // ['orders:read', 'orders:write']
 * scopesOf({ scp: ['read'] })                       // ['read']
 * ```
 * @throws {@link JWTClaimInvalid} (reason `type`) when a scope claim is neither a string nor an array of strings.
 */
export function scopesOf(claims: JWTClaims): string[] {
  return grantedScopes(readObject<JWTClaims>(claims, 'claims'))
}

/**
 * True when the token grants every one of `required`.
 *
 * @example
 * ```ts
 * if (!hasScopes(payload, ['orders:write'])) return reply(403, 'insufficient_scope')
 * ```
 * @throws {@link JWTClaimInvalid} as {@link scopesOf}; {@link InvalidArgument} when `required` is not an array of strings.
 */
export function hasScopes(claims: JWTClaims, required: readonly string[]): boolean {
  const wanted = readStringArray(required, 'required')
  const granted = new Set(scopesOf(claims))
  return wanted.every((scope) => granted.has(scope))
}

/** @internal {@link scopesOf} for claims jot parsed itself (a verified token's), which need no copy. */
export function grantedScopes(claims: JWTClaims): string[] {
  const scopes = new Set<string>()
  for (const name of SCOPE_CLAIMS) {
    const value = claims[name]
    if (value === undefined) continue
    const list = typeof value === 'string' ? value.split(' ') : Array.isArray(value) ? value : undefined
    if (!list || !list.every((scope) => typeof scope === 'string')) {
      throw new JWTClaimInvalid(`"${name}" must be a string or an array of strings`, name, 'type')
    }
    for (const scope of list as string[]) if (scope !== '') scopes.add(scope)
  }
  return [...scopes]
}
