/** Key generation for every JWS algorithm and every JWE key management algorithm. @module */
import * as runtime from '#runtime'
import { InvalidArgument, KeyTooWeak, NotSupported } from '../errors.js'
import { contentEncryption, type ContentEncryptionName } from '../jwa/content-encryption.js'
import type { Curve } from '../jwa/curves.js'
import { MAX_RSA_BITS, MIN_RSA_BITS } from '../jwa/signing.js'
import { readOptions } from '../lib/arguments.js'
import { algorithmFor, importSecret, wrapImported } from './import.js'
import type { JotKey, KeyAlgorithmName } from './key.js'

export interface GenerateKeyPairOptions {
  /** Key ID to attach to both halves. */
  kid?: string
  /** RSA modulus length in bits; default 2048, minimum 2048, maximum 16384. */
  modulusLength?: number
  /**
   * Curve for `EdDSA` (`Ed25519`, the default, or `Ed448`) and for ECDH-ES (`P-256`, the default,
   * `P-384`, `P-521`, `X25519`, `X448`). Other algorithms fix their curve.
   */
  curve?: Curve
}

/**
 * Generates a key pair for an asymmetric algorithm: a JWS signature algorithm, RSA-OAEP* or ECDH-ES*.
 *
 * @example
 * ```ts
 * const { privateKey, publicKey } = await generateKeyPair('ES256', { kid: 'k1' })
 * const recipient = await generateKeyPair('ECDH-ES+A256KW', { curve: 'X25519' })
 * ```
 */
export async function generateKeyPair<A extends KeyAlgorithmName>(
  alg: A,
  options?: GenerateKeyPairOptions,
): Promise<{ privateKey: JotKey<A>; publicKey: JotKey<A> }> {
  options = readOptions(options)
  const algorithm = algorithmFor(alg)
  if (algorithm.kty === 'oct') throw new InvalidArgument(`${alg} uses a secret; call generateSecret`)
  if (algorithm.family === 'rsa1_5') throw new InvalidArgument('RSA1_5 exists in jot only to decrypt legacy tokens')
  const modulusLength = options.modulusLength ?? MIN_RSA_BITS
  if (algorithm.kty === 'RSA' && (!Number.isInteger(modulusLength) || modulusLength < MIN_RSA_BITS)) {
    throw new KeyTooWeak(`RSA keys must be at least ${MIN_RSA_BITS} bits`)
  }
  if (algorithm.kty === 'RSA' && modulusLength > MAX_RSA_BITS) {
    throw new NotSupported(`RSA keys of more than ${MAX_RSA_BITS} bits are not supported`)
  }
  let curve: Curve | undefined
  if (algorithm.family === 'ecdsa' || algorithm.family === 'eddsa' || algorithm.family === 'ecdh-es') {
    curve = options.curve ?? algorithm.curves[0]
    if (!algorithm.curves.includes(curve!)) throw new InvalidArgument(`${alg} cannot use curve ${String(curve)}`)
  }
  const pair = await runtime.generateKeyPair(algorithm, { curve, modulusLength })
  return {
    privateKey: wrapImported(algorithm, pair.privateKey, curve, options.kid) as JotKey<A>,
    publicKey: wrapImported(algorithm, pair.publicKey, curve, options.kid) as JotKey<A>,
  }
}

/**
 * Generates a random secret: an HMAC secret (by default as long as the hash output, 32/48/64 bytes),
 * an AES key for A*KW / A*GCMKW, or a `dir` key for the content encryption algorithm `enc`.
 * PBES2 keys are passwords chosen by people: import them with {@link importSecret}.
 *
 * @example
 * ```ts
 * const key = await generateSecret('HS256')
 * const kek = await generateSecret('A256KW')
 * const cek = await generateSecret('dir', { enc: 'A256GCM' })
 * ```
 */
export async function generateSecret<A extends KeyAlgorithmName>(
  alg: A,
  options?: { kid?: string; length?: number; enc?: ContentEncryptionName },
): Promise<JotKey<A>> {
  options = readOptions(options)
  const algorithm = algorithmFor(alg)
  const kid = options.kid === undefined ? {} : { kid: options.kid }
  switch (algorithm.family) {
    case 'hmac': {
      const length = options.length ?? algorithm.size
      if (!Number.isInteger(length) || length < algorithm.size) {
        throw new KeyTooWeak(`${alg} secrets must be at least ${algorithm.size} bytes`)
      }
      return importSecret(runtime.randomBytes(length), { alg, ...kid })
    }
    case 'aes-kw':
    case 'aes-gcm-kw':
      return importSecret(runtime.randomBytes(algorithm.keyLength), { alg, ...kid })
    case 'dir': {
      const row = contentEncryption(options.enc)
      if (!row) throw new InvalidArgument('a "dir" key needs options.enc, the content encryption algorithm it is for')
      return importSecret(runtime.randomBytes(row.cekLength), { alg, enc: row.name, ...kid })
    }
    case 'pbes2':
      throw new InvalidArgument(`${alg} keys are passwords; import one with importSecret`)
    default:
      throw new InvalidArgument(`${alg} uses a key pair; call generateKeyPair`)
  }
}
