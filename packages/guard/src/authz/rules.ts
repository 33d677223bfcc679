/**
 * Authorization rules, run after authentication: scope and claim checks with the names of
 * express-oauth2-jwt-bearer (and `customScopeKey` from express-jwt-authz), so moving to jot is a
 * rename. Rules are plain functions of the verified claims: the adapters wrap them as middleware,
 * and a gateway can evaluate them without any framework. A rule answers `undefined` (allowed) or a
 * refusal; it never throws for a token it does not like.
 *
 * Every failure is 403 `insufficient_scope` (RFC 6750 §3.1: "the request requires higher privileges
 * than provided by the access token"), with `scope="…"` for scope rules. A claim mismatch is not
 * `invalid_token` (401): the token is valid, and a 401 would make the client fetch a new token that
 * fails the same way.
 * @module
 */
import { scopesOf, type JWTClaims } from 'jotjwt'
import { isScopeToken } from '../errors/challenge.js'
import { InsufficientScopeError, InvalidTokenError, type GuardError } from '../errors/errors.js'
import { compilePath, describePath, valueAt, type ClaimPath } from './path.js'

/** What a rule may need besides the claims. */
export interface RuleContext {
  /** The guard's default scope claim (`customScopeKey` option). */
  readonly customScopeKey: string | undefined
}

/** An authorization rule: `undefined` allows, a {@link GuardError} refuses. */
export type AuthorizationRule = (claims: JWTClaims, context: RuleContext) => GuardError | undefined

/** Options of the scope rules. */
export interface ScopeRuleOptions {
  /** Read scopes from this claim (path) instead of `scope`/`scp`/`scopes`, e.g. `permissions`. */
  customScopeKey?: ClaimPath
}

/** A JSON primitive, as claims compare to. */
export type JSONPrimitive = string | number | boolean | null

const NO_PRIVILEGE = 'the access token does not grant access to this resource'
const NO_SCOPE = 'the access token lacks a required scope'

function scopeList(scopes: string | readonly string[]): readonly string[] {
  const list = typeof scopes === 'string' ? scopes.split(' ').filter((scope) => scope !== '') : scopes
  if (!Array.isArray(list) || list.length === 0 || !list.every((scope) => typeof scope === 'string' && isScopeToken(scope))) {
    throw new TypeError('scopes must be a space-separated string or an array of scope tokens (RFC 6749 section 3.3)')
  }
  return [...new Set(list)]
}

/** The token's scopes, or a refusal when the scope claim is malformed (the token itself is then bad). */
function grantedScopes(claims: JWTClaims, path: readonly string[] | undefined): ReadonlySet<string> | GuardError {
  if (path === undefined) {
    try {
      return new Set(scopesOf(claims))
    } catch (error) {
      return new InvalidTokenError('the access token is invalid', (error as Error).message)
    }
  }
  const value = valueAt(claims, path)
  if (value === undefined) return new Set()
  if (typeof value === 'string') return new Set(value.split(' '))
  if (Array.isArray(value) && value.every((scope) => typeof scope === 'string')) return new Set(value as string[])
  return new InvalidTokenError('the access token is invalid', `"${describePath(path)}" must be a string or an array of strings`)
}

function scopeRule(scopes: string | readonly string[], options: ScopeRuleOptions, all: boolean): AuthorizationRule {
  const list = scopeList(scopes)
  const scope = list.join(' ')
  const fixedPath = options.customScopeKey === undefined ? undefined : compilePath(options.customScopeKey)
  let contextPath: { key: string; path: readonly string[] } | undefined
  return (claims, context) => {
    let path = fixedPath
    if (path === undefined && context.customScopeKey !== undefined) {
      if (contextPath?.key !== context.customScopeKey) contextPath = { key: context.customScopeKey, path: compilePath(context.customScopeKey) }
      path = contextPath.path
    }
    const granted = grantedScopes(claims, path)
    if (!(granted instanceof Set)) return granted as GuardError
    const allowed = all ? list.every((s) => granted.has(s)) : list.some((s) => granted.has(s))
    if (allowed) return undefined
    const detail = all ? `missing scope ${list.filter((s) => !granted.has(s)).join(' ')}` : `needs one of the scopes ${scope}`
    return new InsufficientScopeError(NO_SCOPE, detail, { scope })
  }
}

/**
 * Requires every one of `scopes`.
 *
 * @example
 * ```ts
 * app.get('/orders', requiredScopes('orders:read'), handler)
 * app.post('/orders', requiredScopes(['orders:read', 'orders:write']), handler)
 * ```
 * @throws TypeError when a scope is not an RFC 6749 §3.3 scope-token.
 */
export function requiredScopes(scopes: string | readonly string[], options: ScopeRuleOptions = {}): AuthorizationRule {
  return scopeRule(scopes, options, true)
}

/**
 * Requires at least one of `scopes`.
 *
 * @example
 * ```ts
 * app.get('/orders', scopeIncludesAny('orders:read orders:admin'), handler)
 * ```
 */
export function scopeIncludesAny(scopes: string | readonly string[], options: ScopeRuleOptions = {}): AuthorizationRule {
  return scopeRule(scopes, options, false)
}

function checkPrimitive(value: unknown): void {
  if (value !== null && typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') {
    throw new TypeError('expected values must be strings, numbers, booleans or null')
  }
}

/**
 * Requires the claim at `path` to equal `expected` (strictly).
 *
 * @example
 * ```ts
 * app.get('/admin', claimEquals('/org/role', 'admin'), handler)
 * ```
 */
export function claimEquals(path: ClaimPath, expected: JSONPrimitive): AuthorizationRule {
  const segments = compilePath(path)
  checkPrimitive(expected)
  return (claims) => (valueAt(claims, segments) === expected ? undefined : new InsufficientScopeError(NO_PRIVILEGE, `unexpected "${describePath(segments)}"`))
}

/**
 * Requires the claim at `path` (an array, or a space-separated string) to include every one of `expected`.
 *
 * @example
 * ```ts
 * app.delete('/orders/:id', claimIncludes('roles', 'editor', 'auditor'), handler)
 * ```
 */
export function claimIncludes(path: ClaimPath, ...expected: JSONPrimitive[]): AuthorizationRule {
  const segments = compilePath(path)
  if (expected.length === 0) throw new TypeError('claimIncludes needs at least one expected value')
  expected.forEach(checkPrimitive)
  return (claims) => {
    const value = valueAt(claims, segments)
    const list: readonly unknown[] | undefined = typeof value === 'string' ? value.split(' ') : Array.isArray(value) ? value : undefined
    if (list !== undefined && expected.every((item) => list.includes(item))) return undefined
    return new InsufficientScopeError(NO_PRIVILEGE, `"${describePath(segments)}" lacks a required value`)
  }
}

/**
 * Requires `check(claims)` to return true. A check that throws refuses the request.
 *
 * @example
 * ```ts
 * app.get('/reports', claimCheck((claims) => claims.tier === 'gold' || claims.sub === ownerId), handler)
 * ```
 */
export function claimCheck<C extends JWTClaims = JWTClaims>(check: (claims: C) => boolean, description?: string): AuthorizationRule {
  if (typeof check !== 'function') throw new TypeError('claimCheck expects a function')
  const detail = description ?? 'a claim check failed'
  return (claims) => {
    let allowed = false
    try {
      allowed = check(claims as C) === true
    } catch {
      allowed = false
    }
    return allowed ? undefined : new InsufficientScopeError(NO_PRIVILEGE, detail)
  }
}
