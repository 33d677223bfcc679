/**
 * Opaque credentials the service hands to browsers and clients (session ids, authorization codes,
 * refresh tokens): 256 random bits, base64url, and stored only as their SHA-256. The hash needs no
 * salt or slow KDF: the value is uniformly random and as long as the hash, so a copy of the database
 * gives nothing to guess from and nothing to present.
 * @module
 */
import { createHash, randomBytes } from 'node:crypto'

/**
 * A fresh credential: 32 random bytes, base64url (43 characters).
 *
 * @example
 * ```ts
 * const refreshToken = randomToken()
 * await store.createRefreshToken({ tokenHash: hashToken(refreshToken), … })
 * ```
 */
export function randomToken(): string {
  return randomBytes(32).toString('base64url')
}

/**
 * What the store keeps of a credential: base64url SHA-256 of its UTF-8 bytes.
 *
 * @example
 * ```ts
 * const session = await store.getSession(hashToken(cookieValue), now)
 * ```
 */
export function hashToken(value: string): string {
  return createHash('sha256').update(value, 'utf8').digest('base64url')
}
