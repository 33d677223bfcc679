/** Key export to JWK and PEM, and deriving a public key from a private one. @module */
import * as runtime from '#runtime'
import { InvalidArgument } from '../errors.js'
import { checkKey } from '../lib/arguments.js'
import { encode as encodeBase64URL } from '../lib/base64url.js'
import { isKeyManagement } from '../jwa/key-management.js'
import { anyKeyInternals, createJotKey, isRawSecretKey, type JotKey, type KeyAlgorithmName } from './key.js'
import type { JWK } from './jwk.js'
import { canonicalPKCS8, encodePEM } from './pem.js'

/**
 * Exports a key as a JWK carrying its `alg`, `use` (`sig` for JWS keys, `enc` for JWE keys) and
 * `kid` (when set). Private and secret keys include their private members: publish only public keys
 * (see {@link toPublicKey}).
 *
 * @example
 * ```ts
 * const jwks = { keys: [await exportJWK(publicKey)] } // serve at /.well-known/jwks.json
 * ```
 */
export async function exportJWK(key: JotKey): Promise<JWK> {
  const { algorithm, runtimeKey } = anyKeyInternals(checkKey(key))
  const members = isRawSecretKey(runtimeKey)
    ? { kty: 'oct', k: encodeBase64URL(runtimeKey.secret) }
    : await runtime.exportJWK(runtimeKey)
  const jwk: JWK = { ...members, alg: key.alg, use: isKeyManagement(algorithm) ? 'enc' : 'sig' }
  if (key.kid !== undefined) jwk.kid = key.kid
  return jwk
}

/**
 * Exports an asymmetric key as PEM: SPKI (`PUBLIC KEY`) for public keys, PKCS#8 (`PRIVATE KEY`)
 * for private keys. An ML-DSA private key is written as its seed alone (RFC 9881 §6 `seed` form; RFC
 * 9964 §4), the same bytes on every backend.
 *
 * @example
 * ```ts
 * writeFileSync('issuer.pub.pem', await exportPEM(publicKey))
 * ```
 */
export async function exportPEM(key: JotKey): Promise<string> {
  const { runtimeKey } = anyKeyInternals(checkKey(key))
  if (key.type === 'secret') throw new InvalidArgument('secret keys have no PEM form; use exportJWK')
  if (key.type === 'public') return encodePEM(await runtime.exportDER(runtimeKey, 'spki'), 'PUBLIC KEY')
  return encodePEM(canonicalPKCS8(await runtime.exportDER(runtimeKey, 'pkcs8')), 'PRIVATE KEY')
}

/**
 * The public half of a private key, bound to the same algorithm and `kid`. Public keys are returned
 * as they are; secret keys have no public half.
 *
 * @example
 * ```ts
 * const publicKey = await toPublicKey(privateKey)
 * ```
 */
export async function toPublicKey<A extends KeyAlgorithmName>(key: JotKey<A>): Promise<JotKey<A>> {
  checkKey(key)
  if (key.type === 'public') return key
  if (key.type === 'secret') throw new InvalidArgument('a secret key has no public half')
  const { algorithm, runtimeKey } = anyKeyInternals(key)
  return createJotKey(algorithm, await runtime.publicKey(runtimeKey), key.curve, key.kid, key.enc) as JotKey<A>
}
