/**
 * PKCE (RFC 7636) with the S256 method only: every authorization code is bound to a
 * `code_challenge` = BASE64URL(SHA-256(`code_verifier`)) (§4.2), and the token request must present
 * the verifier (§4.5). `plain` is refused: it protects nothing once the authorization request is
 * seen (RFC 9700 §2.1.1, OAuth 2.1 §4.1.1).
 * @module
 */
import { createHash, timingSafeEqual } from 'node:crypto'

/** The only `code_challenge_method` accepted (discovery's `code_challenge_methods_supported`). */
export const CODE_CHALLENGE_METHODS = Object.freeze(['S256'] as const)

/** An S256 challenge is the base64url of a 32-byte hash: 43 characters, no padding. */
export function isS256Challenge(challenge: string): boolean {
  return /^[A-Za-z0-9_-]{43}$/.test(challenge)
}

/** RFC 7636 §4.1: code-verifier = 43*128unreserved, unreserved = ALPHA / DIGIT / "-" / "." / "_" / "~". */
export function isCodeVerifier(verifier: string): boolean {
  return /^[A-Za-z0-9._~-]{43,128}$/.test(verifier)
}

/**
 * RFC 7636 §4.6: true when BASE64URL(SHA-256(ASCII(verifier))) equals the challenge.
 *
 * @example
 * ```ts
 * if (!verifyCodeVerifier(param(request, 'code_verifier'), code.codeChallenge)) throw new OAuthError('invalid_grant', '…')
 * ```
 */
export function verifyCodeVerifier(verifier: string | undefined, challenge: string): boolean {
  if (verifier === undefined || !isCodeVerifier(verifier)) return false
  const computed = Buffer.from(s256Challenge(verifier))
  const expected = Buffer.from(challenge)
  return computed.length === expected.length && timingSafeEqual(computed, expected)
}

/**
 * RFC 7636 §4.2 S256: `BASE64URL(SHA256(ASCII(code_verifier)))`.
 *
 * @example
 * ```ts
 * s256Challenge('dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk') // 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM'
 * ```
 */
export function s256Challenge(verifier: string): string {
  return createHash('sha256').update(verifier, 'ascii').digest('base64url')
}
