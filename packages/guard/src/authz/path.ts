/**
 * Claim paths for the authorization rules. A plain string is one top-level claim name, exactly as
 * written (dots included: `https://example.com/roles` is a common namespaced claim, and
 * express-oauth2-jwt-bearer reads names the same way). A string starting with `/` is a JSON Pointer
 * (RFC 6901) into nested claims, e.g. `/realm_access/roles`. An array lists the segments directly.
 * Only own properties are followed, so `__proto__` or `constructor` never resolve to anything.
 * @module
 */

/** A claim name, a JSON Pointer, or explicit segments. */
export type ClaimPath = string | readonly string[]

/**
 * The path's segments, checked once when a rule is created.
 *
 * @example
 * ```ts
 * compilePath('/kubernetes.io/serviceaccount/name') // ['kubernetes.io', 'serviceaccount', 'name']
 * compilePath('https://example.com/roles') // ['https://example.com/roles']
 * ```
 */
export function compilePath(path: ClaimPath): readonly string[] {
  if (Array.isArray(path)) {
    if (path.length === 0 || !path.every((segment) => typeof segment === 'string')) throw new TypeError('a claim path array must list string segments')
    return [...path]
  }
  if (typeof path !== 'string' || path === '') throw new TypeError('a claim path must be a claim name, a JSON Pointer or an array of segments')
  if (!path.startsWith('/')) return [path]
  // RFC 6901 §4: "~1" is "/" and "~0" is "~", decoded in that order.
  return path
    .slice(1)
    .split('/')
    .map((segment) => segment.replace(/~1/g, '/').replace(/~0/g, '~'))
}

/**
 * The value at `segments` in `claims` (own properties only), or undefined.
 *
 * @example
 * ```ts
 * valueAt({ org: { id: 'acme' } }, compilePath('/org/id')) // 'acme'
 * ```
 */
export function valueAt(claims: unknown, segments: readonly string[]): unknown {
  let value = claims
  for (const segment of segments) {
    if (typeof value !== 'object' || value === null || !Object.hasOwn(value, segment)) return undefined
    value = (value as Record<string, unknown>)[segment]
  }
  return value
}

/** The path as users wrote it, for error details. */
export function describePath(segments: readonly string[]): string {
  return segments.length === 1 ? segments[0]! : `/${segments.map((s) => s.replace(/~/g, '~0').replace(/\//g, '~1')).join('/')}`
}
