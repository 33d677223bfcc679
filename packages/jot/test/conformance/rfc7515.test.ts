// RFC 7515 Appendix A: each example verified, and re-signed from the RFC's exact header and payload
// text to the RFC's exact bytes where the algorithm is deterministic (HMAC, RSASSA-PKCS1-v1_5).
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import {
  decodeUnsecuredJWT,
  importJWK,
  signCompactJWS,
  verifyCompactJWS,
  verifyFlattenedJWS,
  verifyGeneralJWS,
  verifyJWT,
  type FlattenedJWS,
  type GeneralJWS,
} from 'jotjwt'
import { loadVectors, publicJwk, utf8, type SigningVector } from './vectors.js'

const { vectors } = loadVectors<{ vectors: Array<SigningVector & Record<string, unknown>> }>('rfc7515.json')
const byId = (id: string) => vectors.find((v) => v.id === id)!
const DETERMINISTIC = new Set(['HS256', 'RS256'])
// The A.1–A.4 claims expire in 2011: verify them at a time when they were valid.
const BEFORE_EXPIRY = new Date('2011-03-22T18:00:00Z')

describe('RFC 7515 Appendix A', () => {
  for (const id of ['A.1', 'A.2', 'A.3', 'A.4']) {
    const vector = byId(id)
    test(`${id} (${vector.alg}): the RFC's JWS verifies and decodes to the RFC's payload`, async () => {
      const key = await importJWK(vector.alg.startsWith('HS') ? vector.jwk : publicJwk(vector.jwk), { alg: vector.alg })
      const { payload, protectedHeader } = await verifyCompactJWS(vector.compact, key)
      assert.equal(utf8(payload), vector.payload)
      assert.equal(protectedHeader.alg, vector.alg)
      if (id === 'A.4') return // A.4 signs the text "Payload", not a claims set
      const jwt = await verifyJWT(vector.compact, key, { issuer: 'joe', currentTime: BEFORE_EXPIRY })
      assert.equal(jwt.payload['http://example.com/is_root'], true)
      await assert.rejects(verifyJWT(vector.compact, key), { code: 'ERR_JWT_EXPIRED' })
    })

    test(`${id} (${vector.alg}): signing the RFC's header and payload text ${DETERMINISTIC.has(vector.alg) ? 'reproduces the RFC bytes' : 'gives a JWS that verifies'}`, async () => {
      const signingKey = await importJWK(vector.jwk, { alg: vector.alg })
      const jws = await signCompactJWS(vector.payload, signingKey, { protectedHeader: vector.protectedHeader })
      const [protectedB64, payloadB64] = jws.split('.')
      assert.equal(protectedB64, vector.protected)
      assert.equal(payloadB64, vector.encodedPayload)
      if (DETERMINISTIC.has(vector.alg)) assert.equal(jws, vector.compact)
      else assert.equal(utf8((await verifyCompactJWS(jws, signingKey)).payload), vector.payload)
    })
  }

  test('A.5: the unsecured JWS decodes only through the unsecured API; every verifier refuses it', async () => {
    const vector = byId('A.5')
    const { header, payload } = decodeUnsecuredJWT(vector.compact, { currentTime: BEFORE_EXPIRY })
    assert.deepEqual(header, { alg: 'none' })
    assert.equal(payload.iss, 'joe')
    const key = await importJWK(byId('A.1').jwk, { alg: 'HS256' })
    await assert.rejects(verifyCompactJWS(vector.compact, key), { code: 'ERR_ALG_NOT_ALLOWED' })
    await assert.rejects(verifyJWT(vector.compact, key, { currentTime: BEFORE_EXPIRY }), { code: 'ERR_ALG_NOT_ALLOWED' })
  })

  test('A.6: general JSON serialization with RS256 and ES256 signatures', async () => {
    const vector = byId('A.6') as unknown as { general: GeneralJWS; keys: Array<{ source: string }> }
    const rsa = await importJWK(publicJwk(byId('A.2').jwk), { alg: 'RS256' })
    const ec = await importJWK(publicJwk(byId('A.3').jwk), { alg: 'ES256' })
    const viaRsa = await verifyGeneralJWS(vector.general, rsa)
    const viaEc = await verifyGeneralJWS(vector.general, ec)
    assert.equal(viaRsa.signatureIndex, 0)
    assert.equal(viaEc.signatureIndex, 1)
    assert.equal(utf8(viaRsa.payload), byId('A.2').payload)
    assert.deepEqual(viaEc.unprotectedHeader, vector.general.signatures[1]!.header)
  })

  test('A.7: flattened JSON serialization', async () => {
    const vector = byId('A.7') as unknown as { flattened: FlattenedJWS }
    const ec = await importJWK(publicJwk(byId('A.3').jwk), { alg: 'ES256' })
    const { payload, protectedHeader, unprotectedHeader } = await verifyFlattenedJWS(vector.flattened, ec)
    assert.equal(utf8(payload), byId('A.3').payload)
    assert.equal(protectedHeader.alg, 'ES256')
    assert.deepEqual(unprotectedHeader, vector.flattened.header)
    // The same JWS as JSON text parses strictly and verifies the same way.
    assert.equal(utf8((await verifyFlattenedJWS(JSON.stringify(vector.flattened), ec)).payload), byId('A.3').payload)
  })
})
