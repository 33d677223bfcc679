/**
 * jot's algorithm rows translated into WebCrypto algorithm dictionaries. A CryptoKey is bound to
 * its hash (and curve) at import, so the import dictionary carries them; the per-call dictionary
 * only adds what the key cannot remember (PSS salt, ECDSA hash).
 * @module
 */
import { NotSupported } from '../../errors.js'
import type { Curve } from '../../jwa/curves.js'
import type { JWSAlgorithm } from '../../jwa/signing.js'

export type KeyParams = Algorithm | HmacImportParams | RsaHashedImportParams | EcKeyImportParams

/** Dictionary for importKey and (with the RSA size added) generateKey. */
export function keyParams(alg: JWSAlgorithm, curve: Curve | undefined): KeyParams {
  switch (alg.family) {
    case 'hmac':
      return { name: 'HMAC', hash: alg.hash }
    case 'rsassa-pkcs1':
      return { name: 'RSASSA-PKCS1-v1_5', hash: alg.hash }
    case 'rsa-pss':
      return { name: 'RSA-PSS', hash: alg.hash }
    case 'ecdsa':
      return { name: 'ECDSA', namedCurve: webCryptoCurve(alg, curve) }
    case 'eddsa':
      // WebCrypto names the EdDSA algorithm after its curve (Secure Curves in the Web Cryptography API).
      return { name: webCryptoCurve(alg, curve) }
  }
}

/** Dictionary for sign and verify. */
export function signParams(alg: JWSAlgorithm, key: CryptoKey): Algorithm | RsaPssParams | EcdsaParams {
  switch (alg.family) {
    case 'rsa-pss':
      return { name: 'RSA-PSS', saltLength: alg.saltLength }
    case 'ecdsa':
      return { name: 'ECDSA', hash: alg.hash }
    default:
      return { name: key.algorithm.name }
  }
}

function webCryptoCurve(alg: JWSAlgorithm, curve: Curve | undefined): Curve {
  if (curve === undefined) throw new NotSupported(`${alg.name} needs a curve`)
  // WebCrypto only defines the NIST curves for ECDSA; no runtime offers secp256k1 through it.
  if (curve === 'secp256k1') throw new NotSupported(`${alg.name} is not supported by the WebCrypto backend`)
  return curve
}

/** WebCrypto reports a missing algorithm or curve as a NotSupportedError DOMException. */
export function isNotSupportedError(error: unknown): boolean {
  return error instanceof Error && error.name === 'NotSupportedError'
}
