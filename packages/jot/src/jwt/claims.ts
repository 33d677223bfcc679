/**
 * JWT claim validation (RFC 7519 §4.1, RFC 8725 §3.8–3.11), compiled once from the options into a
 * list of small checks; the per-token cost is one pass over that list.
 * @module
 */
import { InvalidArgument, JWTClaimInvalid, JWTClaimMissing, JWTExpired, JWTNotYetValid } from '../errors.js'
import { toSeconds } from '../lib/duration.js'
import type { JWSHeaderParameters } from '../jws/types.js'
import { clockFrom } from './time.js'
import type { JWTClaimOptions, JWTClaims } from './types.js'

type Check = (payload: JWTClaims, header: JWSHeaderParameters, now: number) => void

/** A compiled set of claim checks. */
export type ClaimsValidator = (payload: JWTClaims, header: JWSHeaderParameters) => void

/** RFC 9068 §2.1: the `typ` of a JWT access token (normalized). */
const ACCESS_TOKEN_TYP = 'at+jwt'

/** RFC 9068 §2.2: the claims every JWT access token carries. */
const ACCESS_TOKEN_CLAIMS = ['iss', 'exp', 'aud', 'sub', 'client_id', 'iat', 'jti'] as const

/** RFC 8725 §3.11: "JWT" and "application/jwt" are the same type, in any letter case. */
export function normalizeTyp(typ: string): string {
  const lower = typ.toLowerCase()
  return lower.startsWith('application/') ? lower.slice('application/'.length) : lower
}

function stringSet(value: string | readonly string[], name: string): ReadonlySet<string> {
  const values = typeof value === 'string' ? [value] : value
  if (!Array.isArray(values) || values.length === 0 || values.some((v) => typeof v !== 'string')) {
    throw new InvalidArgument(`${name} must be a string or a non-empty array of strings`)
  }
  return new Set(values)
}

function optionalString(value: unknown, name: string): string | undefined {
  if (value !== undefined && typeof value !== 'string') throw new InvalidArgument(`${name} must be a string`)
  return value
}

/** Registered claims must have their registered types whatever the options say. */
export function checkRegisteredTypes(payload: JWTClaims): void {
  for (const name of ['iss', 'sub', 'jti'] as const) {
    if (payload[name] !== undefined && typeof payload[name] !== 'string') {
      throw new JWTClaimInvalid(`"${name}" must be a string`, name, 'type')
    }
  }
  for (const name of ['exp', 'nbf', 'iat'] as const) {
    const value = payload[name]
    if (value !== undefined && (typeof value !== 'number' || !Number.isFinite(value))) {
      throw new JWTClaimInvalid(`"${name}" must be a NumericDate (seconds)`, name, 'type')
    }
  }
  const { aud } = payload
  if (aud !== undefined && typeof aud !== 'string' && !(Array.isArray(aud) && aud.every((a) => typeof a === 'string'))) {
    throw new JWTClaimInvalid('"aud" must be a string or an array of strings', 'aud', 'type')
  }
}

/** Throws unless the claim is present. */
function requireClaim(payload: JWTClaims, name: string): void {
  if (payload[name] === undefined) throw new JWTClaimMissing(`"${name}" is missing`, name, 'missing')
}

/**
 * The claim must be present and name one of the expected values; an `aud` array must name at least
 * one (RFC 7519 §4.1.3). Runs after {@link checkRegisteredTypes}, so the value is a string or, for
 * `aud`, an array of strings.
 */
function expectOneOf(name: 'iss' | 'sub' | 'jti' | 'aud', expected: ReadonlySet<string>): Check {
  return (payload) => {
    requireClaim(payload, name)
    const value = payload[name]!
    if (!(typeof value === 'string' ? expected.has(value) : value.some((v) => expected.has(v)))) {
      throw new JWTClaimInvalid(`unexpected "${name}"`, name, 'mismatch')
    }
  }
}

/**
 * Compiles claim options into a validator.
 *
 * @example
 * ```ts
 * const validate = compileClaimsValidator({ issuer: 'https://issuer.example', audience: 'api' })
 * validate(payload, header) // throws a JWTClaimError subclass on failure
 * ```
 */
export function compileClaimsValidator(options: JWTClaimOptions = {}): ClaimsValidator {
  const checks: Check[] = []
  const tolerance = toSeconds(options.clockTolerance ?? 0, 'clockTolerance')
  const clock = clockFrom(options.currentTime)

  const rfc9068 = options.profile === 'rfc9068'
  if (options.profile !== undefined && !rfc9068) throw new InvalidArgument("profile must be 'rfc9068'")
  let typ = optionalString(options.typ, 'typ')
  if (rfc9068) {
    if (typ !== undefined && normalizeTyp(typ) !== ACCESS_TOKEN_TYP) throw new InvalidArgument("profile 'rfc9068' requires typ at+jwt")
    typ = ACCESS_TOKEN_TYP
    if (options.issuer === undefined) throw new InvalidArgument('issuer is required for access tokens (RFC 9068 §4)')
    if (options.audience === undefined && !options.acceptAnyAudience) throw new InvalidArgument('audience is required for access tokens (RFC 9068 §4)')
  }

  // The type first (RFC 8725 §3.12): a token of another kind fails as the wrong kind of token, not
  // as one that lacks this kind's claims (an ID token presented as an access token reports `typ`).
  if (typ !== undefined) {
    const expected = normalizeTyp(typ)
    checks.push((_payload, header) => {
      if (header.typ === undefined) throw new JWTClaimMissing('"typ" header is missing', 'typ', 'missing')
      if (typeof header.typ !== 'string') throw new JWTClaimInvalid('"typ" header must be a string', 'typ', 'type')
      if (normalizeTyp(header.typ) !== expected) throw new JWTClaimInvalid('unexpected "typ" header', 'typ', 'mismatch')
    })
  }

  const requiredClaims = options.requiredClaims ?? []
  if (!Array.isArray(requiredClaims) || requiredClaims.some((name) => typeof name !== 'string')) {
    throw new InvalidArgument('requiredClaims must be an array of claim names')
  }
  const required = new Set(requiredClaims)
  if (rfc9068) for (const name of ACCESS_TOKEN_CLAIMS) required.add(name)
  if (options.requireExpiration !== false) required.add('exp')
  const maxTokenAge = options.maxTokenAge === undefined ? undefined : toSeconds(options.maxTokenAge, 'maxTokenAge')
  if (maxTokenAge !== undefined) required.add('iat')
  const maxLifetime = options.maxLifetime === undefined ? undefined : toSeconds(options.maxLifetime, 'maxLifetime')
  if (maxLifetime !== undefined) {
    required.add('iat')
    required.add('exp')
  }
  if (required.size > 0) {
    checks.push((payload) => {
      for (const name of required) requireClaim(payload, name)
    })
  }

  // RFC 9068 §2.2: client_id is a string (registered claims' types are checked for every JWT).
  if (rfc9068) {
    checks.push((payload) => {
      if (typeof payload.client_id !== 'string') throw new JWTClaimInvalid('"client_id" must be a string', 'client_id', 'type')
    })
  }

  if (options.issuer !== undefined) checks.push(expectOneOf('iss', stringSet(options.issuer, 'issuer')))

  const subject = optionalString(options.subject, 'subject')
  if (subject !== undefined) checks.push(expectOneOf('sub', new Set([subject])))

  if (options.audience !== undefined) {
    checks.push(expectOneOf('aud', stringSet(options.audience, 'audience')))
  } else if (!options.acceptAnyAudience) {
    // RFC 8725 §3.9: a token for some audience, presented to a verifier that names none.
    checks.push((payload) => {
      if (payload.aud !== undefined) {
        throw new JWTClaimInvalid('token has an "aud" but no audience is configured', 'aud', 'unexpected')
      }
    })
  }

  const jwtId = optionalString(options.jwtId, 'jwtId')
  if (jwtId !== undefined) checks.push(expectOneOf('jti', new Set([jwtId])))

  checks.push((payload, _header, now) => {
    if (payload.iat !== undefined && payload.iat > now + tolerance) {
      throw new JWTClaimInvalid('"iat" is in the future', 'iat', 'future')
    }
    if (payload.nbf !== undefined && payload.nbf > now + tolerance) {
      throw new JWTNotYetValid('token is not valid yet ("nbf")', 'nbf', 'not_yet_valid')
    }
    if (payload.exp !== undefined && now >= payload.exp + tolerance) {
      throw new JWTExpired('token has expired ("exp")', 'exp', 'expired')
    }
  })

  if (maxTokenAge !== undefined) {
    checks.push((payload, _header, now) => {
      if (now - payload.iat! > maxTokenAge + tolerance) {
        throw new JWTExpired('token is older than maxTokenAge ("iat")', 'iat', 'too_old')
      }
    })
  }

  if (maxLifetime !== undefined) {
    // The lifetime the issuer granted is a difference of two claims: no clock, so no tolerance.
    checks.push((payload) => {
      if (payload.exp! - payload.iat! > maxLifetime) {
        throw new JWTClaimInvalid('token lifetime ("exp" - "iat") exceeds maxLifetime', 'exp', 'lifetime_too_long')
      }
    })
  }

  return (payload, header) => {
    checkRegisteredTypes(payload)
    const now = clock()
    for (const check of checks) check(payload, header, now)
  }
}
