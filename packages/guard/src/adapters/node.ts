/**
 * Reading Node's `IncomingMessage` (Express and Fastify sit on it). Node keeps only the first
 * `Authorization` header and silently discards the rest, so a request with two would be judged on
 * one: the raw header list is checked, and a repeated header reaches the core as an array, which it
 * refuses (RFC 6750 §2: one token per request).
 * @module
 */
import type { IncomingMessage } from 'node:http'

const AUTHORIZATION = 'authorization'

/**
 * The `Authorization` header, or every copy of it when the request repeated it (the core then
 * refuses the request with 400 `invalid_request`).
 *
 * @example
 * ```ts
 * const result = await guard.authenticate({ method: req.method, url: req.url, headers: { ...req.headers, authorization: authorizationOf(req) } })
 * ```
 */
export function authorizationOf(message: IncomingMessage): string | string[] | undefined {
  const value = message.headers.authorization
  if (value === undefined) return undefined
  const raw = message.rawHeaders
  let copies: string[] | undefined
  let count = 0
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!
    if (name.length !== AUTHORIZATION.length || name.toLowerCase() !== AUTHORIZATION) continue
    count++
    if (count === 2) copies = [value]
    if (count >= 2) copies!.push(raw[i + 1]!)
  }
  return copies ?? value
}

/** A single header value (Node joins repeated ones with ", " for most headers, or gives an array). */
export function headerText(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(', ') : value
}
