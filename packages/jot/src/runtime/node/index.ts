/**
 * node:crypto backend: keys are KeyObjects parsed once at import; sign and verify are synchronous
 * one-shot calls (no promise hop, no re-parsing on the hot path).
 * @module
 */
import {
  constants,
  createCipheriv,
  createDecipheriv,
  createECDH,
  createHash,
  createHmac,
  createPrivateKey,
  createPublicKey,
  createSecretKey,
  diffieHellman,
  generateKeyPair as nodeGenerateKeyPair,
  generateKeyPairSync,
  pbkdf2 as nodePbkdf2,
  privateDecrypt,
  publicEncrypt,
  randomBytes as nodeRandomBytes,
  sign as nodeSign,
  timingSafeEqual,
  verify as nodeVerify,
  type CipherGCMTypes,
  type KeyObject,
  type SignKeyObjectInput,
  type VerifyKeyObjectInput,
} from 'node:crypto'
import { availableParallelism } from 'node:os'
import { promisify } from 'node:util'
import { deflateRaw, inflateRaw } from 'node:zlib'
import { KeyAlgorithmMismatch, KeyInvalid, NotSupported } from '../../errors.js'
import type { Curve } from '../../jwa/curves.js'
import type { KeyAlgorithm, OAEPHashName } from '../../jwa/key-management.js'
import type { HashName, JWSAlgorithm, JWSAlgorithmName } from '../../jwa/signing.js'
import type { CryptoRuntime, KeyKind, KeySource, RuntimeKey } from '../types.js'
import type * as self from './index.js'

interface NodeKey extends RuntimeKey {
  readonly keyObject: KeyObject
}

// Asynchronous generation: an RSA key takes long enough to stall a server's event loop.
const generate = /* @__PURE__ */ promisify(nodeGenerateKeyPair)
const pbkdf2Async = /* @__PURE__ */ promisify(nodePbkdf2)
const deflateAsync = /* @__PURE__ */ promisify(deflateRaw)
const inflateAsync = /* @__PURE__ */ promisify(inflateRaw)

/** RFC 3394 §2.2.3.1 default initial value. */
const KEY_WRAP_IV = /* @__PURE__ */ Buffer.alloc(8, 0xa6)

const OAEP_HASH: Record<OAEPHashName, string> = { 'SHA-1': 'sha1', 'SHA-256': 'sha256', 'SHA-384': 'sha384', 'SHA-512': 'sha512' }

const HASH: Record<HashName, string> = { 'SHA-256': 'sha256', 'SHA-384': 'sha384', 'SHA-512': 'sha512' }

type MlDsaName = Extract<JWSAlgorithmName, `ML-DSA-${string}`>

interface NodeKeyType {
  readonly type: string
  readonly namedCurve?: string
}

/**
 * node:crypto's names for the asymmetric key types jot accepts: by curve for EC and OKP keys, by
 * parameter set (the JOSE `alg`) for ML-DSA keys, and `RSA` for every RSA key.
 */
const NODE_KEY_TYPE: Readonly<Partial<Record<Curve | MlDsaName | 'RSA', NodeKeyType>>> = {
  RSA: { type: 'rsa' },
  'P-256': { type: 'ec', namedCurve: 'prime256v1' },
  'P-384': { type: 'ec', namedCurve: 'secp384r1' },
  'P-521': { type: 'ec', namedCurve: 'secp521r1' },
  secp256k1: { type: 'ec', namedCurve: 'secp256k1' },
  Ed25519: { type: 'ed25519' },
  Ed448: { type: 'ed448' },
  X25519: { type: 'x25519' },
  X448: { type: 'x448' },
  'ML-DSA-44': { type: 'ml-dsa-44' },
  'ML-DSA-65': { type: 'ml-dsa-65' },
  'ML-DSA-87': { type: 'ml-dsa-87' },
}

function gcmName(key: Uint8Array): CipherGCMTypes {
  return `aes-${key.length * 8}-gcm` as CipherGCMTypes
}

function keyObjectOf(key: RuntimeKey): KeyObject {
  return (key as NodeKey).keyObject
}

function wrap(keyObject: KeyObject): NodeKey {
  const kind: KeyKind = keyObject.type
  const bits =
    kind === 'secret' ? keyObject.symmetricKeySize! * 8 : keyObject.asymmetricKeyDetails?.modulusLength
  return bits === undefined ? { kind, keyObject } : { kind, bits, keyObject }
}

function createKeyObject(source: KeySource, kind: KeyKind): KeyObject {
  switch (source.format) {
    case 'secret':
      return createSecretKey(source.bytes)
    case 'jwk': {
      const input = { key: { ...source.jwk }, format: 'jwk' as const }
      // Re-parse through DER: with OpenSSL 3, a KeyObject built from JWK members wraps a legacy key
      // that verifies EC and Ed25519 signatures ~25% slower than the same key parsed from SPKI
      // (measured on Node 20). Paying once at import keeps the per-token path at the floor.
      if (kind === 'private') {
        const key = createPrivateKey(input)
        return createPrivateKey({ key: key.export({ format: 'der', type: 'pkcs8' }), format: 'der', type: 'pkcs8' })
      }
      const key = createPublicKey(input)
      return createPublicKey({ key: key.export({ format: 'der', type: 'spki' }), format: 'der', type: 'spki' })
    }
    case 'spki':
      return createPublicKey({ key: Buffer.from(source.der), format: 'der', type: 'spki' })
    case 'pkcs8':
      return createPrivateKey({ key: Buffer.from(source.der), format: 'der', type: 'pkcs8' })
  }
}

/** node:crypto's key type for an algorithm's keys, e.g. `ec` with `prime256v1`, or `ml-dsa-44`. */
function nodeKeyType(alg: KeyAlgorithm, curve: Curve | undefined): NodeKeyType {
  const entry = alg.family === 'ml-dsa' ? alg.name : alg.kty === 'RSA' ? 'RSA' : curve
  const type = entry === undefined ? undefined : NODE_KEY_TYPE[entry as keyof typeof NODE_KEY_TYPE]
  if (!type) throw new NotSupported(`${alg.name}${curve === undefined ? '' : ` (${curve})`} keys are not supported by the node:crypto backend`)
  return type
}

let mlDsaAvailable: boolean | undefined

/**
 * ML-DSA reached node:crypto KeyObjects in Node 24.6 and Node's WebCrypto in 24.7 (OpenSSL 3.5 alone
 * is not enough: Node 22 bundles it without exposing ML-DSA); older Node reports an unknown key type,
 * which must surface as NotSupported rather than as invalid key material. Probed once.
 */
function assertAvailable(alg: KeyAlgorithm): void {
  if (alg.family !== 'ml-dsa') return
  mlDsaAvailable ??= (() => {
    try {
      generateKeyPairSync('ml-dsa-44' as Parameters<typeof generateKeyPairSync>[0], {})
      return true
    } catch {
      return false
    }
  })()
  if (!mlDsaAvailable) {
    throw new NotSupported(`${alg.name} is not supported by this runtime: node:crypto in Node.js ${process.version} has no ML-DSA (it needs Node.js 24.7 or later)`)
  }
}

/** Belt and braces: the material was classified before import; the parsed key must agree. */
function assertKeyMatches(alg: KeyAlgorithm, curve: Curve | undefined, keyObject: KeyObject): void {
  if (alg.kty === 'oct') return
  const expected = nodeKeyType(alg, curve)
  const actual = keyObject.asymmetricKeyType
  const namedCurve = keyObject.asymmetricKeyDetails?.namedCurve
  if (actual !== expected.type || (expected.namedCurve !== undefined && namedCurve !== expected.namedCurve)) {
    throw new KeyAlgorithmMismatch(`key material does not fit ${alg.name}`)
  }
}

/** The key argument of crypto.sign/verify: the bare KeyObject where no option is needed (Node's fast path). */
function signInput(alg: JWSAlgorithm, keyObject: KeyObject): KeyObject | (SignKeyObjectInput & VerifyKeyObjectInput) {
  switch (alg.family) {
    case 'rsa-pss':
      return { key: keyObject, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: alg.saltLength }
    case 'ecdsa':
      return { key: keyObject, dsaEncoding: 'ieee-p1363' }
    default:
      return keyObject
  }
}

/** EdDSA and ML-DSA sign the message itself: no digest is named. */
function digestName(alg: JWSAlgorithm): string | null {
  return 'hash' in alg ? HASH[alg.hash] : null
}

// Each primitive is its own export (call sites use `import * as runtime from '#runtime'`), so a
// bundler keeps only the primitives a bundle calls: JWS-only code carries no JWE primitives.
export const name: CryptoRuntime['name'] = 'node'

export const importKey: CryptoRuntime['importKey'] = async (alg, curve, source, kind) => {
  assertAvailable(alg)
  let keyObject: KeyObject
  try {
    keyObject = createKeyObject(source, kind)
  } catch (cause) {
    throw new KeyInvalid(`key material for ${alg.name} could not be imported`, { cause })
  }
  if (keyObject.type !== kind) throw new KeyInvalid(`expected a ${kind} key, got a ${keyObject.type} key`)
  assertKeyMatches(alg, curve, keyObject)
  if (kind === 'private' && NODE_KEY_TYPE[curve!]?.type === 'ec') assertOwnECPoint(keyObject)
  if (alg.family === 'rsa1_5') assertPkcs1DecryptionAvailable(keyObject)
  return wrap(keyObject)
}

/**
 * An EC private key (SEC1, PKCS#8 or JWK) also states its public point, and node:crypto keeps that
 * point as the key's public half without checking it against the scalar: a key could then sign as
 * one key while publishing another's JWK. The point is recomputed from the scalar and must match
 * (WebCrypto refuses such keys itself).
 */
function assertOwnECPoint(keyObject: KeyObject): void {
  const { d, x, y } = keyObject.export({ format: 'jwk' })
  const ecdh = createECDH(keyObject.asymmetricKeyDetails!.namedCurve!)
  let own: Buffer
  try {
    ecdh.setPrivateKey(Buffer.from(d!, 'base64url'))
    own = ecdh.getPublicKey()
  } catch (cause) {
    throw new KeyInvalid('EC private key scalar is out of range', { cause })
  }
  const stated = Buffer.concat([Buffer.of(4), Buffer.from(x!, 'base64url'), Buffer.from(y!, 'base64url')])
  if (!own.equals(stated)) throw new KeyInvalid('EC private key states a public point that is not the public key of its scalar')
}

export const sign: CryptoRuntime['sign'] = (alg, key, data) => {
  const keyObject = keyObjectOf(key)
  if (alg.family === 'hmac') return createHmac(HASH[alg.hash], keyObject).update(data).digest()
  return nodeSign(digestName(alg), data, signInput(alg, keyObject))
}

export const verify: CryptoRuntime['verify'] = (alg, key, data, signature, offload) => {
  const keyObject = keyObjectOf(key)
  if (alg.family === 'hmac') {
    const expected = createHmac(HASH[alg.hash], keyObject).update(data).digest()
    return expected.length === signature.length && timingSafeEqual(expected, signature)
  }
  if (offload && threadPoolHelps()) return verifyInThreadPool(digestName(alg), data, signInput(alg, keyObject), signature)
  return nodeVerify(digestName(alg), data, signInput(alg, keyObject), signature)
}

/**
 * Offloading pays only where a pool thread can run beside the event loop. A process limited to one
 * CPU (affinity or cpuset: `taskset -c 0`, a pinned container; os.availableParallelism() counts
 * what the process may use) would only switch between the two threads on that CPU, which costs
 * more than the check itself saves, so there it verifies inline. Read once, at the first offload.
 */
let parallel: boolean | undefined
const threadPoolHelps = () => (parallel ??= availableParallelism() > 1)

/**
 * crypto.verify's callback form runs in libuv's thread pool: a server under concurrent load keeps
 * its event loop for requests while other cores check signatures. The inputs may be scratch memory
 * that the next call overwrites (runtime/types.ts). Node copies the inputs of an asynchronous job
 * when it is created, but does not document it: the job gets its own copies (a few hundred bytes).
 */
function verifyInThreadPool(digest: string | null, data: Uint8Array, key: ReturnType<typeof signInput>, signature: Uint8Array): Promise<boolean> {
  const ownData = Uint8Array.prototype.slice.call(data)
  const ownSignature = Uint8Array.prototype.slice.call(signature)
  return new Promise((resolve, reject) => {
    nodeVerify(digest, ownData, key, ownSignature, (error, valid) => (error ? reject(error) : resolve(valid)))
  })
}

export const publicKey: CryptoRuntime['publicKey'] = async (key) => {
  return wrap(createPublicKey(keyObjectOf(key)))
}

export const exportJWK: CryptoRuntime['exportJWK'] = async (key) => {
  return keyObjectOf(key).export({ format: 'jwk' }) as Record<string, string>
}

export const exportDER: CryptoRuntime['exportDER'] = async (key, format) => {
  const keyObject = keyObjectOf(key)
  if (format === 'spki') {
    const publicKey = keyObject.type === 'private' ? createPublicKey(keyObject) : keyObject
    return new Uint8Array(publicKey.export({ format: 'der', type: 'spki' }))
  }
  return new Uint8Array(keyObject.export({ format: 'der', type: 'pkcs8' }))
}

export const generateKeyPair: CryptoRuntime['generateKeyPair'] = async (alg, { curve, modulusLength }) => {
  if (alg.kty === 'oct') throw new NotSupported(`cannot generate a key pair for ${alg.name}`)
  assertAvailable(alg)
  const { type, namedCurve } = nodeKeyType(alg, curve)
  // One call for every type: only RSA (size) and EC (curve) take options; the others are the type.
  const options = type === 'rsa' ? { modulusLength } : namedCurve !== undefined ? { namedCurve } : {}
  const pair = await (generate as (type: string, options: object) => Promise<{ publicKey: KeyObject; privateKey: KeyObject }>)(type, options)
  return { publicKey: wrap(pair.publicKey), privateKey: wrap(pair.privateKey) }
}

export const randomBytes: CryptoRuntime['randomBytes'] = (length) => {
  return new Uint8Array(nodeRandomBytes(length))
}

export const digest: CryptoRuntime['digest'] = (hash, data) => {
  return createHash(HASH[hash]).update(data).digest()
}

export const aesGcmEncrypt: CryptoRuntime['aesGcmEncrypt'] = (key, iv, plaintext, aad) => {
  const cipher = createCipheriv(gcmName(key), key, iv, { authTagLength: 16 }).setAAD(aad)
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()])
  return { ciphertext, tag: cipher.getAuthTag() }
}

export const aesGcmDecrypt: CryptoRuntime['aesGcmDecrypt'] = (key, iv, ciphertext, tag, aad) => {
  try {
    const decipher = createDecipheriv(gcmName(key), key, iv, { authTagLength: 16 })
    decipher.setAAD(aad).setAuthTag(tag)
    return Buffer.concat([decipher.update(ciphertext), decipher.final()])
  } catch {
    return null
  }
}

export const aesCbcEncrypt: CryptoRuntime['aesCbcEncrypt'] = (key, iv, plaintext) => {
  const cipher = createCipheriv(`aes-${key.length * 8}-cbc`, key, iv)
  return Buffer.concat([cipher.update(plaintext), cipher.final()])
}

export const aesCbcDecrypt: CryptoRuntime['aesCbcDecrypt'] = (key, iv, ciphertext) => {
  try {
    const decipher = createDecipheriv(`aes-${key.length * 8}-cbc`, key, iv)
    return Buffer.concat([decipher.update(ciphertext), decipher.final()])
  } catch {
    return null
  }
}

export const hmac: CryptoRuntime['hmac'] = (hash, key, data) => {
  return createHmac(HASH[hash], key).update(data).digest()
}

export const aesKeyWrap: CryptoRuntime['aesKeyWrap'] = (kek, cek) => {
  const cipher = createCipheriv(`id-aes${kek.length * 8}-wrap`, kek, KEY_WRAP_IV)
  return Buffer.concat([cipher.update(cek), cipher.final()])
}

export const aesKeyUnwrap: CryptoRuntime['aesKeyUnwrap'] = (kek, wrapped) => {
  try {
    const decipher = createDecipheriv(`id-aes${kek.length * 8}-wrap`, kek, KEY_WRAP_IV)
    return Buffer.concat([decipher.update(wrapped), decipher.final()])
  } catch {
    return null
  }
}

export const rsaEncrypt: CryptoRuntime['rsaEncrypt'] = (alg, key, cek) => {
  const padding = { padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: OAEP_HASH[alg.hash] }
  return publicEncrypt({ key: keyObjectOf(key), ...padding }, cek)
}

export const rsaDecrypt: CryptoRuntime['rsaDecrypt'] = (alg, key, encrypted) => {
  const padding =
    alg.family === 'rsa-oaep'
      ? { padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: OAEP_HASH[alg.hash] }
      : { padding: constants.RSA_PKCS1_PADDING }
  try {
    return privateDecrypt({ key: keyObjectOf(key), ...padding }, encrypted)
  } catch {
    return null
  }
}

export const ecdhDeriveBits: CryptoRuntime['ecdhDeriveBits'] = (privateKey, publicKey) => {
  const peer = keyObjectOf(publicKey)
  return diffieHellman({ privateKey: keyObjectOf(privateKey), publicKey: peer.type === 'private' ? createPublicKey(peer) : peer })
}

export const pbkdf2: CryptoRuntime['pbkdf2'] = (hash, password, salt, iterations, length) => {
  return pbkdf2Async(password, salt, iterations, length, HASH[hash])
}

export const deflate: CryptoRuntime['deflate'] = async (data) => {
  return deflateAsync(data)
}

export const inflate: CryptoRuntime['inflate'] = async (data, maxLength) => {
  let result: { buffer: Buffer; engine: { bytesWritten: number } }
  try {
    // zlib checks maxOutputLength chunk by chunk and stops there: memory stays bounded by the cap.
    result = (await inflateAsync(data, { maxOutputLength: maxLength, info: true })) as unknown as typeof result
  } catch (error) {
    if ((error as { code?: unknown }).code === 'ERR_BUFFER_TOO_LARGE') return null
    throw error
  }
  // zlib stops at the end of the DEFLATE stream and ignores what follows; the Compression Streams
  // standard (and so the WebCrypto backend) refuses it, and so does this one.
  if (result.engine.bytesWritten !== data.length) throw new Error('data after the end of the DEFLATE stream')
  return result.buffer
}

/** Compile-time check that this module implements the whole {@link CryptoRuntime} interface. */
type Conforms<T extends CryptoRuntime> = T
export type Implementation = Conforms<typeof self>

/**
 * RSA1_5 is safe to decrypt only where PKCS#1 v1.5 padding errors cannot be observed. OpenSSL's
 * implicit rejection (the fix for CVE-2023-46809, the Marvin attack) returns a deterministic random
 * message for bad padding instead of failing; without it, bad padding throws while good padding
 * returns, and the difference in behaviour and timing is a Bleichenbacher oracle whatever jot does
 * afterwards. Node refuses RSA_PKCS1_PADDING private decryption when OpenSSL lacks implicit rejection,
 * unless started with `--security-revert=CVE-2023-46809`, which re-opens the oracle. So the probe
 * decrypts a ciphertext with wrong padding: an RSA1_5 key is accepted only if that *returns* bytes.
 */
function assertPkcs1DecryptionAvailable(keyObject: KeyObject): void {
  if (keyObject.type !== 'private') return
  const length = Math.ceil((keyObject.asymmetricKeyDetails?.modulusLength ?? 0) / 8)
  // EM = 0x00 ‖ 0x01 ‖ 0xff…: block type 1 (signatures) where decryption needs type 2.
  const badPadding = Buffer.alloc(length, 0xff)
  badPadding[0] = 0
  badPadding[1] = 1
  const probe = publicEncrypt({ key: createPublicKey(keyObject), padding: constants.RSA_NO_PADDING }, badPadding)
  try {
    privateDecrypt({ key: keyObject, padding: constants.RSA_PKCS1_PADDING }, probe)
  } catch (error) {
    const refused = (error as { code?: unknown }).code === 'ERR_INVALID_ARG_VALUE'
    throw new NotSupported(
      refused
        ? 'RSA1_5 decryption is disabled by this Node.js version (CVE-2023-46809: RSA_PKCS1_PADDING private ' +
            'decryption is refused); use RSA-OAEP'
        : 'RSA1_5 is refused: this Node.js/OpenSSL reports PKCS#1 v1.5 padding errors instead of implicit rejection ' +
            '(is --security-revert=CVE-2023-46809 set?), a Bleichenbacher padding oracle; use RSA-OAEP',
      { cause: error },
    )
  }
}
