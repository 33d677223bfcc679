// RFC 9449 (DPoP) examples: the RFC's proofs verify, at the time they were made (an injected clock:
// their iat is from 2019), with exactly the RFC's decoded content and key thumbprint; and the
// RFC's access token with a jkt confirmation is bound to that key.
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import {
  checkDPoPBinding,
  createMemoryReplayStore,
  decodeJWTUnverified,
  jwkThumbprint,
  verifyDPoPProof,
  type JWK,
  type JWTClaims,
} from 'jotjwt'
import { rejectsWithReason } from '../helpers.js'
import { loadVectors } from './vectors.js'

interface ProofVector {
  source: string
  proof: string
  method: string
  url: string
  accessToken?: string
  header: { typ: string; alg: string; jwk: JWK }
  payload: JWTClaims & { iat: number }
}

const vectors = loadVectors<{
  jkt: string
  proofs: ProofVector[]
  confirmation: { token: string; header: Record<string, unknown>; payload: JWTClaims }
}>('rfc9449.json')

const at = (vector: ProofVector) => ({
  method: vector.method,
  url: vector.url,
  ...(vector.accessToken === undefined ? {} : { accessToken: vector.accessToken }),
  algorithms: ['ES256' as const],
  currentTime: vector.payload.iat,
})

describe('RFC 9449 example proofs', () => {
  for (const vector of vectors.proofs) {
    test(`${vector.source}: verifies with its embedded key, as printed`, async () => {
      const verified = await verifyDPoPProof(vector.proof, { ...at(vector), replay: false })
      assert.deepEqual(verified.header, vector.header)
      assert.deepEqual(verified.payload, vector.payload)
      assert.deepEqual(verified.jwk, vector.header.jwk)
      assert.equal(verified.jkt, vectors.jkt)
      assert.equal(verified.key.alg, 'ES256')
      assert.equal(verified.key.type, 'public')
    })

    test(`${vector.source}: refused as stale on today's clock, and in the future before it was made`, async () => {
      const { currentTime: _, ...now } = at(vector)
      await rejectsWithReason(verifyDPoPProof(vector.proof, { ...now, replay: false }), 'ERR_DPOP_PROOF_INVALID', 'stale')
      const early = { ...at(vector), currentTime: vector.payload.iat - 60, replay: false as const }
      await rejectsWithReason(verifyDPoPProof(vector.proof, early), 'ERR_DPOP_PROOF_INVALID', 'future')
    })

    test(`${vector.source}: refused for another method or URL`, async () => {
      const options = { ...at(vector), replay: false as const }
      await rejectsWithReason(verifyDPoPProof(vector.proof, { ...options, method: 'PUT' }), 'ERR_DPOP_PROOF_INVALID', 'htm')
      await rejectsWithReason(verifyDPoPProof(vector.proof, { ...options, url: `${vector.url}/other` }), 'ERR_DPOP_PROOF_INVALID', 'htu')
    })
  }

  test('Figure 13: its ath is the hash of the Figure 6 access token, and of no other', async () => {
    const vector = vectors.proofs.find((v) => v.accessToken !== undefined)!
    await verifyDPoPProof(vector.proof, { ...at(vector), replay: false })
    await rejectsWithReason(
      verifyDPoPProof(vector.proof, { ...at(vector), accessToken: `${vector.accessToken}x`, replay: false }),
      'ERR_DPOP_PROOF_INVALID',
      'ath',
    )
    // The token-endpoint proofs carry no ath, so they cannot be used with an access token.
    const tokenProof = vectors.proofs[0]!
    await rejectsWithReason(
      verifyDPoPProof(tokenProof.proof, { ...at(tokenProof), accessToken: vector.accessToken!, replay: false }),
      'ERR_DPOP_PROOF_INVALID',
      'ath',
    )
  })

  test('Figure 2 is accepted once: the same proof again is a replay (§11.1)', async () => {
    const vector = vectors.proofs[0]!
    const replay = createMemoryReplayStore()
    await verifyDPoPProof(vector.proof, { ...at(vector), replay })
    await rejectsWithReason(verifyDPoPProof(vector.proof, { ...at(vector), replay }), 'ERR_DPOP_PROOF_INVALID', 'replay')
  })
})

describe('RFC 9449 §6.1 jkt confirmation (Figures 8 and 9)', () => {
  test('the example JWT carries the claims of Figure 9, and its cnf.jkt is the thumbprint of the proofs\' key', async () => {
    const { header, payload } = decodeJWTUnverified(vectors.confirmation.token)
    assert.deepEqual(header, vectors.confirmation.header)
    assert.deepEqual(payload, vectors.confirmation.payload)
    assert.equal(await jwkThumbprint(vectors.proofs[0]!.header.jwk), vectors.jkt)
    checkDPoPBinding(payload, vectors.jkt)
  })

  test('a proof key other than the bound one is refused', async () => {
    const { payload } = decodeJWTUnverified(vectors.confirmation.token)
    assert.throws(
      () => checkDPoPBinding(payload, 'NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs'),
      (e: unknown) => (e as { code?: string; claim?: string; reason?: string }).code === 'ERR_JWT_CLAIM_INVALID' && (e as { claim: string }).claim === 'cnf' && (e as { reason: string }).reason === 'mismatch',
    )
  })
})
