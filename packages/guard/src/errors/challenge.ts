/**
 * The `WWW-Authenticate` challenges, Bearer (RFC 6750 §3) and DPoP (RFC 9449 §7.1), and the quoting rules of its parameters.
 * Every challenge the guard sends is built here, so no parameter value reaches a header unescaped:
 *
 * - `realm` is an auth-param value, a quoted-string (RFC 9110 §5.6.4, §11.2): `"` and `\` become
 *   quoted-pairs. Control characters and non-ASCII text cannot be represented safely in a header (a
 *   CR or LF would split it), so a realm containing them is refused when the guard is configured.
 * - `error_description` is limited by RFC 6750 §3 to %x20-21 / %x23-5B / %x5D-7E: no `"`, no `\`,
 *   nothing outside printable ASCII. Descriptions quote claim names (`unexpected "aud"`), so `"`
 *   becomes `'`, `\` becomes `/`, and any other character outside the set is dropped.
 * - `scope` is a space-separated list of scope-tokens (%x21 / %x23-5B / %x5D-7E, RFC 6750 §3): scope
 *   rules refuse other characters when they are created, so the value needs no escaping.
 * - `resource_metadata` (RFC 9728 §5.1) is the URL of the API's protected resource metadata, on
 *   every challenge (with or without an error), so a client that knows only the API's URL finds
 *   where to get a token. A URL serialized by the WHATWG parser is printable ASCII.
 * @module
 */

/** Parameters of a Bearer challenge, in the order they are written. */
export interface ChallengeParameters {
  realm?: string | undefined
  error?: string | undefined
  error_description?: string | undefined
  scope?: string | undefined
  /** RFC 9728 §5.1: the URL of the protected resource metadata. */
  resource_metadata?: string | undefined
}

/** RFC 9110 §5.6.4 quoted-string: `"` and `\` escaped as quoted-pairs. The value must already be free of control characters. */
export function quotedString(value: string): string {
  return `"${value.replace(/["\\]/g, '\\$&')}"`
}

/** True when `value` can be a quoted-string in a header: printable ASCII, space and tab only. */
export function isHeaderSafeText(value: string): boolean {
  return /^[\t\x20-\x7E]*$/.test(value)
}

/** An error description reduced to RFC 6750 §3's character set (see the module notes). */
export function descriptionText(value: string): string {
  return value.replace(/"/g, "'").replace(/\\/g, '/').replace(/[^\x20-\x7E]/g, '')
}

/** RFC 6750 §3 scope-token: NQCHAR = %x21 / %x23-5B / %x5D-7E. */
export function isScopeToken(value: string): boolean {
  return /^[\x21\x23-\x5B\x5D-\x7E]+$/.test(value)
}

/** The auth-params of a challenge, in the order they are written: realm, error, error_description, scope, resource_metadata. */
function authParams(parameters: ChallengeParameters): string[] {
  const parts: string[] = []
  if (parameters.realm !== undefined) parts.push(`realm=${quotedString(parameters.realm)}`)
  if (parameters.error !== undefined) parts.push(`error=${quotedString(parameters.error)}`)
  if (parameters.error_description !== undefined) parts.push(`error_description=${quotedString(descriptionText(parameters.error_description))}`)
  if (parameters.scope !== undefined) parts.push(`scope=${quotedString(parameters.scope)}`)
  if (parameters.resource_metadata !== undefined) parts.push(`resource_metadata=${quotedString(parameters.resource_metadata)}`)
  return parts
}

/**
 * The value of a `WWW-Authenticate` header for the Bearer scheme. A request that carried no
 * credentials gets no `error` (RFC 6750 §3: "the resource server SHOULD NOT include an error code").
 *
 * @example
 * ```ts
 * bearerChallenge({ realm: 'api', error: 'invalid_token', error_description: 'the access token expired' })
 * // 'Bearer realm="api", error="invalid_token", error_description="the access token expired"'
 * ```
 */
export function bearerChallenge(parameters: ChallengeParameters): string {
  const parts = authParams(parameters)
  // RFC 6750 §3 examples: the scheme, one space, then comma-separated auth-params.
  return parts.length === 0 ? 'Bearer' : `Bearer ${parts.join(', ')}`
}

/**
 * A DPoP challenge (RFC 9449 §7.1): the Bearer parameters plus `algs`, the space-separated proof
 * algorithms the server accepts.
 *
 * @example
 * ```ts
 * dpopChallenge({ realm: 'api', error: 'invalid_dpop_proof', algs: 'ES256 EdDSA' })
 * // 'DPoP realm="api", error="invalid_dpop_proof", algs="ES256 EdDSA"'
 * ```
 */
export function dpopChallenge(parameters: ChallengeParameters & { algs: string }): string {
  return `DPoP ${[...authParams(parameters), `algs=${quotedString(parameters.algs)}`].join(', ')}`
}
