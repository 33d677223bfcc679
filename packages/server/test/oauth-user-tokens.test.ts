/**
 * A person's tokens, framework-free over the in-memory store with a simulated clock: the code
 * redemption's response and ID token (OIDC Core §3.1.3.3, §2, §3.1.3.6), userinfo's RFC 6750
 * answers, and the refresh token grant's lifetimes, narrowing, grace window and reuse detection.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { createIdTokenVerifier, createLocalKeySet, decodeJWTUnverified } from 'jotjwt'
import { handleAuthorizationRequest, handleLoginSubmission } from '../src/login/flow.js'
import { accessTokenHash } from '../src/oauth/id-token.js'
import { handleIntrospectionRequest } from '../src/oauth/introspect.js'
import { handleRevocationRequest } from '../src/oauth/revoke.js'
import { publishedKeySet } from '../src/oauth/signing-keys.js'
import { handleTokenRequest } from '../src/oauth/token.js'
import { handleUserinfoRequest } from '../src/oauth/userinfo.js'
import {
  API,
  CODE_VERIFIER,
  ISSUER,
  REDIRECT_URI,
  appClient,
  authorizationParams,
  basic,
  browserRequest,
  createTestContext,
  form,
  formOf,
  rejectsWith,
  secretClient,
  testUser,
  type TestContext,
} from './oauth-helpers.js'

const RS_SECRET = 'resource-server-secret'

async function setup(client: Parameters<typeof appClient>[1] = {}) {
  const test = createTestContext({
    extraAlgs: ['RS256'],
    clients: [appClient('app', client), appClient('other', { redirectUris: ['https://other.example/cb'] }), await secretClient('rs', RS_SECRET)],
    users: [await testUser('ada', 'ada-password', { groups: ['admins', 'staff'] })],
  })
  return test
}

/** Logs ada in and redeems the code; returns the token response body. */
async function tokens(test: TestContext, params: Record<string, string> = {}): Promise<Record<string, string>> {
  const page = await handleAuthorizationRequest(browserRequest(authorizationParams(params)), test.ctx)
  const { fields, cookies } = formOf(page, '__Host-jotjwt-csrf')
  const answer = await handleLoginSubmission(browserRequest({ ...fields, username: 'ada', password: 'ada-password' }, { method: 'POST', cookies }), test.ctx)
  const code = new URL(answer.headers.Location!).searchParams.get('code')!
  const response = await handleTokenRequest(form({ grant_type: 'authorization_code', client_id: 'app', code, redirect_uri: REDIRECT_URI, code_verifier: CODE_VERIFIER }), test.ctx)
  assert.deepEqual(response.headers, { 'Cache-Control': 'no-store', Pragma: 'no-cache' })
  return response.body as Record<string, string>
}

const refresh = (test: TestContext, refreshToken: string, params: Record<string, string> = {}, clientId = 'app') =>
  handleTokenRequest(form({ grant_type: 'refresh_token', client_id: clientId, refresh_token: refreshToken, ...params }), test.ctx)
const userinfo = (test: TestContext, accessToken: string) => handleUserinfoRequest(form({}, { authorization: `Bearer ${accessToken}` }), test.ctx)
const introspect = async (test: TestContext, token: string, authorization = basic('rs', RS_SECRET)) =>
  (await handleIntrospectionRequest(form({ token }, { authorization }), test.ctx)).body as Record<string, unknown>

describe('the code redemption: tokens and ID token', () => {
  it('answers per OIDC Core §3.1.3.3 with an RS256 ID token carrying exactly the claims of §2 and the profile scope', async () => {
    const test = await setup()
    const body = await tokens(test)
    assert.deepEqual(Object.keys(body).sort(), ['access_token', 'expires_in', 'id_token', 'refresh_token', 'scope', 'token_type'])
    assert.deepEqual([body.token_type, body.expires_in, body.scope], ['Bearer', 600, 'openid profile'])
    assert.match(body.refresh_token!, /^[A-Za-z0-9_-]{43}$/)

    const { header, payload } = decodeJWTUnverified(body.id_token!)
    assert.deepEqual({ ...header, kid: undefined }, { alg: 'RS256', typ: 'JWT', kid: undefined })
    const now = test.clock.now
    assert.deepEqual(payload, {
      name: 'Ada Example',
      preferred_username: 'ada',
      iss: ISSUER,
      sub: 'sub-ada',
      aud: 'app',
      azp: 'app',
      exp: now + 600,
      iat: now,
      auth_time: now,
      nonce: 'n-1',
      at_hash: accessTokenHash(body.access_token!, 'RS256'),
    })
    const verify = createIdTokenVerifier({ issuer: ISSUER, clientId: 'app', key: createLocalKeySet(await publishedKeySet(test.ctx)), currentTime: now, requireAuthTime: true })
    await verify(body.id_token!, { nonce: 'n-1', accessToken: body.access_token!, requireHashes: true })
    await assert.rejects(verify(body.id_token!, { nonce: 'n-1', accessToken: `${body.access_token}x`, requireHashes: true }), /at_hash/)

    const access = decodeJWTUnverified(body.access_token!).payload
    assert.deepEqual([access.sub, access.client_id, access.aud, access.scope, access.auth_time, access.groups], ['sub-ada', 'app', API, 'openid profile', now, undefined])
  })

  it('no ID token without openid; groups in the access token only with the groups scope; ES256 when the client names it', async () => {
    const test = await setup({ idTokenAlg: 'ES256' })
    const plain = await tokens(test, { scope: 'read groups' })
    assert.equal(plain.id_token, undefined)
    assert.deepEqual(decodeJWTUnverified(plain.access_token!).payload.groups, ['admins', 'staff'])
    const es = await tokens(test, { scope: 'openid' })
    assert.equal(decodeJWTUnverified(es.id_token!).header.alg, 'ES256')
  })

  it('an ID token is not an access token: userinfo refuses it and introspection calls it inactive', async () => {
    const test = await setup()
    const { id_token } = await tokens(test)
    assert.equal((await userinfo(test, id_token!)).status, 401)
    assert.deepEqual(await introspect(test, id_token!), { active: false })
  })
})

describe('userinfo (OIDC Core §5.3, RFC 6750 §3)', () => {
  it('answers with the claims the token\'s scopes release, sub included', async () => {
    const test = await setup()
    const { access_token } = await tokens(test, { scope: 'openid email groups' })
    const { status, headers, body } = await userinfo(test, access_token!)
    assert.equal(status, 200)
    assert.equal(headers['Cache-Control'], 'no-store')
    assert.deepEqual(body, { email: 'ada@example.com', email_verified: true, groups: ['admins', 'staff'], sub: 'sub-ada' })
    // RFC 6750 §2.2: in a form body too.
    assert.equal((await handleUserinfoRequest(form({ access_token: access_token! }), test.ctx)).status, 200)
  })

  it('answers every failure with the RFC 6750 challenge', async () => {
    const test = await setup()
    const { access_token } = await tokens(test)
    const missing = await handleUserinfoRequest(form({}), test.ctx)
    assert.deepEqual([missing.status, missing.headers['WWW-Authenticate'], missing.body], [401, `Bearer realm="${ISSUER}"`, undefined])
    const twice = await handleUserinfoRequest(form({ access_token: access_token! }, { authorization: `Bearer ${access_token}` }), test.ctx)
    assert.equal(twice.status, 400)
    assert.match(twice.headers['WWW-Authenticate']!, /^Bearer realm="https:\/\/as\.example", error="invalid_request", error_description="/)
    assert.equal((await handleUserinfoRequest(form({}, { authorization: `Basic ${access_token}` }), test.ctx)).status, 400)
    const forged = await userinfo(test, `${access_token}x`)
    assert.equal(forged.status, 401)
    assert.match(forged.headers['WWW-Authenticate']!, /error="invalid_token"/)
    // A client credentials token has no openid scope.
    const machine = (await handleTokenRequest(form({ grant_type: 'client_credentials' }, { authorization: basic('rs', RS_SECRET) }), test.ctx)).body as { access_token: string }
    const scoped = await userinfo(test, machine.access_token)
    assert.equal(scoped.status, 403)
    assert.equal(scoped.headers['WWW-Authenticate'], `Bearer realm="${ISSUER}", error="insufficient_scope", error_description="userinfo needs a token with the openid scope", scope="openid"`)
    // A revoked token, and a token of a person who is gone.
    await handleRevocationRequest(form({ token: access_token!, client_id: 'app' }), test.ctx)
    assert.equal((await userinfo(test, access_token!)).status, 401)
    const { access_token: second } = await tokens(test)
    await test.store.deleteUser('sub-ada')
    assert.equal((await userinfo(test, second!)).status, 401)
  })
})

describe('the refresh token grant', () => {
  it('rotates, keeps auth_time and leaves out the nonce in the new ID token (OIDC Core §12.2)', async () => {
    const test = await setup()
    const first = await tokens(test)
    test.clock.now += 30
    const { body } = await refresh(test, first.refresh_token!)
    const next = body as Record<string, string>
    assert.notEqual(next.refresh_token, first.refresh_token)
    const claims = decodeJWTUnverified(next.id_token!).payload
    assert.equal(claims.auth_time, test.clock.now - 30)
    assert.equal(claims.iat, test.clock.now)
    assert.equal(claims.nonce, undefined)
  })

  it('may narrow the scope and audience, never widen them; a refused request leaves the token usable', async () => {
    const test = await setup()
    const first = await tokens(test, { scope: 'openid read' })
    await rejectsWith(refresh(test, first.refresh_token!, { scope: 'openid read write' }), 'invalid_scope')
    await rejectsWith(handleTokenRequest(form({ grant_type: 'refresh_token', client_id: 'app', refresh_token: first.refresh_token! }, { resources: ['https://elsewhere.example'] }), test.ctx), 'invalid_target')
    const narrowed = (await refresh(test, first.refresh_token!, { scope: 'read' })).body as Record<string, string>
    assert.equal(narrowed.scope, 'read')
    assert.equal(narrowed.id_token, undefined)
    // The grant keeps its scope: the next refresh may ask for openid again.
    assert.equal(((await refresh(test, narrowed.refresh_token!)).body as Record<string, string>).scope, 'openid read')
  })

  it('refuses a token issued to another client without revoking anything', async () => {
    const test = await setup()
    const first = await tokens(test)
    await rejectsWith(refresh(test, first.refresh_token!, {}, 'other'), 'invalid_grant')
    assert.deepEqual(await introspect(test, first.refresh_token!), { active: false }, 'nor does another client learn about it')
    assert.equal((await refresh(test, first.refresh_token!)).status, 200)
  })

  it('dies after its idle lifetime, and the family after its absolute lifetime even when used all along', async () => {
    const test = await setup({ refreshToken: { idleTtl: 100, absoluteTtl: 250 } })
    const first = await tokens(test)
    test.clock.now += 100
    await rejectsWith(refresh(test, first.refresh_token!), 'invalid_grant')

    const second = await tokens(test)
    let current = second.refresh_token!
    for (let step = 0; step < 2; step++) {
      test.clock.now += 90
      current = ((await refresh(test, current)).body as Record<string, string>).refresh_token!
    }
    const [, grant] = [...test.store.state.grants.values()]
    assert.equal([...test.store.state.refreshTokens.values()].find((token) => token.grantId === grant!.id && token.consumedAt === undefined)!.expiresAt, grant!.expiresAt, 'capped by the absolute lifetime')
    test.clock.now += 90 // 270 s after the login
    await rejectsWith(refresh(test, current), 'invalid_grant')
  })

  it('inside the grace window a spent token gets the same successor, unless that successor was used: then it is reuse', async () => {
    const test = await setup({ refreshToken: { graceWindow: 10 } })
    const first = await tokens(test)
    const successor = ((await refresh(test, first.refresh_token!)).body as Record<string, string>).refresh_token!
    test.clock.now += 9
    const again = (await refresh(test, first.refresh_token!)).body as Record<string, string>
    assert.equal(again.refresh_token, successor)
    await refresh(test, successor)
    await rejectsWith(refresh(test, first.refresh_token!), 'invalid_grant')
    assert.ok([...test.store.state.grants.values()][0]!.revokedAt !== undefined, 'reuse revoked the family')
    assert.deepEqual(await introspect(test, again.access_token!), { active: false })
  })

  it('after the grace window, reuse revokes the family: refresh tokens and access tokens', async () => {
    const test = await setup({ refreshToken: { graceWindow: 10 } })
    const first = await tokens(test)
    const second = (await refresh(test, first.refresh_token!)).body as Record<string, string>
    test.clock.now += 10
    const reuse = await rejectsWith(refresh(test, first.refresh_token!), 'invalid_grant', 400)
    assert.equal(reuse.description, 'the refresh token was already used; its grant is revoked')
    for (const token of [first.access_token!, second.access_token!]) assert.deepEqual(await introspect(test, token), { active: false })
    await rejectsWith(refresh(test, second.refresh_token!), 'invalid_grant')
    assert.ok(test.logs.some((entry) => entry.level === 'warn' && entry.message === 'grant revoked' && entry.fields.reason === 'refresh token reused'))
    assert.ok(!JSON.stringify(test.logs).includes(first.refresh_token!), 'tokens are never logged')
  })

  it('stops when the person is gone', async () => {
    const test = await setup()
    const first = await tokens(test)
    await test.store.deleteUser('sub-ada')
    await rejectsWith(refresh(test, first.refresh_token!), 'invalid_grant')
  })
})

describe('refresh tokens at introspection and revocation', () => {
  it('introspection tells the issuing client about its live refresh token, and no one else', async () => {
    const test = await setup({ authMethod: 'client_secret_basic', secretHash: (await secretClient('x', 'app-secret-0123456789')).secretHash! })
    const page = await handleAuthorizationRequest(browserRequest(authorizationParams()), test.ctx)
    const { fields, cookies } = formOf(page, '__Host-jotjwt-csrf')
    const answer = await handleLoginSubmission(browserRequest({ ...fields, username: 'ada', password: 'ada-password' }, { method: 'POST', cookies }), test.ctx)
    const code = new URL(answer.headers.Location!).searchParams.get('code')!
    const app = basic('app', 'app-secret-0123456789')
    const body = (await handleTokenRequest(form({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI, code_verifier: CODE_VERIFIER }, { authorization: app }), test.ctx)).body as Record<string, string>
    assert.deepEqual(await introspect(test, body.refresh_token!, app), {
      active: true,
      scope: 'openid profile',
      client_id: 'app',
      sub: 'sub-ada',
      iss: ISSUER,
      exp: test.clock.now + 14 * 86_400,
      iat: test.clock.now,
    })
    assert.deepEqual(await introspect(test, body.refresh_token!), { active: false }, 'another client learns nothing')
    // A public client cannot introspect at all: nothing authenticates it.
    await rejectsWith(handleIntrospectionRequest(form({ token: body.refresh_token!, client_id: 'other' }), test.ctx), 'invalid_client', 401)
  })

  it('revoking a refresh token revokes its family (RFC 7009 §2.1); another client\'s is refused', async () => {
    const test = await setup()
    const first = await tokens(test)
    await rejectsWith(handleRevocationRequest(form({ token: first.refresh_token!, client_id: 'other' }), test.ctx), 'invalid_grant')
    assert.equal((await handleRevocationRequest(form({ token: first.refresh_token!, client_id: 'app' }), test.ctx)).status, 200)
    await rejectsWith(refresh(test, first.refresh_token!), 'invalid_grant')
    assert.deepEqual(await introspect(test, first.access_token!), { active: false })
    assert.equal((await handleRevocationRequest(form({ token: 'A'.repeat(43), client_id: 'app' }), test.ctx)).status, 200, 'unknown tokens are fine (RFC 7009 §2.2)')
  })
})
