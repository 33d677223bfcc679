// RFC 7797 §4: the unencoded-payload option, with the RFC's HMAC key and "$.02" payload.
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import {
  generateKeyPair,
  importJWK,
  signCompactJWS,
  signFlattenedJWS,
  signGeneralJWS,
  verifyCompactJWS,
  verifyFlattenedJWS,
  verifyGeneralJWS,
  type FlattenedJWS,
  type GeneralJWS,
  type JWK,
} from 'jotjwt'
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

describe('RFC 7797 §3: every signature of a general JWS has the same b64', () => {
  // One payload member, two readings: base64url text for the b64: true signature ('aGk' is "hi"),
  // the content itself for the b64: false one. Each key would see a different payload.
  async function mixed(): Promise<{ jws: GeneralJWS; encodedSigner: Awaited<ReturnType<typeof generateKeyPair>>; rawSigner: Awaited<ReturnType<typeof generateKeyPair>> }> {
    const encodedSigner = await generateKeyPair('ES256', { kid: 'encoded' })
    const rawSigner = await generateKeyPair('ES256', { kid: 'raw' })
    const encoded = await signFlattenedJWS('hi', encodedSigner.privateKey)
    const raw = await signFlattenedJWS('aGk', rawSigner.privateKey, { b64: false })
    assert.equal(encoded.payload, raw.payload)
    const jws: GeneralJWS = {
      payload: encoded.payload!,
      signatures: [
        { protected: encoded.protected!, signature: encoded.signature },
        { protected: raw.protected!, signature: raw.signature },
      ],
    }
    return { jws, encodedSigner, rawSigner }
  }

  test('a general JWS whose signatures disagree on b64 is refused, whichever key verifies', async () => {
    const { jws, encodedSigner, rawSigner } = await mixed()
    for (const key of [encodedSigner.publicKey, rawSigner.publicKey]) {
      await assert.rejects(verifyGeneralJWS(jws, key), { code: 'ERR_JWS_INVALID' })
      await assert.rejects(verifyGeneralJWS(JSON.stringify(jws), key), { code: 'ERR_JWS_INVALID' })
    }
    await assert.rejects(verifyGeneralJWS(jws, () => [encodedSigner.publicKey, rawSigner.publicKey]), { code: 'ERR_JWS_INVALID' })
    const { payload: _payload, ...detached } = jws
    await assert.rejects(verifyGeneralJWS(detached, rawSigner.publicKey, { payload: 'aGk' }), { code: 'ERR_JWS_INVALID' })
  })

  test('signatures that agree verify: b64 true stated or implied, or b64 false throughout', async () => {
    const { privateKey, publicKey } = await generateKeyPair('ES256')
    const implied = await signFlattenedJWS('hi', privateKey)
    const stated = await signFlattenedJWS('hi', privateKey, { protectedHeader: { b64: true, crit: ['b64'] } })
    const agreeing: GeneralJWS = {
      payload: implied.payload!,
      signatures: [
        { protected: stated.protected!, signature: stated.signature },
        { protected: implied.protected!, signature: implied.signature },
      ],
    }
    assert.equal(utf8((await verifyGeneralJWS(agreeing, publicKey)).payload), 'hi')
    const unencoded = await signGeneralJWS(vectors.payload, [{ key: privateKey }, { key: await hmacKey() }], { b64: false })
    assert.equal(utf8((await verifyGeneralJWS(unencoded, publicKey)).payload), vectors.payload)
  })

  test('signing cannot produce a mixed general JWS: b64 is one option for all signers', async () => {
    const { privateKey } = await generateKeyPair('ES256')
    const unencoded = { b64: false, crit: ['b64'] }
    await assert.rejects(signGeneralJWS('hi', [{ key: privateKey }, { key: privateKey, protectedHeader: unencoded }]), {
      code: 'ERR_INVALID_ARGUMENT',
    })
    await assert.rejects(
      signGeneralJWS('hi', [{ key: privateKey, protectedHeader: '{"alg":"ES256"}' }, { key: privateKey }], { b64: false }),
      { code: 'ERR_INVALID_ARGUMENT' },
    )
    await assert.rejects(signGeneralJWS('hi', [{ key: privateKey, protectedHeader: { b64: true, crit: ['b64'] } }], { b64: false }), {
      code: 'ERR_INVALID_ARGUMENT',
    })
  })
})
