// Making DPoP proofs (RFC 9449 §4.2): what jot puts in them, and what it refuses to make.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import {
  createDPoPProof,
  decodeJWTUnverified,
  exportJWK,
  generateKeyPair,
  generateSecret,
  importJWK,
  jwkThumbprint,
  verifyCompactJWS,
  type JWSAlgorithmName,
} from 'jotjwt'
import { rejectsWith } from '../helpers.js'

const NOW = 1_700_000_000
const { privateKey, publicKey } = await generateKeyPair('ES256', { kid: 'client-key' })

describe('createDPoPProof', () => {
  it('makes a dpop+jwt signed by the key, carrying exactly the public key\'s RFC 7638 members', async () => {
    const proof = await createDPoPProof(privateKey, { method: 'POST', url: 'https://as.example/token', currentTime: NOW })
    const { header, payload } = decodeJWTUnverified(proof)
    const { kty, crv, x, y } = await exportJWK(publicKey)
    assert.deepEqual(header, { typ: 'dpop+jwt', alg: 'ES256', jwk: { crv, kty, x, y } })
    assert.deepEqual(Object.keys(payload), ['jti', 'htm', 'htu', 'iat'])
    assert.equal(payload.htm, 'POST')
    assert.equal(payload.htu, 'https://as.example/token')
    assert.equal(payload.iat, NOW)
    // At least 96 bits of randomness (§4.2): 128 bits, 22 base64url characters.
    assert.match(payload.jti!, /^[\w-]{22}$/)
    await verifyCompactJWS(proof, await importJWK(header.jwk!, { alg: 'ES256' }))
    assert.equal(await jwkThumbprint(header.jwk!), await jwkThumbprint(publicKey))
  })

  it('htu is the URL without query and fragment; the method is kept exactly', async () => {
    const proof = await createDPoPProof(privateKey, { method: 'patch', url: new URL('HTTPS://API.Example:443/a/b?c=d#e') })
    const { payload } = decodeJWTUnverified(proof)
    assert.equal(payload.htu, 'https://api.example/a/b')
    assert.equal(payload.htm, 'patch')
  })

  it('adds ath for an access token (RFC 9449 Figure 14\'s hash), nonce, and a chosen jti', async () => {
    const proof = await createDPoPProof(privateKey, {
      method: 'GET',
      url: 'https://resource.example.org/protectedresource',
      accessToken: 'Kz~8mXK1EalYznwH-LC-1fBAo.4Ljp~zsPE_NeO.gxU',
      nonce: 'eyJ7S_zG.eyJH0-Z.HX4w-7v',
      jti: 'e1j3V_bKic8-LAEB',
    })
    const { payload } = decodeJWTUnverified(proof)
    assert.equal(payload.ath, 'fUHyO2r2Z3DZ53EsNrWBb0xWXoaNy59IiKCAqksmQEo')
    assert.equal(payload.nonce, 'eyJ7S_zG.eyJH0-Z.HX4w-7v')
    assert.equal(payload.jti, 'e1j3V_bKic8-LAEB')
  })

  it('every proof has its own jti', async () => {
    const jtis = new Set<string>()
    for (let i = 0; i < 50; i++) jtis.add(decodeJWTUnverified(await createDPoPProof(privateKey, { method: 'GET', url: 'https://a.example/' })).payload.jti!)
    assert.equal(jtis.size, 50)
  })

  it('signs with every asymmetric family', async () => {
    for (const alg of ['ES384', 'EdDSA', 'PS256', 'RS256'] as JWSAlgorithmName[]) {
      const pair = await generateKeyPair(alg)
      const proof = await createDPoPProof(pair.privateKey, { method: 'GET', url: 'https://a.example/' })
      const { header } = decodeJWTUnverified(proof)
      assert.equal(header.alg, alg)
      assert.equal(header.jwk!.d, undefined)
      await verifyCompactJWS(proof, pair.publicKey)
    }
  })

  it('refuses keys that cannot make a proof, and requests that are not HTTP ones', async () => {
    const url = 'https://a.example/'
    await rejectsWith(createDPoPProof(publicKey, { method: 'GET', url }), 'ERR_INVALID_ARGUMENT')
    await rejectsWith(createDPoPProof(await generateSecret('HS256'), { method: 'GET', url }), 'ERR_INVALID_ARGUMENT')
    await rejectsWith(createDPoPProof((await generateKeyPair('RSA-OAEP-256')).privateKey, { method: 'GET', url }), 'ERR_INVALID_ARGUMENT')
    await rejectsWith(createDPoPProof({ alg: 'ES256' } as never, { method: 'GET', url }), 'ERR_INVALID_ARGUMENT')
    for (const bad of [
      { method: '', url },
      { method: 'GET /', url },
      { method: 'GET', url: '/relative' },
      { method: 'GET', url: 'ws://a.example/' },
      { method: 'GET', url: 'https://user:pass@a.example/' },
      { method: 'GET', url, accessToken: '' },
      { method: 'GET', url, nonce: '' },
      { method: 'GET', url, jti: '' },
    ]) {
      await rejectsWith(createDPoPProof(privateKey, bad), 'ERR_INVALID_ARGUMENT')
    }
  })
})
