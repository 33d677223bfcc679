// RFC 7516 Appendix A.1–A.3 (JWE compact examples): each decrypts to the RFC plaintext, and
// re-encrypting with the RFC's CEK and IV reproduces every deterministic part byte for byte.
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import {
  base64url,
  cryptoBackend,
  decryptCompactJWE,
  encryptCompactJWE,
  importJWK,
  isJotError,
  toPublicKey,
  type ContentEncryptionName,
  type JWK,
  type KeyManagementAlgorithmName,
} from 'jot'
import { loadVectors, utf8 } from './vectors.js'

interface Vector {
  id: string
  alg: KeyManagementAlgorithmName
  enc: ContentEncryptionName
  jwk: JWK
  plaintext: string
  protectedHeader: string
  cek: string
  iv: string
  compact: string
  nondeterministic?: string
}

const { vectors } = loadVectors<{ vectors: Vector[] }>('rfc7516.json')
const byId = (id: string) => vectors.find((vector) => vector.id === id)!

function fixedInputs(vector: Vector) {
  return { cek: base64url.decode(vector.cek), iv: base64url.decode(vector.iv) }
}

describe('RFC 7516 Appendix A', () => {
  for (const id of ['A.1', 'A.3']) {
    const vector = byId(id)
    test(`${id} (${vector.alg} + ${vector.enc}): decrypts to the RFC plaintext`, async () => {
      const key = await importJWK(vector.jwk, { alg: vector.alg })
      const { plaintext, protectedHeader } = await decryptCompactJWE(vector.compact, key)
      assert.equal(utf8(plaintext), vector.plaintext)
      assert.deepEqual(protectedHeader, JSON.parse(vector.protectedHeader))
    })

    test(`${id}: re-encrypting with the RFC's CEK and IV ${vector.nondeterministic ? 'reproduces all but the randomized encrypted key' : 'reproduces the RFC bytes'}`, async () => {
      const key = await importJWK(vector.jwk, { alg: vector.alg })
      const encryptionKey = key.type === 'private' ? await toPublicKey(key) : key
      const jwe = await encryptCompactJWE(vector.plaintext, encryptionKey, {
        enc: vector.enc,
        protectedHeader: vector.protectedHeader,
        unsafeAllowFixedInputsForTesting: true,
        unsafeFixedInputs: fixedInputs(vector),
      })
      if (vector.nondeterministic) {
        const [header, , iv, ciphertext, tag] = jwe.split('.')
        const [rfcHeader, , rfcIv, rfcCiphertext, rfcTag] = vector.compact.split('.')
        assert.deepEqual([header, iv, ciphertext, tag], [rfcHeader, rfcIv, rfcCiphertext, rfcTag])
        assert.equal(utf8((await decryptCompactJWE(jwe, key)).plaintext), vector.plaintext)
      } else {
        assert.equal(jwe, vector.compact)
      }
    })
  }

  test('A.2 (RSA1_5): refused by default; with the unsafe opt-in it decrypts where the runtime still offers RSAES-PKCS1-v1_5', async () => {
    const vector = byId('A.2')
    await assert.rejects(importJWK(vector.jwk, { alg: 'RSA1_5' }), { code: 'ERR_ALG_NOT_ALLOWED' })
    let key
    try {
      key = await importJWK(vector.jwk, { alg: 'RSA1_5', unsafeAllowRSA1_5: true })
    } catch (error) {
      // WebCrypto has no RSAES-PKCS1-v1_5, and Node 20+ refuses PKCS#1 v1.5 private decryption
      // (CVE-2023-46809): a clear NotSupported, never a workaround.
      assert.ok(isJotError(error) && error.code === 'ERR_NOT_SUPPORTED', String(error))
      assert.match((error as Error).message, cryptoBackend === 'node' ? /CVE-2023-46809/ : /WebCrypto/)
      return
    }
    await assert.rejects(decryptCompactJWE(vector.compact, key), { code: 'ERR_ALG_NOT_ALLOWED' })
    const { plaintext } = await decryptCompactJWE(vector.compact, key, { keyManagementAlgorithms: ['RSA1_5'] })
    assert.equal(utf8(plaintext), vector.plaintext)
  })
})
