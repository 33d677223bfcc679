/**
 * Interop with jose 6 for ML-DSA (RFC 9964), both ways, for ML-DSA-44, -65 and -87. jose runs
 * ML-DSA through WebCrypto, so both libraries have it exactly where the runtime does: Node 24.7 and
 * later. There every direction runs for real; on older Node the tests assert that jot refuses ML-DSA with
 * ERR_NOT_SUPPORTED (decided from the Node version, never probed). Thumbprints need no ML-DSA
 * primitive, so jot and jose must agree on them everywhere.
 *
 * Directions: jot signs and jose verifies with jot's exported public JWK / SPKI; jose signs with a key
 * it generated and jot verifies with jose's exported public JWK / SPKI; private keys cross over as
 * JWK and as PKCS#8 in both directions.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import * as jose from 'jose'
import * as jot from 'jotjwt'
import {
  exportJWK,
  exportPEM,
  generateKeyPair,
  importJWK,
  importPEM,
  jwkThumbprint,
  signJWT,
  verifyCompactJWS,
  verifyJWT,
  type JotKey,
  type JWK,
} from 'jotjwt'
import { rejectsWith } from '../helpers.js'
import { b64u, ML_DSA, ML_DSA_ALGS, mlDsaExpected, mlDsaUnavailability, rfcExample, toB64u, type MlDsaAlg } from '../ml-dsa-material.js'
import { assertInteropClaims, AUDIENCE, CUSTOM, ISSUER, joseSignedJWT, joseVerifiedJWT, SUBJECT } from './keys.js'

const { assertUnavailable } = mlDsaUnavailability(jot)

const isJoseSignatureFailure = (error: unknown): boolean => error instanceof jose.errors.JWSSignatureVerificationFailed

/** The same claims as every other interop suite, signed by jot. */
function jotToken(key: JotKey, jwtId: string): Promise<string> {
  return signJWT({ ...CUSTOM }, key, { issuer: ISSUER, audience: AUDIENCE, subject: SUBJECT, jwtId, expiresIn: '5m' })
}

async function joseVerifies(token: string, key: jose.CryptoKey, alg: MlDsaAlg, jwtId: string, label: string): Promise<jose.JWTHeaderParameters> {
  return (await joseVerifiedJWT(token, key, alg, jwtId, label)).protectedHeader
}

async function jotVerifies(token: string, key: JotKey, alg: MlDsaAlg, jwtId: string, label: string): Promise<void> {
  const { payload, header } = await verifyJWT(token, key, { algorithms: [alg], issuer: ISSUER, audience: AUDIENCE, subject: SUBJECT, jwtId, typ: 'JWT' })
  assert.equal(header.alg, alg, label)
  assertInteropClaims(payload, jwtId, label)
}

/** `token` with a payload it was not signed over: must fail on either side. */
function forged(token: string): string {
  const [header, , signature] = token.split('.')
  return `${header}.${Buffer.from(JSON.stringify({ sub: 'mallory', exp: 4102444800 })).toString('base64url')}.${signature}`
}

type JosePair = { privateKey: jose.CryptoKey; publicKey: jose.CryptoKey }

async function josePair(alg: MlDsaAlg): Promise<JosePair> {
  return jose.generateKeyPair(alg, { extractable: true })
}

for (const alg of ML_DSA_ALGS) {
  describe(`jose interop: ${alg}`, () => {
    it('jot and jose agree on the RFC 9964 thumbprints (no ML-DSA primitive needed, every Node)', async () => {
      const { publicJwk, privateJwk, thumbprint } = rfcExample(alg)
      assert.equal(await jose.calculateJwkThumbprint(publicJwk as jose.JWK), thumbprint)
      assert.equal(await jose.calculateJwkThumbprint(privateJwk as jose.JWK), thumbprint)
      assert.equal(await jwkThumbprint(publicJwk), thumbprint)
    })

    it('jot signJWT → jose jwtVerify, with jot\'s public JWK and SPKI PEM', async (t) => {
      if (!mlDsaExpected) return assertUnavailable(t, alg, 'jot signing')
      const { privateKey, publicKey } = await generateKeyPair(alg, { kid: 'jot-key' })
      const jwtId = `jot-${alg}`
      const token = await jotToken(privateKey, jwtId)
      const publicJwk = await exportJWK(publicKey)
      const keys: Array<[string, jose.CryptoKey]> = [
        ["jot's public JWK", (await jose.importJWK(publicJwk as jose.JWK, alg)) as jose.CryptoKey],
        ["jot's SPKI PEM", await jose.importSPKI(await exportPEM(publicKey), alg)],
      ]
      for (const [label, key] of keys) {
        const protectedHeader = await joseVerifies(token, key, alg, jwtId, label)
        assert.deepEqual(protectedHeader, { alg, typ: 'JWT', kid: 'jot-key' }, label)
        await assert.rejects(jose.jwtVerify(forged(token), key), isJoseSignatureFailure, `${label}: tampered`)
      }
      assert.equal(await jose.calculateJwkThumbprint(publicJwk as jose.JWK), await jwkThumbprint(publicKey))
    })

    it('jose SignJWT (a key jose generated) → jot verifyJWT, with jose\'s public JWK and SPKI PEM', async (t) => {
      if (!mlDsaExpected) return assertUnavailable(t, alg, "jot verifying jose's tokens")
      const pair = await josePair(alg)
      const publicJwk = await jose.exportJWK(pair.publicKey)
      assert.equal(publicJwk.kty, 'AKP')
      assert.equal(publicJwk.alg, alg)
      assert.equal(publicJwk.priv, undefined)
      assert.equal(b64u(publicJwk.pub!).length, ML_DSA[alg].publicKey)
      const jwtId = `jose-${alg}`
      const token = await joseSignedJWT(alg, pair.privateKey, jwtId)
      assert.equal(b64u(token.split('.')[2]!).length, ML_DSA[alg].signature)
      const keys: Array<[string, JotKey]> = [
        ["jose's public JWK", await importJWK(publicJwk as JWK, { alg })],
        ["jose's SPKI PEM", await importPEM(await jose.exportSPKI(pair.publicKey), { alg })],
      ]
      for (const [label, key] of keys) {
        await jotVerifies(token, key, alg, jwtId, label)
        await rejectsWith(verifyJWT(forged(token), key, { algorithms: [alg] }), 'ERR_JWS_SIGNATURE_INVALID')
      }
      assert.equal(await jwkThumbprint(publicJwk as JWK), await jose.calculateJwkThumbprint(publicJwk))
    })

    it("jose's private key (JWK and PKCS#8) imports in jot: jot signs, jose verifies", async (t) => {
      if (!mlDsaExpected) return assertUnavailable(t, alg, "jose's private keys in jot")
      const pair = await josePair(alg)
      const joseJwk = await jose.exportJWK(pair.privateKey)
      assert.equal(b64u(joseJwk.priv!).length, 32, 'jose exports the seed')
      const fromJwk = await importJWK(joseJwk as JWK, { alg })
      const fromPkcs8 = await importPEM(await jose.exportPKCS8(pair.privateKey), { alg })
      for (const [label, key] of [['JWK', fromJwk], ['PKCS#8', fromPkcs8]] as const) {
        const jwk = await exportJWK(key)
        assert.equal(jwk.priv, joseJwk.priv, `${label}: same seed`)
        assert.equal(jwk.pub, joseJwk.pub, `${label}: same public key`)
        const jwtId = `jot-with-jose-key-${label}`
        await joseVerifies(await jotToken(key, jwtId), pair.publicKey, alg, jwtId, `jose's ${label} → jot signs`)
      }
    })

    it("jot's private key (JWK and PKCS#8) imports in jose: jose signs, jot verifies", async (t) => {
      if (!mlDsaExpected) return assertUnavailable(t, alg, "jot's private keys in jose")
      const { privateKey, publicKey } = await generateKeyPair(alg)
      const jotJwk = await exportJWK(privateKey)
      const fromJwk = (await jose.importJWK(jotJwk as jose.JWK, alg)) as jose.CryptoKey
      const fromPkcs8 = await jose.importPKCS8(await exportPEM(privateKey), alg, { extractable: true })
      for (const [label, key] of [['JWK', fromJwk], ['PKCS#8', fromPkcs8]] as const) {
        const jwtId = `jose-with-jot-key-${label}`
        await jotVerifies(await joseSignedJWT(alg, key, jwtId), publicKey, alg, jwtId, `jot's ${label} → jose signs`)
      }
      const exported = await jose.exportJWK(fromPkcs8)
      assert.equal(exported.priv, jotJwk.priv, 'jose reads the seed out of jot\'s PKCS#8')
      assert.equal(exported.pub, jotJwk.pub)
    })

    it('the RFC 9964 example JWS verifies in both libraries', async (t) => {
      if (!mlDsaExpected) return assertUnavailable(t, alg, 'verifying the RFC 9964 JWS')
      const example = rfcExample(alg)
      const joseKey = (await jose.importJWK(example.publicJwk as jose.JWK, alg)) as jose.CryptoKey
      const joseResult = await jose.compactVerify(example.jws, joseKey, { algorithms: [alg] })
      const jotResult = await verifyCompactJWS(example.jws, await importJWK(example.publicJwk, { alg }), { algorithms: [alg] })
      assert.deepEqual(toB64u(jotResult.payload), toB64u(joseResult.payload))
      assert.equal(new TextDecoder().decode(jotResult.payload), example.payload)
    })
  })
}
