/**
 * What an admin endpoint receives, framework-free: path parameters, query, and the JSON body. The
 * body is read only after the caller is authenticated, strictly: `application/json` (UTF-8, no other
 * charset), well-formed UTF-8, a JSON object; and validated against the same schemas as the
 * configuration, every problem listed.
 * @module
 */
import type { z } from 'zod'
import { describeIssues } from '../config/load.js'
import { AdminError } from './errors.js'

export interface AdminRequest {
  /** Path parameters (`:clientId`, `:kid`, …), decoded. */
  params: Readonly<Record<string, string>>
  query: Readonly<Record<string, unknown>>
  /** The `Content-Type` header and the raw body (empty when there is none). */
  contentType: string | undefined
  body: Uint8Array | undefined
  authorization: string | undefined
}

const JSON_TYPE = /^application\/json\s*(;\s*charset\s*=\s*"?utf-8"?\s*)?$/i
const UTF8 = new TextDecoder('utf-8', { fatal: true })

/**
 * The body as a JSON object; `{}` when there is none and `optional` (action endpoints).
 * @throws {@link AdminError} `invalid_request`.
 */
export function jsonBody(request: AdminRequest, options: { optional?: boolean } = {}): Record<string, unknown> {
  if (request.body === undefined || request.body.length === 0) {
    if (options.optional) return {}
    throw new AdminError('invalid_request', 'send a JSON object (Content-Type: application/json)')
  }
  if (request.contentType === undefined || !JSON_TYPE.test(request.contentType)) throw new AdminError('invalid_request', 'the body must be application/json (UTF-8)')
  let value: unknown
  try {
    value = JSON.parse(UTF8.decode(request.body))
  } catch {
    throw new AdminError('invalid_request', 'the body is not well-formed JSON in UTF-8')
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new AdminError('invalid_request', 'the body must be a JSON object')
  return value as Record<string, unknown>
}

/**
 * `value` parsed by `schema`, or `invalid_request` listing every problem.
 *
 * @example
 * ```ts
 * const user = validated(userSchema, jsonBody(request), 'the user')
 * ```
 */
export function validated<S extends z.ZodType>(schema: S, value: unknown, what: string): z.output<S> {
  const result = schema.safeParse(value)
  if (!result.success) throw new AdminError('invalid_request', `${what} is invalid`, describeIssues(result.error.issues))
  return result.data
}

/** Refuses members the service sets itself (a client's secret, a trust entry's id). */
export function refuseMembers(body: Record<string, unknown>, names: readonly string[], why: string): void {
  const present = names.filter((name) => Object.hasOwn(body, name))
  if (present.length > 0) throw new AdminError('invalid_request', `${present.join(', ')}: ${why}`)
}
