// RFC 7797 §4: the unencoded-payload option, with the RFC's HMAC key and "$.02" payload.
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { importJWK, signCompactJWS, signFlattenedJWS, verifyCompactJWS, verifyFlattenedJWS, type FlattenedJWS, type JWK } from 'jotjwt'
import { loadVectors, utf8 } from './vectors.js'

interface Example {
  id: string
  protectedHeader: string
  protected: string
  signature: string
  compact: string
  flattened?: FlattenedJWS
}
const vectors = loadVectors<{ key: { jwk: JWK }; payload: string; examples: Example[] }>('rfc7797.json')
const [encoded, unencoded] = vectors.examples as [Example, Example]
const hmacKey = () => importJWK(vectors.key.jwk, { alg: 'HS256' })

describe('RFC 7797 §4', () => {
  test('4.1: b64 true, compact, reproduced byte for byte and verified', async () => {
    const key = await hmacKey()
    assert.equal(await signCompactJWS(vectors.payload, key), encoded.compact)
    assert.equal(utf8((await verifyCompactJWS(encoded.compact, key)).payload), vectors.payload)
  })

  test('4.2: b64 false, flattened JSON, reproduced byte for byte and verified', async () => {
    const key = await hmacKey()
    const jws = await signFlattenedJWS(vectors.payload, key, { b64: false })
    assert.deepEqual(jws, { protected: unencoded.protected, payload: vectors.payload, signature: unencoded.signature })
    assert.equal(utf8((await verifyFlattenedJWS(jws, key)).payload), vectors.payload)
  })

  test('4.2: b64 false with a detached payload verifies when the verifier supplies the content', async () => {
    const key = await hmacKey()
    const detached = { protected: unencoded.protected, signature: unencoded.signature }
    assert.equal(utf8((await verifyFlattenedJWS(detached, key, { payload: vectors.payload })).payload), vectors.payload)
    await assert.rejects(verifyFlattenedJWS(detached, key, { payload: '$.03' }), { code: 'ERR_JWS_SIGNATURE_INVALID' })
  })

  test('4.2: the compact form is refused: b64 false is supported in the JSON serializations only', async () => {
    const key = await hmacKey()
    await assert.rejects(verifyCompactJWS(unencoded.compact, key, { payload: vectors.payload }), { code: 'ERR_JWS_INVALID' })
    await assert.rejects(signCompactJWS(vectors.payload, key, { b64: false }), { code: 'ERR_INVALID_ARGUMENT' })
  })
})
