/**
 * A rule's `authorize` block compiled to the guard's authorization rules: scope checks are the
 * guard's `requiredScopes` / `scopeIncludesAny`, and claim conditions are `claimCheck`s over the
 * guard's claim paths, so the gateway and the middleware refuse alike (403 `insufficient_scope`,
 * with `scope="…"` for scope rules, RFC 6750 §3.1).
 * @module
 */
import type { JWTClaims } from 'jotjwt'
import { claimCheck, compilePath, requiredScopes, scopeIncludesAny, valueAt, type AuthorizationRule } from 'jotjwt-guard'
import type { ClaimCondition, RuleConfig } from '../config/schema.js'

type Primitive = string | number | boolean | null

function asList(value: unknown): readonly unknown[] | undefined {
  return Array.isArray(value) ? value : typeof value === 'string' ? value.split(' ') : undefined
}

/** One condition as a predicate over the claim's value. */
function predicate(condition: ClaimCondition): (value: unknown) => boolean {
  const expected = condition.value
  const text = (value: unknown): value is string => typeof value === 'string'
  switch (condition.op) {
    case 'equals':
      return (value) => value === expected
    case 'contains':
      return (value) => asList(value)?.includes(expected) === true
    case 'in': {
      if (!Array.isArray(expected)) throw new TypeError('"in" needs a list of values')
      const allowed = new Set<Primitive>(expected)
      return (value) => (value === null || typeof value !== 'object') && allowed.has(value as Primitive)
    }
    case 'prefix':
    case 'suffix':
    case 'regex': {
      if (typeof expected !== 'string') throw new TypeError(`"${condition.op}" needs a string value`)
      if (condition.op === 'prefix') return (value) => text(value) && value.startsWith(expected)
      if (condition.op === 'suffix') return (value) => text(value) && value.endsWith(expected)
      // Anchored: a pattern written for the whole value must not match a substring of it.
      const pattern = new RegExp(`^(?:${expected})$`, 'u')
      return (value) => text(value) && pattern.test(value)
    }
  }
}

/** The authorization rules of a gateway rule, in order (scopes, then claims). */
export function compileAuthorize(authorize: RuleConfig['authorize'], where: string): readonly AuthorizationRule[] {
  if (authorize === undefined) return []
  const rules: AuthorizationRule[] = []
  if (authorize.scopes?.all) rules.push(requiredScopes(authorize.scopes.all))
  if (authorize.scopes?.any) rules.push(scopeIncludesAny(authorize.scopes.any))
  authorize.claims?.forEach((condition, index) => {
    rules.push(claimCheck(compileCondition(condition, `${where}.authorize.claims.${index}`), `claim condition ${index} failed`))
  })
  return rules
}

/** One claim condition as a test of verified claims (also what a reverse-proxy route's `when` runs). */
export function compileCondition(condition: ClaimCondition, where: string): (claims: JWTClaims) => boolean {
  const segments = compilePath(condition.path)
  let test: (value: unknown) => boolean
  try {
    test = predicate(condition)
  } catch (error) {
    throw new TypeError(`${where}: ${(error as Error).message}`)
  }
  return (claims) => test(valueAt(claims, segments))
}
