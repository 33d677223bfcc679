/**
 * JWE interop with jose 6, both ways, for every alg/enc pair both libraries support: every key
 * management algorithm jose has (RSA-OAEP*, A*KW, dir, ECDH-ES* on P-256/384/521 and X25519,
 * A*GCMKW, PBES2-*) with every content encryption algorithm. jose 6 has neither RSA1_5 nor X448.
 * Keys are made by jot and handed to jose as JWKs (or raw bytes for `dir` and PBES2 passwords).
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import * as jose from 'jose'
import {
  decryptCompactJWE,
  decryptFlattenedJWE,
  encryptCompactJWE,
  encryptFlattenedJWE,
  encryptGeneralJWE,
  exportJWK,
  generateKeyPair,
  generateSecret,
  importSecret,
  JWE_CONTENT_ENCRYPTION_NAMES,
  type ContentEncryptionName,
  type JotKey,
  type KeyManagementAlgorithmName,
} from 'jotjwt'

const PLAINTEXT = 'héllo, wörld ✓ jwe interop'
const PASSWORD = 'interop password'
const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes)

type JoseKey = jose.CryptoKey | Uint8Array
interface Pair { encrypt: JotKey; decrypt: JotKey; joseEncrypt: JoseKey; joseDecrypt: JoseKey }

const cache = new Map<string, Promise<Pair>>()
function pairFor(alg: KeyManagementAlgorithmName, enc: ContentEncryptionName, curve?: 'P-256' | 'P-384' | 'P-521' | 'X25519'): Promise<Pair> {
  const id = `${alg}/${alg === 'dir' ? enc : ''}/${curve ?? ''}`
  let pair = cache.get(id)
  if (!pair) {
    pair = (async (): Promise<Pair> => {
      if (alg === 'dir' || /KW$/.test(alg) && !alg.startsWith('ECDH') && !alg.startsWith('PBES2')) {
        const key = alg === 'dir' ? await generateSecret('dir', { enc }) : await generateSecret(alg)
        const raw = jose.base64url.decode((await exportJWK(key)).k!)
        return { encrypt: key, decrypt: key, joseEncrypt: raw, joseDecrypt: raw }
      }
      if (alg.startsWith('PBES2')) {
        const key = await importSecret(PASSWORD, { alg })
        const raw = new TextEncoder().encode(PASSWORD)
        return { encrypt: key, decrypt: key, joseEncrypt: raw, joseDecrypt: raw }
      }
      const { privateKey, publicKey } = await generateKeyPair(alg, curve ? { curve } : {})
      return {
        encrypt: publicKey,
        decrypt: privateKey,
        joseEncrypt: (await jose.importJWK((await exportJWK(publicKey)) as jose.JWK, alg)) as jose.CryptoKey,
        joseDecrypt: (await jose.importJWK((await exportJWK(privateKey)) as jose.JWK, alg)) as jose.CryptoKey,
      }
    })()
    cache.set(id, pair)
  }
  return pair
}

const ALGS: KeyManagementAlgorithmName[] = [
  'RSA-OAEP', 'RSA-OAEP-256', 'RSA-OAEP-384', 'RSA-OAEP-512',
  'A128KW', 'A192KW', 'A256KW', 'dir',
  'ECDH-ES', 'ECDH-ES+A128KW', 'ECDH-ES+A192KW', 'ECDH-ES+A256KW',
  'A128GCMKW', 'A192GCMKW', 'A256GCMKW',
  'PBES2-HS256+A128KW', 'PBES2-HS384+A192KW', 'PBES2-HS512+A256KW',
]

async function both(alg: KeyManagementAlgorithmName, enc: ContentEncryptionName, curve?: 'P-256' | 'P-384' | 'P-521' | 'X25519') {
  const pair = await pairFor(alg, enc, curve)
  const decryptOptions = alg.startsWith('PBES2') ? { keyManagementAlgorithms: [alg] } : {}
  const p2c = alg.startsWith('PBES2') ? { p2c: 1000 } : {}

  // jot → jose (compact and flattened with AAD)
  const compact = await encryptCompactJWE(PLAINTEXT, pair.encrypt, { enc, ...p2c })
  assert.equal(text((await jose.compactDecrypt(compact, pair.joseDecrypt, decryptOptions)).plaintext), PLAINTEXT)
  const flattened = await encryptFlattenedJWE(PLAINTEXT, pair.encrypt, { enc, aad: 'aad ✓', ...p2c })
  const opened = await jose.flattenedDecrypt(flattened as jose.FlattenedJWE, pair.joseDecrypt, decryptOptions)
  assert.equal(text(opened.plaintext), PLAINTEXT)
  assert.equal(text(opened.additionalAuthenticatedData!), 'aad ✓')

  // jose → jot
  const builder = new jose.CompactEncrypt(new TextEncoder().encode(PLAINTEXT)).setProtectedHeader({ alg, enc })
  if (alg.startsWith('PBES2')) builder.setKeyManagementParameters({ p2c: 1000 })
  const fromJose = await builder.encrypt(pair.joseEncrypt)
  assert.equal(text((await decryptCompactJWE(fromJose, pair.decrypt, decryptOptions)).plaintext), PLAINTEXT)
  const flatJose = await new jose.FlattenedEncrypt(new TextEncoder().encode(PLAINTEXT))
    .setProtectedHeader({ alg, enc, zip: 'DEF' })
    .setAdditionalAuthenticatedData(new TextEncoder().encode('aad'))
    .setKeyManagementParameters(alg.startsWith('PBES2') ? { p2c: 1000 } : {})
    .encrypt(pair.joseEncrypt)
  assert.equal(text((await decryptFlattenedJWE(flatJose as never, pair.decrypt, decryptOptions)).plaintext), PLAINTEXT)
}

describe('JWE interop with jose 6 (both directions)', () => {
  for (const alg of ALGS) {
    it(`${alg} with every enc`, async () => {
      for (const enc of JWE_CONTENT_ENCRYPTION_NAMES) await both(alg, enc)
    })
  }

  for (const curve of ['P-384', 'P-521', 'X25519'] as const) {
    it(`ECDH-ES and ECDH-ES+A256KW on ${curve}`, async () => {
      await both('ECDH-ES', 'A256GCM', curve)
      await both('ECDH-ES+A256KW', 'A128CBC-HS256', curve)
    })
  }
})

describe('jot → jose: compression, several recipients, ECDH party info', () => {
  it('zip "DEF": jot compresses, jose 6 decompresses (on by default, capped by maxDecompressedLength)', async () => {
    const pair = await pairFor('A256KW', 'A256GCM')
    const large = PLAINTEXT.repeat(400) // ~11 KB, very compressible, under both libraries' 250 KB cap
    const token = await encryptCompactJWE(large, pair.encrypt, { enc: 'A128CBC-HS256', protectedHeader: { zip: 'DEF' } })
    // jot really compressed: the ciphertext is far shorter than the plaintext.
    const ciphertextLength = jose.base64url.decode(token.split('.')[3]!).length
    assert.ok(ciphertextLength * 10 < new TextEncoder().encode(large).length, `ciphertext of ${ciphertextLength} bytes`)
    const { plaintext, protectedHeader } = await jose.compactDecrypt(token, pair.joseDecrypt)
    assert.equal(protectedHeader.zip, 'DEF')
    assert.equal(text(plaintext), large)
    // jose did decompress: with decompression refused, or capped below the size, it fails.
    await assert.rejects(jose.compactDecrypt(token, pair.joseDecrypt, { maxDecompressedLength: 0 }), { code: 'ERR_JOSE_NOT_SUPPORTED' })
    await assert.rejects(jose.compactDecrypt(token, pair.joseDecrypt, { maxDecompressedLength: 1000 }), { code: 'ERR_JWE_INVALID' })
  })

  it('general JSON JWE for A256KW and ECDH-ES+A256KW: jose generalDecrypt opens it with either key', async () => {
    const kw = await pairFor('A256KW', 'A256GCM')
    const ecdh = await pairFor('ECDH-ES+A256KW', 'A256GCM', 'P-256')
    const jwe = await encryptGeneralJWE(PLAINTEXT, [
      { key: kw.encrypt, unprotectedHeader: { kid: 'kw' } },
      { key: ecdh.encrypt, unprotectedHeader: { kid: 'ecdh' } },
    ], { enc: 'A128CBC-HS256', aad: 'aad ✓' })
    assert.equal(jwe.recipients.length, 2)
    for (const [pair, alg, kid] of [[kw, 'A256KW', 'kw'], [ecdh, 'ECDH-ES+A256KW', 'ecdh']] as const) {
      const opened = await jose.generalDecrypt(jwe as jose.GeneralJWE, pair.joseDecrypt)
      assert.equal(text(opened.plaintext), PLAINTEXT)
      assert.equal(text(opened.additionalAuthenticatedData!), 'aad ✓')
      assert.equal(opened.protectedHeader?.enc, 'A128CBC-HS256')
      assert.deepEqual([opened.unprotectedHeader?.alg, opened.unprotectedHeader?.kid], [alg, kid])
    }
    // A key that is none of the recipients' opens nothing.
    const stranger = await generateSecret('A256KW')
    const strangerRaw = jose.base64url.decode((await exportJWK(stranger)).k!)
    await assert.rejects(jose.generalDecrypt(jwe as jose.GeneralJWE, strangerRaw), { code: 'ERR_JWE_DECRYPTION_FAILED' })
  })

  it('ECDH-ES and ECDH-ES+A128KW with apu/apv set by jot: jose derives the same key', async () => {
    const apu = jose.base64url.encode('Alice')
    const apv = jose.base64url.encode('Bob')
    for (const [alg, curve] of [['ECDH-ES', 'P-256'], ['ECDH-ES', 'X25519'], ['ECDH-ES+A128KW', 'P-384']] as const) {
      const pair = await pairFor(alg, 'A256GCM', curve)
      // Protected apu/apv (compact): jose reads them from the header and feeds them to its KDF.
      const token = await encryptCompactJWE(PLAINTEXT, pair.encrypt, { protectedHeader: { apu, apv } })
      const { plaintext, protectedHeader } = await jose.compactDecrypt(token, pair.joseDecrypt)
      assert.equal(text(plaintext), PLAINTEXT)
      assert.deepEqual([protectedHeader.alg, protectedHeader.apu, protectedHeader.apv], [alg, apu, apv])

      // Unprotected apu/apv (flattened): removing or changing them changes only the KDF input, so
      // jose's failure without them shows that both sides really derived the key from them.
      const flattened = await encryptFlattenedJWE(PLAINTEXT, pair.encrypt, { unprotectedHeader: { apu, apv } })
      assert.equal(text((await jose.flattenedDecrypt(flattened as jose.FlattenedJWE, pair.joseDecrypt)).plaintext), PLAINTEXT)
      const { apu: _apu, ...withoutApu } = flattened.header!
      await assert.rejects(jose.flattenedDecrypt({ ...flattened, header: withoutApu } as jose.FlattenedJWE, pair.joseDecrypt), {
        code: 'ERR_JWE_DECRYPTION_FAILED',
      })
      await assert.rejects(
        jose.flattenedDecrypt({ ...flattened, header: { ...flattened.header, apv: jose.base64url.encode('Eve') } } as jose.FlattenedJWE, pair.joseDecrypt),
        { code: 'ERR_JWE_DECRYPTION_FAILED' },
      )
    }
  })
})
