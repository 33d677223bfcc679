/**
 * The `htu` comparison of RFC 9449 §4.3 item 9: the proof's `htu` and the request's URL match when
 * they name the same HTTP target URI once query and fragment are dropped. Both sides go through the
 * same normalization, which §4.3 recommends (RFC 3986 §6.2.2 syntax-based and §6.2.3 scheme-based):
 *
 * - parsed as an absolute `http` or `https` URL (WHATWG URL, available in every runtime): scheme
 *   and host in lower case, IDNs in their ASCII form, the default port (80, 443) removed, an empty
 *   path made `/`, `.` and `..` segments resolved (§6.2.2.3);
 * - percent-encodings in the path with upper-case hex digits, and those of unreserved characters
 *   (`A–Z a–z 0–9 - . _ ~`) decoded (§6.2.2.1, §6.2.2.2), so `/%7euser` and `/~user` match;
 * - query and fragment ignored (§4.2: `htu` is the target URI "without query and fragment parts");
 * - a URL with user information is no target URI (RFC 9110 §4.2.4) and matches nothing.
 *
 * Nothing else is equated: the path stays case-sensitive, a trailing slash is significant, and
 * `%2F` stays distinct from `/`.
 * @module
 */

const UNRESERVED = /^[A-Za-z0-9\-._~]$/
const PERCENT_ENCODED = /%[0-9A-Fa-f]{2}/g

function normalizePercentEncoding(escape: string): string {
  const character = String.fromCharCode(parseInt(escape.slice(1), 16))
  return UNRESERVED.test(character) ? character : escape.toUpperCase()
}

/** `value` as an absolute http(s) URL without user information, or undefined. */
function parseTarget(value: string | URL): URL | undefined {
  let url: URL
  try {
    url = new URL(value)
  } catch {
    return undefined
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return undefined
  if (url.username !== '' || url.password !== '') return undefined
  return url
}

/** The normalized target URI of `value` without query and fragment, or undefined when it is none. */
export function normalizeHtu(value: string | URL): string | undefined {
  const url = parseTarget(value)
  // The WHATWG parser has already resolved dot segments, "%2e" ones included, so decoding a "%2E"
  // left inside a segment cannot make a new one.
  return url && `${url.protocol}//${url.host}${url.pathname.replace(PERCENT_ENCODED, normalizePercentEncoding)}`
}

/**
 * The `htu` a proof for this URL carries: the URL as WHATWG serializes it, without query and
 * fragment. Only the normalization the parser does anyway is applied, so a server that compares
 * less carefully than RFC 9449 §4.3 asks still sees the URL the request was sent to.
 */
export function htuFor(value: string | URL): string | undefined {
  const url = parseTarget(value)
  return url && `${url.protocol}//${url.host}${url.pathname}`
}
