/**
 * Keys carried in the token's own header. A key the token brings can prove only that the token was
 * signed by whoever holds that key, not who that is: the `jwk` header is therefore never trusted by
 * default, and only this explicit resolver uses it (for proof-of-possession designs such as DPoP,
 * RFC 9449, where the key's identity is checked elsewhere, e.g. by pinning its thumbprint).
 *
 * `jku` and `x5u` (RFC 7515 §4.1.2, §4.1.5) are never fetched by jot: a URL chosen by the token's
 * author would make every verifier fetch attacker-chosen URLs (SSRF) and trust whatever key it found
 * there. Configure key sets by URL instead ({@link createRemoteKeySet}).
 * @module
 */
import { JWKSNoMatchingKey, JWSInvalid, KeyUsageInvalid } from '../errors.js'
import { readObject, readOptions, readStringIterable } from '../lib/arguments.js'
import { isPlainObject } from '../lib/bytes.js'
import { jwkThumbprint } from '../jwk/thumbprint.js'
import { importJWK } from '../key/import.js'
import type { JWK } from '../key/jwk.js'
import { hasSecretMembers } from '../key/members.js'
import type { JWSAlgorithmName } from '../jwa/signing.js'
import type { JWSHeaderParameters, KeyResolver } from '../jws/types.js'
import { admissibleAlgorithm } from './select.js'

/** Options of {@link createEmbeddedJWKResolver}. */
export interface EmbeddedJWKOptions {
  /** Accept only keys with one of these RFC 7638 SHA-256 thumbprints (e.g. the DPoP `jkt` bound to the token). */
  thumbprints?: Iterable<string>
}

/**
 * Opt-in resolver for the `jwk` header parameter (RFC 7515 §4.1.3): only public asymmetric keys,
 * imported for the header's `alg` (which must fit the key's `kty`/`crv`, `use`, `key_ops`, `alg`),
 * optionally pinned to known thumbprints.
 *
 * @example
 * ```ts
 * const { payload, key } = await verifyJWT(dpopProof, createEmbeddedJWKResolver(), { typ: 'dpop+jwt' })
 * const jkt = await jwkThumbprint(key) // compare with the access token's cnf.jkt
 * ```
 */
export function createEmbeddedJWKResolver(options?: EmbeddedJWKOptions): KeyResolver {
  const { thumbprints } = readOptions(options)
  const pinned = thumbprints === undefined ? undefined : new Set(readStringIterable(thumbprints, 'thumbprints'))
  const policy = { allowSymmetric: false, requireKid: false }
  return async (header) => {
    header = readObject(header, 'header')
    const jwk = embeddedPublicJWK(header)
    if (!admissibleAlgorithm(header, policy)) throw new JWKSNoMatchingKey('the embedded "jwk" cannot verify this "alg"')
    if (pinned && !pinned.has(await jwkThumbprint(jwk))) throw new JWKSNoMatchingKey('the embedded "jwk" is not a pinned key')
    return importJWK(jwk, { alg: header.alg as JWSAlgorithmName })
  }
}

/**
 * @internal The header's `jwk`, refused unless it is a public key (RFC 7515 §4.1.3; RFC 9449 §4.2:
 * "MUST NOT contain a private key"); an `oct` key's `k` counts as private. The one rule every use of
 * an embedded key shares: this resolver and DPoP proof verification (dpop/verify.ts).
 */
export function embeddedPublicJWK(header: Readonly<JWSHeaderParameters>): JWK {
  const { jwk } = header
  if (!isPlainObject(jwk)) throw new JWSInvalid('the header has no "jwk" object')
  if (hasSecretMembers(jwk)) throw new KeyUsageInvalid('an embedded "jwk" must be a public key')
  return jwk as JWK
}
