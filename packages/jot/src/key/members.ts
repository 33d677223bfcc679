/**
 * JWK members that carry secrets: the private halves of asymmetric keys (RFC 7518 §6.2.2, §6.3.2;
 * RFC 8037 §2; RFC 9964 §3, §4) and the symmetric key value (RFC 7518 §6.4.1). One list, so that "publish only the
 * public half" means the same thing wherever a JWK leaves jot's hands.
 * @module
 */
import type { JWK } from './jwk.js'

/**
 * Private members of RSA, EC, OKP and AKP keys (`oth`: RSA multi-prime, RFC 7518 §6.3.2.7; `priv`:
 * the ML-DSA seed, RFC 9964 §4; the member is registered in §3).
 */
export const PRIVATE_JWK_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'priv'] as const

/**
 * True when `jwk` carries a member that must never be published: a private one, or an `oct` key's
 * `k` (a private or symmetric key).
 */
export function hasSecretMembers(jwk: Readonly<Record<string, unknown>>): boolean {
  return Object.hasOwn(jwk, 'k') || PRIVATE_JWK_MEMBERS.some((name) => Object.hasOwn(jwk, name))
}

/** A copy of `jwk` without its private members (an `oct` key keeps `k`: it has no public half). */
export function withoutPrivateMembers(jwk: JWK): JWK {
  const copy: JWK = { ...jwk }
  for (const name of PRIVATE_JWK_MEMBERS) delete copy[name]
  return copy
}
