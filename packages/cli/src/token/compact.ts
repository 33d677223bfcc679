/**
 * What the CLI reads from a compact token before (or instead of) handing it to the library: the
 * JWE protected header, the one part of a JWE that is not encrypted (RFC 7516 §5.2), which the
 * library parses only while decrypting.
 * @module
 */
import { base64url } from 'jotjwt'
import { CliError, EXIT_INVALID } from '../cli/errors.js'

/** A debugger should show big tokens too; the library's default cap (16 KiB) is for servers. */
export const DISPLAY_MAX_TOKEN_LENGTH = 1 << 20

export function jweProtectedHeader(token: string): Record<string, unknown> {
  const bytes = base64url.decode(token.split('.')[0]!)
  let header: unknown
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes))
  } catch {
    throw new CliError('the JWE protected header is not UTF-8 JSON', EXIT_INVALID)
  }
  if (header === null || typeof header !== 'object' || Array.isArray(header)) {
    throw new CliError('the JWE protected header is not a JSON object', EXIT_INVALID)
  }
  return header as Record<string, unknown>
}

/** RFC 7519 §5.2: `cty: "JWT"` marks a nested JWT; RFC 7515 §4.1.10 makes the comparison case-insensitive. */
export function isNestedJWT(header: Record<string, unknown>): boolean {
  return typeof header.cty === 'string' && header.cty.toUpperCase() === 'JWT'
}
