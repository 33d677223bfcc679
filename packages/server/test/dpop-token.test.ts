/**
 * DPoP at the token service (RFC 9449): bound access tokens (§5, §6.1), bound refresh tokens of
 * public clients, nonces without shared state (§8), `dpop_jkt` (§10), discovery (§5.1) and
 * introspection (§6.2). Framework-free over the in-memory store with a simulated clock.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { createDPoPProof, decodeJWTUnverified, generateKeyPair, jwkThumbprint, type JotKey } from 'jotjwt'
import { handleAuthorizationRequest, handleLoginSubmission } from '../src/login/flow.js'
import { serverMetadata } from '../src/oauth/discovery.js'
import { handleIntrospectionRequest } from '../src/oauth/introspect.js'
import { handleTokenRequest } from '../src/oauth/token.js'
import { handleUserinfoRequest } from '../src/oauth/userinfo.js'
import { createOAuthRuntime } from '../src/oauth/runtime.js'
import type { OAuthRequest } from '../src/service/context.js'
import {
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
  type TestContextOptions,
} from './oauth-helpers.js'

const SECRET = 'a-long-enough-client-secret'
const TOKEN_URL = `${ISSUER}/token`

async function clientKey(): Promise<{ privateKey: JotKey; jkt: string }> {
  const { privateKey, publicKey } = await generateKeyPair('ES256')
  return { privateKey, jkt: await jwkThumbprint(publicKey) }
}

async function setup(options: TestContextOptions = {}) {
  return createTestContext({
    clients: [await secretClient('svc', SECRET), await secretClient('rs', 'resource-server-secret'), appClient('app')],
    users: [await testUser('ada', 'ada-password')],
    extraAlgs: ['RS256'],
    ...options,
  })
}

function withProof(request: OAuthRequest, proof: string): OAuthRequest {
  return { ...request, dpop: proof }
}

const proofFor = (test: TestContext, key: JotKey, extra: { nonce?: string; url?: string } = {}) =>
  createDPoPProof(key, { method: 'POST', url: extra.url ?? TOKEN_URL, currentTime: test.clock.now, ...(extra.nonce === undefined ? {} : { nonce: extra.nonce }) })

const clientCredentials = () => form({ grant_type: 'client_credentials' }, { authorization: basic('svc', SECRET) })
const introspect = async (test: TestContext, token: string) =>
  (await handleIntrospectionRequest(form({ token }, { authorization: basic('rs', 'resource-server-secret') }), test.ctx)).body as Record<string, unknown>

/** Logs ada in for `app` and returns the code. */
async function code(test: TestContext, params: Record<string, string> = {}): Promise<string> {
  const page = await handleAuthorizationRequest(browserRequest(authorizationParams(params)), test.ctx)
  const { fields, cookies } = formOf(page, '__Host-jotjwt-csrf')
  const answer = await handleLoginSubmission(browserRequest({ ...fields, username: 'ada', password: 'ada-password' }, { method: 'POST', cookies }), test.ctx)
  return new URL(answer.headers.Location!).searchParams.get('code')!
}
const redeem = (code: string) => form({ grant_type: 'authorization_code', client_id: 'app', code, redirect_uri: REDIRECT_URI, code_verifier: CODE_VERIFIER })
const refresh = (refreshToken: string) => form({ grant_type: 'refresh_token', client_id: 'app', refresh_token: refreshToken })

describe('DPoP at the token endpoint (RFC 9449 §5)', () => {
  it('binds the access token to the proof key: cnf.jkt and token_type DPoP', async () => {
    const test = await setup()
    const { privateKey, jkt } = await clientKey()
    const { status, body } = await handleTokenRequest(withProof(clientCredentials(), await proofFor(test, privateKey)), test.ctx)
    assert.equal(status, 200)
    const { access_token, token_type } = body as Record<string, string>
    assert.equal(token_type, 'DPoP')
    assert.deepEqual(decodeJWTUnverified(access_token!).payload.cnf, { jkt })
  })

  it('refuses a request without a proof from a client registered with dpop_bound_access_tokens (RFC 9449 §5.2)', async () => {
    const test = await setup({ clients: [await secretClient('svc', SECRET, { dpopBoundAccessTokens: true })] })
    await rejectsWith(handleTokenRequest(clientCredentials(), test.ctx), 'invalid_dpop_proof', 400)
    const { privateKey } = await clientKey()
    const { body } = await handleTokenRequest(withProof(clientCredentials(), await proofFor(test, privateKey)), test.ctx)
    assert.equal((body as Record<string, string>).token_type, 'DPoP')
  })

  it('issues a Bearer token without cnf when there is no proof', async () => {
    const test = await setup()
    const { body } = await handleTokenRequest(clientCredentials(), test.ctx)
    const { access_token, token_type } = body as Record<string, string>
    assert.equal(token_type, 'Bearer')
    assert.equal(decodeJWTUnverified(access_token!).payload.cnf, undefined)
  })

  it('refuses a proof for another URL, a replayed proof and a stale proof with invalid_dpop_proof', async () => {
    const test = await setup()
    const { privateKey } = await clientKey()
    await rejectsWith(handleTokenRequest(withProof(clientCredentials(), await proofFor(test, privateKey, { url: `${ISSUER}/other` })), test.ctx), 'invalid_dpop_proof', 400)
    const proof = await proofFor(test, privateKey)
    await handleTokenRequest(withProof(clientCredentials(), proof), test.ctx)
    await rejectsWith(handleTokenRequest(withProof(clientCredentials(), proof), test.ctx), 'invalid_dpop_proof', 400)
    const stale = await proofFor(test, privateKey)
    test.clock.now += 120
    await rejectsWith(handleTokenRequest(withProof(clientCredentials(), stale), test.ctx), 'invalid_dpop_proof', 400)
    await rejectsWith(handleTokenRequest(withProof(clientCredentials(), `${proof},${proof}`), test.ctx), 'invalid_dpop_proof', 400)
  })

  it('remembers proofs in the store, so a second replica refuses the replay too (RFC 9449 §11.1)', async () => {
    const test = await setup()
    const replica = { ...test.ctx, oauth: createOAuthRuntime(test.ctx.config) }
    const { privateKey } = await clientKey()
    const proof = await proofFor(test, privateKey)
    await handleTokenRequest(withProof(clientCredentials(), proof), test.ctx)
    await rejectsWith(handleTokenRequest(withProof(clientCredentials(), proof), replica), 'invalid_dpop_proof')
  })
})

describe('DPoP nonces (RFC 9449 §8)', () => {
  it('asks for a nonce with use_dpop_nonce and DPoP-Nonce, accepts it on any replica, rotates it, and keeps the previous one', async () => {
    const test = await setup({ config: { dpop: { requireNonce: true, nonceLifetime: '5m' } } })
    const replica = { ...test.ctx, oauth: createOAuthRuntime(test.ctx.config) }
    const { privateKey, jkt } = await clientKey()
    const refused = await rejectsWith(handleTokenRequest(withProof(clientCredentials(), await proofFor(test, privateKey)), test.ctx), 'use_dpop_nonce', 400)
    const nonce = refused.headers['DPoP-Nonce']!
    assert.match(nonce, /^[A-Za-z0-9_-]{22}$/)

    const ok = await handleTokenRequest(withProof(clientCredentials(), await proofFor(test, privateKey, { nonce })), replica)
    assert.equal(ok.headers['DPoP-Nonce'], nonce)
    assert.deepEqual(decodeJWTUnverified((ok.body as Record<string, string>).access_token!).payload.cnf, { jkt })

    test.clock.now += 300
    const rotated = await handleTokenRequest(withProof(clientCredentials(), await proofFor(test, privateKey, { nonce })), test.ctx)
    assert.notEqual(rotated.headers['DPoP-Nonce'], nonce, 'a new window, a new nonce')
    test.clock.now += 300
    await rejectsWith(handleTokenRequest(withProof(clientCredentials(), await proofFor(test, privateKey, { nonce })), test.ctx), 'use_dpop_nonce')
  })

  it('sends DPoP-Nonce with grant errors too, so the retry after a rotation needs no extra round trip (RFC 9449 §8.2)', async () => {
    const test = await setup({
      config: { dpop: { requireNonce: true, nonceLifetime: '5m' } },
      clients: [await secretClient('svc', SECRET), await secretClient('bound', SECRET, { dpopBoundAccessTokens: true }), appClient('app')],
    })
    const { privateKey } = await clientKey()
    const nonce = (await rejectsWith(handleTokenRequest(withProof(clientCredentials(), await proofFor(test, privateKey)), test.ctx), 'use_dpop_nonce')).headers['DPoP-Nonce']!
    const withNonce = async (request: OAuthRequest) => withProof(request, await proofFor(test, privateKey, { nonce }))

    const unknownCode = await rejectsWith(handleTokenRequest(await withNonce(redeem('no-such-code')), test.ctx), 'invalid_grant', 400)
    assert.equal(unknownCode.headers['DPoP-Nonce'], nonce)
    const badScope = form({ grant_type: 'client_credentials', scope: 'not-granted' }, { authorization: basic('svc', SECRET) })
    assert.equal((await rejectsWith(handleTokenRequest(await withNonce(badScope), test.ctx), 'invalid_scope', 400)).headers['DPoP-Nonce'], nonce)
    // After a rotation the error names the new nonce, which the client's next proof then carries.
    test.clock.now += 300
    const rotated = await rejectsWith(handleTokenRequest(await withNonce(refresh('no-such-refresh-token')), test.ctx), 'invalid_grant')
    assert.notEqual(rotated.headers['DPoP-Nonce'], undefined)
    assert.notEqual(rotated.headers['DPoP-Nonce'], nonce)
    // A client that must use DPoP and sent no proof learns the nonce with the refusal.
    const bound = form({ grant_type: 'client_credentials' }, { authorization: basic('bound', SECRET) })
    assert.equal((await rejectsWith(handleTokenRequest(bound, test.ctx), 'invalid_dpop_proof')).headers['DPoP-Nonce'], rotated.headers['DPoP-Nonce'])
  })

  it('sends no DPoP-Nonce when nonces are not required', async () => {
    const test = await setup()
    const { privateKey } = await clientKey()
    const { headers } = await handleTokenRequest(withProof(clientCredentials(), await proofFor(test, privateKey)), test.ctx)
    assert.equal(headers['DPoP-Nonce'], undefined)
    const refused = await rejectsWith(handleTokenRequest(withProof(redeem('no-such-code'), await proofFor(test, privateKey)), test.ctx), 'invalid_grant')
    assert.equal(refused.headers['DPoP-Nonce'], undefined)
  })
})

describe('DPoP in the authorization code flow', () => {
  it("binds a public client's refresh token: refreshing needs a proof by the same key", async () => {
    const test = await setup()
    const { privateKey, jkt } = await clientKey()
    const other = await clientKey()
    const first = (await handleTokenRequest(withProof(redeem(await code(test)), await proofFor(test, privateKey)), test.ctx)).body as Record<string, string>
    assert.equal(first.token_type, 'DPoP')
    assert.deepEqual(decodeJWTUnverified(first.access_token!).payload.cnf, { jkt })

    await rejectsWith(handleTokenRequest(refresh(first.refresh_token!), test.ctx), 'invalid_grant')
    await rejectsWith(handleTokenRequest(withProof(refresh(first.refresh_token!), await proofFor(test, other.privateKey)), test.ctx), 'invalid_grant')
    const next = (await handleTokenRequest(withProof(refresh(first.refresh_token!), await proofFor(test, privateKey)), test.ctx)).body as Record<string, string>
    assert.equal(next.token_type, 'DPoP')
    assert.deepEqual(decodeJWTUnverified(next.access_token!).payload.cnf, { jkt })
  })

  it('retrying a refresh whose answer was lost (default grace window): the same successor only with a proof by the same key; without it, nothing happens', async () => {
    const test = await setup()
    const { privateKey, jkt } = await clientKey()
    const other = await clientKey()
    const first = (await handleTokenRequest(withProof(redeem(await code(test)), await proofFor(test, privateKey)), test.ctx)).body as Record<string, string>
    const lost = (await handleTokenRequest(withProof(refresh(first.refresh_token!), await proofFor(test, privateKey)), test.ctx)).body as Record<string, string>
    test.clock.now += 5

    await rejectsWith(handleTokenRequest(withProof(refresh(first.refresh_token!), await proofFor(test, other.privateKey)), test.ctx), 'invalid_grant')
    await rejectsWith(handleTokenRequest(refresh(first.refresh_token!), test.ctx), 'invalid_grant')
    assert.equal([...test.store.state.grants.values()][0]!.revokedAt, undefined, 'neither is taken as reuse')
    const retried = (await handleTokenRequest(withProof(refresh(first.refresh_token!), await proofFor(test, privateKey)), test.ctx)).body as Record<string, string>
    assert.equal(retried.refresh_token, lost.refresh_token)
    assert.equal(retried.token_type, 'DPoP')
    assert.deepEqual(decodeJWTUnverified(retried.access_token!).payload.cnf, { jkt })
  })

  it('refuses a DPoP-bound token presented as a bearer token at userinfo (RFC 9449 §7.2)', async () => {
    const test = await setup()
    const { privateKey } = await clientKey()
    const bound = (await handleTokenRequest(withProof(redeem(await code(test, { scope: 'openid' })), await proofFor(test, privateKey)), test.ctx)).body as Record<string, string>
    const answer = await handleUserinfoRequest(form({}, { authorization: `Bearer ${bound.access_token}` }), test.ctx)
    assert.equal(answer.status, 401)
    assert.match(answer.headers['WWW-Authenticate']!, /error="invalid_token"/)
  })

  it('redeems a code requested with dpop_jkt only with a proof by that key (RFC 9449 §10)', async () => {
    const test = await setup()
    const { privateKey, jkt } = await clientKey()
    const other = await clientKey()
    const issued = await code(test, { dpop_jkt: jkt })
    await rejectsWith(handleTokenRequest(redeem(issued), test.ctx), 'invalid_grant')
    await rejectsWith(handleTokenRequest(withProof(redeem(issued), await proofFor(test, other.privateKey)), test.ctx), 'invalid_grant')
    const { body } = await handleTokenRequest(withProof(redeem(issued), await proofFor(test, privateKey)), test.ctx)
    assert.equal((body as Record<string, string>).token_type, 'DPoP')
  })

  it('refuses a dpop_jkt that is no thumbprint at the authorization endpoint', async () => {
    const test = await setup()
    const page = await handleAuthorizationRequest(browserRequest(authorizationParams({ dpop_jkt: 'short' })), test.ctx)
    assert.match(page.headers.Location ?? '', /error=invalid_request/)
  })
})

describe('DPoP in discovery and introspection', () => {
  it('lists dpop_signing_alg_values_supported (RFC 9449 §5.1)', async () => {
    const test = await setup({ config: { dpop: { algorithms: ['ES256', 'EdDSA'] } } })
    assert.deepEqual(serverMetadata(test.ctx).dpop_signing_alg_values_supported, ['ES256', 'EdDSA'])
  })

  it('returns cnf and token_type DPoP for a bound token (RFC 9449 §6.2)', async () => {
    const test = await setup()
    const { privateKey, jkt } = await clientKey()
    const cc = (await handleTokenRequest(withProof(clientCredentials(), await proofFor(test, privateKey)), test.ctx)).body as Record<string, string>
    const answer = await introspect(test, cc.access_token!)
    assert.deepEqual([answer.active, answer.cnf, answer.token_type], [true, { jkt }, 'DPoP'])
    const bearer = (await handleTokenRequest(clientCredentials(), test.ctx)).body as Record<string, string>
    const plain = await introspect(test, bearer.access_token!)
    assert.deepEqual([plain.cnf, plain.token_type], [undefined, 'Bearer'])

  })
})
