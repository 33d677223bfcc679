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
  toPublicKey,
  type ContentEncryptionName,
  type JWK,
  type KeyManagementAlgorithmName,
} from 'jotjwt'
import { importRsa1_5WhereSafe } from '../pkcs1-probe.js'
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

  // Strict: the outcome is decided by what the runtime does, probed with node:crypto itself
  // (test/pkcs1-probe.ts). Where PKCS#1 v1.5 decryption has implicit rejection the vector MUST
  // decrypt; elsewhere the key MUST be refused as ERR_NOT_SUPPORTED.
  test('A.2 (RSA1_5 + A128CBC-HS256): refused by default; with the opt-ins it decrypts exactly where the runtime has implicit rejection', async (t) => {
    const vector = byId('A.2')
    const key = await importRsa1_5WhereSafe(t, 'A.2', cryptoBackend, (unsafeAllowRSA1_5) => importJWK(vector.jwk, { alg: 'RSA1_5', unsafeAllowRSA1_5 }))
    if (key === undefined) return
    await assert.rejects(decryptCompactJWE(vector.compact, key), { code: 'ERR_ALG_NOT_ALLOWED' })
    const { plaintext, protectedHeader } = await decryptCompactJWE(vector.compact, key, { keyManagementAlgorithms: ['RSA1_5'] })
    assert.equal(utf8(plaintext), vector.plaintext)
    assert.deepEqual(protectedHeader, JSON.parse(vector.protectedHeader))
  })
})
