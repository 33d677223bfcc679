// RFC 9964 Appendix A.1 (JOSE): ML-DSA-44/65/87 keys with the all-zero seed, their thumbprints and
// compact JWS. Thumbprints need no ML-DSA primitive and are checked on every Node; everything else
// runs for real where ML-DSA exists (Node 24.7 and later, both backends) and must be
// ERR_NOT_SUPPORTED elsewhere.
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import * as jot from 'jotjwt'
import {
  exportJWK,
  importJWK,
  jwkThumbprint,
  signCompactJWS,
  toPublicKey,
  verifyCompactJWS,
  type JWK,
} from 'jotjwt'
import { rejectsWith } from '../helpers.js'
import { b64u, ML_DSA, mlDsaExpected, mlDsaUnavailability, RFC9964_EXAMPLES, SEED_LENGTH, type RfcExample } from '../ml-dsa-material.js'
import { utf8 } from './vectors.js'

const { assertUnavailable } = mlDsaUnavailability(jot)

/** The examples' JWS: header and payload segments, and the decoded signature. */
function segments(example: RfcExample): { header: string; payload: string; signature: Uint8Array } {
  const [header, payload, signature] = example.jws.split('.') as [string, string, string]
  return { header, payload, signature: b64u(signature) }
}

function withoutUse(jwk: JWK): JWK {
  const { use: _use, ...rest } = jwk
  return rest
}

test('the vector file holds the three RFC 9964 JOSE examples', () => {
  assert.deepEqual(
    RFC9964_EXAMPLES.map((example) => example.alg),
    ['ML-DSA-44', 'ML-DSA-65', 'ML-DSA-87'],
  )
})

for (const example of RFC9964_EXAMPLES) {
  const { alg } = example
  const sizes = ML_DSA[alg]

  describe(`RFC 9964 ${example.name}`, () => {
    test('the example is self-consistent: sizes, seed, signing input, kid', () => {
      assert.equal(b64u(example.publicJwk.pub as string).length, sizes.publicKey, 'pub is the FIPS 204 public key size')
      assert.deepEqual(b64u(example.privateJwk.priv as string), new Uint8Array(SEED_LENGTH), 'priv is the all-zero 32-byte seed')
      assert.equal(example.seedHex, '00'.repeat(SEED_LENGTH))
      const { header, payload, signature } = segments(example)
      assert.equal(signature.length, sizes.signature, 'the signature is the FIPS 204 signature size')
      assert.equal(utf8(b64u(header)), example.protectedHeader)
      assert.equal(utf8(b64u(payload)), example.payload)
      assert.equal(Buffer.from(`${header}.${payload}`, 'ascii').toString('hex'), example.signingInputHex)
      assert.equal(JSON.parse(example.protectedHeader).kid, example.thumbprint)
      assert.equal(example.publicJwk.kid, example.thumbprint)
      assert.equal(example.privateJwk.priv !== undefined && example.publicJwk.priv === undefined, true)
    })

    // RFC 7638 over alg, kty, pub (RFC 9964 §6): no ML-DSA primitive involved, so on every Node.
    test('jwkThumbprint of the public (and private) JWK is the example kid', async () => {
      assert.equal(await jwkThumbprint(example.publicJwk), example.thumbprint)
      assert.equal(await jwkThumbprint(example.privateJwk), example.thumbprint, 'priv is not a thumbprint member')
      const { kid: _kid, ...bare } = example.publicJwk
      assert.equal(await jwkThumbprint(bare), example.thumbprint, 'kid is not a thumbprint member')
      assert.notEqual(await jwkThumbprint({ ...bare, alg: alg === 'ML-DSA-44' ? 'ML-DSA-65' : 'ML-DSA-44' }), example.thumbprint, 'alg is one')
    })

    test('the public JWK imports and the RFC compact JWS verifies with it', async (t) => {
      if (!mlDsaExpected) return assertUnavailable(t, alg, 'verifying the RFC JWS')
      const publicKey = await importJWK(example.publicJwk, { alg })
      assert.equal(publicKey.type, 'public')
      assert.equal(publicKey.alg, alg)
      assert.equal(publicKey.kid, example.thumbprint)
      assert.equal(await jwkThumbprint(publicKey), example.thumbprint)

      const { payload, protectedHeader } = await verifyCompactJWS(example.jws, publicKey, { algorithms: [alg] })
      assert.equal(utf8(payload), example.payload)
      assert.deepEqual(protectedHeader, JSON.parse(example.protectedHeader))

      // One flipped signature bit, and one flipped payload character, must both fail.
      const { header, payload: body, signature } = segments(example)
      const flipped = Uint8Array.from(signature)
      flipped[100]! ^= 1
      await rejectsWith(verifyCompactJWS(`${header}.${body}.${Buffer.from(flipped).toString('base64url')}`, publicKey), 'ERR_JWS_SIGNATURE_INVALID')
      const otherBody = Buffer.from(example.payload.replace('Frodo', 'Sam')).toString('base64url')
      await rejectsWith(verifyCompactJWS(`${header}.${otherBody}.${example.jws.split('.')[2]}`, publicKey), 'ERR_JWS_SIGNATURE_INVALID')
    })

    test('the private JWK imports and re-exports as exactly the RFC JWK', async (t) => {
      if (!mlDsaExpected) return assertUnavailable(t, alg, 'importing the RFC private key')
      const privateKey = await importJWK(example.privateJwk, { alg })
      assert.equal(privateKey.type, 'private')
      assert.equal(privateKey.kid, example.thumbprint)
      const exported = await exportJWK(privateKey)
      assert.equal(exported.use, 'sig')
      assert.deepEqual(withoutUse(exported), example.privateJwk, 'kid, kty, alg, pub and priv as printed in the RFC')
      assert.deepEqual(withoutUse(await exportJWK(await toPublicKey(privateKey))), example.publicJwk, 'the public half is the RFC public JWK')
      assert.equal(await jwkThumbprint(privateKey), example.thumbprint)
    })

    test('a fresh signature by the RFC private key verifies with the RFC public key', async (t) => {
      if (!mlDsaExpected) return assertUnavailable(t, alg, 'signing with the RFC private key')
      const privateKey = await importJWK(example.privateJwk, { alg })
      const publicKey = await importJWK(example.publicJwk, { alg })
      // The exact RFC header text: the signing input is then the RFC's raw_to_be_signed.
      const jws = await signCompactJWS(example.payload, privateKey, { protectedHeader: example.protectedHeader })
      const [header, payload, signature] = jws.split('.') as [string, string, string]
      assert.equal(`${header}.${payload}`, example.jws.split('.').slice(0, 2).join('.'), 'same signing input as the RFC')
      assert.equal(b64u(signature).length, ML_DSA[alg].signature)
      const verified = await verifyCompactJWS(jws, publicKey, { algorithms: [alg] })
      assert.equal(utf8(verified.payload), example.payload)
      // And with the default header (alg and kid from the key).
      const plain = await signCompactJWS('fresh payload', privateKey)
      const { protectedHeader } = await verifyCompactJWS(plain, publicKey)
      assert.deepEqual(protectedHeader, { alg, kid: example.thumbprint })
    })
  })
}
