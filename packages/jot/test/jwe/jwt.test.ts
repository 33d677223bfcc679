// Encrypted JWTs and nested JWTs (RFC 7519 §5.2, §5.3, §7): the same claim validation as verifyJWT,
// both layers of a nested JWT checked, and JWS and JWE entry points never confused (RFC 8725 §3.3).
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import {
  decodeJWTUnverified,
  decryptAndVerifyJWT,
  decryptCompactJWE,
  decryptJWT,
  encryptCompactJWE,
  encryptJWT,
  generateKeyPair,
  generateSecret,
  signAndEncryptJWT,
  signJWT,
  verifyCompactJWS,
  verifyJWT,
} from 'jotjwt'

const NOW = 1_700_000_000
const claimsOptions = { issuer: 'https://issuer.example', audience: 'api', currentTime: NOW }

describe('encryptJWT / decryptJWT', () => {
  it('round-trips the claims and validates them exactly like verifyJWT', async () => {
    const { privateKey, publicKey } = await generateKeyPair('ECDH-ES+A256KW', { curve: 'X25519' })
    const token = await encryptJWT({ sub: 'user-1', role: 'admin' }, publicKey, { ...claimsOptions, expiresIn: '5m' })
    const { payload, protectedHeader } = await decryptJWT(token, privateKey, claimsOptions)
    assert.equal(payload.sub, 'user-1')
    assert.equal(payload.role, 'admin')
    assert.equal(protectedHeader.typ, 'JWT')
    assert.equal(protectedHeader.alg, 'ECDH-ES+A256KW')
    await assert.rejects(decryptJWT(token, privateKey, { ...claimsOptions, audience: 'other' }), { code: 'ERR_JWT_CLAIM_INVALID' })
    await assert.rejects(decryptJWT(token, privateKey, { ...claimsOptions, currentTime: NOW + 301 }), { code: 'ERR_JWT_EXPIRED' })
    await assert.rejects(decryptJWT(token, privateKey, { issuer: 'https://issuer.example', currentTime: NOW }), {
      code: 'ERR_JWT_CLAIM_INVALID', // an aud, and no audience configured
    })
  })

  it('requires exp by default, like verifyJWT', async () => {
    const key = await generateSecret('A128KW')
    const token = await encryptJWT({ sub: 'x' }, key, { currentTime: NOW })
    await assert.rejects(decryptJWT(token, key, { currentTime: NOW }), { code: 'ERR_JWT_CLAIM_MISSING' })
    assert.equal((await decryptJWT(token, key, { currentTime: NOW, requireExpiration: false })).payload.sub, 'x')
  })

  it('replicated iss/sub/aud go to the protected header and must equal the claims (RFC 7519 §5.3)', async () => {
    const key = await generateSecret('dir', { enc: 'A256GCM' })
    const token = await encryptJWT({ sub: 'user-2' }, key, { ...claimsOptions, expiresIn: 60, replicateClaims: true })
    const { protectedHeader } = await decryptJWT(token, key, claimsOptions)
    assert.deepEqual([protectedHeader.iss, protectedHeader.sub, protectedHeader.aud], ['https://issuer.example', 'user-2', 'api'])
    const forged = await encryptJWT({ sub: 'user-2' }, key, {
      ...claimsOptions,
      expiresIn: 60,
      protectedHeader: { sub: 'someone-else' },
    })
    await assert.rejects(decryptJWT(forged, key, claimsOptions), (error: { code?: string; claim?: string; reason?: string }) =>
      error.code === 'ERR_JWT_CLAIM_INVALID' && error.claim === 'sub' && error.reason === 'replicated_mismatch')
  })
})

describe('nested JWT: sign, then encrypt (cty "JWT")', () => {
  it('decryptAndVerifyJWT checks the JWE, the inner signature and the claims', async () => {
    const issuer = await generateKeyPair('ES256')
    const recipient = await generateKeyPair('RSA-OAEP-256')
    const token = await signAndEncryptJWT({ sub: 'user-3' }, issuer.privateKey, recipient.publicKey, {
      ...claimsOptions,
      expiresIn: '1m',
      encryption: { enc: 'A128CBC-HS256', replicateClaims: true },
    })
    const result = await decryptAndVerifyJWT(token, recipient.privateKey, issuer.publicKey, claimsOptions)
    assert.equal(result.payload.sub, 'user-3')
    assert.equal(result.protectedHeader.cty, 'JWT')
    assert.equal(result.protectedHeader.iss, 'https://issuer.example')
    assert.equal(result.header.alg, 'ES256')

    // The wrong signer is caught in the inner layer, after a successful decryption.
    const other = await generateKeyPair('ES256')
    await assert.rejects(decryptAndVerifyJWT(token, recipient.privateKey, other.publicKey, claimsOptions), {
      code: 'ERR_JWS_SIGNATURE_INVALID',
    })
    await assert.rejects(decryptAndVerifyJWT(token, recipient.privateKey, issuer.publicKey, { ...claimsOptions, algorithms: ['RS256'] }), {
      code: 'ERR_ALG_NOT_ALLOWED',
    })
    await assert.rejects(decryptAndVerifyJWT(token, recipient.privateKey, issuer.publicKey, { ...claimsOptions, audience: 'x' }), {
      code: 'ERR_JWT_CLAIM_INVALID',
    })
  })

  it('a replicated iss/sub/aud in the JWE header that disagrees with the inner JWT is refused (RFC 7519 §5.3)', async () => {
    const issuer = await generateKeyPair('ES256')
    const key = await generateSecret('A256KW')
    const token = await signAndEncryptJWT({ sub: 'user-4' }, issuer.privateKey, key, {
      ...claimsOptions,
      expiresIn: 60,
      encryption: { enc: 'A128GCM', replicateClaims: true },
    })
    // Open the JWE layer with the low-level API to get the signed inner JWT and the outer header...
    const { plaintext, protectedHeader } = await decryptCompactJWE(token, key)
    const inner = new TextDecoder().decode(plaintext)
    assert.deepEqual([protectedHeader.iss, protectedHeader.sub, protectedHeader.aud, protectedHeader.cty], ['https://issuer.example', 'user-4', 'api', 'JWT'])
    // ...and re-encrypt the same inner JWT under a chosen protected header: a well-formed JWE with a
    // valid tag, so only the replicated-claims check can refuse it (editing header bytes would merely
    // break the tag, failing for the wrong reason).
    const reencrypt = (header: typeof protectedHeader) => encryptCompactJWE(inner, key, { enc: 'A128GCM', protectedHeader: header })
    const control = await reencrypt(protectedHeader)
    assert.equal((await decryptAndVerifyJWT(control, key, issuer.publicKey, claimsOptions)).payload.sub, 'user-4')

    const mismatch = (name: string) => (error: { code?: string; claim?: string; reason?: string }) =>
      error.code === 'ERR_JWT_CLAIM_INVALID' && error.claim === name && error.reason === 'replicated_mismatch'
    for (const [name, value] of [['iss', 'https://evil.example'], ['sub', 'admin'], ['aud', 'other-api']] as const) {
      const forged = await reencrypt({ ...protectedHeader, [name]: value })
      assert.equal((await decryptCompactJWE(forged, key)).protectedHeader[name], value) // the JWE itself is valid
      await assert.rejects(decryptAndVerifyJWT(forged, key, issuer.publicKey, claimsOptions), mismatch(name))
    }

    // A replicated claim the inner JWT does not have at all is a mismatch too.
    const noSub = await signAndEncryptJWT({}, issuer.privateKey, key, { ...claimsOptions, expiresIn: 60, encryption: { replicateClaims: true } })
    const opened = await decryptCompactJWE(noSub, key)
    assert.equal(opened.protectedHeader.sub, undefined)
    const withSub = await encryptCompactJWE(opened.plaintext, key, { protectedHeader: { ...opened.protectedHeader, sub: 'admin' } })
    await assert.rejects(decryptAndVerifyJWT(withSub, key, issuer.publicKey, claimsOptions), mismatch('sub'))
  })

  it('decryptJWT refuses a nested JWT, and decryptAndVerifyJWT refuses a JWE without cty "JWT"', async () => {
    const issuer = await generateKeyPair('EdDSA')
    const key = await generateSecret('A256KW')
    const nested = await signAndEncryptJWT({ sub: 'x' }, issuer.privateKey, key, { ...claimsOptions, expiresIn: 60 })
    await assert.rejects(decryptJWT(nested, key, claimsOptions), { code: 'ERR_JWE_INVALID', message: /nested/ })
    const plain = await encryptJWT({ sub: 'x' }, key, { ...claimsOptions, expiresIn: 60 })
    await assert.rejects(decryptAndVerifyJWT(plain, key, issuer.publicKey, claimsOptions), { code: 'ERR_JWE_INVALID', message: /nested/ })
  })

  it('an unsigned inner token (alg "none") is refused by the inner verification', async () => {
    const key = await generateSecret('A128GCMKW')
    const { publicKey } = await generateKeyPair('ES256')
    const none = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from('{"sub":"x"}').toString('base64url')}.`
    const token = await encryptCompactJWE(none, key, { protectedHeader: { cty: 'JWT' } })
    await assert.rejects(decryptAndVerifyJWT(token, key, publicKey, { requireExpiration: false }), { code: 'ERR_ALG_NOT_ALLOWED' })
  })
})

describe('fixed test-vector inputs never reach a JWT', () => {
  const fixed = { cek: new Uint8Array(32), iv: new Uint8Array(12) }

  it('encryptJWT and signAndEncryptJWT refuse unsafeFixedInputs, even with the testing switch', async () => {
    const key = await generateSecret('A256KW')
    const issuer = await generateKeyPair('ES256')
    const config = { expiresIn: 60, unsafeFixedInputs: fixed, unsafeAllowFixedInputsForTesting: true } as never
    await assert.rejects(encryptJWT({ sub: 'a' }, key, config), { code: 'ERR_INVALID_ARGUMENT', message: /unsafeFixedInputs/ })
    await assert.rejects(encryptJWT({ sub: 'a' }, key, { expiresIn: 60, unsafeFixedInputs: fixed } as never), { code: 'ERR_INVALID_ARGUMENT' })
    await assert.rejects(signAndEncryptJWT({ sub: 'a' }, issuer.privateKey, key, { expiresIn: 60, encryption: config }), {
      code: 'ERR_INVALID_ARGUMENT',
    })
    await assert.rejects(signAndEncryptJWT({ sub: 'a' }, issuer.privateKey, key, config), { code: 'ERR_INVALID_ARGUMENT' })
    // Two tokens never share an IV or a wrapped CEK.
    const [a, b] = await Promise.all([encryptJWT({ sub: 'a' }, key, { expiresIn: 60 }), encryptJWT({ sub: 'b' }, key, { expiresIn: 60 })])
    assert.notEqual(a.split('.')[1], b.split('.')[1])
    assert.notEqual(a.split('.')[2], b.split('.')[2])
  })

  it('the JWE functions take fixed inputs only with unsafeAllowFixedInputsForTesting: true', async () => {
    const key = await generateSecret('A256KW')
    await assert.rejects(encryptCompactJWE('x', key, { unsafeFixedInputs: fixed }), { code: 'ERR_INVALID_ARGUMENT', message: /unsafeAllowFixedInputsForTesting/ })
    const options = { unsafeFixedInputs: fixed, unsafeAllowFixedInputsForTesting: true }
    assert.equal(await encryptCompactJWE('x', key, options), await encryptCompactJWE('x', key, options))
  })
})

describe('JWS and JWE entry points are never confused (RFC 8725 §3.3)', () => {
  it('a JWE given to verifyJWT, verifyCompactJWS or decodeJWTUnverified is "a JWE, not a JWS"', async () => {
    const key = await generateSecret('A128KW')
    const { publicKey } = await generateKeyPair('ES256')
    const jwe = await encryptJWT({ sub: 'x' }, key, { expiresIn: 60 })
    for (const attempt of [verifyJWT(jwe, publicKey), verifyCompactJWS(jwe, publicKey), Promise.resolve().then(() => decodeJWTUnverified(jwe))]) {
      await assert.rejects(attempt, { code: 'ERR_JWS_INVALID', message: /this is a JWE/ })
    }
  })

  it('a JWS given to decryptJWT or decryptCompactJWE is "a JWS, not a JWE"', async () => {
    const { privateKey } = await generateKeyPair('ES256')
    const key = await generateSecret('A128KW')
    const jws = await signJWT({ sub: 'x' }, privateKey, { expiresIn: 60 })
    for (const attempt of [decryptJWT(jws, key), decryptCompactJWE(jws, key)]) {
      await assert.rejects(attempt, { code: 'ERR_JWE_INVALID', message: /this is a JWS/ })
    }
  })

  it('a signing key cannot decrypt and an encryption key cannot verify', async () => {
    const signing = await generateSecret('HS256')
    const encrypting = await generateSecret('A256KW')
    const jwe = await encryptJWT({ sub: 'x' }, encrypting, { expiresIn: 60 })
    await assert.rejects(decryptJWT(jwe, signing), { code: 'ERR_KEY_USAGE_INVALID' })
    const jws = await signJWT({ sub: 'x' }, signing, { expiresIn: 60 })
    await assert.rejects(verifyJWT(jws, encrypting), { code: 'ERR_ALG_NOT_ALLOWED' })
    await assert.rejects(encryptJWT({ sub: 'x' }, signing), { code: 'ERR_KEY_USAGE_INVALID' })
  })
})
