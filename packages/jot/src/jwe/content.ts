/**
 * Content encryption (RFC 7518 §5), the same for every serialization. AES_CBC_HMAC_SHA2 is composed
 * here from the runtime's AES-CBC and HMAC, once, so both backends share the tag check: it runs in
 * constant time and *before* any decryption, so a padding oracle never gets to see a forged
 * ciphertext (RFC 7518 §5.2.2.2).
 * @module
 */
import * as runtime from '#runtime'
import { JWEDecryptionFailed } from '../errors.js'
import type { CbcHmacEncryption, ContentEncryption } from '../jwa/content-encryption.js'
import { concatBytes, timingSafeEqual } from '../lib/bytes.js'

/** RFC 7518 §5.2.2.1: AL is the bit length of the AAD as a 64-bit big-endian integer. */
function aadLength(aad: Uint8Array): Uint8Array {
  const al = new Uint8Array(8)
  new DataView(al.buffer).setBigUint64(0, BigInt(aad.length) * 8n)
  return al
}

async function cbcTag(enc: CbcHmacEncryption, macKey: Uint8Array, aad: Uint8Array, iv: Uint8Array, ciphertext: Uint8Array): Promise<Uint8Array> {
  const mac = await runtime.hmac(enc.hash, macKey, concatBytes(aad, iv, ciphertext, aadLength(aad)))
  return mac.slice(0, enc.tagLength)
}

/** Encrypts with a CEK and IV whose lengths the caller has checked against `enc`. */
export async function encryptContent(
  enc: ContentEncryption,
  cek: Uint8Array,
  iv: Uint8Array,
  plaintext: Uint8Array,
  aad: Uint8Array,
): Promise<{ ciphertext: Uint8Array; tag: Uint8Array }> {
  if (enc.family === 'gcm') return runtime.aesGcmEncrypt(cek, iv, plaintext, aad)
  // RFC 7518 §5.2.2.1: CEK = MAC_KEY ‖ ENC_KEY.
  const half = enc.cekLength / 2
  const ciphertext = await runtime.aesCbcEncrypt(cek.subarray(half), iv, plaintext)
  return { ciphertext, tag: await cbcTag(enc, cek.subarray(0, half), aad, iv, ciphertext) }
}

/**
 * Decrypts and authenticates; every failure is the one {@link JWEDecryptionFailed}, whatever its
 * cause, so a caller cannot learn which check failed.
 */
export async function decryptContent(
  enc: ContentEncryption,
  cek: Uint8Array,
  iv: Uint8Array,
  ciphertext: Uint8Array,
  tag: Uint8Array,
  aad: Uint8Array,
): Promise<Uint8Array> {
  let plaintext: Uint8Array | null
  if (enc.family === 'gcm') {
    plaintext = await runtime.aesGcmDecrypt(cek, iv, ciphertext, tag, aad)
  } else {
    const half = enc.cekLength / 2
    const expected = await cbcTag(enc, cek.subarray(0, half), aad, iv, ciphertext)
    plaintext = timingSafeEqual(expected, tag) ? await runtime.aesCbcDecrypt(cek.subarray(half), iv, ciphertext) : null
  }
  if (plaintext === null) throw new JWEDecryptionFailed()
  return plaintext
}
