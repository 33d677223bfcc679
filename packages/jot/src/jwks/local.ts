/** Key sets held in memory: a JWK Set as a {@link KeyResolver}. @module */
import { JWKSNoMatchingKey } from '../errors.js'
import { readObject, readOptions } from '../lib/arguments.js'
import type { JWKSet } from '../key/jwk.js'
import type { JWSHeaderParameters, KeyResolver } from '../jws/types.js'
import type { JotKey } from '../key/key.js'
import { KeyIndex, selectionPolicy } from './key-index.js'
import { describe } from './select.js'
import type { KeySetOptions } from './types.js'

/**
 * Makes a key resolver from a JWK Set (RFC 7517 §5), for `verifyJWT`, `createVerifier` and the JWS
 * verify functions. Per token it picks the keys that fit the header (see the rules below), imports
 * each at most once per algorithm, and the verifier tries them in document order until one verifies.
 *
 * Rules: the header's `alg` fixes `kty` and `crv`; a token with a `kid` matches only keys with that
 * exact `kid`, and is refused when several keys with it fit its `alg` (unless `allowAmbiguousKids`);
 * a token without one matches every fitting key (kid-less keys included) unless `requireKid`; a JWK's
 * `use`, `key_ops` and `alg` must allow verifying with that `alg`; `oct` keys only with
 * `allowSymmetricKeys`, and then the set must not also hold asymmetric keys; at most `maxCandidates`
 * keys (default 5) per token. Private members in the set are ignored (only the public half is
 * imported). JWKs with an unknown `kty` are ignored (RFC 7517 §5). The set is copied: later changes
 * to `jwks` have no effect.
 *
 * @example
 * ```ts
 * const keys = createLocalKeySet({ keys: [jwkA, jwkB] })
 * const { payload } = await verifyJWT(token, keys, { issuer: 'https://issuer.example', audience: 'api' })
 * ```
 * @throws {@link JWKSInvalid} when `jwks` is not a JWK Set, or mixes `oct` and asymmetric keys with
 *   `allowSymmetricKeys`; verification fails with {@link JWKSNoMatchingKey} when no key fits the
 *   token, {@link JWKSMultipleMatchingKeys} when its `kid` is ambiguous.
 */
export function createLocalKeySet(jwks: JWKSet, options?: KeySetOptions): KeyResolver {
  const index = new KeyIndex(readObject(jwks, 'jwks'), selectionPolicy(readOptions(options)))
  const resolveLater = async (header: Readonly<JWSHeaderParameters>) => {
    header = readObject(header, 'header')
    const keys = await index.candidates(header)
    if (keys.length === 0) throw new JWKSNoMatchingKey(`no key in the key set matches ${describe(header)}`)
    return keys
  }
  // Imported keys answer synchronously (no promise per token, lib/maybe-promise.ts); the first use
  // of a key, a miss and every failure take the asynchronous path, which rejects rather than throws.
  return (header) => {
    let keys: JotKey[] | undefined
    try {
      keys = index.importedCandidates(readObject(header, 'header'))
    } catch {
      // resolveLater reports it.
    }
    return keys ?? resolveLater(header)
  }
}
