/**
 * A `jti` denylist (RFC 7519 §4.1.7: `jti` identifies a token, so revoking one means listing its
 * `jti` until the token would have expired anyway). The guard asks after the signature and claims
 * have verified, so only tokens its issuers really minted reach the store.
 * @module
 */
import type { JWTClaims } from 'jotjwt'

/** Answers whether a verified token has been revoked. */
export interface Denylist {
  /**
   * True when the token with this `jti` is revoked. A rejection (store unreachable) makes the guard
   * answer 503: it fails closed, and does not pretend the token is bad.
   */
  isRevoked(jti: string, claims: JWTClaims): boolean | Promise<boolean>
}

/**
 * An in-memory denylist for tests and single-process services; entries leave at the token's `exp`.
 *
 * @example
 * ```ts
 * const denylist = createMemoryDenylist()
 * denylist.revoke(claims.jti, claims.exp)
 * const guard = createGuard({ ..., revocation: { denylist } })
 * ```
 */
export function createMemoryDenylist(options: { currentTime?: () => number } = {}): Denylist & { revoke(jti: string, exp: number): void } {
  const now = options.currentTime ?? (() => Date.now() / 1000)
  const revoked = new Map<string, number>()
  return {
    revoke(jti, exp) {
      revoked.set(jti, exp)
    },
    isRevoked(jti) {
      const exp = revoked.get(jti)
      if (exp === undefined) return false
      if (exp <= now()) {
        revoked.delete(jti)
        return false
      }
      return true
    },
  }
}
