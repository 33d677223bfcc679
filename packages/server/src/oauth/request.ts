/** Reading OAuth request parameters. @module */
import type { OAuthRequest } from '../service/context.js'

/**
 * The parameter's value; undefined when absent or empty (RFC 6749 §3.1: "Parameters sent without a
 * value MUST be treated as if they were omitted from the request").
 *
 * @example
 * ```ts
 * const grantType = param(request, 'grant_type')
 * ```
 */
export function param(request: OAuthRequest, name: string): string | undefined {
  const value = request.params.get(name)
  return value === '' ? undefined : value
}

/** The request's `resource` parameters (RFC 8707 §2), empty values left out as in {@link param}. */
export function resourceParams(request: OAuthRequest): string[] {
  return request.resources.filter((resource) => resource !== '')
}
