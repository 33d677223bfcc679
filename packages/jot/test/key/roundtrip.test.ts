// Every algorithm: generate, export (JWK, PEM), re-import, sign with one form and verify with another.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import {
  cryptoBackend,
  exportJWK,
  exportPEM,
  generateKeyPair,
  generateSecret,
  importJWK,
  importKey,
  importPEM,
  jwkThumbprint,
  JWS_ALGORITHM_NAMES,
  signCompactJWS,
  toPublicKey,
  verifyCompactJWS,
  type JWSAlgorithmName,
  type JotKey,
} from 'jotjwt'
import { PRIVATE_JWK_MEMBERS } from '../jwk-members.js'
import { ML_DSA_SINCE, mlDsaExpected } from '../ml-dsa-material.js'

/**
 * Why `alg` cannot work on this runtime, or undefined when it must. Decided from the backend and the
 * Node version, never probed: ES256K has no WebCrypto algorithm; ML-DSA exists (in node:crypto and
 * WebCrypto alike) from Node 24.7 on.
 */
function unsupportedHere(alg: JWSAlgorithmName): string | undefined {
  if (cryptoBackend === 'webcrypto' && alg === 'ES256K') return `${alg} is not available on the WebCrypto backend`
  if (alg.startsWith('ML-DSA-') && !mlDsaExpected) return `${alg} needs ${ML_DSA_SINCE} (this is Node ${process.versions.node}, ${cryptoBackend} backend)`
  return undefined
}

async function pairFor(alg: JWSAlgorithmName): Promise<{ privateKey: JotKey; publicKey: JotKey }> {
  if (alg.startsWith('HS')) {
    const secret = await generateSecret(alg, { kid: `${alg}-k` })
    return { privateKey: secret, publicKey: secret }
  }
  return generateKeyPair(alg, { kid: `${alg}-k` })
}

for (const alg of JWS_ALGORITHM_NAMES) {
  test(`${alg}: generate, export, re-import and cross-verify`, async (t) => {
    const unsupported = unsupportedHere(alg)
    if (unsupported) {
      await assert.rejects(generateKeyPair(alg), { code: 'ERR_NOT_SUPPORTED' })
      t.diagnostic(`${unsupported}; asserted ERR_NOT_SUPPORTED`)
      return
    }
    const { privateKey, publicKey } = await pairFor(alg)
    assert.equal(privateKey.alg, alg)
    assert.equal(publicKey.kid, `${alg}-k`)

    const privateJwk = await exportJWK(privateKey)
    assert.equal(privateJwk.alg, alg)
    assert.equal(privateJwk.use, 'sig')
    const publicJwk = await exportJWK(publicKey)
    const fromJwk = await importJWK(privateJwk, { alg })
    const verifiers = [publicKey, await importJWK(publicJwk, { alg })]
    const signers = [privateKey, fromJwk]
    if (privateKey.type === 'private') {
      for (const member of PRIVATE_JWK_MEMBERS) assert.equal(publicJwk[member], undefined, `no "${member}" in the public JWK`)
      assert.deepEqual(await exportJWK(await toPublicKey(privateKey)), publicJwk)
      verifiers.push(await importPEM(await exportPEM(publicKey), { alg }), await toPublicKey(privateKey), privateKey)
      signers.push(await importPEM(await exportPEM(privateKey), { alg }))
      assert.equal(await jwkThumbprint(privateKey), await jwkThumbprint(publicKey))
    }
    for (const signer of signers) {
      const jws = await signCompactJWS('payload', signer)
      for (const verifier of verifiers) {
        const { payload, protectedHeader } = await verifyCompactJWS(jws, verifier)
        assert.equal(new TextDecoder().decode(payload), 'payload')
        assert.equal(protectedHeader.alg, alg)
      }
    }
  })
}

test('EdDSA binds to either curve; the fully-specified names fix it (RFC 9864)', async () => {
  const ed448 = await generateKeyPair('EdDSA', { curve: 'Ed448' }).catch((error: unknown) => error)
  if (ed448 instanceof Error) {
    assert.equal((ed448 as { code?: string }).code, 'ERR_NOT_SUPPORTED')
  } else {
    assert.equal((ed448 as { publicKey: JotKey }).publicKey.curve, 'Ed448')
    const { alg: _alg, ...jwk } = await exportJWK((ed448 as { publicKey: JotKey }).publicKey)
    await assert.rejects(importJWK(jwk, { alg: 'Ed25519' }), { code: 'ERR_KEY_ALG_MISMATCH' })
  }
  await assert.rejects(generateKeyPair('Ed25519', { curve: 'Ed448' }), { code: 'ERR_INVALID_ARGUMENT' })
})

test('importKey takes a string as PEM for asymmetric algorithms and as the secret for HMAC', async () => {
  const { publicKey } = await generateKeyPair('RS256')
  const pem = await exportPEM(publicKey)
  assert.equal((await importKey(pem, { alg: 'RS256' })).type, 'public')
  const secret = 'a'.repeat(32)
  assert.equal((await importKey(secret, { alg: 'HS256' })).type, 'secret')
  await assert.rejects(importKey(pem, { alg: 'HS256' }), { code: 'ERR_KEY_ALG_MISMATCH' })
})

test('JotKey hides its material from logs and JSON', async () => {
  const key = await generateSecret('HS256', { kid: 'k' })
  assert.deepEqual(JSON.parse(JSON.stringify(key)), { alg: 'HS256', type: 'secret', kid: 'k' })
  assert.ok(Object.isFrozen(key))
})
