import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { generateKeyPair, signJWT } from 'jotjwt'
import { handleIntrospectionRequest } from '../src/oauth/introspect.js'
import { handleRevocationRequest } from '../src/oauth/revoke.js'
import { handleTokenRequest } from '../src/oauth/token.js'
import { API, ISSUER, basic, createTestContext, form, rejectsWith, secretClient } from './oauth-helpers.js'

const SECRET = 'a-long-enough-client-secret'
const OTHER_API = 'https://reports.example/api'

async function setup() {
  const clients = [
    await secretClient('alice', SECRET),
    await secretClient('bob', SECRET, { resources: [OTHER_API] }),
    // A resource server registered as a client for API: it introspects tokens meant for it.
    await secretClient('api-gateway', SECRET, { grantTypes: [], scopes: [], resources: [API] }),
  ]
  const test = createTestContext({ clients })
  const as = (clientId: string) => ({ authorization: basic(clientId, SECRET) })
  const issue = async (clientId: string) =>
    ((await handleTokenRequest(form({ grant_type: 'client_credentials' }, as(clientId)), test.ctx)).body as { access_token: string }).access_token
  const introspect = async (clientId: string, token: string) =>
    (await handleIntrospectionRequest(form({ token }, as(clientId)), test.ctx)).body as Record<string, unknown>
  const revoke = (clientId: string, token: string, extra: Record<string, string> = {}) =>
    handleRevocationRequest(form({ token, ...extra }, as(clientId)), test.ctx)
  return { ...test, issue, introspect, revoke, as }
}

describe('introspection (RFC 7662)', () => {
  it('describes a live token to the client it was issued to', async () => {
    const { issue, introspect, clock, ctx, as } = await setup()
    const token = await issue('alice')
    const response = await handleIntrospectionRequest(form({ token }, as('alice')), ctx)
    assert.deepEqual(response.headers, { 'Cache-Control': 'no-store', Pragma: 'no-cache' })
    const { jti, ...body } = (await introspect('alice', token)) as { jti: string }
    assert.deepEqual(body, {
      active: true,
      scope: 'read write',
      client_id: 'alice',
      sub: 'alice',
      aud: API,
      iss: ISSUER,
      exp: clock.now + 600,
      iat: clock.now,
      token_type: 'Bearer',
    })
    assert.equal(typeof jti, 'string')
  })

  it('describes it to a client registered for its audience, and to nobody else', async () => {
    const { issue, introspect } = await setup()
    const token = await issue('alice')
    assert.equal((await introspect('api-gateway', token)).active, true)
    assert.deepEqual(await introspect('bob', token), { active: false })
  })

  it('answers inactive for garbage, foreign-signed, wrongly typed and expired tokens', async () => {
    const { issue, introspect, clock } = await setup()
    const token = await issue('alice')
    const { privateKey } = await generateKeyPair('ES256')
    const claims = { iss: ISSUER, sub: 'alice', aud: API, client_id: 'alice', iat: clock.now, exp: clock.now + 60, jti: 'j' }
    for (const candidate of [
      'garbage',
      `${token.slice(0, -4)}AAAA`, // signature altered
      await signJWT(claims, privateKey, { typ: 'at+jwt' }), // our claims, somebody else's key
    ]) {
      assert.deepEqual(await introspect('alice', candidate), { active: false })
    }
    clock.now += 600
    assert.deepEqual(await introspect('alice', token), { active: false }, 'expired exactly at exp')
  })

  it('needs an authenticated caller (401) and a token (400)', async () => {
    const { issue, ctx } = await setup()
    const token = await issue('alice')
    await rejectsWith(handleIntrospectionRequest(form({ token }), ctx), 'invalid_client', 401)
    await rejectsWith(handleIntrospectionRequest(form({ token }, { authorization: basic('alice', 'wrong') }), ctx), 'invalid_client', 401)
    await rejectsWith(handleIntrospectionRequest(form({}, { authorization: basic('alice', SECRET) }), ctx), 'invalid_request', 400)
  })
})

describe('revocation (RFC 7009)', () => {
  it('revokes the caller\'s own token: 200, then inactive to everyone, denylisted until exp', async () => {
    const { issue, introspect, revoke, store, clock } = await setup()
    const token = await issue('alice')
    const { jti } = (await introspect('alice', token)) as { jti: string }
    const response = await revoke('alice', token, { token_type_hint: 'access_token' })
    assert.equal(response.status, 200)
    assert.deepEqual(response.headers, { 'Cache-Control': 'no-store', Pragma: 'no-cache' })
    assert.deepEqual(await introspect('alice', token), { active: false })
    assert.deepEqual(await introspect('api-gateway', token), { active: false })
    assert.deepEqual(store.state.revocations.get(jti), { jti, clientId: 'alice', expiresAt: clock.now + 600, revokedAt: clock.now })
    assert.equal((await revoke('alice', token)).status, 200, 'revoking twice is fine')
  })

  it('refuses to revoke another client\'s token (invalid_grant), which stays active', async () => {
    const { issue, introspect, revoke, store } = await setup()
    const token = await issue('alice')
    await rejectsWith(revoke('bob', token), 'invalid_grant', 400)
    // The resource server, too, may introspect it but not revoke it.
    await rejectsWith(revoke('api-gateway', token), 'invalid_grant', 400)
    assert.equal((await introspect('alice', token)).active, true)
    assert.equal(store.state.revocations.size, 0)
  })

  it('answers 200 for unknown, garbage and expired tokens, whatever the hint', async () => {
    const { issue, revoke, store, clock } = await setup()
    const token = await issue('alice')
    for (const [candidate, hint] of [['garbage', 'refresh_token'], ['a.b.c', 'something_else']] as const) {
      assert.equal((await revoke('alice', candidate, { token_type_hint: hint })).status, 200)
    }
    clock.now += 601
    assert.equal((await revoke('bob', token)).status, 200, 'an expired token needs nothing, whoever asks')
    assert.equal(store.state.revocations.size, 0)
  })

  it('needs an authenticated client and a token', async () => {
    const { issue, ctx } = await setup()
    const token = await issue('alice')
    await rejectsWith(handleRevocationRequest(form({ token }), ctx), 'invalid_client', 401)
    await rejectsWith(handleRevocationRequest(form({}, { authorization: basic('alice', SECRET) }), ctx), 'invalid_request', 400)
  })
})

describe('tokens across key rotation', () => {
  it('stay introspectable while their key is published, and not after it is revoked', async () => {
    const { issue, introspect, ctx } = await setup()
    const token = await issue('alice')
    await ctx.keys.rotate()
    assert.equal((await introspect('alice', token)).active, true)
    const [active] = (await ctx.keys.keys()).filter((key) => key.state === 'active')
    await ctx.keys.revoke(active!.kid)
    assert.deepEqual(await introspect('alice', token), { active: false })
    // New tokens are signed by the successor and introspect fine.
    assert.equal((await introspect('alice', await issue('alice'))).active, true)
  })
})
