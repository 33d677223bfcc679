/**
 * Risky shapes of a token, in words. Each warning has a stable id (for the page and its tests) and a
 * sentence that says what is wrong and why it matters; none of them is a verification result.
 * @module
 */
import { JWS_ALGORITHM_NAMES } from 'jotjwt'
import type { DecodedToken, JSONObject } from './decode.js'
import { TIME_CLAIMS, tokenTimes } from './times.js'

/** Longer than this from issue (or nbf) to expiry earns a warning: a leaked token stays usable that long. */
export const LONG_LIFETIME_SECONDS = 86400

/** What the reader expects the token to be; chosen in the page, and the verifier it runs. */
export type ExpectedKind = 'jwt' | 'access' | 'id'

export interface WarningContext {
  /** Seconds since the epoch. */
  readonly now: number
  readonly expected: ExpectedKind
  /** The key source the reader chose is an issuer's published keys (a JWKS URL, discovery, a public key or key set). */
  readonly publishedKeys: boolean
}

export type WarningId =
  | 'alg-none'
  | 'alg-unknown'
  | 'no-exp'
  | 'long-lifetime'
  | 'never-valid'
  | 'iat-future'
  | 'not-numeric-date'
  | 'symmetric-alg-published-keys'
  | 'personal-data'
  | 'no-kid'
  | 'header-key-reference'
  | 'id-token-as-access-token'
  | 'not-access-token'
  | 'access-token-as-id-token'

export interface Warning {
  readonly id: WarningId
  readonly text: string
}

/** OpenID Connect Core §5.1 claims that describe a person (and RFC 8725 §3.7's advice applies). */
const PERSONAL_CLAIMS: ReadonlySet<string> = new Set([
  'name', 'given_name', 'family_name', 'middle_name', 'nickname', 'preferred_username',
  'email', 'phone_number', 'address', 'birthdate', 'gender', 'picture',
])

/** Claims only an ID token carries (OpenID Connect Core §2, §3.1.3.6). */
const ID_TOKEN_CLAIMS = ['nonce', 'at_hash', 'c_hash', 'auth_time'] as const

const EMAIL = /^[^\s@]+@[^\s@.]+(\.[^\s@.]+)+$/
const PHONE = /^\+[1-9][\d ().-]{6,20}$/

/** RFC 8725 §3.11 and RFC 9068 §4: `typ` compares case-insensitively, with an optional `application/`. */
export function normalizeTyp(typ: unknown): string | undefined {
  return typeof typ === 'string' ? typ.toLowerCase().replace(/^application\//, '') : undefined
}

/** What a string looks like, when it looks like contact data. */
function contactShape(value: unknown): string {
  if (typeof value !== 'string') return ''
  return EMAIL.test(value) ? ' (holds an email address)' : PHONE.test(value) ? ' (holds a phone number)' : ''
}

/** What in the claims looks personal: by claim name, or by a value shaped like an email address or phone number. */
export function personalData(payload: JSONObject): string[] {
  const found: string[] = []
  const visit = (value: unknown, path: string, depth: number) => {
    const shape = contactShape(value)
    if (shape !== '') found.push(`${path}${shape}`)
    else if (value !== null && typeof value === 'object' && depth < 4) {
      for (const [key, inner] of Object.entries(value)) visit(inner, Array.isArray(value) ? `${path}[${key}]` : `${path}.${key}`, depth + 1)
    }
  }
  for (const [claim, value] of Object.entries(payload)) {
    if (PERSONAL_CLAIMS.has(claim)) found.push(`${claim}${contactShape(value)}`)
    else visit(value, claim, 0)
  }
  return found
}

const quoted = (value: unknown) => JSON.stringify(value)

function headerWarnings(header: JSONObject, context: WarningContext, encrypted: boolean): Warning[] {
  const warnings: Warning[] = []
  const alg = header.alg
  if (alg === 'none') {
    warnings.push({ id: 'alg-none', text: 'alg is "none": the token has no signature, so anyone can write one like it. Never accept it (RFC 8725 §3.1).' })
  } else if (!encrypted && !(JWS_ALGORITHM_NAMES as readonly unknown[]).includes(alg)) {
    warnings.push({ id: 'alg-unknown', text: `alg ${quoted(alg)} is not a registered signature algorithm: no verifier will accept it.` })
  }
  if (typeof alg === 'string' && /^HS\d+$/.test(alg) && context.publishedKeys) {
    warnings.push({
      id: 'symmetric-alg-published-keys',
      text: `${alg} is a shared-secret algorithm, but the keys you chose are an issuer's published keys. A verifier that used a published key as the HMAC secret would accept tokens anyone can forge (algorithm confusion, RFC 8725 §2.1); jot never does, so this token cannot verify with them.`,
    })
  }
  if (header.kid === undefined && alg !== 'none') {
    warnings.push({ id: 'no-kid', text: 'No kid: a verifier that holds several keys (during key rotation) cannot tell which one made this token (RFC 7515 §4.1.4).' })
  }
  const references = ['jku', 'jwk', 'x5u'].filter((name) => header[name] !== undefined)
  if (references.length > 0) {
    warnings.push({
      id: 'header-key-reference',
      text: `The header points at its own key (${references.join(', ')}): a key chosen by whoever made the token proves nothing. Verify with the issuer's keys (RFC 8725 §3.10).`,
    })
  }
  return warnings
}

function kindWarnings(header: JSONObject, payload: JSONObject, expected: ExpectedKind): Warning[] {
  const typ = normalizeTyp(header.typ)
  if (expected === 'access' && typ !== 'at+jwt') {
    const idClaims = ID_TOKEN_CLAIMS.filter((claim) => payload[claim] !== undefined)
    const saysIdToken = typ === undefined || typ === 'jwt' || /id[_-]?token|^id\+jwt$/.test(typ)
    if (saysIdToken && (idClaims.length > 0 || (typ !== undefined && typ !== 'jwt'))) {
      return [{
        id: 'id-token-as-access-token',
        text: `This is an ID token (typ ${quoted(header.typ ?? 'absent')}${idClaims.length > 0 ? `, with ${idClaims.join(', ')}` : ''}), but you expect an access token. An ID token tells a client who logged in; it must never be accepted as an access token (RFC 9068 §4 requires typ "at+jwt", RFC 8725 §3.12).`,
      }]
    }
    return [{
      id: 'not-access-token',
      text: `typ is ${header.typ === undefined ? 'absent' : quoted(header.typ)}, not "at+jwt": a resource server following RFC 9068 §4 refuses it as an access token.`,
    }]
  }
  if (expected === 'id' && typ === 'at+jwt') {
    return [{ id: 'access-token-as-id-token', text: 'typ is "at+jwt": this is an access token, not an ID token; a client must not take it as proof of a login (RFC 8725 §3.12).' }]
  }
  return []
}

function claimWarnings(payload: JSONObject, now: number): Warning[] {
  const warnings: Warning[] = []
  for (const claim of TIME_CLAIMS) {
    const value = payload[claim]
    if (value !== undefined && (typeof value !== 'number' || !Number.isFinite(value))) {
      warnings.push({ id: 'not-numeric-date', text: `"${claim}" is not a NumericDate (a number of seconds since 1970), so verifiers refuse the token.` })
    }
  }
  const { lifetime, claims } = tokenTimes(payload, now)
  if (payload.exp === undefined) {
    warnings.push({ id: 'no-exp', text: 'No exp: the token never expires. A leaked copy works forever; jot refuses such tokens unless told otherwise.' })
  }
  if (lifetime && lifetime.seconds > LONG_LIFETIME_SECONDS) {
    warnings.push({
      id: 'long-lifetime',
      text: `The lifetime is ${lifetime.text}, over a day: a leaked token stays usable that long. Access tokens usually live minutes.`,
    })
  }
  if (lifetime && lifetime.seconds <= 0) warnings.push({ id: 'never-valid', text: `exp is not after ${lifetime.from}: the token is never valid.` })
  const iat = claims.get('iat')
  if (iat && iat.value > now + 60) warnings.push({ id: 'iat-future', text: 'iat is in the future: verifiers refuse the token (is a clock wrong?).' })
  const personal = personalData(payload)
  if (personal.length > 0) {
    warnings.push({
      id: 'personal-data',
      text: `Personal data in the payload: ${personal.join(', ')}. A signed JWT is encoded, not encrypted: anyone who holds the token can read it. Keep personal data out of tokens (fetch it from /userinfo) or encrypt the token (JWE).`,
    })
  }
  return warnings
}

export function tokenWarnings(decoded: DecodedToken, context: WarningContext): Warning[] {
  switch (decoded.kind) {
    case 'JWS':
      return [
        ...headerWarnings(decoded.header, context, false),
        ...kindWarnings(decoded.header, decoded.payload, context.expected),
        ...claimWarnings(decoded.payload, context.now),
      ]
    case 'JWE':
      return headerWarnings(decoded.header, context, true)
    default:
      return []
  }
}
