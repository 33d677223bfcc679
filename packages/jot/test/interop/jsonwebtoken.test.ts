/**
 * Interop with jsonwebtoken 9, both ways, for every algorithm it supports: HS*, RS*, PS* and
 * ES256/384/512 (it has no EdDSA). jsonwebtoken takes PEM text (exported by jot's `exportPEM`) or
 * the HMAC secret as a Buffer, and counts `expiresIn`/`notBefore` numbers in seconds.
 *
 * Two jot defaults matter here and are pinned down at the end: `verifyJWT` requires `exp`, and it
 * refuses a token carrying `aud` unless `audience` (or `acceptAnyAudience`) is configured.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import jwt from 'jsonwebtoken'
import { importPEM, importSecret, signJWT, verifyJWT, type JotKey, type JWSAlgorithmName } from 'jotjwt'
import { assertInteropClaims, AUDIENCE, CUSTOM, EC_ALGS, HMAC_ALGS, ISSUER, jotKeys, keysFor, RSA_ALGS, SUBJECT, type KeyMaterial } from './keys.js'

type JsonwebtokenAlg = jwt.Algorithm & JWSAlgorithmName
const ALGS: readonly JsonwebtokenAlg[] = [...HMAC_ALGS, ...RSA_ALGS, ...EC_ALGS]


/** What jsonwebtoken signs with: the PKCS#8 PEM jot exported, or the secret bytes. */
function jsonwebtokenSigningKey(m: KeyMaterial): jwt.Secret {
  return m.kind === 'secret' ? Buffer.from(m.secret) : m.privatePem
}

/** What jsonwebtoken verifies with: the SPKI PEM jot exported, or the secret bytes. */
function jsonwebtokenVerifyKey(m: KeyMaterial): jwt.Secret {
  return m.kind === 'secret' ? Buffer.from(m.secret) : m.publicPem
}

/** jot keys that verify what jsonwebtoken signs: the generated key and one imported from PEM/bytes. */
async function jotVerifyKeys(m: KeyMaterial, alg: JWSAlgorithmName): Promise<Array<[label: string, key: JotKey]>> {
  if (m.kind === 'secret') {
    return [
      ['generated secret', m.key],
      ['secret bytes imported with importSecret', await importSecret(Buffer.from(m.secret), { alg })],
    ]
  }
  return [
    ['generated public key', m.publicKey],
    ['SPKI PEM imported with importPEM', await importPEM(m.publicPem, { alg })],
  ]
}

const nowSeconds = (): number => Math.floor(Date.now() / 1000)

describe('jsonwebtoken interop: JWT', () => {
  for (const alg of ALGS) {
    describe(alg, () => {
      it('jsonwebtoken.sign → jot verifyJWT', async () => {
        const m = await keysFor(alg)
        const jwtid = `jsonwebtoken-${alg}`
        const token = jwt.sign({ ...CUSTOM }, jsonwebtokenSigningKey(m), {
          algorithm: alg,
          expiresIn: 300, // seconds
          issuer: ISSUER,
          audience: AUDIENCE,
          subject: SUBJECT,
          jwtid,
          keyid: 'jsonwebtoken-key',
        })
        for (const [label, key] of await jotVerifyKeys(m, alg)) {
          const { payload, header } = await verifyJWT(token, key, {
            algorithms: [alg],
            issuer: ISSUER,
            audience: AUDIENCE,
            subject: SUBJECT,
            jwtId: jwtid,
            typ: 'JWT',
          })
          assert.deepEqual(header, { alg, typ: 'JWT', kid: 'jsonwebtoken-key' }, label)
          assertInteropClaims(payload, jwtid, label)
          assert.ok(Math.abs(payload.iat! - nowSeconds()) < 60, `${label}: iat is now`)
        }
        const [h, , s] = token.split('.')
        const forged = `${h}.${Buffer.from(JSON.stringify({ sub: 'mallory', exp: nowSeconds() + 60 })).toString('base64url')}.${s}`
        await assert.rejects(verifyJWT(forged, jotKeys(m).verifyKey), { code: 'ERR_JWS_SIGNATURE_INVALID' })
      })

      it('jot signJWT → jsonwebtoken.verify', async () => {
        const m = await keysFor(alg)
        const jwtId = `jot-${alg}`
        const token = await signJWT({ ...CUSTOM }, jotKeys(m).signKey, {
          issuer: ISSUER,
          audience: AUDIENCE,
          subject: SUBJECT,
          jwtId,
          expiresIn: '5m',
          kid: 'jot-key',
        })
        const { header, payload } = jwt.verify(token, jsonwebtokenVerifyKey(m), {
          algorithms: [alg],
          issuer: ISSUER,
          audience: AUDIENCE,
          subject: SUBJECT,
          jwtid: jwtId,
          maxAge: 60, // seconds since iat
          complete: true,
        })
        assert.deepEqual(header, { alg, typ: 'JWT', kid: 'jot-key' })
        assert.ok(typeof payload === 'object')
        assert.equal(payload.iss, ISSUER)
        assert.equal(payload.aud, AUDIENCE)
        assert.equal(payload.sub, SUBJECT)
        assert.equal(payload.jti, jwtId)
        assert.equal(payload.role, CUSTOM.role)
        assert.deepEqual(payload.scopes, CUSTOM.scopes)
        assert.deepEqual(payload.profile, CUSTOM.profile)
        assert.ok(Number.isInteger(payload.exp) && Number.isInteger(payload.iat), 'NumericDate in whole seconds')
        assert.equal(payload.exp! - payload.iat!, 300, '"5m" is 300 seconds')
        assert.throws(() => jwt.verify(token, jsonwebtokenVerifyKey(m), { algorithms: [alg], audience: 'https://other.example' }), jwt.JsonWebTokenError)
      })
    })
  }
})

describe('jsonwebtoken interop: time claims agree on units (seconds)', () => {
  const alg = 'ES256'

  it('a token jsonwebtoken made already expired is expired for jot', async () => {
    const m = await keysFor(alg)
    const token = jwt.sign({ iat: nowSeconds() - 3600 }, jsonwebtokenSigningKey(m), { algorithm: alg, expiresIn: 60 })
    await assert.rejects(verifyJWT(token, jotKeys(m).verifyKey), { code: 'ERR_JWT_EXPIRED' })
    // …and within the leeway it is not: 3540 s late, tolerance 3600 s.
    await verifyJWT(token, jotKeys(m).verifyKey, { clockTolerance: 3600 })
  })

  it('jsonwebtoken notBefore (seconds) is honoured by jot', async () => {
    const m = await keysFor(alg)
    const token = jwt.sign({}, jsonwebtokenSigningKey(m), { algorithm: alg, expiresIn: 600, notBefore: 120 })
    await assert.rejects(verifyJWT(token, jotKeys(m).verifyKey), { code: 'ERR_JWT_NOT_YET_VALID' })
    await verifyJWT(token, jotKeys(m).verifyKey, { currentTime: nowSeconds() + 180 })
  })

  it('a token jot made already expired is expired for jsonwebtoken, and nbf in the future is too early', async () => {
    const m = await keysFor(alg)
    const expired = await signJWT({}, jotKeys(m).signKey, { expiresAt: new Date(Date.now() - 60_000) })
    assert.throws(() => jwt.verify(expired, jsonwebtokenVerifyKey(m), { algorithms: [alg] }), jwt.TokenExpiredError)
    const early = await signJWT({}, jotKeys(m).signKey, { expiresIn: '10m', notBeforeIn: '2m' })
    assert.throws(() => jwt.verify(early, jsonwebtokenVerifyKey(m), { algorithms: [alg] }), jwt.NotBeforeError)
    jwt.verify(early, jsonwebtokenVerifyKey(m), { algorithms: [alg], clockTimestamp: nowSeconds() + 180 })
  })
})

describe('jsonwebtoken interop: jot defaults that are stricter than jsonwebtoken', () => {
  const alg = 'HS256'

  it('a jsonwebtoken token without exp is refused unless requireExpiration is false', async () => {
    const m = await keysFor(alg)
    const token = jwt.sign({ sub: SUBJECT }, jsonwebtokenSigningKey(m), { algorithm: alg })
    assert.equal((jwt.decode(token) as jwt.JwtPayload).exp, undefined)
    await assert.rejects(verifyJWT(token, jotKeys(m).verifyKey), { code: 'ERR_JWT_CLAIM_MISSING' })
    const { payload } = await verifyJWT(token, jotKeys(m).verifyKey, { requireExpiration: false })
    assert.equal(payload.sub, SUBJECT)
  })

  it('a jsonwebtoken token with aud is refused unless an audience is configured', async () => {
    const m = await keysFor(alg)
    const token = jwt.sign({}, jsonwebtokenSigningKey(m), { algorithm: alg, expiresIn: 60, audience: [AUDIENCE, 'https://other.example'] })
    await assert.rejects(verifyJWT(token, jotKeys(m).verifyKey), { code: 'ERR_JWT_CLAIM_INVALID' })
    await assert.rejects(verifyJWT(token, jotKeys(m).verifyKey, { audience: 'https://third.example' }), { code: 'ERR_JWT_CLAIM_INVALID' })
    const { payload } = await verifyJWT(token, jotKeys(m).verifyKey, { audience: AUDIENCE })
    assert.deepEqual(payload.aud, [AUDIENCE, 'https://other.example'])
    await verifyJWT(token, jotKeys(m).verifyKey, { acceptAnyAudience: true })
  })

  it('a jsonwebtoken token whose alg differs from the jot key binding is refused', async () => {
    const m = await keysFor(alg)
    assert.equal(m.kind, 'secret')
    // The same secret bytes signed as HS512 by jsonwebtoken; the jot key is bound to HS256.
    const token = jwt.sign({}, jsonwebtokenSigningKey(m), { algorithm: 'HS512', expiresIn: 60 })
    await assert.rejects(verifyJWT(token, jotKeys(m).verifyKey), { code: 'ERR_ALG_NOT_ALLOWED' })
  })
})
