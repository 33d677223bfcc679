/**
 * WebCrypto backend (browsers, Deno, workers, Node's globalThis.crypto): nothing but
 * `crypto.subtle`, `crypto.getRandomValues` and, for `zip: "DEF"`, the Compression Streams API, so it
 * runs wherever the Web Crypto API exists. Keys are CryptoKeys imported once, extractable so that
 * jot can export them again.
 * @module
 */
import { KeyInvalid, KeyUsageInvalid, NotSupported } from '../../errors.js'
import type { Curve } from '../../jwa/curves.js'
import type { KeyAlgorithm } from '../../jwa/key-management.js'
import { readCapped } from '../../lib/stream.js'
import type { CryptoRuntime } from '../types.js'
import { isNotSupportedError, keyParams, signParams, usagesFor } from './algorithms.js'
import { bufferSource, exportedMembers, importCryptoKey, webCryptoKey, WebCryptoKey } from './key.js'
import type * as self from './index.js'

/** RSA public exponent 65537 (F4), the only one WebCrypto implementations are required to accept. */
const F4 = /* @__PURE__ */ Uint8Array.of(1, 0, 1)

/** getRandomValues throws QuotaExceededError for requests above 65536 bytes (Web Crypto API). */
const RANDOM_CHUNK = 65536

/** Bits of the ECDH shared secret per curve: the x-coordinate size (RFC 7518 §4.6.2, RFC 7748 §6). */
const SHARED_SECRET_BITS: Partial<Record<Curve, number>> = {
  'P-256': 256, 'P-384': 384, 'P-521': 528, X25519: 256, X448: 448,
}

/** The CEK is wrapped and unwrapped as an HMAC key: WebCrypto needs some algorithm, and HMAC takes any length. */
const CEK_AS_KEY: HmacImportParams = { name: 'HMAC', hash: 'SHA-256' }

function notSupported(alg: KeyAlgorithm, cause: unknown): NotSupported {
  return new NotSupported(`${alg.name} is not supported by this runtime's WebCrypto`, { cause })
}

/** Imports raw key bytes for one operation; a missing algorithm (e.g. AES-192 in Chrome) is NotSupported. */
async function rawKey(bytes: Uint8Array, algorithm: AlgorithmIdentifier | HmacImportParams, usages: KeyUsage[]): Promise<CryptoKey> {
  try {
    return await crypto.subtle.importKey('raw', bufferSource(bytes), algorithm, false, usages)
  } catch (cause) {
    const name = typeof algorithm === 'string' ? algorithm : algorithm.name
    throw new NotSupported(`${name} with a ${bytes.length * 8}-bit key is not supported by this runtime's WebCrypto`, { cause })
  }
}

/** Runs an operation whose only expected failure is an authentication or unwrap error. */
async function orNull(operation: () => Promise<ArrayBuffer | CryptoKey>): Promise<ArrayBuffer | CryptoKey | null> {
  try {
    return await operation()
  } catch {
    return null
  }
}

function transform(data: Uint8Array, stream: CompressionStream | DecompressionStream, maxLength: number): Promise<Uint8Array | null> {
  const writer = stream.writable.getWriter()
  // Not awaited: the readable side must be drained concurrently or the writer never completes.
  writer.write(bufferSource(data)).catch(() => undefined)
  writer.close().catch(() => undefined)
  return readCapped(stream.readable, maxLength)
}

// Each primitive is its own export (call sites use `import * as runtime from '#runtime'`), so a
// bundler keeps only the primitives a bundle calls: JWS-only code carries no JWE primitives.
export const name: CryptoRuntime['name'] = 'webcrypto'

export const importKey: CryptoRuntime['importKey'] = async (alg, curve, source, kind) => {
  const params = keyParams(alg, curve)
  const usages = usagesFor(alg)
  let cryptoKey: CryptoKey
  try {
    cryptoKey = await importCryptoKey(params, source, kind, usages)
  } catch (cause) {
    if (isNotSupportedError(cause)) throw notSupported(alg, cause)
    throw new KeyInvalid(`key material for ${alg.name} could not be imported`, { cause })
  }
  if (cryptoKey.type !== kind) throw new KeyInvalid(`expected a ${kind} key, got a ${cryptoKey.type} key`)
  return new WebCryptoKey(cryptoKey, usages.public)
}

export const sign: CryptoRuntime['sign'] = async (alg, key, data) => {
  const { cryptoKey } = webCryptoKey(key)
  return new Uint8Array(await crypto.subtle.sign(signParams(alg, cryptoKey), cryptoKey, bufferSource(data)))
}

// HMAC goes through subtle.verify too: the WebCrypto HMAC verify operation must compare in constant time.
export const verify: CryptoRuntime['verify'] = (alg, key, data, signature) => {
  const handle = webCryptoKey(key)
  // subtle.verify copies its inputs when called, so a public or secret key reads them at once. A
  // private key's public half may still have to be derived first: copy the bytes before waiting.
  if (handle.kind !== 'private') {
    return crypto.subtle.verify(signParams(alg, handle.cryptoKey), handle.cryptoKey, bufferSource(signature), bufferSource(data))
  }
  const [dataCopy, signatureCopy] = [data.slice(), signature.slice()]
  return handle.verifyingKey().then((verifyingKey) =>
    crypto.subtle.verify(signParams(alg, verifyingKey), verifyingKey, signatureCopy, dataCopy),
  )
}

export const publicKey: CryptoRuntime['publicKey'] = async (key) => {
  if (key.kind === 'secret') throw new KeyUsageInvalid('a secret key has no public half')
  const handle = webCryptoKey(key)
  return key.kind === 'public' ? key : new WebCryptoKey(await handle.verifyingKey(), handle.publicUsages)
}

export const exportJWK: CryptoRuntime['exportJWK'] = async (key) => {
  return exportedMembers(await crypto.subtle.exportKey('jwk', webCryptoKey(key).cryptoKey))
}

export const exportDER: CryptoRuntime['exportDER'] = async (key, format) => {
  const handle = webCryptoKey(key)
  const cryptoKey = format === 'spki' ? await handle.verifyingKey() : handle.cryptoKey
  return new Uint8Array(await crypto.subtle.exportKey(format, cryptoKey))
}

export const generateKeyPair: CryptoRuntime['generateKeyPair'] = async (alg, { curve, modulusLength }) => {
  if (alg.kty === 'oct') throw new NotSupported(`cannot generate a key pair for ${alg.name}`)
  const params = keyParams(alg, curve)
  const generateParams = alg.kty === 'RSA' ? { ...params, modulusLength, publicExponent: F4 } : params
  const usages = usagesFor(alg)
  let pair: CryptoKeyPair
  try {
    pair = (await crypto.subtle.generateKey(generateParams, true, [...usages.public, ...usages.private])) as CryptoKeyPair
  } catch (cause) {
    if (isNotSupportedError(cause)) throw notSupported(alg, cause)
    throw cause
  }
  return {
    publicKey: new WebCryptoKey(pair.publicKey, usages.public),
    privateKey: new WebCryptoKey(pair.privateKey, usages.public, pair.publicKey),
  }
}

export const randomBytes: CryptoRuntime['randomBytes'] = (length) => {
  const bytes = new Uint8Array(length)
  for (let offset = 0; offset < length; offset += RANDOM_CHUNK) {
    crypto.getRandomValues(bytes.subarray(offset, offset + RANDOM_CHUNK))
  }
  return bytes
}

export const digest: CryptoRuntime['digest'] = async (hash, data) => {
  return new Uint8Array(await crypto.subtle.digest(hash, bufferSource(data)))
}

export const aesGcmEncrypt: CryptoRuntime['aesGcmEncrypt'] = async (key, iv, plaintext, aad) => {
  const cryptoKey = await rawKey(key, 'AES-GCM', ['encrypt'])
  const params: AesGcmParams = { name: 'AES-GCM', iv: bufferSource(iv), additionalData: bufferSource(aad), tagLength: 128 }
  // WebCrypto returns ciphertext ‖ tag.
  const sealed = new Uint8Array(await crypto.subtle.encrypt(params, cryptoKey, bufferSource(plaintext)))
  return { ciphertext: sealed.slice(0, -16), tag: sealed.slice(-16) }
}

export const aesGcmDecrypt: CryptoRuntime['aesGcmDecrypt'] = async (key, iv, ciphertext, tag, aad) => {
  const cryptoKey = await rawKey(key, 'AES-GCM', ['decrypt'])
  const params: AesGcmParams = { name: 'AES-GCM', iv: bufferSource(iv), additionalData: bufferSource(aad), tagLength: 128 }
  const sealed = new Uint8Array(ciphertext.length + tag.length)
  sealed.set(ciphertext)
  sealed.set(tag, ciphertext.length)
  const opened = await orNull(() => crypto.subtle.decrypt(params, cryptoKey, sealed))
  return opened === null ? null : new Uint8Array(opened as ArrayBuffer)
}

export const aesCbcEncrypt: CryptoRuntime['aesCbcEncrypt'] = async (key, iv, plaintext) => {
  const cryptoKey = await rawKey(key, 'AES-CBC', ['encrypt'])
  return new Uint8Array(await crypto.subtle.encrypt({ name: 'AES-CBC', iv: bufferSource(iv) }, cryptoKey, bufferSource(plaintext)))
}

export const aesCbcDecrypt: CryptoRuntime['aesCbcDecrypt'] = async (key, iv, ciphertext) => {
  const cryptoKey = await rawKey(key, 'AES-CBC', ['decrypt'])
  const opened = await orNull(() => crypto.subtle.decrypt({ name: 'AES-CBC', iv: bufferSource(iv) }, cryptoKey, bufferSource(ciphertext)))
  return opened === null ? null : new Uint8Array(opened as ArrayBuffer)
}

export const hmac: CryptoRuntime['hmac'] = async (hash, key, data) => {
  const cryptoKey = await rawKey(key, { name: 'HMAC', hash }, ['sign'])
  return new Uint8Array(await crypto.subtle.sign('HMAC', cryptoKey, bufferSource(data)))
}

export const aesKeyWrap: CryptoRuntime['aesKeyWrap'] = async (kek, cek) => {
  const wrappingKey = await rawKey(kek, 'AES-KW', ['wrapKey'])
  const cekKey = await crypto.subtle.importKey('raw', bufferSource(cek), CEK_AS_KEY, true, ['sign'])
  return new Uint8Array(await crypto.subtle.wrapKey('raw', cekKey, wrappingKey, 'AES-KW'))
}

export const aesKeyUnwrap: CryptoRuntime['aesKeyUnwrap'] = async (kek, wrapped) => {
  const unwrappingKey = await rawKey(kek, 'AES-KW', ['unwrapKey'])
  const cekKey = await orNull(() =>
    crypto.subtle.unwrapKey('raw', bufferSource(wrapped), unwrappingKey, 'AES-KW', CEK_AS_KEY, true, ['sign']),
  )
  return cekKey === null ? null : new Uint8Array(await crypto.subtle.exportKey('raw', cekKey as CryptoKey))
}

export const rsaEncrypt: CryptoRuntime['rsaEncrypt'] = async (_alg, key, cek) => {
  const publicKey = await webCryptoKey(key).verifyingKey()
  return new Uint8Array(await crypto.subtle.encrypt({ name: 'RSA-OAEP' }, publicKey, bufferSource(cek)))
}

// An RSA1_5 key never reaches this point: keyParams refuses it at import (WebCrypto has no RSAES-PKCS1-v1_5).
export const rsaDecrypt: CryptoRuntime['rsaDecrypt'] = async (_alg, key, encrypted) => {
  const opened = await orNull(() => crypto.subtle.decrypt({ name: 'RSA-OAEP' }, webCryptoKey(key).cryptoKey, bufferSource(encrypted)))
  return opened === null ? null : new Uint8Array(opened as ArrayBuffer)
}

export const ecdhDeriveBits: CryptoRuntime['ecdhDeriveBits'] = async (privateKey, publicKey, curve) => {
  const { cryptoKey } = webCryptoKey(privateKey)
  const publicCryptoKey = await webCryptoKey(publicKey).verifyingKey()
  const params = { name: cryptoKey.algorithm.name, public: publicCryptoKey } as EcdhKeyDeriveParams
  return new Uint8Array(await crypto.subtle.deriveBits(params, cryptoKey, SHARED_SECRET_BITS[curve] ?? null))
}

export const pbkdf2: CryptoRuntime['pbkdf2'] = async (hash, password, salt, iterations, length) => {
  const cryptoKey = await rawKey(password, 'PBKDF2', ['deriveBits'])
  const params: Pbkdf2Params = { name: 'PBKDF2', hash, salt: bufferSource(salt), iterations }
  return new Uint8Array(await crypto.subtle.deriveBits(params, cryptoKey, length * 8))
}

export const deflate: CryptoRuntime['deflate'] = async (data) => {
  return (await transform(data, new CompressionStream('deflate-raw'), Infinity))!
}

export const inflate: CryptoRuntime['inflate'] = async (data, maxLength) => {
  const inflated = await transform(data, new DecompressionStream('deflate-raw'), maxLength)
  // The Compression Streams standard refuses data after the end of the DEFLATE stream, but older
  // implementations (Node 20's) ignore it. There, a stream without trailing data is exactly one whose
  // last byte is needed: its final block ends in that byte, so without it inflation cannot finish.
  if (inflated !== null && data.length > 0 && !(await refusesTrailingData())) {
    const shortened = await transform(data.subarray(0, -1), new DecompressionStream('deflate-raw'), maxLength).catch(() => undefined)
    if (shortened !== undefined) throw new TypeError('data after the end of the DEFLATE stream')
  }
  return inflated
}

let trailingDataProbe: Promise<boolean> | undefined

/** Whether DecompressionStream refuses trailing data itself: an empty final block (03 00), then 00. */
function refusesTrailingData(): Promise<boolean> {
  trailingDataProbe ??= transform(new Uint8Array([3, 0, 0]), new DecompressionStream('deflate-raw'), 0).then(
    () => false,
    () => true,
  )
  return trailingDataProbe
}

/** Compile-time check that this module implements the whole {@link CryptoRuntime} interface. */
type Conforms<T extends CryptoRuntime> = T
export type Implementation = Conforms<typeof self>
