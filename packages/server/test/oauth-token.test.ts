import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify } from 'jose'
import { createLocalKeySet, decodeJWTUnverified, verifyAccessToken } from 'jotjwt'
import { RESERVED_CLAIMS } from '../src/oauth/access-token.js'
import { publishedKeySet } from '../src/oauth/signing-keys.js'
import { handleTokenRequest } from '../src/oauth/token.js'
import { API, ISSUER, basic, createTestContext, form, rejectsWith, secretClient, type TestContextOptions } from './oauth-helpers.js'

const SECRET = 'a-long-enough-client-secret'
const OTHER_API = 'https://reports.example/api'

async function setup(clientOverrides: Parameters<typeof secretClient>[2] = {}, options: TestContextOptions = {}) {
  const client = await secretClient('svc', SECRET, clientOverrides)
  const test = createTestContext({ clients: [client], ...options })
  const token = (params: Record<string, string> = {}, resources: string[] = []) =>
    handleTokenRequest(form({ grant_type: 'client_credentials', ...params }, { authorization: basic('svc', SECRET), resources }), test.ctx)
  return { ...test, client, token }
}

describe('token endpoint: client_credentials (RFC 6749 §4.4)', () => {
  it('answers per RFC 6749 §5.1: Bearer token, expires_in, the granted scope, no caching', async () => {
    const { token } = await setup()
    const { status, headers, body } = await token()
    assert.equal(status, 200)
    assert.deepEqual(headers, { 'Cache-Control': 'no-store', Pragma: 'no-cache' })
    const { access_token, ...rest } = body as Record<string, unknown>
    assert.equal(typeof access_token, 'string')
    assert.deepEqual(rest, { token_type: 'Bearer', expires_in: 600, scope: 'read write' })
  })

  it('issues an RFC 9068 token: typ at+jwt and exactly the profile\'s claims', async () => {
    const { ctx, clock, token, logs } = await setup()
    const { body } = await token({ scope: 'read' })
    const accessToken = (body as { access_token: string }).access_token
    const jwks = await publishedKeySet(ctx)

    // jot's RFC 9068 verifier: typ, required claims, iss, aud, signature.
    const verified = await verifyAccessToken(accessToken, { issuer: ISSUER, audience: API, key: createLocalKeySet(jwks), currentTime: clock.now })
    const { jti, ...claims } = verified.payload
    assert.deepEqual(claims, { iss: ISSUER, sub: 'svc', aud: API, client_id: 'svc', iat: clock.now, exp: clock.now + 600, scope: 'read' })
    assert.match(jti, /^[A-Za-z0-9_-]{22}$/, '128 random bits')
    assert.deepEqual(verified.header, { alg: 'ES256', typ: 'at+jwt', kid: jwks.keys[0]!.kid })

    // jose, independently: explicit typ, issuer, audience, signature.
    const jose = await jwtVerify(accessToken, createLocalJWKSet(jwks as never), {
      typ: 'at+jwt',
      issuer: ISSUER,
      audience: API,
      requiredClaims: ['sub', 'client_id', 'iat', 'jti', 'exp'],
      currentDate: new Date(clock.now * 1000),
    })
    assert.equal(jose.payload.jti, jti)
    assert.equal(decodeProtectedHeader(accessToken).typ, 'at+jwt')

    // Logged by jti and client_id only, never the token.
    const issued = logs.filter((entry) => entry.message === 'access token issued')
    assert.deepEqual(issued.map((entry) => entry.fields), [{ jti, client_id: 'svc' }])
    assert.ok(!JSON.stringify(logs).includes(accessToken))
  })

  it('gives every token a different jti', async () => {
    const { token } = await setup()
    const jtis = new Set<unknown>()
    for (let i = 0; i < 5; i++) jtis.add(decodeJWTUnverified(((await token()).body as { access_token: string }).access_token).payload.jti)
    assert.equal(jtis.size, 5)
  })

  it('grants the client\'s whole allowlist when no scope is asked for, and no scope claim for an empty one', async () => {
    const { token } = await setup({ scopes: [] })
    const { body } = await token()
    assert.equal((body as Record<string, unknown>).scope, undefined)
    assert.equal(decodeJWTUnverified((body as { access_token: string }).access_token).payload.scope, undefined)
  })

  it('grants a requested subset, deduplicated, and refuses any scope outside the allowlist (invalid_scope)', async () => {
    const { token } = await setup()
    assert.equal(((await token({ scope: 'write write' })).body as Record<string, unknown>).scope, 'write')
    await rejectsWith(token({ scope: 'read admin' }), 'invalid_scope', 400)
    await rejectsWith(token({ scope: 'read  write' }), 'invalid_scope', 400)
    await rejectsWith(token({ scope: 'read "x"' }), 'invalid_scope', 400)
  })
})

describe('token endpoint: resource indicators (RFC 8707)', () => {
  const resourcesOf = async (response: Promise<{ body: unknown }>) =>
    decodeJWTUnverified(((await response).body as { access_token: string }).access_token).payload.aud

  it('uses the only allowed resource, or the default, when none is named', async () => {
    assert.equal(await resourcesOf((await setup()).token()), API)
    const several = await setup({ resources: [API, OTHER_API], defaultResource: OTHER_API })
    assert.equal(await resourcesOf(several.token()), OTHER_API)
  })

  it('asks for a resource when several are allowed and none is the default (invalid_target)', async () => {
    const { token } = await setup({ resources: [API, OTHER_API] })
    await rejectsWith(token(), 'invalid_target', 400)
  })

  it('puts every requested resource in aud, and refuses one outside the allowlist or malformed', async () => {
    const { token } = await setup({ resources: [API, OTHER_API] })
    assert.deepEqual(await resourcesOf(token({}, [API, OTHER_API, API])), [API, OTHER_API])
    assert.equal(await resourcesOf(token({}, [OTHER_API])), OTHER_API)
    await rejectsWith(token({}, ['https://evil.example']), 'invalid_target', 400)
    await rejectsWith(token({}, [API, 'https://evil.example']), 'invalid_target', 400)
    await rejectsWith(token({}, [`${API}#fragment`]), 'invalid_target', 400)
    await rejectsWith(token({}, ['api.example/relative']), 'invalid_target', 400)
  })
})

describe('token endpoint: grants and errors', () => {
  it('needs grant_type, refuses unknown grants and grants the client may not use', async () => {
    const { token, ctx } = await setup()
    await rejectsWith(handleTokenRequest(form({}, { authorization: basic('svc', SECRET) }), ctx), 'invalid_request', 400)
    await rejectsWith(token({ grant_type: 'password' }), 'unsupported_grant_type', 400)
    const limited = await setup({ grantTypes: [] })
    await rejectsWith(limited.token(), 'unauthorized_client', 400)
  })

  it('authenticates before anything grant-specific is revealed', async () => {
    const { ctx } = await setup()
    await rejectsWith(handleTokenRequest(form({ grant_type: 'password' }, { authorization: basic('svc', 'wrong') }), ctx), 'invalid_client', 401)
  })

  it('never lets extraClaims override reserved claims, and adds the others', async () => {
    const extraClaims = Object.fromEntries([...RESERVED_CLAIMS].map((name) => [name, 'forged']))
    const { token, logs, clock } = await setup({ extraClaims: { ...extraClaims, tenant: 'acme', roles: ['x'] } })
    const { header, payload } = decodeJWTUnverified(((await token({ scope: 'read' })).body as { access_token: string }).access_token)
    const { jti, ...rest } = payload
    assert.deepEqual(rest, { tenant: 'acme', roles: ['x'], iss: ISSUER, sub: 'svc', aud: API, client_id: 'svc', iat: clock.now, exp: clock.now + 600, scope: 'read' })
    assert.notEqual(jti, 'forged')
    assert.equal(header.typ, 'at+jwt')
    assert.equal(logs.filter((entry) => entry.message === 'a reserved claim in extraClaims was ignored').length, RESERVED_CLAIMS.size)
  })

  it('keeps "__proto__" in extraClaims an ordinary claim', async () => {
    const { token } = await setup({ extraClaims: JSON.parse('{"__proto__": {"scope": "admin"}}') as Record<string, unknown> })
    const { payload } = decodeJWTUnverified(((await token({ scope: 'read' })).body as { access_token: string }).access_token)
    assert.equal(payload.scope, 'read')
  })

  it('signs with the client\'s algorithm when it names one', async () => {
    const { token, ctx } = await setup({ accessTokenAlg: 'EdDSA' }, { extraAlgs: ['EdDSA'] })
    const accessToken = ((await token()).body as { access_token: string }).access_token
    assert.equal(decodeJWTUnverified(accessToken).header.alg, 'EdDSA')
    const algs = (await publishedKeySet(ctx)).keys.map((key) => key.alg).sort()
    assert.deepEqual(algs, ['ES256', 'ES256', 'EdDSA', 'EdDSA'], 'both algorithms\' active and next keys are published')
  })

  it('caps the client\'s lifetime at tokens.maxAccessTokenTtl', async () => {
    const { token } = await setup({ accessTokenTtl: 7200 }, { config: { tokens: { maxAccessTokenTtl: '1h' } } })
    assert.equal(((await token()).body as Record<string, unknown>).expires_in, 3600)
    const shorter = await setup({ accessTokenTtl: 60 })
    assert.equal(((await shorter.token()).body as Record<string, unknown>).expires_in, 60)
  })
})
