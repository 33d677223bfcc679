/**
 * JSON access logs (pino). A line names who called (`iss`, `sub`, `kid`), what was decided and why
 * (the RFC 6750 code and jot's error code), the status and the latency. It never carries a token:
 * not the Authorization header (headers are not logged), not a query token (`access_token` and any
 * JWT-shaped value are replaced in the logged target), not a cookie.
 * @module
 */
import { pino, type DestinationStream, type Logger } from 'pino'
import { decodeJWTUnverified } from 'jotjwt'
import type { IncomingHttpHeaders } from 'node:http'
import type { Decision } from '../engine/gateway.js'
import { isQueryToken } from '../proxy/headers.js'

/** Creates the gateway's logger on `destination` (stdout by default). */
export function createLogger(destination?: DestinationStream): Logger {
  return pino({ base: null, timestamp: pino.stdTimeFunctions.isoTime, messageKey: 'msg' }, destination)
}

/** A compact JWS (three base64url segments, the first a JSON header): never logged, wherever it is. */
const JWT_SHAPE = /eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*/g

/** The request target for a log line: query tokens (RFC 6750 §2.3) and anything JWT-shaped replaced. */
export function redactTarget(target: string): string {
  const mark = target.indexOf('?')
  const path = (mark < 0 ? target : target.slice(0, mark)).replace(JWT_SHAPE, '[redacted]')
  if (mark < 0) return path
  const query = target
    .slice(mark + 1)
    .split('&')
    .map((pair) => (isQueryToken(pair) ? `${pair.split('=', 1)[0]}=[redacted]` : pair.replace(JWT_SHAPE, '[redacted]')))
  return `${path}?${query.join('&')}`
}

/** Untrusted text from a token's header or claims, bounded: it is written to logs as is. */
function bounded(value: unknown): string | undefined {
  return typeof value === 'string' ? value.slice(0, 200) : undefined
}

/** What identifies the caller: verified claims when there are some, else what a refused token claims. */
export function callerFields(decision: Decision, headers: IncomingHttpHeaders): Record<string, string | undefined> {
  const verified = decision.verified?.[0]
  if (verified) {
    const { claims, header } = verified.auth
    return { provider: verified.provider, iss: bounded(claims.iss), sub: bounded(claims.sub), kid: bounded(header.kid) }
  }
  const authorization = headers.authorization
  const match = typeof authorization === 'string' ? /^\s*(?:bearer|dpop)\s+(\S+)/i.exec(authorization) : null
  if (!match) return {}
  try {
    // Unverified: only to tell which issuer and key a refused token named.
    const { header, payload } = decodeJWTUnverified(match[1]!)
    return { iss: bounded(payload.iss), kid: bounded(header.kid) }
  } catch {
    return {}
  }
}

/** The refusal's RFC 6750 code (`missing_token` without one, `no_rule`) and jot's error code, if any. */
export function failureFields(decision: Decision): { failure?: string; cause?: string } {
  const { refusal } = decision
  if (refusal === undefined) return decision.rule === undefined ? { failure: 'no_rule' } : {}
  const cause = (refusal.cause as { code?: unknown } | undefined)?.code
  return { failure: refusal.error ?? 'missing_token', ...(typeof cause === 'string' ? { cause } : {}) }
}
