/**
 * Exit codes and the one-line error report. Scripts branch on the exit code, people read the line:
 *
 * | code | meaning |
 * |---|---|
 * | 0 | success; for `verify`/`decrypt`, the token is valid |
 * | 1 | rejected: the token, key or input is invalid (the line names the jot error code and reason) |
 * | 2 | usage: unknown command or option, missing or contradictory arguments, unknown algorithm |
 * | 3 | unavailable: a file cannot be read, or a JWKS / discovery document cannot be fetched |
 *
 * 3 is separate from 1 so that "the JWKS server is down" is never mistaken for "the token is forged".
 * @module
 */
import { isJotError } from 'jotjwt'
import { formatJSON } from '../format/json.js'
import { escapeTerminal } from '../format/terminal.js'

export const EXIT_OK = 0
export const EXIT_INVALID = 1
export const EXIT_USAGE = 2
export const EXIT_UNAVAILABLE = 3

/** A mistake on the command line: reported with a pointer to `--help`, exit code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError'
}

/** A failure the CLI itself detects (unreadable file, key it cannot use), with its exit code. */
export class CliError extends Error {
  override readonly name = 'CliError'
  constructor(
    message: string,
    readonly exitCode: number,
    options?: { cause?: unknown },
  ) {
    super(message, options)
  }
}

/**
 * Library codes that mean "could not find out" rather than "the answer is no": a key source that is
 * down, slow, stale or serving garbage says nothing about the token.
 */
const UNAVAILABLE_CODES = new Set(['ERR_JWKS_FETCH_FAILED', 'ERR_JWKS_TIMEOUT', 'ERR_JWKS_STALE', 'ERR_JWKS_INVALID', 'ERR_OIDC_DISCOVERY_INVALID'])

/** Hints for the failures people meet first at a terminal. */
const HINTS: Record<string, string> = {
  'ERR_JWT_CLAIM_INVALID aud unexpected': 'pass --audience to check it, or --any-audience to accept any',
  'ERR_JWT_CLAIM_MISSING exp missing': 'jot requires exp by default; pass --allow-no-exp to accept tokens without one',
  'ERR_ALG_NOT_ALLOWED': 'the key, --alg and the token header must name the same algorithm',
  'ERR_JWS_SIGNATURE_INVALID': 'wrong key, or the token was changed',
  'ERR_JWE_DECRYPTION_FAILED': 'wrong key, or the token was changed',
}

/** "fetch failed" alone says little; the innermost cause (e.g. `connect ECONNREFUSED`) says why. */
function causeChain(cause: unknown, depth = 0): string {
  if (!(cause instanceof Error) || depth > 4) return ''
  const code = (cause as NodeJS.ErrnoException).code
  const own = cause.message || code || ''
  return (own ? `: ${own}` : '') + causeChain(cause.cause, depth + 1)
}

export interface ErrorReport {
  exitCode: number
  /** Escaped for the terminal: messages quote input (arguments, file names, JSON.parse's excerpt of a token). */
  line: string
  /** Machine form for `--json`. */
  json: Record<string, unknown>
}

export function describeError(error: unknown): ErrorReport {
  const report = classify(error)
  return { ...report, line: escapeTerminal(report.line) }
}

function classify(error: unknown): ErrorReport {
  if (error instanceof UsageError) {
    return { exitCode: EXIT_USAGE, line: error.message, json: { error: 'usage', message: error.message } }
  }
  if (error instanceof CliError) {
    return { exitCode: error.exitCode, line: error.message, json: { error: 'cli', message: error.message } }
  }
  if (isJotError(error)) {
    const claim = 'claim' in error ? error.claim : undefined
    const reason = 'reason' in error ? error.reason : undefined
    const detail = claim === undefined ? '' : ` (claim ${claim}, reason ${reason})`
    const hint =
      HINTS[`${error.code} ${claim} ${reason}`] ??
      HINTS[error.code] ??
      (error.message.includes('allowHttp') ? 'pass --allow-http; loopback hosts are allowed without it' : undefined)
    const cause = causeChain(error.cause)
    const exitCode = UNAVAILABLE_CODES.has(error.code)
      ? EXIT_UNAVAILABLE
      : error.code === 'ERR_INVALID_ARGUMENT'
        ? EXIT_USAGE
        : EXIT_INVALID
    return {
      exitCode,
      line: `${error.code}${detail}: ${error.message}${cause}${hint ? ` (${hint})` : ''}`,
      json: { error: error.code, ...(claim === undefined ? {} : { claim, reason }), message: error.message },
    }
  }
  const message = error instanceof Error ? error.message : String(error)
  return { exitCode: EXIT_INVALID, line: `unexpected error: ${message}`, json: { error: 'unexpected', message } }
}

/**
 * The `--json` form of a failed `verify` or `decrypt`: `{ "valid": false, "error": CODE, "message": … }`,
 * plus `claim` and `reason` for claim failures. CODE is the jot error code, or `usage` / `cli` for a
 * mistake on the command line or a failure the CLI found itself (an unreadable file); the exit
 * code still tells invalid (1) from usage (2) and unavailable (3).
 */
export function failureJSON(report: ErrorReport): string {
  return formatJSON({ valid: false, ...report.json })
}
