/**
 * The response headers that keep the page private and apart, on every response. The
 * Content-Security-Policy is the enforcement behind the page's promise: it may load only its own
 * script, style and icon, connect only to `https:` URLs and to this machine (the key set and issuer
 * URLs a reader types), submit no form, set no base URL, and not be framed; Trusted Types make every
 * HTML-parsing sink throw, so text from a token can never become markup.
 * @module
 */

const DIRECTIVES = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  // No 'self': the page fetches nothing from its own origin after loading. No IPv6 literal: CSP host
  // sources cannot express one, so loopback over plain HTTP means these two names.
  'connect-src https: http://127.0.0.1:* http://localhost:*',
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
  "require-trusted-types-for 'script'",
  "trusted-types 'none'",
] as const

/** The policy as the HTTP header sends it. */
export const CONTENT_SECURITY_POLICY = DIRECTIVES.join('; ')

/**
 * The same policy for the page's `<meta http-equiv>`, so the built files are protected on any static
 * server too. `frame-ancestors` is ignored in a meta element (CSP3 §6.1), so it is left out there;
 * X-Frame-Options and the header cover framing.
 */
export const META_CONTENT_SECURITY_POLICY = DIRECTIVES.filter((directive) => !directive.startsWith('frame-ancestors')).join('; ')

export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': CONTENT_SECURITY_POLICY,
  // The page's own requests carry no Referer either (each fetch sets no-referrer too).
  'referrer-policy': 'no-referrer',
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  'permissions-policy': 'camera=(), microphone=(), geolocation=(), payment=(), usb=(), serial=(), bluetooth=(), hid=()',
  // Always revalidated: a new build is never hidden behind a cached old one.
  'cache-control': 'no-cache',
}
