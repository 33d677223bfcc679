// RFC 7520 §4 (JOSE cookbook, signatures): every example verified in every serialization it gives,
// and re-created from the RFC's inputs; deterministic algorithms must reproduce the RFC bytes.
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import {
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
  type JWSAlgorithmName,
  type JWSHeaderParameters,
} from 'jotjwt'
import { loadVectors, publicJwk, utf8 } from './vectors.js'

interface Example {
  id: string
  alg: JWSAlgorithmName
  key: JWK
  payload: string
  protectedHeader?: string
  unprotectedHeader?: JWSHeaderParameters
  compact?: string
  flattened: FlattenedJWS
  general: GeneralJWS
  detached?: boolean
  nondeterministic?: boolean
  signatures?: Array<{ alg: JWSAlgorithmName; key: JWK }>
}

const { examples } = loadVectors<{ examples: Example[] }>('rfc7520.json')
const single = examples.filter((example) => example.id !== '4.8')

async function verificationKey(alg: JWSAlgorithmName, jwk: JWK) {
  return importJWK(alg.startsWith('HS') ? jwk : publicJwk(jwk), { alg })
}

describe('RFC 7520 §4 signatures', () => {
  for (const example of single) {
    const detached = example.detached ? { payload: example.payload } : {}

    test(`${example.id} (${example.alg}): verifies in every serialization the RFC gives`, async () => {
      const key = await verificationKey(example.alg, example.key)
      const results = [
        await verifyFlattenedJWS(example.flattened, key, detached),
        await verifyGeneralJWS(example.general, key, detached),
      ]
      if (example.compact) results.push(await verifyCompactJWS(example.compact, key, detached))
      for (const result of results) assert.equal(utf8(result.payload), example.payload)
    })

    test(`${example.id} (${example.alg}): signing the RFC inputs ${example.nondeterministic ? 'verifies' : 'reproduces the RFC bytes'}`, async () => {
      const key = await importJWK(example.key, { alg: example.alg })
      const flattened = await signFlattenedJWS(example.payload, key, {
        protectedHeader: example.protectedHeader ?? '',
        ...(example.unprotectedHeader ? { unprotectedHeader: example.unprotectedHeader } : {}),
        ...(example.detached ? { detached: true } : {}),
      })
      if (example.nondeterministic) {
        assert.equal(flattened.protected, example.flattened.protected)
        assert.equal(utf8((await verifyFlattenedJWS(flattened, key)).payload), example.payload)
        return
      }
      assert.deepEqual(flattened, example.flattened)
      if (example.compact) {
        const compact = await signCompactJWS(example.payload, key, {
          protectedHeader: example.protectedHeader!,
          ...(example.detached ? { detached: true } : {}),
        })
        assert.equal(compact, example.compact)
      }
    })
  }

  test('4.8: multiple signatures (RS256, ES512, HS256) each verify with their own key', async () => {
    const example = examples.find((e) => e.id === '4.8')!
    for (const [index, signer] of example.signatures!.entries()) {
      const key = await verificationKey(signer.alg, signer.key)
      const result = await verifyGeneralJWS(example.general, key)
      assert.equal(result.signatureIndex, index)
      assert.equal(utf8(result.payload), example.payload)
    }
  })

  test('4.8: signing with the three keys reproduces the RFC signatures of the deterministic algorithms', async () => {
    const example = examples.find((e) => e.id === '4.8')!
    const signers = await Promise.all(
      example.signatures!.map(async (signer, index) => {
        const entry = example.general.signatures[index]!
        return {
          key: await importJWK(signer.key, { alg: signer.alg }),
          protectedHeader: entry.protected ? utf8(Uint8Array.from(Buffer.from(entry.protected, 'base64url'))) : '',
          ...(entry.header ? { unprotectedHeader: entry.header } : {}),
        }
      }),
    )
    const general = await signGeneralJWS(example.payload, signers)
    assert.equal(general.payload, example.general.payload)
    assert.deepEqual(general.signatures[0], example.general.signatures[0]) // RS256
    assert.deepEqual(general.signatures[2], example.general.signatures[2]) // HS256
    assert.deepEqual(general.signatures[1]!.header, example.general.signatures[1]!.header) // ES512 is randomized
    const es512 = await verificationKey('ES512', example.signatures![1]!.key)
    assert.equal((await verifyGeneralJWS(general, es512)).signatureIndex, 1)
  })
})
