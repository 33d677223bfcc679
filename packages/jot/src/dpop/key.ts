/**
 * The key of a DPoP proof: the one JWT whose verification key is, by design, the key in its own
 * `jwk` header. The proof shows possession of that key, and the key's thumbprint is what tokens are
 * bound to (RFC 9449 §6). Everywhere else jot refuses to take a key from the token it verifies (key
 * sets never read `jwk`; only the opt-in `createEmbeddedJWKResolver` does), because such a key
 * proves nothing about who signed. So the DPoP verifier does not use a general resolver: it imports
 * the embedded key here, deliberately, after checking what this use needs: the header is a DPoP
 * proof (`typ`), the `jwk` is public (shared rule, jwks/embedded.ts) and of bounded size, and the
 * key is imported only for the header's `alg`, which the JWS layer has already checked against the
 * caller's allowlist of asymmetric algorithms. Who holds the key is for the caller to establish, by
 * comparing the `jkt` with the access token's `cnf.jkt` (dpop/binding.ts) or a `dpop_jkt`.
 * @module
 */
import { DPoPProofInvalid, quote } from '../errors.js'
import type { JWSAlgorithmName } from '../jwa/signing.js'
import { jwkThumbprint } from '../jwk/thumbprint.js'
import { embeddedPublicJWK } from '../jwks/embedded.js'
import type { JWSHeaderParameters } from '../jws/types.js'
import { normalizeTyp } from '../jwt/claims.js'
import { importJWK } from '../key/import.js'
import type { JWK } from '../key/jwk.js'
import type { JotKey } from '../key/key.js'

/** A proof's key with what the verifier learns from it; a verifier keeps it per checked header (dpop/verify.ts). */
export interface ProofKey {
  readonly key: JotKey
  readonly jwk: JWK
  readonly jkt: string
}

/**
 * Most members of a proof's `jwk`: a public key needs at most four (RFC 7638 §3.2); metadata such as
 * `kid`, `alg`, `use`, and `ext` and `key_ops` from WebCrypto exports, fit easily.
 */
const MAX_JWK_MEMBERS = 16
/** Most characters in a proof's `jwk` names and values: ML-DSA-87's public key, the largest jot verifies, takes 3,456. */
const MAX_JWK_CHARACTERS = 4096

/** §4.2: bounded work, whatever the client sends: a few members of strings, booleans or string arrays. */
function checkJWKSize(jwk: JWK): void {
  const names = Object.keys(jwk)
  let characters = 0
  if (names.length <= MAX_JWK_MEMBERS) {
    for (const name of names) {
      const value = jwk[name]
      characters += name.length
      if (typeof value === 'string') characters += value.length
      else if (Array.isArray(value) && value.every((item) => typeof item === 'string')) characters += value.join('').length
      else if (typeof value !== 'boolean') throw new DPoPProofInvalid(`the "jwk" member ${quote(name)} has an unexpected type`, 'jwk')
    }
    if (characters <= MAX_JWK_CHARACTERS) return
  }
  throw new DPoPProofInvalid(`the "jwk" header is larger than a public key (at most ${MAX_JWK_MEMBERS} members, ${MAX_JWK_CHARACTERS} characters)`, 'jwk')
}

/** §4.3 items 4–7 (the header's part): `typ`, then the embedded key, public and bounded, for `alg`. */
export async function importProofKey(header: Readonly<JWSHeaderParameters>): Promise<ProofKey> {
  // RFC 8725 §3.11 (RFC 9449 §11.5): typ compared as a media type, so "application/dpop+jwt" is the same.
  if (typeof header.typ !== 'string' || normalizeTyp(header.typ) !== 'dpop+jwt') {
    throw new DPoPProofInvalid('the "typ" header must be "dpop+jwt"', 'typ')
  }
  let jwk: JWK
  try {
    jwk = embeddedPublicJWK(header)
  } catch (cause) {
    throw new DPoPProofInvalid('the "jwk" header must be a public JWK', 'jwk', { cause })
  }
  checkJWKSize(jwk)
  // The JWS layer has already refused any alg outside the allowlist, which holds asymmetric ones only.
  const key = await importJWK(jwk, { alg: header.alg as JWSAlgorithmName })
  return { key, jwk, jkt: await jwkThumbprint(jwk) }
}
