/**
 * Public documents served as prepared bytes (the JWKS, the discovery document): serialized once per
 * change, not per request, with a strong `ETag` (RFC 9110 §8.8.3) so caches can revalidate with
 * `If-None-Match` and get a 304 (§13.1.2, §15.4.5) instead of the document again.
 * @module
 */
import { createHash } from 'node:crypto'
import type { FastifyReply, FastifyRequest } from 'fastify'
import type { OAuthResponse } from '../service/context.js'

export interface PreparedResponse {
  status: number
  /** The response's headers, `etag` and `content-type` included. */
  headers: Record<string, string>
  /** The JSON text. */
  body: string
}

/**
 * Serializes `response` (JSON) once, with its `ETag`: a hash of the bytes, so every replica serving
 * the same document gives it the same tag.
 */
export function prepareResponse(response: OAuthResponse): PreparedResponse {
  const body = JSON.stringify(response.body)
  const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`
  const headers = Object.fromEntries(Object.entries(response.headers).map(([name, value]) => [name.toLowerCase(), value]))
  return { status: response.status, headers: { 'content-type': 'application/json; charset=utf-8', ...headers, etag }, body }
}

/**
 * RFC 9110 §13.1.2: `If-None-Match` matches when it is `*` or lists the tag, compared weakly
 * (a `W/` prefix is ignored).
 */
function matches(ifNoneMatch: string | undefined, etag: string): boolean {
  if (ifNoneMatch === undefined) return false
  if (ifNoneMatch.trim() === '*') return true
  return ifNoneMatch.split(',').some((tag) => tag.trim().replace(/^W\//, '') === etag)
}

/**
 * Writes `prepared`, or a 304 with its headers but no body when the request's `If-None-Match`
 * names its tag (RFC 9110 §15.4.5: the 304 carries the Cache-Control and ETag the 200 would).
 */
export function sendPrepared(request: FastifyRequest, reply: FastifyReply, prepared: PreparedResponse): FastifyReply {
  if (prepared.status === 200 && matches(request.headers['if-none-match'], prepared.headers.etag!)) {
    const { 'content-type': _type, ...headers } = prepared.headers
    return reply.code(304).headers(headers).send()
  }
  return reply.code(prepared.status).headers(prepared.headers).send(prepared.body)
}
