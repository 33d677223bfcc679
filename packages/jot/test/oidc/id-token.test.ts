/**
 * OpenID Connect: discovery against a real server on 127.0.0.1 (issuer must match, jwks_uri
 * followed), and ID token validation per Core §3.1.3.7: valid, wrong nonce, wrong or missing azp,
 * untrusted audience, auth_time too old for max_age, acr, at_hash and c_hash (left-half hash per
 * alg), and an access token refused as an ID token.
 */
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { after, before, describe, it } from 'node:test'
import {
  type IdTokenVerifierOptions,
  type JotErrorCode,
  type JotKey,
  createIdTokenVerifier,
  createOIDCKeySet,
  discoverOIDCProvider,
  exportJWK,
  generateKeyPair,
  isJotError,
  signJWT,
} from 'jotjwt'
import { startServer, type TestServer } from '../jwks/server.js'

async function rejectsWith(promise: Promise<unknown>, code: JotErrorCode, claim?: string, reason?: string): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(isJotError(error), `expected a JotError, got ${String(error)}`)
    assert.equal(error.code, code, `${error.name}: ${error.message}`)
    if (claim !== undefined) assert.equal((error as { claim?: string }).claim, claim)
    if (reason !== undefined) assert.equal((error as { reason?: string }).reason, reason)
    return true
  })
}

/** The reference computation, independent of jot: base64url(left half of SHA-n(value)). */
function leftHalf(hash: 'sha256' | 'sha384' | 'sha512', value: string): string {
  const digest = createHash(hash).update(value, 'ascii').digest()
  return digest.subarray(0, digest.length / 2).toString('base64url')
}

const NOW = 1_800_000_000
const CLIENT = 'my-app'
const NONCE = 'n-0S6'
const es256 = await generateKeyPair('ES256', { kid: 'op-1' })
const ps384 = await generateKeyPair('PS384', { kid: 'op-2' })
const ed = await generateKeyPair('EdDSA', { kid: 'op-3' })

let server: TestServer
let issuer: string
before(async () => {
  server = await startServer()
  issuer = server.origin
  server.documents.set('/.well-known/openid-configuration', { issuer, jwks_uri: `${issuer}/jwks`, response_types_supported: ['code'] })
  server.documents.set('/jwks', { keys: await Promise.all([es256, ps384, ed].map((pair) => exportJWK(pair.publicKey))) })
})
after(() => server.close())

function idToken(key: JotKey, claims: Record<string, unknown> = {}, typ = 'JWT') {
  return signJWT({ sub: 'alice', nonce: NONCE, auth_time: NOW - 60, ...claims }, key, {
    issuer,
    audience: CLIENT,
    issuedAt: NOW,
    expiresAt: NOW + 300,
    typ,
  })
}

async function verifier(options: Partial<IdTokenVerifierOptions> = {}) {
  const { keys } = await createOIDCKeySet(issuer, { allowHttp: true })
  return createIdTokenVerifier({ issuer, clientId: CLIENT, key: keys, currentTime: NOW, ...options })
}

describe('OIDC discovery', () => {
  it('follows the issuer to its jwks_uri', async () => {
    const provider = await discoverOIDCProvider(issuer, { allowHttp: true })
    assert.equal(provider.jwks_uri, `${issuer}/jwks`)
    assert.equal((await discoverOIDCProvider(`${issuer}/`, { allowHttp: true }).catch((e: unknown) => e) as { code?: string }).code, 'ERR_OIDC_DISCOVERY_INVALID')
  })

  it("refuses a document whose issuer is not the configured one, or that lacks jwks_uri", async () => {
    const path = '/evil/.well-known/openid-configuration'
    server.documents.set(path, { issuer: 'https://accounts.example.com', jwks_uri: `${issuer}/jwks` })
    await rejectsWith(discoverOIDCProvider(`${issuer}/evil`, { allowHttp: true }), 'ERR_OIDC_DISCOVERY_INVALID')
    server.documents.set('/nokeys/.well-known/openid-configuration', { issuer: `${issuer}/nokeys` })
    await rejectsWith(discoverOIDCProvider(`${issuer}/nokeys`, { allowHttp: true }), 'ERR_OIDC_DISCOVERY_INVALID')
    await rejectsWith(discoverOIDCProvider(`${issuer}/missing`, { allowHttp: true }), 'ERR_JWKS_FETCH_FAILED')
    await assert.rejects(discoverOIDCProvider(issuer), (e: unknown) => isJotError(e) && e.code === 'ERR_INVALID_ARGUMENT')
    for (const bad of [`${issuer}/?tenant=a`, `${issuer}/#x`, `${issuer}?`]) {
      await assert.rejects(discoverOIDCProvider(bad, { allowHttp: true }), (e: unknown) => isJotError(e) && e.code === 'ERR_INVALID_ARGUMENT')
    }
  })
})

describe('OIDC ID tokens (Core §3.1.3.7)', () => {
  it('accepts a valid ID token, signed with any of the provider keys', async () => {
    const verify = await verifier()
    for (const { privateKey } of [es256, ps384, ed]) {
      const { payload } = await verify(await idToken(privateKey), { nonce: NONCE })
      assert.equal(payload.sub, 'alice')
    }
  })

  it('wrong or missing nonce', async () => {
    const verify = await verifier()
    await rejectsWith(verify(await idToken(es256.privateKey), { nonce: 'other' }), 'ERR_JWT_CLAIM_INVALID', 'nonce', 'mismatch')
    await rejectsWith(verify(await idToken(es256.privateKey, { nonce: undefined }), { nonce: NONCE }), 'ERR_JWT_CLAIM_MISSING', 'nonce')
  })

  it('a token carrying a nonce is refused when no nonce is expected, unless the caller opts out with nonce: null', async () => {
    const verify = await verifier()
    await rejectsWith(verify(await idToken(es256.privateKey)), 'ERR_JWT_CLAIM_INVALID', 'nonce', 'unexpected')
    await rejectsWith(verify(await idToken(es256.privateKey), {}), 'ERR_JWT_CLAIM_INVALID', 'nonce', 'unexpected')
    await verify(await idToken(es256.privateKey), { nonce: null })
    await verify(await idToken(es256.privateKey, { nonce: undefined }))
    await verify(await idToken(es256.privateKey, { nonce: undefined }), { nonce: null })
  })

  it('azp: must be this client, and is required with several audiences', async () => {
    const verify = await verifier({ trustedAudiences: ['api'] })
    await rejectsWith(verify(await idToken(es256.privateKey, { azp: 'someone-else' })), 'ERR_JWT_CLAIM_INVALID', 'azp', 'mismatch')
    const multi = (claims: Record<string, unknown>) =>
      signJWT({ sub: 'alice', aud: [CLIENT, 'api'], ...claims }, es256.privateKey, { issuer, issuedAt: NOW, expiresAt: NOW + 300 })
    await rejectsWith(verify(await multi({})), 'ERR_JWT_CLAIM_MISSING', 'azp')
    await verify(await multi({ azp: CLIENT }))
    await rejectsWith((await verifier())(await multi({ azp: CLIENT })), 'ERR_JWT_CLAIM_INVALID', 'aud', 'untrusted')
  })

  it('iss, aud and exp are checked', async () => {
    const verify = await verifier()
    await rejectsWith(verify(await signJWT({ sub: 'a' }, es256.privateKey, { issuer: 'https://other', audience: CLIENT, issuedAt: NOW, expiresAt: NOW + 9 })), 'ERR_JWT_CLAIM_INVALID', 'iss')
    await rejectsWith(verify(await signJWT({ sub: 'a' }, es256.privateKey, { issuer, audience: 'other', issuedAt: NOW, expiresAt: NOW + 9 })), 'ERR_JWT_CLAIM_INVALID', 'aud')
    await rejectsWith(verify(await signJWT({ sub: 'a' }, es256.privateKey, { issuer, audience: CLIENT, issuedAt: NOW - 99, expiresAt: NOW - 9 })), 'ERR_JWT_EXPIRED', 'exp')
    await rejectsWith(verify(await signJWT({ sub: 'a' }, es256.privateKey, { issuer, audience: CLIENT, issuedAt: false, expiresAt: NOW + 9 })), 'ERR_JWT_CLAIM_MISSING', 'iat')
  })

  it('auth_time too old for max_age (per call or by default), and required when max_age is used', async () => {
    const verify = await verifier({ clockTolerance: 5 })
    await verify(await idToken(es256.privateKey), { nonce: NONCE, maxAge: 60 })
    await rejectsWith(verify(await idToken(es256.privateKey, { auth_time: NOW - 3600 }), { nonce: NONCE, maxAge: '10m' }), 'ERR_JWT_CLAIM_INVALID', 'auth_time', 'too_old')
    await rejectsWith((await verifier({ maxAge: 30 }))(await idToken(es256.privateKey), { nonce: NONCE }), 'ERR_JWT_CLAIM_INVALID', 'auth_time', 'too_old')
    await rejectsWith(verify(await idToken(es256.privateKey, { auth_time: undefined }), { nonce: NONCE, maxAge: 60 }), 'ERR_JWT_CLAIM_MISSING', 'auth_time')
  })

  it('iat and auth_time in the future are refused (beyond clockTolerance)', async () => {
    const verify = await verifier({ clockTolerance: 5 })
    await verify(await idToken(es256.privateKey, { auth_time: NOW + 5 }), { nonce: NONCE })
    await (await verifier({ clockTolerance: 5, currentTime: NOW - 5 }))(await idToken(es256.privateKey, { auth_time: NOW - 5 }), { nonce: NONCE })
    const early = await verifier({ clockTolerance: 5, currentTime: NOW - 60 }) // the token's iat (NOW) is a minute ahead
    await rejectsWith(early(await idToken(es256.privateKey, { auth_time: NOW - 120 }), { nonce: NONCE }), 'ERR_JWT_CLAIM_INVALID', 'iat', 'future')
    await rejectsWith(verify(await idToken(es256.privateKey, { auth_time: NOW + 60 }), { nonce: NONCE }), 'ERR_JWT_CLAIM_INVALID', 'auth_time', 'future')
  })

  it('acr must be one of the requested values', async () => {
    const verify = await verifier({ acrValues: ['urn:mace:incommon:iap:silver'] })
    await verify(await idToken(es256.privateKey, { acr: 'urn:mace:incommon:iap:silver' }), { nonce: NONCE })
    await rejectsWith(verify(await idToken(es256.privateKey, { acr: '0' }), { nonce: NONCE }), 'ERR_JWT_CLAIM_INVALID', 'acr')
    await rejectsWith(verify(await idToken(es256.privateKey), { nonce: NONCE }), 'ERR_JWT_CLAIM_MISSING', 'acr')
  })

  it('at_hash and c_hash: the left half of the hash of the token alg (SHA-256, SHA-384, SHA-512 for Ed25519)', async () => {
    const verify = await verifier()
    const accessToken = 'jHkWEdUXMU1BwAsC4vtUsZwnNvTIxEl0z9K3vx5KF0Y'
    const code = 'Qcb0Orv1zh30vL1MPRsbm-diHiMwcLyZvn1arpZv-Jxf_11jnpEX3Tgfvk'
    for (const [{ privateKey }, hash] of [[es256, 'sha256'], [ps384, 'sha384'], [ed, 'sha512']] as const) {
      const token = await idToken(privateKey, { at_hash: leftHalf(hash, accessToken), c_hash: leftHalf(hash, code) })
      await verify(token, { nonce: NONCE, accessToken, code, requireHashes: true })
      await rejectsWith(verify(token, { nonce: NONCE, accessToken: `${accessToken}x` }), 'ERR_JWT_CLAIM_INVALID', 'at_hash', 'mismatch')
      await rejectsWith(verify(token, { nonce: NONCE, code: `${code}x` }), 'ERR_JWT_CLAIM_INVALID', 'c_hash', 'mismatch')
    }
    const wrongHash = await idToken(es256.privateKey, { at_hash: leftHalf('sha512', accessToken) })
    await rejectsWith(verify(wrongHash, { nonce: NONCE, accessToken }), 'ERR_JWT_CLAIM_INVALID', 'at_hash', 'mismatch')
    await verify(await idToken(es256.privateKey), { nonce: NONCE, accessToken })
    await rejectsWith(verify(await idToken(es256.privateKey), { nonce: NONCE, accessToken, requireHashes: true }), 'ERR_JWT_CLAIM_MISSING', 'at_hash')
  })

  it('an access token (typ at+jwt) is not an ID token', async () => {
    const verify = await verifier()
    await rejectsWith(verify(await idToken(es256.privateKey, {}, 'at+jwt')), 'ERR_JWT_CLAIM_INVALID', 'typ')
  })
})
