/**
 * RFC 9068 access tokens: valid, each required claim missing (jti above all), wrong typ, an ID token
 * presented as an access token (RFC 8725 §3.12), required scopes and the scope helpers; plus the
 * opt-in embedded-jwk resolver (public keys only, thumbprint pinning).
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import {
  type JotErrorCode,
  createAccessTokenVerifier,
  createEmbeddedJWKResolver,
  createLocalKeySet,
  createRemoteKeySet,
  createVerifier,
  exportJWK,
  generateKeyPair,
  generateSecret,
  hasScopes,
  isJotError,
  jwkThumbprint,
  scopesOf,
  signJWT,
  verifyJWT,
} from 'jotjwt'
import { startServer, withoutUnhandledRejections } from '../jwks/server.js'

async function rejectsWith(promise: Promise<unknown>, code: JotErrorCode, claim?: string): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(isJotError(error), `expected a JotError, got ${String(error)}`)
    assert.equal(error.code, code, `${error.name}: ${error.message}`)
    if (claim !== undefined) assert.equal((error as { claim?: string }).claim, claim)
    return true
  })
}

const NOW = 1_800_000_000
const ISSUER = 'https://as.example'
const API = 'https://api.example'
const { privateKey, publicKey } = await generateKeyPair('ES256', { kid: 'as-1' })
const keys = createLocalKeySet({ keys: [await exportJWK(publicKey)] })
const verify = createAccessTokenVerifier({ issuer: ISSUER, audience: API, key: keys, currentTime: NOW })

const CLAIMS = { sub: 'alice', client_id: 's6BhdRkqt3', jti: 'dbe39bf3a3ba4238a513f51d6e1691c4', scope: 'orders:read orders:write' }
function accessToken(claims: Record<string, unknown> = {}, typ = 'at+jwt', audience = API) {
  return signJWT({ ...CLAIMS, ...claims }, privateKey, { issuer: ISSUER, audience, issuedAt: NOW, expiresAt: NOW + 300, typ })
}

describe('RFC 9068 access tokens', () => {
  it('accepts a valid access token and returns its scopes', async () => {
    const { payload, scopes } = await verify(await accessToken())
    assert.equal(payload.client_id, 's6BhdRkqt3')
    assert.deepEqual(scopes, ['orders:read', 'orders:write'])
    await verify(await accessToken({}, 'application/at+jwt'))
  })

  it('maxLifetime refuses a token minted to live longer (exp − iat)', async () => {
    const bounded = createAccessTokenVerifier({ issuer: ISSUER, audience: API, key: keys, currentTime: NOW, maxLifetime: '5m' })
    await bounded(await accessToken())
    const long = await signJWT(CLAIMS, privateKey, { issuer: ISSUER, audience: API, issuedAt: NOW, expiresAt: NOW + 301, typ: 'at+jwt' })
    await rejectsWith(bounded(long), 'ERR_JWT_CLAIM_INVALID', 'exp')
  })

  it('refuses a token without jti, and without each other required claim', async () => {
    await rejectsWith(verify(await accessToken({ jti: undefined })), 'ERR_JWT_CLAIM_MISSING', 'jti')
    for (const claim of ['sub', 'client_id']) {
      await rejectsWith(verify(await accessToken({ [claim]: undefined })), 'ERR_JWT_CLAIM_MISSING', claim)
    }
    const noIat = await signJWT(CLAIMS, privateKey, { issuer: ISSUER, audience: API, issuedAt: false, expiresAt: NOW + 300, typ: 'at+jwt' })
    await rejectsWith(verify(noIat), 'ERR_JWT_CLAIM_MISSING', 'iat')
    const noExp = await signJWT(CLAIMS, privateKey, { issuer: ISSUER, audience: API, issuedAt: NOW, typ: 'at+jwt' })
    await rejectsWith(verify(noExp), 'ERR_JWT_CLAIM_MISSING', 'exp')
    await rejectsWith(verify(await accessToken({ client_id: 7 })), 'ERR_JWT_CLAIM_INVALID', 'client_id')
  })

  it('refuses a wrong typ', async () => {
    for (const typ of ['JWT', 'jwt', 'at+JWS', 'dpop+jwt']) {
      await rejectsWith(verify(await accessToken({}, typ)), 'ERR_JWT_CLAIM_INVALID', 'typ')
    }
  })

  it('refuses an ID token presented as an access token (RFC 8725 §3.12)', async () => {
    // An ID token from the same issuer and key, even one whose aud is this API.
    const idToken = await signJWT({ sub: 'alice', nonce: 'n', azp: 'client', auth_time: NOW - 5 }, privateKey, {
      issuer: ISSUER, audience: API, issuedAt: NOW, expiresAt: NOW + 300,
    })
    await rejectsWith(verify(idToken), 'ERR_JWT_CLAIM_INVALID', 'typ')
  })

  it('iss and aud are required options and checked', async () => {
    assert.throws(() => createAccessTokenVerifier({ issuer: ISSUER, key: keys } as never), (e: unknown) => isJotError(e) && e.code === 'ERR_INVALID_ARGUMENT')
    await rejectsWith(verify(await accessToken({}, 'at+jwt', 'https://other.example')), 'ERR_JWT_CLAIM_INVALID', 'aud')
  })

  it("createVerifier's profile 'rfc9068' applies the same checks, and keeps the caller's required claims", async () => {
    const profiled = createVerifier({ issuer: ISSUER, audience: API, key: keys, currentTime: NOW, profile: 'rfc9068', requiredClaims: ['scope'] })
    assert.equal((await profiled(await accessToken())).payload.client_id, 's6BhdRkqt3')
    await rejectsWith(profiled(await accessToken({}, 'JWT')), 'ERR_JWT_CLAIM_INVALID', 'typ')
    for (const claim of ['sub', 'client_id', 'jti', 'scope']) {
      await rejectsWith(profiled(await accessToken({ [claim]: undefined })), 'ERR_JWT_CLAIM_MISSING', claim)
    }
    await rejectsWith(profiled(await accessToken({ client_id: 7 })), 'ERR_JWT_CLAIM_INVALID', 'client_id')
    // With acceptAnyAudience (the caller checks aud itself) the claim is still required (§2.2).
    const anyAudience = createVerifier({ issuer: ISSUER, acceptAnyAudience: true, key: keys, currentTime: NOW, profile: 'rfc9068' })
    await anyAudience(await accessToken({}, 'at+jwt', 'https://other.example'))
    const noAud = await signJWT(CLAIMS, privateKey, { issuer: ISSUER, issuedAt: NOW, expiresAt: NOW + 300, typ: 'at+jwt' })
    await rejectsWith(anyAudience(noAud), 'ERR_JWT_CLAIM_MISSING', 'aud')
    const invalid = (e: unknown) => isJotError(e) && e.code === 'ERR_INVALID_ARGUMENT'
    assert.throws(() => createVerifier({ issuer: ISSUER, audience: API, key: keys, profile: 'rfc9068', typ: 'JWT' }), invalid)
    assert.throws(() => createVerifier({ audience: API, key: keys, profile: 'rfc9068' }), invalid)
    assert.throws(() => createVerifier({ issuer: ISSUER, key: keys, profile: 'rfc9068' }), invalid)
    assert.throws(() => createVerifier({ issuer: ISSUER, audience: API, key: keys, profile: 'rfc9069' as never }), invalid)
    createVerifier({ issuer: ISSUER, audience: API, key: keys, profile: 'rfc9068', typ: 'application/AT+JWT' })
  })

  it('requiredScopes: a missing scope is ERR_JWT_INSUFFICIENT_SCOPE (403, not 401)', async () => {
    const needsAdmin = createAccessTokenVerifier({ issuer: ISSUER, audience: API, key: keys, currentTime: NOW, requiredScopes: ['admin'] })
    await rejectsWith(needsAdmin(await accessToken()), 'ERR_JWT_INSUFFICIENT_SCOPE', 'scope')
    await needsAdmin(await accessToken({ scope: 'admin' }))
  })
})

describe('scope helpers', () => {
  it('reads scope strings and scp/scopes arrays', () => {
    assert.deepEqual(scopesOf({ scope: 'a b  a' }), ['a', 'b'])
    assert.deepEqual(scopesOf({ scp: ['x', 'y'] }), ['x', 'y'])
    assert.deepEqual(scopesOf({ scp: 'x y' }), ['x', 'y'])
    assert.deepEqual(scopesOf({ scopes: ['z'], scope: 'a' }), ['a', 'z'])
    assert.deepEqual(scopesOf({}), [])
    assert.ok(hasScopes({ scope: 'a b' }, ['b', 'a']))
    assert.ok(!hasScopes({ scope: 'a b' }, ['c']))
    assert.throws(() => scopesOf({ scp: [1] }), (e: unknown) => isJotError(e) && e.code === 'ERR_JWT_CLAIM_INVALID')
  })
})

const holder = await generateKeyPair('ES256')
describe('header-supplied keys', () => {
  const proof = (header: Record<string, unknown>) => signJWT({ htm: 'GET' }, holder.privateKey, { typ: 'dpop+jwt', header, expiresIn: 60 })

  it('an embedded jwk is never used by key sets, only by the opt-in resolver', async () => {
    const token = await proof({ jwk: await exportJWK(holder.publicKey) })
    await rejectsWith(verifyJWT(token, keys), 'ERR_JWS_SIGNATURE_INVALID') // kid-less: the set's own key is tried, and fails
    const { key } = await verifyJWT(token, createEmbeddedJWKResolver())
    assert.equal(key.type, 'public')
  })

  it('refuses private or symmetric embedded keys, and keys outside the pinned thumbprints', async () => {
    await rejectsWith(verifyJWT(await proof({ jwk: await exportJWK(holder.privateKey) }), createEmbeddedJWKResolver()), 'ERR_KEY_USAGE_INVALID')
    const oct = await exportJWK(await generateSecret('HS256'))
    await rejectsWith(verifyJWT(await proof({ jwk: oct }), createEmbeddedJWKResolver()), 'ERR_KEY_USAGE_INVALID')
    await rejectsWith(verifyJWT(await proof({}), createEmbeddedJWKResolver()), 'ERR_JWS_INVALID')
    const jwk = await exportJWK(holder.publicKey)
    const pinned = createEmbeddedJWKResolver({ thumbprints: [await jwkThumbprint(jwk)] })
    await verifyJWT(await proof({ jwk }), pinned)
    const other = createEmbeddedJWKResolver({ thumbprints: ['NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs'] })
    await rejectsWith(verifyJWT(await proof({ jwk }), other), 'ERR_JWKS_NO_MATCHING_KEY')
  })

  it('never fetches jku or x5u: a remote key set requests only its configured URL', async () => {
    await withoutUnhandledRejections(async () => {
      const server = await startServer()
      try {
        server.documents.set('/jwks', { keys: [await exportJWK(publicKey)] })
        server.documents.set('/evil/jwks', { keys: [await exportJWK(holder.publicKey)] })
        const requested: string[] = []
        const remote = createRemoteKeySet(`${server.origin}/jwks`, {
          allowHttp: true,
          fetch: (input, init) => {
            requested.push(String(input))
            return fetch(input, init)
          },
        })
        const header = { jku: `${server.origin}/evil/jwks`, x5u: `${server.origin}/evil/cert`, kid: 'as-1' }
        await verifyJWT(await signJWT({}, privateKey, { header, expiresIn: 60 }), remote)
        // Signed by a key that only the attacker's jku document holds: refused, and jku still not fetched.
        await rejectsWith(verifyJWT(await signJWT({}, holder.privateKey, { header: { ...header, kid: 'evil' }, expiresIn: 60 }), remote), 'ERR_JWKS_NO_MATCHING_KEY')
        await rejectsWith(verifyJWT(await signJWT({}, privateKey, { header, expiresIn: 60 }), createEmbeddedJWKResolver()), 'ERR_JWS_INVALID')
        assert.deepEqual([...new Set(requested)], [`${server.origin}/jwks`])
        assert.equal(server.count('/evil/jwks') + server.count('/evil/cert'), 0)
      } finally {
        await server.close()
      }
    })
  })
})
