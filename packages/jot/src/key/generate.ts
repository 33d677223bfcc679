/** Key generation for every JWS algorithm. @module */
import { runtime } from '#runtime'
import { InvalidArgument, KeyTooWeak } from '../errors.js'
import type { Curve } from '../jwa/curves.js'
import { MIN_RSA_BITS, type JWSAlgorithmName } from '../jwa/signing.js'
import { algorithmFor, importSecret, wrapImported } from './import.js'
import type { JotKey } from './key.js'

export interface GenerateKeyPairOptions {
  /** Key ID to attach to both halves. */
  kid?: string
  /** RSA modulus length in bits; default 2048, minimum 2048. */
  modulusLength?: number
  /** Curve for `EdDSA`: `Ed25519` (default) or `Ed448`. Other algorithms fix their curve. */
  curve?: Curve
}

/**
 * Generates a key pair for an asymmetric algorithm.
 *
 * @example
 * ```ts
 * const { privateKey, publicKey } = await generateKeyPair('ES256', { kid: 'k1' })
 * ```
 */
export async function generateKeyPair(
  alg: JWSAlgorithmName,
  options: GenerateKeyPairOptions = {},
): Promise<{ privateKey: JotKey; publicKey: JotKey }> {
  const algorithm = algorithmFor(alg)
  if (algorithm.family === 'hmac') throw new InvalidArgument(`${alg} uses a secret; call generateSecret`)
  const modulusLength = options.modulusLength ?? MIN_RSA_BITS
  if (algorithm.kty === 'RSA' && (!Number.isInteger(modulusLength) || modulusLength < MIN_RSA_BITS)) {
    throw new KeyTooWeak(`RSA keys must be at least ${MIN_RSA_BITS} bits`)
  }
  let curve: Curve | undefined
  if (algorithm.family === 'ecdsa' || algorithm.family === 'eddsa') {
    curve = options.curve ?? algorithm.curves[0]
    if (!algorithm.curves.includes(curve!)) throw new InvalidArgument(`${alg} cannot use curve ${String(curve)}`)
  }
  const pair = await runtime.generateKeyPair(algorithm, { curve, modulusLength })
  return {
    privateKey: wrapImported(algorithm, pair.privateKey, curve, options.kid),
    publicKey: wrapImported(algorithm, pair.publicKey, curve, options.kid),
  }
}

/**
 * Generates a random HMAC secret, by default as long as the hash output (32/48/64 bytes).
 *
 * @example
 * ```ts
 * const key = await generateSecret('HS256')
 * ```
 */
export async function generateSecret(
  alg: JWSAlgorithmName,
  options: { kid?: string; length?: number } = {},
): Promise<JotKey> {
  const algorithm = algorithmFor(alg)
  if (algorithm.family !== 'hmac') throw new InvalidArgument(`${alg} uses a key pair; call generateKeyPair`)
  const length = options.length ?? algorithm.size
  if (!Number.isInteger(length) || length < algorithm.size) {
    throw new KeyTooWeak(`${alg} secrets must be at least ${algorithm.size} bytes`)
  }
  return importSecret(runtime.randomBytes(length), { alg, ...(options.kid === undefined ? {} : { kid: options.kid }) })
}
