// RFC 7518 Appendix B (AES_CBC_HMAC_SHA2 test cases) and Appendix C (ECDH-ES key agreement).
//
// Appendix B specifies the AEAD itself, below any JWE: its AAD ("The second principle of Auguste
// Kerckhoffs") can never be a JWE's AAD, which is always base64url text. So this one block imports
// jot's content encryption module directly (as the runtime parity test imports the backends);
// everything else goes through the package.
import assert from 'node:assert/strict'
import { createDecipheriv } from 'node:crypto'
import { describe, test } from 'node:test'
import { base64url, decryptCompactJWE, encryptCompactJWE, importJWK, type JWK } from 'jotjwt'
import { CONTENT_ENCRYPTION } from '../../src/jwa/content-encryption.js'
import { decryptContent, encryptContent } from '../../src/jwe/content.js'
import { loadVectors, utf8 } from './vectors.js'

interface CaseB { id: string; enc: string; K: string; P: string; IV: string; A: string; E: string; T: string }
interface CaseC {
  aliceEphemeralJwk: JWK
  bobJwk: JWK
  headerParameters: { alg: 'ECDH-ES'; enc: 'A128GCM'; apu: string; apv: string; epk: JWK }
  derivedKey: string
}
const vectors = loadVectors<{ B: CaseB[]; C: CaseC }>('rfc7518.json')
const hex = (text: string) => Uint8Array.from(Buffer.from(text, 'hex'))
const toHex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex')

describe('RFC 7518 Appendix B: AES_CBC_HMAC_SHA2', () => {
  for (const vector of vectors.B) {
    const enc = CONTENT_ENCRYPTION[vector.enc]!
    test(`${vector.id} (${vector.enc}): encryption gives exactly E and T`, async () => {
      const { ciphertext, tag } = await encryptContent(enc, hex(vector.K), hex(vector.IV), hex(vector.P), hex(vector.A))
      assert.equal(toHex(ciphertext), vector.E)
      assert.equal(toHex(tag), vector.T)
    })

    test(`${vector.id}: decryption gives P; a flipped bit in E, T, A or IV fails with the one generic error`, async () => {
      const plaintext = await decryptContent(enc, hex(vector.K), hex(vector.IV), hex(vector.E), hex(vector.T), hex(vector.A))
      assert.equal(toHex(plaintext), vector.P)
      const inputs = [vector.E, vector.T, vector.A, vector.IV]
      for (let which = 0; which < inputs.length; which++) {
        const args = inputs.map((value, i) => {
          const bytes = hex(value)
          if (i === which) bytes[bytes.length - 1]! ^= 1
          return bytes
        })
        await assert.rejects(decryptContent(enc, hex(vector.K), args[3]!, args[0]!, args[1]!, args[2]!), {
          code: 'ERR_JWE_DECRYPTION_FAILED',
        })
      }
    })
  }
})

describe('RFC 7518 Appendix C: ECDH-ES key agreement', () => {
  const { aliceEphemeralJwk, bobJwk, headerParameters, derivedKey } = vectors.C
  const { d: _d, ...bobPublic } = bobJwk
  const protectedHeader = JSON.stringify(headerParameters)
  const plaintext = 'Appendix C'

  async function encrypt(): Promise<string> {
    return encryptCompactJWE(plaintext, await importJWK(bobPublic, { alg: 'ECDH-ES' }), {
      enc: 'A128GCM',
      protectedHeader,
      unsafeAllowFixedInputsForTesting: true,
      unsafeFixedInputs: { epk: aliceEphemeralJwk, iv: new Uint8Array(12) },
    })
  }

  test('with Alice\'s ephemeral key and apu/apv, the CEK jot derives is the RFC\'s derived key', async () => {
    const [header, encryptedKey, iv, ciphertext, tag] = (await encrypt()).split('.') as [string, string, string, string, string]
    assert.equal(header, base64url.encode(protectedHeader))
    assert.equal(encryptedKey, '')
    // Decrypt jot's output with the RFC's derived key, independently of jot.
    const decipher = createDecipheriv('aes-128-gcm', Buffer.from(derivedKey, 'base64url'), Buffer.from(iv, 'base64url'))
    decipher.setAAD(Buffer.from(header)).setAuthTag(Buffer.from(tag, 'base64url'))
    const opened = Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64url')), decipher.final()])
    assert.equal(opened.toString(), plaintext)
  })

  test('Bob decrypts with his private key', async () => {
    const { plaintext: opened, protectedHeader: header } = await decryptCompactJWE(await encrypt(), await importJWK(bobJwk, { alg: 'ECDH-ES' }))
    assert.equal(utf8(opened), plaintext)
    assert.deepEqual(header, headerParameters)
  })
})
