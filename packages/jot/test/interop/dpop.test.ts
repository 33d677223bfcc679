/**
 * DPoP interoperability, both directions:
 * - proofs made by panva's `dpop` package (an RFC 9449 proof generator on WebCrypto) verify in jot,
 *   with the key thumbprint that package computes;
 * - jot's proofs, with a DPoP-bound access token jot issued, pass oauth4webapi's resource-server
 *   validation (`validateJwtAccessToken`, which openid-client builds on), and fail it where they should.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import * as dpop from 'dpop'
import * as oauth from 'oauth4webapi'
import {
  createDPoPProof,
  createDPoPVerifier,
  createMemoryReplayStore,
  exportJWK,
  generateKeyPair,
  jwkThumbprint,
  signJWT,
  type JWSAlgorithmName,
} from 'jotjwt'
import { rejectsWithReason } from '../helpers.js'

const RESOURCE = 'https://rs.example/orders'
const ACCESS_TOKEN = 'Kz~8mXK1EalYznwH-LC-1fBAo.4Ljp~zsPE_NeO.gxU'

describe('proofs made by the dpop package verify in jot', () => {
  const verify = createDPoPVerifier({ algorithms: ['ES256', 'Ed25519', 'PS256', 'RS256'], replay: createMemoryReplayStore() })

  for (const alg of ['ES256', 'Ed25519', 'PS256', 'RS256'] as const) {
    it(`${alg}: token request, resource request with ath, and with a nonce`, async () => {
      const keyPair = await dpop.generateKeyPair(alg)
      const expectedJkt = await dpop.calculateThumbprint(keyPair.publicKey)

      const tokenRequest = await verify(await dpop.generateProof(keyPair, 'https://as.example/token', 'POST'), { method: 'POST', url: 'https://as.example/token' })
      assert.equal(tokenRequest.jkt, expectedJkt)
      assert.equal(tokenRequest.key.alg, alg as JWSAlgorithmName)

      const resource = await dpop.generateProof(keyPair, RESOURCE, 'GET', undefined, ACCESS_TOKEN)
      const verified = await verify(resource, { method: 'GET', url: `${RESOURCE}?page=2`, accessToken: ACCESS_TOKEN })
      assert.equal(verified.jkt, expectedJkt)
      await rejectsWithReason(verify(await dpop.generateProof(keyPair, RESOURCE, 'GET', undefined, 'other'), { method: 'GET', url: RESOURCE, accessToken: ACCESS_TOKEN }), 'ERR_DPOP_PROOF_INVALID', 'ath')

      const withNonce = await dpop.generateProof(keyPair, RESOURCE, 'GET', 'eyJ7S_zG.eyJH0-Z.HX4w-7v', ACCESS_TOKEN)
      await verify(withNonce, { method: 'GET', url: RESOURCE, accessToken: ACCESS_TOKEN, nonce: 'eyJ7S_zG.eyJH0-Z.HX4w-7v' })
      await rejectsWithReason(verify(withNonce, { method: 'GET', url: RESOURCE, accessToken: ACCESS_TOKEN }), 'ERR_DPOP_PROOF_INVALID', 'replay')
    })
  }
})

describe('jot proofs and a jot-issued DPoP-bound token pass oauth4webapi validateJwtAccessToken', async () => {
  const issuer = 'https://as.example'
  const audience = 'https://rs.example'
  const signer = await generateKeyPair('ES256', { kid: 'as-1' })
  const jwks = { keys: [await exportJWK(signer.publicKey)] }
  const as: oauth.AuthorizationServer = { issuer, jwks_uri: `${issuer}/jwks` }
  const validationOptions: oauth.ValidateJWTAccessTokenOptions = {
    [oauth.customFetch]: async (url: string) => {
      assert.equal(url, as.jwks_uri)
      return new Response(JSON.stringify(jwks), { headers: { 'content-type': 'application/json' } })
    },
  }

  async function boundToken(jkt: string): Promise<string> {
    return signJWT(
      { client_id: 'client-1', cnf: { jkt } },
      signer.privateKey,
      { typ: 'at+jwt', issuer, audience, subject: 'user-1', jwtId: crypto.randomUUID(), expiresIn: '5m' },
    )
  }

  function request(method: string, url: string, token: string, proof: string): Request {
    return new Request(url, { method, headers: { authorization: `DPoP ${token}`, dpop: proof } })
  }

  for (const alg of ['ES256', 'EdDSA', 'PS256'] as JWSAlgorithmName[]) {
    it(`${alg}: accepted, with the binding oauth4webapi checks itself`, async () => {
      const client = await generateKeyPair(alg)
      const token = await boundToken(await jwkThumbprint(client.publicKey))
      const proof = await createDPoPProof(client.privateKey, { method: 'GET', url: `${RESOURCE}?page=2`, accessToken: token })
      const claims = await oauth.validateJwtAccessToken(as, request('GET', `${RESOURCE}?page=2`, token, proof), audience, validationOptions)
      assert.equal(claims.sub, 'user-1')
      assert.deepEqual(claims.cnf, { jkt: await jwkThumbprint(client.publicKey) })
    })
  }

  it('refused for another method, URL, access token or key: the check can fail', async () => {
    const client = await generateKeyPair('ES256')
    const token = await boundToken(await jwkThumbprint(client.publicKey))
    const proof = await createDPoPProof(client.privateKey, { method: 'GET', url: RESOURCE, accessToken: token })
    await assert.rejects(oauth.validateJwtAccessToken(as, request('POST', RESOURCE, token, proof), audience, validationOptions), /htm mismatch/)
    await assert.rejects(oauth.validateJwtAccessToken(as, request('GET', `${RESOURCE}/1`, token, proof), audience, validationOptions), /htu mismatch/)
    const otherToken = await boundToken(await jwkThumbprint(client.publicKey))
    await assert.rejects(oauth.validateJwtAccessToken(as, request('GET', RESOURCE, otherToken, proof), audience, validationOptions), /ath mismatch/)
    const stranger = await generateKeyPair('ES256')
    const strangerProof = await createDPoPProof(stranger.privateKey, { method: 'GET', url: RESOURCE, accessToken: token })
    await assert.rejects(oauth.validateJwtAccessToken(as, request('GET', RESOURCE, token, strangerProof), audience, validationOptions), /confirmation mismatch/)
  })
})
