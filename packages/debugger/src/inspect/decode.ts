/**
 * What a compact token says before any key is involved. A JWS (three segments) is decoded by the
 * library's own strict parser (`decodeJWTUnverified`), so the page refuses exactly what a verifier
 * would refuse, with the same error codes. A JWE (five segments) shows its protected header, the one
 * part that is not encrypted (RFC 7516 §5.2). Nothing here checks a signature.
 * @module
 */
import { base64url, decodeJWTUnverified, isJotError } from 'jotjwt'
import type { JotErrorCode, JWSHeaderParameters, JWTClaims } from 'jotjwt'

/** A debugger should show big tokens too; the library's default cap (16 KiB) is for servers. */
export const DISPLAY_MAX_TOKEN_LENGTH = 1 << 20

export type JSONObject = Record<string, unknown>

/** Why a token could not be decoded: the library's error code when the library refused it. */
export interface DecodeProblem {
  readonly code: JotErrorCode | 'NOT_COMPACT'
  readonly message: string
}

export type DecodedToken =
  | { readonly kind: 'empty' }
  | { readonly kind: 'JWS'; readonly segments: readonly string[]; readonly header: JWSHeaderParameters; readonly payload: JWTClaims }
  | { readonly kind: 'JWE'; readonly segments: readonly string[]; readonly header: JSONObject }
  | {
      readonly kind: 'invalid'
      readonly segments: readonly string[]
      readonly problem: DecodeProblem
      /** The first segment as JSON, when it is readable at all: shown to help find what is wrong. */
      readonly header: JSONObject | undefined
    }

/** Best-effort reading of one segment as a JSON object, for display next to an error only. */
function looseJSONObject(segment: string): JSONObject | undefined {
  try {
    const value: unknown = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(base64url.decode(segment)))
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as JSONObject) : undefined
  } catch {
    return undefined
  }
}

function invalid(segments: string[], problem: DecodeProblem): DecodedToken {
  return { kind: 'invalid', segments, problem, header: segments.length > 1 ? looseJSONObject(segments[0]!) : undefined }
}

export function decodeToken(token: string): DecodedToken {
  if (token === '') return { kind: 'empty' }
  const segments = token.split('.')
  if (token.startsWith('{')) {
    return invalid([], { code: 'NOT_COMPACT', message: 'this is a JSON serialization; the page reads compact tokens (a.b.c or a.b.c.d.e)' })
  }
  if (segments.length === 5) {
    const header = looseJSONObject(segments[0]!)
    if (header === undefined) return invalid(segments, { code: 'ERR_JWE_INVALID', message: 'the JWE protected header is not a base64url-encoded JSON object' })
    return { kind: 'JWE', segments, header }
  }
  if (segments.length !== 3) {
    const count = `${segments.length} segment${segments.length === 1 ? '' : 's'}`
    return invalid(segments, { code: 'NOT_COMPACT', message: `not a compact token: ${count} (a signed JWT has 3, separated by dots; an encrypted one 5)` })
  }
  try {
    const { header, payload } = decodeJWTUnverified(token, { maxTokenLength: DISPLAY_MAX_TOKEN_LENGTH })
    return { kind: 'JWS', segments, header, payload }
  } catch (error) {
    if (!isJotError(error)) throw error
    return invalid(segments, { code: error.code, message: error.message })
  }
}
