/**
 * WebCrypto backend (browsers, Deno, workers, Node's globalThis.crypto): nothing but
 * `crypto.subtle` and `crypto.getRandomValues`, so it runs wherever the Web Crypto API exists.
 * Keys are CryptoKeys imported once, extractable so that jot can export them again.
 * @module
 */
import { KeyInvalid, KeyUsageInvalid, NotSupported } from '../../errors.js'
import type { JWSAlgorithm } from '../../jwa/signing.js'
import type { CryptoRuntime } from '../types.js'
import { isNotSupportedError, keyParams, signParams } from './algorithms.js'
import { bufferSource, exportedMembers, importCryptoKey, webCryptoKey, WebCryptoKey } from './key.js'

/** RSA public exponent 65537 (F4), the only one WebCrypto implementations are required to accept. */
const F4 = new Uint8Array([1, 0, 1])

/** getRandomValues throws QuotaExceededError for requests above 65536 bytes (Web Crypto API). */
const RANDOM_CHUNK = 65536

function notSupported(alg: JWSAlgorithm, cause: unknown): NotSupported {
  return new NotSupported(`${alg.name} is not supported by this runtime's WebCrypto`, { cause })
}

export const runtime: CryptoRuntime = {
  name: 'webcrypto',

  async importKey(alg, curve, source, kind) {
    const params = keyParams(alg, curve)
    let cryptoKey: CryptoKey
    try {
      cryptoKey = await importCryptoKey(params, source, kind)
    } catch (cause) {
      if (isNotSupportedError(cause)) throw notSupported(alg, cause)
      throw new KeyInvalid(`key material for ${alg.name} could not be imported`, { cause })
    }
    if (cryptoKey.type !== kind) throw new KeyInvalid(`expected a ${kind} key, got a ${cryptoKey.type} key`)
    return new WebCryptoKey(cryptoKey)
  },

  async sign(alg, key, data) {
    const { cryptoKey } = webCryptoKey(key)
    return new Uint8Array(await crypto.subtle.sign(signParams(alg, cryptoKey), cryptoKey, bufferSource(data)))
  },

  // HMAC goes through subtle.verify too: the WebCrypto HMAC verify operation must compare in constant time.
  async verify(alg, key, data, signature) {
    const verifyingKey = await webCryptoKey(key).verifyingKey()
    return crypto.subtle.verify(signParams(alg, verifyingKey), verifyingKey, bufferSource(signature), bufferSource(data))
  },

  async publicKey(key) {
    if (key.kind === 'secret') throw new KeyUsageInvalid('a secret key has no public half')
    return key.kind === 'public' ? key : new WebCryptoKey(await webCryptoKey(key).verifyingKey())
  },

  async exportJWK(key) {
    return exportedMembers(await crypto.subtle.exportKey('jwk', webCryptoKey(key).cryptoKey))
  },

  async exportDER(key, format) {
    const handle = webCryptoKey(key)
    const cryptoKey = format === 'spki' ? await handle.verifyingKey() : handle.cryptoKey
    return new Uint8Array(await crypto.subtle.exportKey(format, cryptoKey))
  },

  async generateKeyPair(alg, { curve, modulusLength }) {
    if (alg.family === 'hmac') throw new NotSupported(`cannot generate a key pair for ${alg.name}`)
    const params = keyParams(alg, curve)
    const generateParams = alg.kty === 'RSA' ? { ...params, modulusLength, publicExponent: F4 } : params
    let pair: CryptoKeyPair
    try {
      pair = (await crypto.subtle.generateKey(generateParams, true, ['sign', 'verify'])) as CryptoKeyPair
    } catch (cause) {
      if (isNotSupportedError(cause)) throw notSupported(alg, cause)
      throw cause
    }
    return { publicKey: new WebCryptoKey(pair.publicKey), privateKey: new WebCryptoKey(pair.privateKey, pair.publicKey) }
  },

  randomBytes(length) {
    const bytes = new Uint8Array(length)
    for (let offset = 0; offset < length; offset += RANDOM_CHUNK) {
      crypto.getRandomValues(bytes.subarray(offset, offset + RANDOM_CHUNK))
    }
    return bytes
  },

  async digest(hash, data) {
    return new Uint8Array(await crypto.subtle.digest(hash, bufferSource(data)))
  },
}
