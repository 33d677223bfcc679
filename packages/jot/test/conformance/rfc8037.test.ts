// RFC 8037 Appendix A: Ed25519 keys, thumbprint, signing (deterministic) and validation.
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { importJWK, jwkThumbprint, signCompactJWS, verifyCompactJWS, type JWK } from 'jotjwt'
import { loadVectors, utf8 } from './vectors.js'

type Entry = { jwk: JWK; thumbprint?: string; compact?: string; payload?: string; protectedHeader?: string; expectedPayload?: string }
const vectors = loadVectors<Record<'A.1' | 'A.2' | 'A.3' | 'A.4' | 'A.5', Entry>>('rfc8037.json')

describe('RFC 8037 Appendix A (Ed25519)', () => {
  test('A.1/A.2: the private and public JWKs import for EdDSA and the fully-specified Ed25519', async () => {
    for (const alg of ['EdDSA', 'Ed25519'] as const) {
      assert.equal((await importJWK(vectors['A.1'].jwk, { alg })).type, 'private')
      assert.equal((await importJWK(vectors['A.2'].jwk, { alg })).type, 'public')
    }
  })

  test('A.3: the JWK thumbprint', async () => {
    assert.equal(await jwkThumbprint(vectors['A.3'].jwk), vectors['A.3'].thumbprint)
    assert.equal(await jwkThumbprint(await importJWK(vectors['A.1'].jwk, { alg: 'EdDSA' })), vectors['A.3'].thumbprint)
  })

  test('A.4: signing reproduces the RFC JWS byte for byte', async () => {
    const key = await importJWK(vectors['A.1'].jwk, { alg: 'EdDSA' })
    const jws = await signCompactJWS(vectors['A.4'].payload!, key, { protectedHeader: vectors['A.4'].protectedHeader! })
    assert.equal(jws, vectors['A.4'].compact)
  })

  test('A.5: the JWS validates with the public key; one flipped payload bit does not', async () => {
    const key = await importJWK(vectors['A.2'].jwk, { alg: 'EdDSA' })
    const { payload } = await verifyCompactJWS(vectors['A.5'].compact!, key)
    assert.equal(utf8(payload), vectors['A.5'].expectedPayload)
    const [header, body, signature] = vectors['A.5'].compact!.split('.') as [string, string, string]
    const flipped = body.slice(0, -1) + (body.endsWith('c') ? 'd' : 'c')
    await assert.rejects(verifyCompactJWS(`${header}.${flipped}.${signature}`, key), (e: { code?: string }) =>
      e.code === 'ERR_JWS_SIGNATURE_INVALID' || e.code === 'ERR_BASE64URL_INVALID')
  })
})
