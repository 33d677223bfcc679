/**
 * An AKP (ML-DSA) JWK must name its parameter set in `alg` (RFC 9964 §3: REQUIRED). One without it
 * can never be imported, so key selection must not choose it: otherwise it takes a `maxCandidates`
 * slot, fails to import, and pushes out a valid key later in the set.
 */
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { createLocalKeySet, cryptoBackend, exportJWK, generateKeyPair, isJotError, signJWT, verifyJWT, type JWK, type JWSAlgorithmName } from 'jotjwt'

const [major = 0, minor = 0] = process.versions.node.split('.').map(Number)
/** ML-DSA reached node:crypto KeyObjects in Node 24.6 and WebCrypto in 24.7: both backends from 24.7. */
const mlDsaExpected = major > 24 || (major === 24 && minor >= 7)

const ALGS: readonly JWSAlgorithmName[] = ['ML-DSA-44', 'ML-DSA-65', 'ML-DSA-87']
const PUBLIC_KEY_LENGTH: Readonly<Record<string, number>> = { 'ML-DSA-44': 1312, 'ML-DSA-65': 1952, 'ML-DSA-87': 2592 }
const SIGNATURE_LENGTH: Readonly<Record<string, number>> = { 'ML-DSA-44': 2420, 'ML-DSA-65': 3309, 'ML-DSA-87': 4627 }

const b64u = (value: string | Uint8Array) => Buffer.from(value).toString('base64url')

function withoutAlg(jwk: JWK): JWK {
  const { alg: _alg, ...rest } = jwk
  return rest
}

describe(`local key set: AKP JWKs without alg are never candidates (${cryptoBackend} backend)`, () => {
  for (const alg of ALGS) {
    test(`${alg}: an alg-less AKP JWK ahead of the valid one does not use up maxCandidates: 1`, async (t) => {
      if (!mlDsaExpected) {
        // No ML-DSA here, so no key verifies; which key was tried still shows in the import error.
        // Had the alg-less JWK been chosen, its import would fail ERR_KEY_INVALID (no "alg"); the
        // valid JWK is chosen instead, and fails ERR_NOT_SUPPORTED.
        const pub = b64u(new Uint8Array(PUBLIC_KEY_LENGTH[alg]!))
        const valid: JWK = { kty: 'AKP', alg, pub, kid: 'k' }
        const set = createLocalKeySet({ keys: [withoutAlg(valid), valid] }, { maxCandidates: 1 })
        const token = [b64u(JSON.stringify({ alg, kid: 'k' })), b64u('{}'), b64u(new Uint8Array(SIGNATURE_LENGTH[alg]!))].join('.')
        await assert.rejects(verifyJWT(token, set), (error: unknown) => {
          assert.ok(isJotError(error))
          assert.equal(error.code, 'ERR_JWKS_NO_MATCHING_KEY', error.message)
          const cause = (error as { cause?: unknown }).cause
          assert.ok(isJotError(cause), 'the import error is the cause')
          assert.equal(cause.code, 'ERR_NOT_SUPPORTED', `the valid JWK was the one tried (${cause.message})`)
          return true
        })
        // Alone in the set, the alg-less JWK is no candidate at all: nothing matches.
        const aloneSet = createLocalKeySet({ keys: [withoutAlg(valid)] })
        await assert.rejects(verifyJWT(token, aloneSet), (error: unknown) => {
          assert.ok(isJotError(error))
          assert.equal(error.code, 'ERR_JWKS_NO_MATCHING_KEY')
          assert.equal((error as { cause?: unknown }).cause, undefined, 'no JWK was imported')
          return true
        })
        t.diagnostic(`Node ${process.versions.node} has no ML-DSA (it needs 24.7): asserted the valid JWK is selected (ERR_NOT_SUPPORTED on import)`)
        return
      }
      const { privateKey, publicKey } = await generateKeyPair(alg, { kid: 'k' })
      const valid = await exportJWK(publicKey)
      assert.equal(valid.alg, alg)
      const token = await signJWT({ sub: 'akp' }, privateKey, { expiresIn: 60 })
      for (const keys of [
        [withoutAlg(valid), valid],
        [withoutAlg(valid), withoutAlg(valid), valid],
      ]) {
        const set = createLocalKeySet({ keys }, { maxCandidates: 1 })
        const { key } = await verifyJWT(token, set)
        assert.equal(key.alg, alg)
        assert.equal(key.kid, 'k')
      }
      // Without a valid one, nothing matches (and nothing is imported).
      await assert.rejects(verifyJWT(token, createLocalKeySet({ keys: [withoutAlg(valid)] })), (error: unknown) => {
        assert.ok(isJotError(error))
        assert.equal(error.code, 'ERR_JWKS_NO_MATCHING_KEY')
        assert.equal((error as { cause?: unknown }).cause, undefined)
        return true
      })
    })
  }
})
