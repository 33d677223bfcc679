/**
 * Finding the bearer token (RFC 6750 §2): the `Authorization` header (§2.1, always on by default),
 * the form body (§2.2), the query (§2.3) and a cookie (not in RFC 6750; for browser front ends),
 * each only when enabled. Locations that are not enabled are not looked at: a token there counts as
 * no credentials at all (§3: a client "attempted using an unsupported authentication method"), so
 * the answer is a bare challenge, not an error. §2: a client "MUST NOT use more than one method" —
 * two tokens, in two places or twice in one, are `invalid_request` (400), never a choice between them.
 * @module
 */
import { InvalidRequestError, type AuthScheme } from '../errors/errors.js'
import type { RequestReader } from '../core/request.js'

/** Where tokens are accepted. */
export interface TokenLocations {
  /** `Authorization: Bearer <token>` (RFC 6750 §2.1). Default true. */
  header?: boolean
  /**
   * `access_token` in an `application/x-www-form-urlencoded` body of a request that is not GET or
   * HEAD (RFC 6750 §2.2). Needs the framework's parsed body: see the adapter's documentation. Default false.
   */
  body?: boolean
  /**
   * `?access_token=` (RFC 6750 §2.3; discouraged: URLs end up in logs and histories). Successful
   * responses then carry `Cache-Control: private` (§2.3). Default false.
   */
  query?: boolean
  /** The name of a cookie that carries the token. Default: none. */
  cookie?: string
}

/** Where a token was found. */
export type TokenLocation = 'header' | 'body' | 'query' | 'cookie'

/** Compiled locations. */
export interface CompiledLocations {
  readonly header: boolean
  readonly body: boolean
  readonly query: boolean
  readonly cookie: string | undefined
  /** Only the header: the synchronous path that reads nothing else of the request. */
  readonly headerOnly: boolean
  /** The header also takes the DPoP scheme (RFC 9449 §7.1). */
  readonly dpop: boolean
}

/** A token and where it came from. */
export interface FoundToken {
  readonly token: string
  readonly location: TokenLocation
  /** `DPoP` for `Authorization: DPoP`; every other location is Bearer. */
  readonly scheme: AuthScheme
}

/** The credentials of an `Authorization` header. */
export interface Credentials {
  readonly token: string
  readonly scheme: AuthScheme
}

/** RFC 6750 §2.1 b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"=" */
const B64TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/

/** RFC 6265 §4.1.1 cookie-name is a token (RFC 9110 §5.6.2). */
const COOKIE_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/

const MALFORMED_HEADER = 'the Authorization header is malformed'
const SEVERAL_TOKENS = 'the request carries more than one access token'

export function compileLocations(locations: TokenLocations = {}, dpop = false): CompiledLocations {
  if (typeof locations !== 'object' || locations === null) throw new TypeError('tokenLocations must be an object')
  const header = locations.header ?? true
  const body = locations.body ?? false
  const query = locations.query ?? false
  const { cookie } = locations
  if (cookie !== undefined && (typeof cookie !== 'string' || !COOKIE_NAME.test(cookie))) {
    throw new TypeError('tokenLocations.cookie must be a cookie name (an RFC 9110 token)')
  }
  if (!header && !body && !query && cookie === undefined) throw new TypeError('tokenLocations enables no location')
  if (dpop && !header) throw new TypeError('DPoP needs the Authorization header location (RFC 9449 section 7.1)')
  return { header, body, query, cookie, headerOnly: header && !body && !query && cookie === undefined, dpop }
}

/**
 * The credentials of the `Authorization` header: the token and its scheme (`Bearer`, and `DPoP` when
 * `dpop` is true), undefined when the header is absent or names another scheme (RFC 9110 §11.4:
 * schemes are case-insensitive), or a refusal for a malformed or repeated header.
 */
export function tokenFromAuthorization(value: string | readonly string[] | undefined, dpop = false): Credentials | undefined | InvalidRequestError {
  if (value === undefined) return undefined
  if (typeof value !== 'string') {
    if (value.length > 1) return new InvalidRequestError(SEVERAL_TOKENS, 'the Authorization header is repeated')
    return tokenFromAuthorization(value[0], dpop)
  }
  const space = value.indexOf(' ')
  const name = (space === -1 ? value : value.slice(0, space)).toLowerCase()
  const scheme: AuthScheme | undefined = name === 'bearer' ? 'Bearer' : dpop && name === 'dpop' ? 'DPoP' : undefined
  if (scheme === undefined) return undefined
  // RFC 9110 §11.4: credentials = auth-scheme [ 1*SP token68 ]; several spaces are allowed.
  let start = space + 1
  while (value.charCodeAt(start) === 32) start++
  const token = space === -1 ? '' : value.slice(start)
  // A comma here means two credentials joined into one header (e.g. by a Fetch Headers object).
  if (token.indexOf(',') !== -1) return new InvalidRequestError(SEVERAL_TOKENS, 'the Authorization header holds more than one credential')
  if (!B64TOKEN.test(token)) return new InvalidRequestError(MALFORMED_HEADER, `the ${scheme} credentials are not a b64token (RFC 6750 section 2.1)`)
  return { token, scheme }
}

function fromQuery(url: string): string[] {
  const start = url.indexOf('?')
  if (start === -1) return []
  const end = url.indexOf('#', start)
  return new URLSearchParams(end === -1 ? url.slice(start + 1) : url.slice(start + 1, end)).getAll('access_token')
}

function fromCookie(header: string | undefined, name: string): string[] {
  if (header === undefined) return []
  const values: string[] = []
  for (const pair of header.split(';')) {
    const equals = pair.indexOf('=')
    if (equals === -1 || pair.slice(0, equals).trim() !== name) continue
    const value = pair.slice(equals + 1).trim()
    // RFC 6265 §4.1.1: cookie-value = *cookie-octet / ( DQUOTE *cookie-octet DQUOTE )
    values.push(value.length >= 2 && value.startsWith('"') && value.endsWith('"') ? value.slice(1, -1) : value)
  }
  return values
}

function isForm(contentType: string | undefined): boolean {
  if (contentType === undefined) return false
  const semicolon = contentType.indexOf(';')
  return (semicolon === -1 ? contentType : contentType.slice(0, semicolon)).trim().toLowerCase() === 'application/x-www-form-urlencoded'
}

function fromBody(body: unknown): unknown[] {
  if (typeof body !== 'object' || body === null || !Object.hasOwn(body, 'access_token')) return []
  const value = (body as Record<string, unknown>).access_token
  return Array.isArray(value) ? value : [value]
}

/**
 * The request's token: found, absent (undefined), or a refusal (`invalid_request`).
 *
 * @example
 * ```ts
 * const found = extractToken(request, plainRequestReader, compileLocations({ query: true }))
 * ```
 */
export function extractToken<R>(request: R, reader: RequestReader<R>, locations: CompiledLocations): FoundToken | undefined | InvalidRequestError {
  const candidates: Array<{ value: unknown; location: TokenLocation }> = []
  let scheme: AuthScheme = 'Bearer'
  if (locations.header) {
    const credentials = tokenFromAuthorization(reader.authorization(request), locations.dpop)
    if (credentials instanceof InvalidRequestError) return credentials
    if (credentials !== undefined) {
      candidates.push({ value: credentials.token, location: 'header' })
      scheme = credentials.scheme
    }
  }
  if (locations.query) for (const value of fromQuery(reader.url(request))) candidates.push({ value, location: 'query' })
  if (locations.cookie !== undefined) for (const value of fromCookie(reader.cookie(request), locations.cookie)) candidates.push({ value, location: 'cookie' })
  if (locations.body) {
    const method = reader.method(request)
    // RFC 6750 §2.2: a single-part form body, and a method whose body has defined semantics (not GET).
    if (method !== 'GET' && method !== 'HEAD' && isForm(reader.contentType(request))) {
      for (const value of fromBody(reader.body(request))) candidates.push({ value, location: 'body' })
    }
  }
  if (candidates.length === 0) return undefined
  if (candidates.length > 1) return new InvalidRequestError(SEVERAL_TOKENS, `access tokens found in ${candidates.map((c) => c.location).join(' and ')}`)
  const [{ value, location }] = candidates as [{ value: unknown; location: TokenLocation }]
  if (typeof value !== 'string' || !B64TOKEN.test(value)) {
    return new InvalidRequestError('the access_token parameter is malformed', `the ${location} access token is not a b64token`)
  }
  return { token: value, location, scheme }
}
