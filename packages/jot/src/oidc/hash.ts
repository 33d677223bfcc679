/**
 * `at_hash` and `c_hash` (OpenID Connect Core §3.1.3.6, §3.3.2.11): base64url of the left-most half
 * of the hash of the ASCII value, with the hash of the ID token's JWS algorithm. EdDSA with Ed25519
 * uses SHA-512 (Core errata); Ed448 would need SHAKE256, which jot does not implement, and no hash
 * is defined for ML-DSA.
 * @module
 */
import * as runtime from '#runtime'
import { NotSupported, quote } from '../errors.js'
import { jwsAlgorithm, type HashName } from '../jwa/signing.js'
import { encode as encodeBase64URL } from '../lib/base64url.js'
import { encodeUtf8 } from '../lib/utf8.js'
import type { JotKey } from '../key/key.js'

function hashFor(alg: string, key: JotKey): HashName {
  const algorithm = jwsAlgorithm(alg)
  if (algorithm && 'hash' in algorithm) return algorithm.hash
  if (algorithm?.family === 'eddsa' && key.curve === 'Ed25519') return 'SHA-512'
  throw new NotSupported(`no token hash is defined for ${quote(alg)} with this key`)
}

/** The left-half hash of `value` for a token signed with `alg` by `key`. */
export async function leftHalfHash(value: string, alg: string, key: JotKey): Promise<string> {
  const digest = await runtime.digest(hashFor(alg, key), encodeUtf8(value))
  return encodeBase64URL(digest.subarray(0, digest.length / 2))
}
