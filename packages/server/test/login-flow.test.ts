/**
 * The authorization endpoint and the built-in login, framework-free (`login/flow.ts`) over the
 * in-memory store: sessions against `prompt` and `max_age`, the redirect URI's own query kept, the
 * login seam for an external login, escaping on the login page, and the same KDF work whether a
 * username exists or not.
 */
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { describe, it } from 'node:test'
import { createSecretVerifier } from '../src/crypto/secret-hash.js'
import { handleAuthorizationRequest, handleLoginSubmission } from '../src/login/flow.js'
import { createStoreLoginProvider, type LoginProvider } from '../src/login/provider.js'
import type { BrowserResponse } from '../src/service/context.js'
import {
  ISSUER,
  REDIRECT_URI,
  appClient,
  authorizationParams,
  browserRequest,
  createTestContext,
  formOf,
  testUser,
  type TestContext,
} from './oauth-helpers.js'

// The helpers' issuer is https: the cookies are __Host- cookies.
const CSRF = '__Host-jotjwt-csrf'
const SESSION = '__Host-jotjwt-session'

async function setup(options: { client?: Parameters<typeof appClient>[1]; login?: (test: TestContext) => LoginProvider } = {}) {
  // bob has no password: he cannot use the form.
  const bob = await testUser('bob', 'unused')
  delete bob.passwordHash
  const test = createTestContext({
    clients: [appClient('app', { name: 'Orders <img src=x onerror=alert(1)>', ...options.client })],
    users: [await testUser('ada', 'ada-password'), bob],
  })
  if (options.login) test.ctx.login = options.login(test)
  return test
}

/** The login page for `params`, then the form posted with these credentials. */
async function logIn(test: TestContext, params: Record<string, string>, username: string, password: string, cookies: Record<string, string> = {}): Promise<BrowserResponse> {
  const page = await handleAuthorizationRequest(browserRequest(params, { cookies }), test.ctx)
  assert.equal(page.status, 200)
  const form = formOf(page, CSRF)
  return handleLoginSubmission(browserRequest({ ...form.fields, username, password }, { method: 'POST', cookies: { ...cookies, ...form.cookies } }), test.ctx)
}

const location = (response: BrowserResponse) => new URL(response.headers.Location!)
const sessionCookie = (response: BrowserResponse) => response.cookies.find((cookie) => cookie.startsWith(`${SESSION}=`))!.split(';')[0]!.slice(SESSION.length + 1)

describe('authorization endpoint and login (framework-free)', () => {
  it('logs in through the form and sends the code back, keeping the registered redirect URI\'s query (RFC 6749 §3.1.2)', async () => {
    const test = await setup({ client: { redirectUris: ['https://app.example/cb?tenant=7'] } })
    const answer = await logIn(test, authorizationParams({ redirect_uri: 'https://app.example/cb?tenant=7' }), 'ada', 'ada-password')
    assert.equal(answer.status, 303)
    const url = location(answer)
    assert.equal(`${url.origin}${url.pathname}`, 'https://app.example/cb')
    assert.deepEqual([...url.searchParams.keys()], ['tenant', 'code', 'state', 'iss'])
    assert.equal(url.searchParams.get('tenant'), '7')
    assert.equal(url.searchParams.get('state'), 's-1')
    assert.equal(url.searchParams.get('iss'), ISSUER)
    const [code] = test.store.state.codes.values()
    assert.equal(code!.codeHash, createHash('sha256').update(url.searchParams.get('code')!).digest('base64url'), 'only the hash is stored')
    assert.deepEqual([code!.subject, code!.nonce, code!.scopes, code!.authTime], ['sub-ada', 'n-1', ['openid', 'profile'], test.clock.now])
  })

  it('a live session gets a code at once; max_age older than the login and prompt=login show the form again', async () => {
    const test = await setup()
    const cookies = { [SESSION]: sessionCookie(await logIn(test, authorizationParams(), 'ada', 'ada-password')) }
    const loggedInAt = test.clock.now
    test.clock.now += 100
    const again = await handleAuthorizationRequest(browserRequest(authorizationParams({ max_age: '100' }), { cookies }), test.ctx)
    assert.equal(again.status, 303)
    const codes = [...test.store.state.codes.values()]
    assert.equal(codes.at(-1)!.authTime, loggedInAt, 'auth_time is the login, not this request')
    assert.equal((await handleAuthorizationRequest(browserRequest(authorizationParams({ max_age: '99' }), { cookies }), test.ctx)).status, 200)
    assert.equal((await handleAuthorizationRequest(browserRequest(authorizationParams({ prompt: 'login' }), { cookies }), test.ctx)).status, 200)
    assert.equal((await handleAuthorizationRequest(browserRequest(authorizationParams({ prompt: 'none', max_age: '0' }), { cookies }), test.ctx)).status, 303)
    assert.equal(location(await handleAuthorizationRequest(browserRequest(authorizationParams({ prompt: 'none', max_age: '0' }), { cookies }), test.ctx)).searchParams.get('error'), 'login_required')
  })

  it('a session whose person is gone logs no one in', async () => {
    const test = await setup()
    const cookies = { [SESSION]: sessionCookie(await logIn(test, authorizationParams(), 'ada', 'ada-password')) }
    await test.store.deleteUser('sub-ada')
    assert.equal((await handleAuthorizationRequest(browserRequest(authorizationParams(), { cookies }), test.ctx)).status, 200)
  })

  it('a user without a password, an empty password and an overlong one fail like a wrong password', async () => {
    const test = await setup()
    for (const [username, password] of [['bob', 'anything'], ['ada', ''], ['ada', 'x'.repeat(513)], ['ada', 'wrong']]) {
      assert.equal((await logIn(test, authorizationParams(), username!, password!)).status, 401, `${username} / ${password!.length}`)
    }
  })

  it('escapes every value on the login page, and its stylesheet is the one the CSP allows', async () => {
    const test = await setup()
    const page = await handleAuthorizationRequest(browserRequest(authorizationParams({ state: '"><script>alert(1)</script>', login_hint: '<b>ada</b>' })), test.ctx)
    assert.equal(page.status, 200)
    const html = page.html!
    assert.doesNotMatch(html, /<script|<b>|<img/)
    assert.match(html, /value="&quot;&gt;&lt;script&gt;alert\(1\)&lt;\/script&gt;"/)
    assert.match(html, /value="&lt;b&gt;ada&lt;\/b&gt;"/, 'login_hint prefills the username, escaped')
    assert.match(html, /Orders &lt;img src=x onerror=alert\(1\)&gt;/)
    const style = /<style>([\s\S]*?)<\/style>/.exec(html)![1]!
    assert.ok(page.headers['Content-Security-Policy']!.includes(`'sha256-${createHash('sha256').update(style).digest('base64')}'`))
  })

  it('the same KDF work for an unknown username, a user without a password, and a wrong password', async () => {
    const test = await setup()
    let kdfRuns = 0
    const provider = createStoreLoginProvider(test.store, createSecretVerifier({ onKdf: () => kdfRuns++ }))
    for (const [username, password] of [['nobody', 'some-password'], ['bob', 'some-password'], ['ada', 'wrong-password']]) {
      kdfRuns = 0
      assert.equal(await provider.authenticate(username!, password!), undefined)
      assert.equal(kdfRuns, 1, username)
    }
    const ada = await provider.authenticate('ada', 'ada-password')
    assert.equal(ada?.subject, 'sub-ada')
    assert.equal('passwordHash' in ada!, false, 'the provider never hands out the hash')
  })

  it('the login seam: an external login recognized from the request gets a code without the form', async () => {
    const test = await setup({
      login: ({ store, ctx }) => ({
        ...createStoreLoginProvider(store, ctx.oauth.passwords),
        // A trusted proxy in front sets this header after its own login.
        recognize: async (request) => (request.headers['x-authenticated-user'] === 'ada' ? { subject: 'sub-ada', username: 'ada', groups: ['staff'] } : undefined),
        loginUrl: (returnTo) => `https://sso.example/login?return_to=${encodeURIComponent(returnTo)}`,
      }),
    })
    const recognized = await handleAuthorizationRequest({ ...browserRequest(authorizationParams()), headers: { 'x-authenticated-user': 'ada' } }, test.ctx)
    assert.equal(recognized.status, 303)
    assert.ok(location(recognized).searchParams.get('code'))
    assert.ok(recognized.cookies.some((cookie) => cookie.startsWith(`${SESSION}=`)), 'a session of ours from then on')

    const external = await handleAuthorizationRequest(browserRequest(authorizationParams()), test.ctx)
    assert.equal(external.status, 303)
    const target = location(external)
    assert.equal(target.origin, 'https://sso.example')
    const returnTo = new URL(target.searchParams.get('return_to')!)
    assert.equal(`${returnTo.origin}${returnTo.pathname}`, `${ISSUER}/authorize`)
    assert.deepEqual(Object.fromEntries(returnTo.searchParams), authorizationParams(), 'the authorization request comes back as it was')
  })

  it('an authorization request in a POST body (OIDC Core §3.1.2.1) works as the query does', async () => {
    const test = await setup()
    const page = await handleAuthorizationRequest(browserRequest(authorizationParams(), { method: 'POST' }), test.ctx)
    assert.equal(page.status, 200)
    assert.equal(formOf(page, CSRF).fields.redirect_uri, REDIRECT_URI)
  })
})
