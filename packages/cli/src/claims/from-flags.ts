/**
 * Claims for `sign` and `encrypt`, from a JSON argument, a file or stdin, plus flags. Registered
 * claims given as flags become the library's options (`--exp 15m` → `expiresIn`), so the library
 * computes the times and refuses a claim given twice.
 * @module
 */
import type { Duration, JWTClaims, SignJWTOptions } from 'jotjwt'
import type { Context, OptionTable } from '../cli/command.js'
import { UsageError } from '../cli/errors.js'
import { readSource, utf8 } from '../io/input.js'

export const CLAIM_OPTIONS = {
  claims: { type: 'string', value: 'FILE|-', description: 'claims set (a JSON object) from a file, or stdin' },
  sub: { type: 'string', value: 'SUB', description: 'subject (sub)' },
  iss: { type: 'string', value: 'ISS', description: 'issuer (iss)' },
  aud: { type: 'string', multiple: true, value: 'AUD', description: 'audience (aud)' },
  exp: { type: 'string', value: 'DURATION', description: 'expires this long from now, e.g. 15m, 1h, 900' },
  nbf: { type: 'string', value: 'DURATION', description: 'not valid before this long from now (0 = now)' },
  jti: { type: 'string', value: 'ID', description: 'token ID (jti)' },
  'no-iat': { type: 'boolean', description: 'leave out iat (issued at, added by default)' },
  claim: { type: 'string', multiple: true, value: 'NAME=VALUE', description: 'any claim; VALUE is JSON if it parses (5, true, ["a"]), else a string' },
  typ: { type: 'string', value: 'TYP', description: 'typ header, e.g. at+jwt (default JWT)' },
} satisfies OptionTable

interface ClaimFlags {
  claims?: string | undefined
  sub?: string | undefined
  iss?: string | undefined
  aud?: string[] | undefined
  exp?: string | undefined
  nbf?: string | undefined
  jti?: string | undefined
  'no-iat'?: boolean | undefined
  claim?: string[] | undefined
  typ?: string | undefined
}

/** `"900"` is seconds; the library reads only numbers that way, so convert before passing it on. */
function duration(text: string): Duration {
  return /^\d+$/.test(text) ? Number(text) : text
}

function parseObject(text: string, what: string): JWTClaims {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (error) {
    throw new UsageError(`${what} is not valid JSON: ${(error as Error).message}`)
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new UsageError(`${what} must be a JSON object`)
  return value as JWTClaims
}

function parseClaimFlag(flag: string): [string, unknown] {
  const at = flag.indexOf('=')
  if (at <= 0) throw new UsageError(`--claim needs NAME=VALUE, got "${flag}"`)
  const text = flag.slice(at + 1)
  try {
    return [flag.slice(0, at), JSON.parse(text)]
  } catch {
    return [flag.slice(0, at), text]
  }
}

export async function claimsFromFlags(
  flags: ClaimFlags,
  argument: string | undefined,
  context: Context,
): Promise<{ claims: JWTClaims; options: SignJWTOptions }> {
  if (argument !== undefined && flags.claims !== undefined) throw new UsageError('pass the claims as an argument or with --claims, not both')
  let claims: JWTClaims = {}
  if (argument === '-') claims = parseObject(utf8(await context.stdin.read('claims')), 'the claims on stdin')
  else if (argument !== undefined) claims = parseObject(argument, 'the claims argument')
  else if (flags.claims !== undefined) {
    claims = parseObject(utf8(await readSource(flags.claims, 'claims', context.stdin)), `the claims in "${flags.claims}"`)
  }
  for (const flag of flags.claim ?? []) {
    const [name, value] = parseClaimFlag(flag)
    if (name === '__proto__') throw new UsageError('"__proto__" cannot be a claim name')
    claims[name] = value
  }

  const options: SignJWTOptions = {}
  if (flags.sub !== undefined) options.subject = flags.sub
  if (flags.iss !== undefined) options.issuer = flags.iss
  if (flags.aud !== undefined) options.audience = flags.aud.length === 1 ? flags.aud[0]! : flags.aud
  if (flags.jti !== undefined) options.jwtId = flags.jti
  if (flags.exp !== undefined) options.expiresIn = duration(flags.exp)
  if (flags.nbf !== undefined) options.notBeforeIn = duration(flags.nbf)
  if (flags['no-iat']) options.issuedAt = false
  if (flags.typ !== undefined) options.typ = flags.typ
  return { claims, options }
}

/** Said on stderr when a token is minted without exp: verifiers (jot's included) refuse it. */
export function missingExpWarning(claims: JWTClaims, options: SignJWTOptions): string | undefined {
  if (claims.exp !== undefined || options.expiresIn !== undefined || options.expiresAt !== undefined) return undefined
  return 'warning: no --exp: the token never expires, and verifiers that require exp (jotjwt verify does) refuse it\n'
}
