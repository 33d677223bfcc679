// The sign and verify paths write transient bytes (signing input, claims on their way to text) into
// reused scratch memory (src/lib/scratch.ts). Interleaved calls must never see each other's bytes:
// hundreds of concurrent signs and verifies, with one key, with several candidate keys (the signing
// input then lives across awaits), and with a private key (WebCrypto derives its public half first).
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { createVerifier, generateKeyPair, generateSecret, signCompactJWS, signJWT, verifyCompactJWS, type JotKey } from 'jotjwt'

const COUNT = 300

async function tokens(key: JotKey): Promise<string[]> {
  // Distinct payload lengths too, so views of different sizes overlap in the scratch buffer.
  return Promise.all(Array.from({ length: COUNT }, (_, i) => signJWT({ sub: `user-${i}`, pad: 'x'.repeat(i % 97) }, key, { expiresIn: '5m' })))
}

async function keysFor(alg: 'HS256' | 'ES256' | 'EdDSA'): Promise<{ signer: JotKey; verifier: JotKey; other: JotKey }> {
  if (alg === 'HS256') {
    const key = await generateSecret(alg)
    return { signer: key, verifier: key, other: await generateSecret(alg) }
  }
  const pair = await generateKeyPair(alg)
  return { signer: pair.privateKey, verifier: pair.publicKey, other: (await generateKeyPair(alg)).publicKey }
}

describe('concurrent signing and verification keep their bytes apart', () => {
  for (const alg of ['HS256', 'ES256', 'EdDSA'] as const) {
    it(`${alg}: ${COUNT} tokens signed and verified concurrently, one key and two candidates`, async () => {
      const { signer, verifier, other } = await keysFor(alg)
      const issued = await tokens(signer)
      const single = createVerifier({ key: verifier })
      const twoCandidates = createVerifier({ key: () => [other, verifier] })
      const results = await Promise.all(issued.flatMap((token) => [single(token), twoCandidates(token)]))
      results.forEach((result, index) => {
        const i = index >> 1
        assert.equal(result.payload.sub, `user-${i}`)
        assert.equal(result.payload.pad, 'x'.repeat(i % 97))
      })
    })
  }

  it('a private key verifies concurrently too (its public half may be derived on first use)', async () => {
    const { privateKey } = await generateKeyPair('ES256')
    const payloads = Array.from({ length: COUNT }, (_, i) => `message ${i} ${'y'.repeat(i % 61)}`)
    const signed = await Promise.all(payloads.map((payload) => signCompactJWS(payload, privateKey)))
    const verified = await Promise.all(signed.map((jws) => verifyCompactJWS(jws, privateKey)))
    verified.forEach((result, i) => assert.equal(new TextDecoder().decode(result.payload), payloads[i]))
  })
})

describe('inputs past the kept scratch size', () => {
  it('a 100 KB payload signs and verifies (fresh buffers, not kept), interleaved with small ones', async () => {
    const key = await generateSecret('HS256')
    const big = 'z'.repeat(100_000)
    const payloads = [big, 'small', big + '!', 'tiny']
    const signed = await Promise.all(payloads.map((payload) => signCompactJWS(payload, key)))
    const verified = await Promise.all(signed.map((jws) => verifyCompactJWS(jws, key, { maxTokenLength: 200_000 })))
    verified.forEach((result, i) => assert.equal(new TextDecoder().decode(result.payload), payloads[i]))
  })
})
