/**
 * Which JWKs of a set may verify a token: the one place that decides it, for local and remote key
 * sets alike. The token's header is unverified, so every rule narrows and none widens:
 *
 * - the header's `alg` fixes the key type and curve (RFC 7518 §3, RFC 8037 §3.1): a JWK of another
 *   `kty`/`crv` is never imported for it, so an RSA key can never become an HMAC secret;
 * - a token with a `kid` matches only keys with exactly that `kid` (an opaque, case-sensitive string,
 *   RFC 7517 §4.5); a token without one matches every key that fits, kid-less keys included;
 * - a JWK's `use` must be `sig` and its `key_ops` must include `verify` when present (RFC 7517 §4.2,
 *   §4.3), and its `alg`, when present, must be the header's (RFC 7517 §4.4); an `AKP` key must have
 *   one (RFC 9964 §3 makes it REQUIRED: it names the parameter set), so an alg-less AKP JWK, which
 *   could never be imported, does not take up a candidate slot;
 * - symmetric (`oct`) keys are never chosen unless the caller allows them: a published key set holds
 *   public keys, and an HMAC "key" anyone can read is no key at all (RFC 8725 §3.2);
 * - a `kid` names one key: a token whose `kid` fits two or more JWKs is refused unless the caller
 *   allows ambiguous `kid`s. RFC 7517 §4.5 lets a set repeat a `kid` across key types (the `alg`
 *   then tells them apart), so only keys that all fit the token's `alg` are ambiguous, and the
 *   refusal is per token: one bad key never takes the whole set down;
 * - JWKs are considered in document order and at most `maxCandidates` are returned, so kid-less
 *   tokens (and allowed duplicate `kid`s) behave predictably and cost bounded work.
 * @module
 */
import { JWKSMultipleMatchingKeys, quote } from '../errors.js'
import { jwsAlgorithm, type JWSAlgorithm } from '../jwa/signing.js'
import type { JWK } from '../key/jwk.js'
import type { JWSHeaderParameters } from '../jws/types.js'

/** Selection rules, resolved from the key-set options. */
export interface SelectionPolicy {
  readonly allowSymmetric: boolean
  readonly requireKid: boolean
  readonly allowAmbiguousKids: boolean
  readonly maxCandidates: number
}

/**
 * The JWKs of `keys` that may verify a token with this header, in document order, at most
 * `policy.maxCandidates`. Returns the algorithm row too, so the caller imports each JWK for it.
 */
export function selectJWKs<T extends { readonly jwk: JWK }>(
  keys: readonly T[],
  header: Readonly<JWSHeaderParameters>,
  policy: SelectionPolicy,
): { algorithm: JWSAlgorithm | undefined; matches: T[] } {
  const algorithm = admissibleAlgorithm(header, policy)
  const matches: T[] = []
  if (!algorithm) return { algorithm, matches }
  // A second fitting key under the token's kid is looked for even when maxCandidates is 1.
  const refuseAmbiguous = header.kid !== undefined && !policy.allowAmbiguousKids
  for (const entry of keys) {
    if (!fits(entry.jwk, algorithm, header.kid)) continue
    if (refuseAmbiguous && matches.length === 1) {
      throw new JWKSMultipleMatchingKeys(`several keys of the key set match ${describe(header)}`)
    }
    matches.push(entry)
    if (matches.length === policy.maxCandidates && !refuseAmbiguous) break
  }
  return { algorithm, matches }
}

/**
 * The header's algorithm row, or undefined when no key of any set could ever match this header (an
 * unknown `alg`, a symmetric `alg` where those are not allowed, a missing `kid` where one is
 * required). Remote key sets use it so such tokens never cause a fetch.
 */
export function admissibleAlgorithm(
  header: Readonly<JWSHeaderParameters>,
  policy: Pick<SelectionPolicy, 'allowSymmetric' | 'requireKid'>,
): JWSAlgorithm | undefined {
  const algorithm = jwsAlgorithm(header.alg)
  if (!algorithm || (algorithm.kty === 'oct' && !policy.allowSymmetric)) return undefined
  if (header.kid === undefined && policy.requireKid) return undefined
  return algorithm
}

function fits(jwk: JWK, algorithm: JWSAlgorithm, kid: string | undefined): boolean {
  if (jwk.kty !== algorithm.kty) return false
  if (kid !== undefined && jwk.kid !== kid) return false
  if ((algorithm.family === 'ecdsa' || algorithm.family === 'eddsa') && !algorithm.curves.some((c) => c === jwk.crv)) {
    return false
  }
  if (jwk.alg !== undefined && jwk.alg !== algorithm.name) return false
  if (jwk.kty === 'AKP' && jwk.alg !== algorithm.name) return false
  if (jwk.use !== undefined && jwk.use !== 'sig') return false
  if (jwk.key_ops !== undefined && !(Array.isArray(jwk.key_ops) && jwk.key_ops.includes('verify'))) return false
  return true
}

/** A header's `kid` and `alg` for an error message; both are untrusted, hence quoted. */
export function describe(header: Readonly<JWSHeaderParameters>): string {
  return header.kid === undefined ? `alg ${quote(header.alg)} (no kid)` : `kid ${quote(header.kid)} and alg ${quote(header.alg)}`
}
