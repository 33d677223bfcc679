// RFC 8037 A.6 (X25519) and A.7 (X448): ECDH-ES key agreement on the CFRG curves. The RFC gives the
// keys, the ephemeral secret, the protected header and the shared secret Z, not a whole JWE. jot
// encrypts with the RFC's ephemeral key and header; the encrypted key is compared with the one
// computed independently (node:crypto) from the RFC's Z, and the recipient decrypts.
import assert from 'node:assert/strict'
import { createCipheriv, createHash } from 'node:crypto'
import { describe, test } from 'node:test'
import { base64url, cryptoBackend, decryptCompactJWE, encryptCompactJWE, importJWK, type JWK } from 'jotjwt'
import { loadVectors, utf8 } from './vectors.js'

interface Case {
  epk: JWK
  protectedHeader: string
  ephemeralSecretKeyHex: string
  ephemeralPublicKeyHex: string
  zHex: string
  bobPublicJwk?: JWK
  davePublicJwk?: JWK
  bobSecretKeyHex_fromRFC7748?: string
  daveSecretKeyHex_fromRFC7748?: string
}
const { jwe } = loadVectors<{ jwe: Record<'A.6' | 'A.7', Case> }>('rfc8037.json')
const b64 = (hex: string) => Buffer.from(hex, 'hex').toString('base64url')

/** RFC 7518 §4.6.2 Concat KDF, written out independently of jot. */
function concatKdf(z: Buffer, alg: string, bits: number): Buffer {
  const length = (value: number) => { const b = Buffer.alloc(4); b.writeUInt32BE(value); return b }
  const otherInfo = Buffer.concat([length(alg.length), Buffer.from(alg), length(0), length(0), length(bits)])
  const out: Buffer[] = []
  for (let counter = 1; out.length * 32 < bits / 8; counter++) {
    out.push(createHash('sha256').update(Buffer.concat([length(counter), z, otherInfo])).digest())
  }
  return Buffer.concat(out).subarray(0, bits / 8)
}

const CASES = [
  { id: 'A.6', curve: 'X25519', alg: 'ECDH-ES+A128KW', enc: 'A128GCM', cekLength: 16 },
  { id: 'A.7', curve: 'X448', alg: 'ECDH-ES+A256KW', enc: 'A256GCM', cekLength: 32 },
] as const

describe('RFC 8037 A.6/A.7: ECDH-ES on X25519 and X448', () => {
  for (const { id, curve, alg, enc, cekLength } of CASES) {
    const vector = jwe[id]
    const recipientPublic = (vector.bobPublicJwk ?? vector.davePublicJwk)!
    const recipientSecret = (vector.bobSecretKeyHex_fromRFC7748 ?? vector.daveSecretKeyHex_fromRFC7748)!
    const ephemeral: JWK = { kty: 'OKP', crv: curve, x: b64(vector.ephemeralPublicKeyHex), d: b64(vector.ephemeralSecretKeyHex) }
    const cek = new Uint8Array(cekLength).fill(7)

    test(`${id} (${curve}, ${alg}): the encrypted key is AES-KW(KDF(Z from the RFC), CEK) and the recipient decrypts`, async () => {
      const publicKey = await importJWK(recipientPublic, { alg })
      assert.equal(publicKey.curve, curve)
      const token = await encryptCompactJWE('RFC 8037 ' + id, publicKey, {
        enc,
        protectedHeader: vector.protectedHeader,
        unsafeAllowFixedInputsForTesting: true,
        unsafeFixedInputs: { epk: ephemeral, cek },
      })
      const [header, encryptedKey] = token.split('.')
      assert.equal(header, base64url.encode(vector.protectedHeader))
      const kek = concatKdf(Buffer.from(vector.zHex, 'hex'), alg, cekLength * 8)
      const wrap = createCipheriv(`id-aes${cekLength * 8}-wrap`, kek, Buffer.alloc(8, 0xa6))
      assert.equal(encryptedKey, Buffer.concat([wrap.update(cek), wrap.final()]).toString('base64url'))

      const privateKey = await importJWK({ ...recipientPublic, d: b64(recipientSecret) }, { alg })
      const { plaintext, protectedHeader } = await decryptCompactJWE(token, privateKey)
      assert.equal(utf8(plaintext), 'RFC 8037 ' + id)
      assert.deepEqual(protectedHeader.epk, vector.epk)
    })
  }

  test('the backend under test is the one the suite runs', () => assert.ok(['node', 'webcrypto'].includes(cryptoBackend)))
})
