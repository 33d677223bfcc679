/**
 * A public key stated beside a private key must be the one the private key derives. PKCS#8 v2
 * (RFC 5958 OneAsymmetricKey, version 1) may carry `publicKey [1] IMPLICIT BIT STRING`; no backend
 * is shown it (OpenSSL 3.0 refuses v2), so jot compares it with the public key the imported private
 * key derives, and refuses the key when they differ: otherwise a key file could advertise one public
 * key while its holder signs with another. The same check guards an AKP JWK's `pub` (test/key/ml-dsa).
 *
 * The v2 DER is built here by hand from node:crypto's v1 export plus a public key.
 */
import assert from 'node:assert/strict'
import { generateKeyPairSync, type KeyObject } from 'node:crypto'
import { describe, test } from 'node:test'
import { der, readAll, readTLV, toPEM } from '../der.js'
import { mlDsaExpected } from '../ml-dsa-material.js'
import { cryptoBackend, exportJWK, importJWK, importPEM, signCompactJWS, verifyCompactJWS, type JWK, type JWSAlgorithmName } from 'jotjwt'

/**
 * RFC 5958 §2 OneAsymmetricKey v2: version 1, the v1 key's AlgorithmIdentifier and privateKey, then
 * `publicKey [1] IMPLICIT BIT STRING` (tag 0x81, a zero unused-bits octet, the key).
 */
function pkcs8v2(v1: Uint8Array, publicKey: Uint8Array): Uint8Array {
  const [version, algorithm, privateKey, ...rest] = readAll(readTLV(v1).contents)
  assert.deepEqual([...version!.encoded], [0x02, 0x01, 0x00], 'node:crypto writes PKCS#8 v1')
  assert.equal(rest.length, 0)
  return der(0x30, Uint8Array.of(0x02, 0x01, 0x01), algorithm!.encoded, privateKey!.encoded, der(0x81, Uint8Array.of(0), publicKey))
}

const pem = (pkcs8: Uint8Array) => toPEM(pkcs8, 'PRIVATE KEY')

function pkcs8Of(key: KeyObject): Uint8Array {
  return new Uint8Array(key.export({ format: 'der', type: 'pkcs8' }))
}

/** The subjectPublicKey of a key's SPKI: the EC point, the raw OKP or ML-DSA key, RSAPublicKey DER. */
function publicKeyOf(key: KeyObject): Uint8Array {
  const spki = new Uint8Array(key.export({ format: 'der', type: 'spki' }))
  const [, bitString] = readAll(readTLV(spki).contents)
  return bitString!.contents.subarray(1)
}

/** SEC1 §2.3.3 compressed form of an uncompressed point 04 ‖ X ‖ Y: (02 | parity of Y) ‖ X. */
function compressed(point: Uint8Array, flipParity = false): Uint8Array {
  assert.equal(point[0], 0x04)
  const size = (point.length - 1) / 2
  const parity = (point[point.length - 1]! & 1) ^ (flipParity ? 1 : 0)
  return Uint8Array.from([0x02 | parity, ...point.subarray(1, 1 + size)])
}

function flipped(bytes: Uint8Array, index = bytes.length - 1): Uint8Array {
  const copy = Uint8Array.from(bytes)
  copy[index]! ^= 1
  return copy
}

const notTheKey = (error: { code?: string; message?: string }) => {
  assert.equal(error.code, 'ERR_KEY_INVALID', error.message)
  assert.match(error.message ?? '', /is not the public key of/)
  return true
}

async function assertSigns(pem: string, alg: JWSAlgorithmName, publicKey: KeyObject): Promise<void> {
  const key = await importPEM(pem, { alg })
  assert.equal(key.type, 'private')
  const expected = publicKey.export({ format: 'jwk' }) as Record<string, string>
  const jwk = await exportJWK(key)
  for (const member of ['x', 'y', 'n', 'e']) assert.equal(jwk[member], expected[member], `${member} is the derived key's`)
  const jws = await signCompactJWS('stated', key)
  await verifyCompactJWS(jws, await importPEM(publicKey.export({ format: 'pem', type: 'spki' }) as string, { alg }))
}

describe(`PKCS#8 v2 publicKey must be the private key's own (${cryptoBackend} backend)`, () => {
  test('EC P-256: the matching publicKey, uncompressed or compressed, imports; another key or the wrong parity is ERR_KEY_INVALID', async () => {
    const mine = generateKeyPairSync('ec', { namedCurve: 'P-256' })
    const theirs = generateKeyPairSync('ec', { namedCurve: 'P-256' })
    const v1 = pkcs8Of(mine.privateKey)
    const point = publicKeyOf(mine.publicKey)
    assert.equal(point.length, 65)

    await assertSigns(pem(pkcs8v2(v1, point)), 'ES256', mine.publicKey)
    await assertSigns(pem(pkcs8v2(v1, compressed(point))), 'ES256', mine.publicKey)

    const wrong: Array<[string, Uint8Array]> = [
      ["another key's point", publicKeyOf(theirs.publicKey)],
      ["another key's point, compressed", compressed(publicKeyOf(theirs.publicKey))],
      ['the right X with the wrong parity of Y', compressed(point, true)],
      ['the right X with another Y', Uint8Array.from([...point.subarray(0, 33), ...publicKeyOf(theirs.publicKey).subarray(33)])],
    ]
    for (const [label, publicKey] of wrong) {
      await assert.rejects(importPEM(pem(pkcs8v2(v1, publicKey)), { alg: 'ES256' }), notTheKey, label)
    }
  })

  test('Ed25519: the matching publicKey imports; another key is ERR_KEY_INVALID', async () => {
    const mine = generateKeyPairSync('ed25519')
    const theirs = generateKeyPairSync('ed25519')
    const v1 = pkcs8Of(mine.privateKey)
    for (const alg of ['EdDSA', 'Ed25519'] as const) {
      await assertSigns(pem(pkcs8v2(v1, publicKeyOf(mine.publicKey))), alg, mine.publicKey)
      await assert.rejects(importPEM(pem(pkcs8v2(v1, publicKeyOf(theirs.publicKey))), { alg }), notTheKey, alg)
      await assert.rejects(importPEM(pem(pkcs8v2(v1, flipped(publicKeyOf(mine.publicKey), 0))), { alg }), notTheKey, `${alg}, one bit off`)
    }
  })

  test('RSA: the matching RSAPublicKey imports; another key is ERR_KEY_INVALID', async () => {
    const mine = generateKeyPairSync('rsa', { modulusLength: 2048 })
    const theirs = generateKeyPairSync('rsa', { modulusLength: 2048 })
    const v1 = pkcs8Of(mine.privateKey)
    await assertSigns(pem(pkcs8v2(v1, publicKeyOf(mine.publicKey))), 'RS256', mine.publicKey)
    await assert.rejects(importPEM(pem(pkcs8v2(v1, publicKeyOf(theirs.publicKey))), { alg: 'PS256' }), notTheKey)
  })

  test('without a publicKey, and with a v2 publicKey but attributes too, the derived key is used as before', async () => {
    const mine = generateKeyPairSync('ec', { namedCurve: 'P-384' })
    const v1 = pkcs8Of(mine.privateKey)
    await assertSigns(pem(v1), 'ES384', mine.publicKey)
    const [, algorithm, privateKey] = readAll(readTLV(v1).contents).map((tlv) => tlv.encoded)
    // attributes [0] IMPLICIT SET (empty) before the publicKey.
    const withAttributes = der(0x30, Uint8Array.of(0x02, 0x01, 0x01), algorithm!, privateKey!, der(0xa0), der(0x81, Uint8Array.of(0), publicKeyOf(mine.publicKey)))
    await assertSigns(pem(withAttributes), 'ES384', mine.publicKey)
    const theirs = generateKeyPairSync('ec', { namedCurve: 'P-384' })
    const withTheirs = der(0x30, Uint8Array.of(0x02, 0x01, 0x01), algorithm!, privateKey!, der(0xa0), der(0x81, Uint8Array.of(0), publicKeyOf(theirs.publicKey)))
    await assert.rejects(importPEM(pem(withTheirs), { alg: 'ES384' }), notTheKey)
  })
})

describe(`ML-DSA PKCS#8 v2 publicKey (${cryptoBackend} backend)`, () => {
  const ML_DSA: ReadonlyArray<[JWSAlgorithmName, number, number]> = [
    ['ML-DSA-44', 17, 1312],
    ['ML-DSA-65', 18, 1952],
    ['ML-DSA-87', 19, 2592],
  ]
  for (const [alg, arc, publicKeyLength] of ML_DSA) {
    test(`${alg}: the matching publicKey imports, another is ERR_KEY_INVALID${mlDsaExpected ? '' : ' (here: ERR_NOT_SUPPORTED, no ML-DSA)'}`, async (t) => {
      if (!mlDsaExpected) {
        // RFC 9881: id-ml-dsa-* AlgorithmIdentifier without parameters; seed-only private key.
        const algorithm = der(0x30, Uint8Array.of(0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x03, arc))
        const v1 = der(0x30, Uint8Array.of(0x02, 0x01, 0x00), algorithm, der(0x04, der(0x80, new Uint8Array(32))))
        await assert.rejects(importPEM(pem(pkcs8v2(v1, new Uint8Array(publicKeyLength))), { alg }), { code: 'ERR_NOT_SUPPORTED' })
        t.diagnostic(`Node ${process.versions.node} has no ML-DSA (it needs 24.7): asserted ERR_NOT_SUPPORTED for a v2 PKCS#8`)
        return
      }
      // @types/node 20 does not know the ML-DSA key types.
      const generate = generateKeyPairSync as unknown as (type: string) => { publicKey: KeyObject; privateKey: KeyObject }
      const mine = generate(alg.toLowerCase())
      const theirs = generate(alg.toLowerCase())
      const v1 = pkcs8Of(mine.privateKey)
      const pub = publicKeyOf(mine.publicKey)
      assert.equal(pub.length, publicKeyLength)
      const key = await importPEM(pem(pkcs8v2(v1, pub)), { alg })
      assert.equal((await exportJWK(key)).pub, Buffer.from(pub).toString('base64url'))
      const jws = await signCompactJWS('stated', key)
      await verifyCompactJWS(jws, await importPEM(mine.publicKey.export({ format: 'pem', type: 'spki' }) as string, { alg }))
      await assert.rejects(importPEM(pem(pkcs8v2(v1, publicKeyOf(theirs.publicKey))), { alg }), notTheKey, "another key's pub")
      await assert.rejects(importPEM(pem(pkcs8v2(v1, flipped(pub))), { alg }), notTheKey, 'one bit off')
    })
  }
})

describe(`an EC private key's own public point (${cryptoBackend} backend)`, () => {
  // SEC1 and JWK private keys carry their public point too; node:crypto would adopt it unchecked.
  for (const [alg, namedCurve] of [['ES256', 'P-256'], ['ES384', 'P-384'], ['ES512', 'P-521']] as const) {
    test(`${alg}: a private JWK or SEC1 key stating another key's point is ERR_KEY_INVALID`, async () => {
      const own = generateKeyPairSync('ec', { namedCurve })
      const other = generateKeyPairSync('ec', { namedCurve })
      const jwk = own.privateKey.export({ format: 'jwk' })
      const { x, y } = other.publicKey.export({ format: 'jwk' })
      await assert.rejects(importJWK({ ...jwk, x: x!, y: y! } as JWK, { alg }), { code: 'ERR_KEY_INVALID' })
      assert.equal((await importJWK(jwk as JWK, { alg })).type, 'private')
      // SEC1 ECPrivateKey with the other key's point in its [1] publicKey field.
      const sec1 = own.privateKey.export({ format: 'der', type: 'sec1' })
      const offset = sec1.indexOf(publicKeyOf(own.publicKey))
      assert.ok(offset > 0, 'the SEC1 export embeds the public point')
      const forged = Buffer.from(sec1)
      forged.set(publicKeyOf(other.publicKey), offset)
      await assert.rejects(importPEM(toPEM(forged, 'EC PRIVATE KEY'), { alg }), { code: 'ERR_KEY_INVALID' })
    })
  }
})

