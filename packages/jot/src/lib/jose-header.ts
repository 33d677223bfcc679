/**
 * Header rules JWS (RFC 7515 §4–5) and JWE (RFC 7516 §4–5) share, written once and parameterized by
 * each family's error classes so the two cannot drift apart: `crit` processing, the joint header of
 * disjoint sources, the type of `kid`, the token length limit and protected header decoding.
 * @module
 */
import { quote, TokenTooLarge, type JotError } from '../errors.js'
import { readObject } from './arguments.js'
import { decode as decodeBase64URL } from './base64url.js'
import { parseJSONObject, parseJSONObjectBytes } from './json.js'

type Header = Record<string, unknown>

/** The error classes one family (JWS or JWE) reports header problems with. */
export interface HeaderErrors {
  /** Malformed header: `ERR_JWS_INVALID` or `ERR_JWE_INVALID`. */
  readonly Invalid: new (message: string) => JotError
  /** An extension listed in `crit` that the caller does not understand. */
  readonly CritUnsupported: new (message: string) => JotError
}

/**
 * Parameters defined by RFC 7515/7516/7518 themselves; RFC 7515 §4.1.11 and RFC 7516 §4.1.13 forbid
 * listing them in `crit`, since every implementation must already understand them.
 */
export const REGISTERED: ReadonlySet<string> = /* @__PURE__ */ new Set([
  'alg', 'jku', 'jwk', 'kid', 'x5u', 'x5c', 'x5t', 'x5t#S256', 'typ', 'cty', 'crit',
  'enc', 'zip', 'epk', 'apu', 'apv', 'iv', 'tag', 'p2s', 'p2c',
])

/** RFC 7515 §4.1.11 / RFC 7516 §4.1.13: a protected header's `crit`, checked against what the caller understands. */
export function checkCrit(protectedHeader: Header, recognized: ReadonlySet<string>, errors: HeaderErrors): void {
  const crit: unknown = protectedHeader.crit
  if (!Array.isArray(crit) || crit.length === 0) throw new errors.Invalid('"crit" must be a non-empty array')
  const seen = new Set<string>()
  for (const name of crit) {
    if (typeof name !== 'string' || name === '') throw new errors.Invalid('"crit" entries must be non-empty strings')
    if (seen.has(name)) throw new errors.Invalid(`"crit" lists ${quote(name)} twice`)
    seen.add(name)
    if (REGISTERED.has(name)) throw new errors.Invalid(`"crit" must not list the registered parameter "${name}"`)
    if (!recognized.has(name)) throw new errors.CritUnsupported(`critical extension ${quote(name)} is not understood`)
    if (!Object.hasOwn(protectedHeader, name)) throw new errors.Invalid(`critical parameter ${quote(name)} is missing`)
  }
}

/**
 * The JOSE header: the union of the present header sources, whose parameter names must be disjoint
 * (RFC 7515 §7.2.1, RFC 7516 §7.2.1).
 */
export function jointHeader<H extends Header>(sources: ReadonlyArray<H | undefined>, errors: HeaderErrors): H {
  const joint: Header = {}
  for (const header of sources) {
    if (header === undefined) continue
    for (const name of Object.keys(header)) {
      if (Object.hasOwn(joint, name)) throw new errors.Invalid(`header parameter ${quote(name)} appears in more than one header`)
      // defineProperty keeps a member named "__proto__" as inert data.
      Object.defineProperty(joint, name, { value: header[name], enumerable: true, writable: true, configurable: true })
    }
  }
  return joint as H
}

/** `kid` goes to key resolvers and often into lookups: never let a non-string through (RFC 7515 §4.1.4). */
export function checkKid(joint: Header, errors: HeaderErrors): void {
  if (joint.kid !== undefined && typeof joint.kid !== 'string') throw new errors.Invalid('"kid" must be a string')
}

/** Enforces `maxTokenLength` before any decoding work. */
export function checkLength(length: number, maxTokenLength: number): void {
  if (length > maxTokenLength) throw new TokenTooLarge(`input is ${length} characters; the limit is ${maxTokenLength}`)
}

/** Decodes BASE64URL(UTF8(protected header)); '' means there is none (JSON serializations only). */
export function decodeProtectedHeader<H extends Header>(encoded: string, what: string): H | undefined {
  if (encoded === '') return undefined
  return parseJSONObjectBytes(decodeBase64URL(encoded), what) as H
}

/**
 * A JSON serialization, given as an object or as JSON text: text is length-checked, then parsed
 * strictly (duplicate members rejected; not an object: `ERR_JSON_INVALID`). Anything but an object
 * or text is the caller's mistake. `what` names it in errors, e.g. "JWS JSON serialization".
 */
export function parseJSONSerialization(input: unknown, maxTokenLength: number, what: string): Header {
  if (typeof input !== 'string') return readObject<Header>(input, `a ${what}`)
  checkLength(input.length, maxTokenLength)
  return parseJSONObject(input, what)
}
