/**
 * jot's algorithm rows translated into WebCrypto algorithm dictionaries. A CryptoKey is bound to
 * its hash (and curve) at import, so the import dictionary carries them; the per-call dictionary
 * only adds what the key cannot remember (PSS salt, ECDSA hash).
 * @module
 */
import { NotSupported } from '../../errors.js'
import type { Curve } from '../../jwa/curves.js'
import type { KeyAlgorithm } from '../../jwa/key-management.js'
import type { JWSAlgorithm } from '../../jwa/signing.js'

export type KeyParams = Algorithm | HmacImportParams | RsaHashedImportParams | EcKeyImportParams

/** Usages of a key pair's halves (and of secret keys): WebCrypto binds a CryptoKey to them. */
export interface Usages {
  readonly public: KeyUsage[]
  readonly private: KeyUsage[]
  readonly secret: KeyUsage[]
}

const SIGNATURE_USAGES: Usages = { public: ['verify'], private: ['sign'], secret: ['sign', 'verify'] }
const ENCRYPTION_USAGES: Usages = { public: ['encrypt'], private: ['decrypt'], secret: [] }
// An ECDH public key is only ever the `public` member of deriveBits, which takes no usage.
const AGREEMENT_USAGES: Usages = { public: [], private: ['deriveBits'], secret: [] }

export function usagesFor(alg: KeyAlgorithm): Usages {
  return alg.family === 'rsa-oaep' ? ENCRYPTION_USAGES : alg.family === 'ecdh-es' ? AGREEMENT_USAGES : SIGNATURE_USAGES
}

/** Dictionary for importKey and (with the RSA size added) generateKey. */
export function keyParams(alg: KeyAlgorithm, curve: Curve | undefined): KeyParams {
  switch (alg.family) {
    case 'rsa-oaep':
      return { name: 'RSA-OAEP', hash: alg.hash }
    case 'ecdh-es':
      if (curve === 'X25519' || curve === 'X448') return { name: curve }
      return { name: 'ECDH', namedCurve: webCryptoCurve(alg, curve) }
    case 'rsa1_5':
      // The Web Cryptography API has no RSAES-PKCS1-v1_5 (it was removed as unsafe).
      throw new NotSupported('RSA1_5 is not supported by the WebCrypto backend (WebCrypto has no RSAES-PKCS1-v1_5)')
    case 'aes-kw':
    case 'aes-gcm-kw':
    case 'dir':
    case 'pbes2':
      throw new NotSupported(`${alg.name} keys are raw secrets, not WebCrypto keys`)
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
    case 'ml-dsa':
      // Modern Algorithms in the Web Cryptography API (WICG) names ML-DSA after the JOSE parameter
      // sets; its default context is the empty one RFC 9964 §5 requires.
      return { name: alg.name }
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

function webCryptoCurve(alg: KeyAlgorithm, curve: Curve | undefined): Curve {
  if (curve === undefined) throw new NotSupported(`${alg.name} needs a curve`)
  // WebCrypto only defines the NIST curves for ECDSA; no runtime offers secp256k1 through it.
  if (curve === 'secp256k1') throw new NotSupported(`${alg.name} is not supported by the WebCrypto backend`)
  return curve
}

/** WebCrypto reports a missing algorithm or curve as a NotSupportedError DOMException. */
export function isNotSupportedError(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { name?: unknown }).name === 'NotSupportedError'
}
