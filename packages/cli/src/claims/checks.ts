/**
 * The claim checks `verify` and `decrypt` share, as flags. They map one to one onto the library's
 * options, so the CLI applies exactly the library's rules and defaults (exp required, a token with
 * aud refused unless an audience is configured: RFC 8725 §3.9).
 * @module
 */
import type { VerifyJWTOptions } from 'jotjwt'
import type { OptionTable } from '../cli/command.js'
import { durationFlag } from '../net/http-policy.js'

export const CLAIM_CHECK_OPTIONS = {
  issuer: { type: 'string', value: 'URL', description: 'required iss (jotjwt verify: with no other key source, the keys are found by OpenID discovery)' },
  audience: { type: 'string', multiple: true, value: 'AUD', description: 'required audience (aud must contain one of them)' },
  'any-audience': { type: 'boolean', description: 'accept any aud when --audience is not given (default: refuse tokens with aud)' },
  'clock-tolerance': { type: 'string', value: 'DURATION', description: 'leeway for exp, nbf and iat, e.g. 30s' },
  typ: { type: 'string', value: 'TYP', description: 'required typ header, e.g. at+jwt' },
  'allow-no-exp': { type: 'boolean', description: 'accept tokens without exp (refused by default)' },
} satisfies OptionTable

interface ClaimCheckFlags {
  issuer?: string | undefined
  audience?: string[] | undefined
  'any-audience'?: boolean | undefined
  'clock-tolerance'?: string | undefined
  typ?: string | undefined
  'allow-no-exp'?: boolean | undefined
}

export function claimChecks(flags: ClaimCheckFlags): VerifyJWTOptions {
  const options: VerifyJWTOptions = {}
  if (flags.issuer !== undefined) options.issuer = flags.issuer
  if (flags.audience !== undefined) options.audience = flags.audience
  if (flags['any-audience']) options.acceptAnyAudience = true
  const tolerance = durationFlag(flags['clock-tolerance'])
  if (tolerance !== undefined) options.clockTolerance = tolerance
  if (flags.typ !== undefined) options.typ = flags.typ
  if (flags['allow-no-exp']) options.requireExpiration = false
  return options
}
