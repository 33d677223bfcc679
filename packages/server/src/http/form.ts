/**
 * The one parser for OAuth request bodies. RFC 6749 §3.2 and RFC 7009 §2.1 / RFC 7662 §2.1 send
 * parameters as `application/x-www-form-urlencoded`; this parser is stricter than the WHATWG one
 * (URLSearchParams), which never fails: it would turn a broken `%` escape into literal text and
 * invalid UTF-8 into U+FFFD, so two parsers (ours and a proxy's, or a client's signature) could read
 * different values from the same bytes. Here such a body is refused instead.
 * @module
 */
import { OAuthError } from '../oauth/errors.js'
import type { OAuthRequest } from '../service/context.js'

const FORM = 'application/x-www-form-urlencoded'

/** RFC 8707 §2: `resource` may appear several times (one token for several audiences). */
const REPEATABLE = 'resource'

const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })

function refuse(description: string): never {
  throw new OAuthError('invalid_request', description)
}

/**
 * The media type must be exactly the form type; a `charset` parameter, when present, must be
 * UTF-8 (the only encoding the form serialization defines), and no other parameter is known.
 */
function checkContentType(contentType: string | undefined): void {
  const [essence, ...parameters] = (contentType ?? '').split(';').map((part) => part.trim())
  if (essence?.toLowerCase() !== FORM) refuse(`the request body must be ${FORM}`)
  for (const parameter of parameters) {
    const match = /^charset\s*=\s*"?([^"]*)"?$/i.exec(parameter)
    if (!match || !/^utf-?8$/i.test(match[1]!)) refuse(`the request body must be ${FORM} with no parameter other than charset=utf-8`)
  }
}

/**
 * decodeURIComponent throws where WHATWG form decoding would guess: a `%` not followed by two hex
 * digits (kept as text by WHATWG) and escaped bytes that are not UTF-8 (U+FFFD there).
 */
function decodeComponent(raw: string): string {
  try {
    return decodeURIComponent(raw.replaceAll('+', ' '))
  } catch {
    refuse('the request body has a malformed percent-encoding, or escaped bytes that are not UTF-8')
  }
}

/** Strictly decoded parameters: the first value of each name (never `resource`), every `resource`, and the names repeated. */
export interface Parameters {
  params: Map<string, string>
  resources: string[]
  repeated: Set<string>
}

/**
 * Decodes `application/x-www-form-urlencoded` text (a body or a query string) strictly: broken
 * percent escapes and escaped bytes that are not UTF-8 are refused, not guessed. Parameters sent
 * without a value count as omitted (RFC 6749 §3.1). `resource` values go to `resources` only, never
 * to `params`, so no caller can read just the first of several.
 */
export function parseParameters(text: string): Parameters {
  const params = new Map<string, string>()
  const resources: string[] = []
  const repeated = new Set<string>()
  for (const pair of text.split('&')) {
    if (pair === '') continue
    const equals = pair.indexOf('=')
    const name = decodeComponent(equals === -1 ? pair : pair.slice(0, equals))
    const value = equals === -1 ? '' : decodeComponent(pair.slice(equals + 1))
    if (value === '') continue
    if (name === REPEATABLE) {
      resources.push(value)
      continue
    }
    if (params.has(name)) repeated.add(name)
    else params.set(name, value)
  }
  return { params, resources, repeated }
}

/** The body as UTF-8 text, or a refusal. */
export function formText(contentType: string | undefined, body: Uint8Array | undefined): string {
  checkContentType(contentType)
  try {
    return strictUtf8.decode(body ?? new Uint8Array())
  } catch {
    refuse('the request body is not UTF-8')
  }
}

/**
 * Parses an OAuth request body into the core's parameters. Refuses: another content type, a body
 * that is not UTF-8, broken percent escapes, and any parameter given twice (RFC 6749 §3.1, §3.2:
 * "Request and response parameters MUST NOT be included more than once"), except `resource`.
 */
export function parseForm(contentType: string | undefined, body: Uint8Array | undefined): Pick<OAuthRequest, 'params' | 'resources'> {
  const { params, resources, repeated } = parseParameters(formText(contentType, body))
  const [name] = repeated
  if (name !== undefined) {
    // Named only when it is a plain parameter name: the description allows few characters (RFC 6749 §5.2).
    const which = /^[A-Za-z0-9_.-]{1,64}$/.test(name) ? `the ${name} parameter` : 'a parameter'
    refuse(`${which} is included more than once (RFC 6749 section 3.1)`)
  }
  return { params, resources }
}
