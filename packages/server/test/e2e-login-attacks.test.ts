// Attacks on the login and the authorization code flow, over HTTP against a running service, on
// each store backend. Every one is refused with the exact response: an error page and never a
// redirect while the client or redirect URI is in doubt (RFC 6749 §4.1.2.1, RFC 9700 §4.11); an
// error redirect with `error`, `state` and `iss` once they are known good (RFC 6749 §4.1.2.1,
// RFC 9207); `invalid_grant` at the token endpoint (RFC 6749 §5.2, RFC 7636 §4.6).
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { startService, type RunningService } from '../src/service/service.js'
import { BACKENDS } from './backends.js'
import { Browser, loginForm, logIn, type Page } from './browser.js'

const REDIRECT = 'https://app.example/callback'
const API = 'https://api.example/orders'
const RS_SECRET = 'resource-server-secret-0123456789'
const USER = { username: 'ada', password: 'correct horse battery staple' }
const VERIFIER = 'dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk'
const CHALLENGE = createHash('sha256').update(VERIFIER).digest('base64url')

const clock = { offset: 0, now: () => Date.now() / 1000 + clock.offset }

/** The parameters of a good authorization request, with `changes` applied (undefined removes one). */
function authorizationUrl(issuer: string, changes: Record<string, string | undefined> = {}): string {
  const params: Record<string, string | undefined> = {
    response_type: 'code',
    client_id: 'app',
    redirect_uri: REDIRECT,
    scope: 'openid',
    state: 'xyz-state',
    code_challenge: CHALLENGE,
    code_challenge_method: 'S256',
    ...changes,
  }
  const url = new URL(`${issuer}/authorize`)
  for (const [name, value] of Object.entries(params)) if (value !== undefined) url.searchParams.append(name, value)
  return url.href
}

/** An error page of ours: no redirect, no session, framing forbidden. */
function assertErrorPage(page: Page, status: number, error?: string): void {
  assert.equal(page.status, status, page.body)
  assert.equal(page.headers.get('location'), null, 'never redirected')
  assert.match(page.headers.get('content-type') ?? '', /^text\/html/)
  assert.match(page.headers.get('content-security-policy') ?? '', /frame-ancestors 'none'/)
  assert.ok(!page.setCookies.some((cookie) => cookie.includes('session=')), 'no session cookie')
  if (error !== undefined) assert.match(page.body, new RegExp(`<code>${error}</code>`))
}

/** An error redirect to the client: exactly `error`, a description, the request's `state`, and `iss`. */
function assertErrorRedirect(page: Page, issuer: string, error: string, state: string | null = 'xyz-state'): void {
  assert.equal(page.status, 303, page.body)
  const location = new URL(page.headers.get('location')!)
  assert.equal(`${location.origin}${location.pathname}`, REDIRECT)
  assert.equal(location.searchParams.get('error'), error)
  assert.ok(location.searchParams.get('error_description'))
  assert.equal(location.searchParams.get('state'), state)
  assert.equal(location.searchParams.get('iss'), issuer)
  assert.equal(location.searchParams.get('code'), null)
}

for (const backend of BACKENDS) {
  describe(`login and authorization code attacks (${backend.name})`, () => {
    let service: RunningService
    let drop: () => Promise<void> = async () => undefined

    before(async () => {
      const created = await backend.create()
      drop = created.drop
      service = await startService(
        {
          dev: true,
          dataDir: created.dataDir,
          store: created.store,
          listen: { host: '127.0.0.1', port: 0 },
          log: { level: 'silent' },
          rateLimit: { tokenRequestsPerClient: 0 },
          login: { failuresPerUser: 5, failuresPerAddress: 30 },
          clients: [
            { clientId: 'app', authMethod: 'none', grantTypes: ['authorization_code', 'refresh_token'], redirectUris: [REDIRECT], resources: [API] },
            { clientId: 'other-app', authMethod: 'none', grantTypes: ['authorization_code'], redirectUris: ['https://other.example/cb'], resources: [API] },
            { clientId: 'machine', clientSecret: RS_SECRET, scopes: ['orders:read'], resources: [API] },
          ],
          users: [
            { ...USER, groups: [] },
            { username: 'mallory', password: 'mallory-password', groups: [] },
          ],
        },
        { now: clock.now },
      )
    })

    after(async () => {
      await service?.close()
      await drop()
    })

    const token = async (params: Record<string, string>) => {
      const response = await fetch(`${service.issuer}/token`, { method: 'POST', body: new URLSearchParams(params) })
      return { status: response.status, cacheControl: response.headers.get('cache-control'), body: (await response.json()) as Record<string, string> }
    }
    const redeem = (code: string, changes: Record<string, string | undefined> = {}) => {
      const params: Record<string, string | undefined> = { grant_type: 'authorization_code', client_id: 'app', code, redirect_uri: REDIRECT, code_verifier: VERIFIER, ...changes }
      return token(Object.fromEntries(Object.entries(params).filter((entry): entry is [string, string] => entry[1] !== undefined)))
    }
    const introspect = async (value: string) => {
      const response = await fetch(`${service.issuer}/introspect`, {
        method: 'POST',
        headers: { authorization: `Basic ${Buffer.from(`machine:${RS_SECRET}`).toString('base64')}` },
        body: new URLSearchParams({ token: value }),
      })
      return ((await response.json()) as { active: boolean }).active
    }
    const code = async (browser = new Browser()) => (await logIn(browser, authorizationUrl(service.issuer), USER.username, USER.password)).searchParams.get('code')!

    test('the login page cannot be framed, and carries no script', async () => {
      const page = await new Browser().request(authorizationUrl(service.issuer))
      assert.equal(page.status, 200)
      const csp = page.headers.get('content-security-policy')!
      assert.match(csp, /frame-ancestors 'none'/)
      assert.match(csp, /default-src 'none'/)
      assert.equal(page.headers.get('x-frame-options'), 'DENY')
      assert.equal(page.headers.get('cache-control'), 'no-store')
      assert.doesNotMatch(page.body, /<script/)
      // Dev mode's plain-HTTP loopback issuer: the fallback cookie name, without Secure.
      assert.match(page.setCookies.join('\n'), /^jotjwt-dev-csrf=[A-Za-z0-9_-]{43}; Path=\/; Max-Age=3600; HttpOnly; SameSite=Strict$/m)
    })

    test('a login form without its CSRF token, with a wrong one, or without the CSRF cookie is refused (403)', async () => {
      for (const variant of ['missing token', 'wrong token', 'token for another cookie', 'no cookie'] as const) {
        const browser = new Browser()
        const form = loginForm(await browser.request(authorizationUrl(service.issuer)))
        if (variant === 'token for another cookie') {
          const other = new Browser()
          const otherForm = loginForm(await other.request(authorizationUrl(service.issuer)))
          form.fields = form.fields.map(([name, value]) => [name, name === 'csrf_token' ? otherForm.fields.find(([n]) => n === 'csrf_token')![1] : value])
        }
        if (variant === 'no cookie') browser.cookies.clear()
        const changes = variant === 'missing token' ? { csrf_token: undefined } : variant === 'wrong token' ? { csrf_token: 'A'.repeat(43) } : {}
        const answer = await browser.submit(form, USER.username, USER.password, changes)
        assertErrorPage(answer, 403)
        assert.match(answer.body, /has expired/, variant)
      }
    })

    test('session fixation: a session id planted before the login is not the one after it, and logs no one in', async () => {
      // The attacker's own session, planted in the victim's browser.
      const attacker = new Browser()
      await logIn(attacker, authorizationUrl(service.issuer), 'mallory', 'mallory-password')
      const planted = attacker.cookies.get('jotjwt-dev-session')!
      const victim = new Browser()
      victim.cookies.set('jotjwt-dev-session', planted)
      const form = loginForm(await victim.request(authorizationUrl(service.issuer, { prompt: 'login' })))
      const answer = await victim.submit(form, USER.username, USER.password)
      assert.equal(answer.status, 303)
      const fresh = victim.cookies.get('jotjwt-dev-session')!
      assert.match(fresh, /^[A-Za-z0-9_-]{43}$/)
      assert.notEqual(fresh, planted, 'a new session id at login')
      assert.match(answer.setCookies.find((cookie) => cookie.startsWith('jotjwt-dev-session='))!, /; Path=\/; Max-Age=43200; HttpOnly; SameSite=Lax$/)
      // The planted id is gone: it logs no one in any more (prompt=none: login_required).
      const replanted = new Browser()
      replanted.cookies.set('jotjwt-dev-session', planted)
      assertErrorRedirect(await replanted.request(authorizationUrl(service.issuer, { prompt: 'none' })), service.issuer, 'login_required')
      // A made-up id is no session either.
      const forged = new Browser()
      forged.cookies.set('jotjwt-dev-session', 'A'.repeat(43))
      assertErrorRedirect(await forged.request(authorizationUrl(service.issuer, { prompt: 'none' })), service.issuer, 'login_required')
      // The victim's new session works.
      assert.equal((await victim.request(authorizationUrl(service.issuer, { prompt: 'none' }))).status, 303)
    })

    test('20 wrong passwords: 401 five times, then 429 with Retry-After, even for the right password; unknown users alike', async () => {
      for (const username of [USER.username, 'no-such-user']) {
        const browser = new Browser()
        const form = loginForm(await browser.request(authorizationUrl(service.issuer)))
        const statuses: number[] = []
        for (let attempt = 0; attempt < 20; attempt++) {
          const answer = await browser.submit(form, username, `wrong password ${attempt}`)
          statuses.push(answer.status)
          assert.equal(answer.headers.get('location'), null)
          if (answer.status === 401) assert.match(answer.body, /The username or password is incorrect\./)
          if (answer.status === 429) {
            assert.ok(Number(answer.headers.get('retry-after')) > 0)
            assert.match(answer.body, /Too many failed sign-ins/)
          }
        }
        assert.deepEqual(statuses, [...Array(5).fill(401), ...Array(15).fill(429)], username)
        const right = await browser.submit(form, username, username === USER.username ? USER.password : 'anything')
        assert.equal(right.status, 429, 'throttled: the password is not even checked')
      }
      // The throttle forgets with time.
      clock.offset += 15 * 60 * 2
      const browser = new Browser()
      const answer = await browser.submit(loginForm(await browser.request(authorizationUrl(service.issuer))), USER.username, USER.password)
      assert.equal(answer.status, 303)
    })

    test('open redirect: an unknown client, or a redirect_uri not registered, gets an error page, never a redirect', async () => {
      const browser = new Browser()
      assertErrorPage(await browser.request(authorizationUrl(service.issuer, { client_id: 'no-such-client', redirect_uri: 'https://evil.example/' })), 400, 'invalid_request')
      assertErrorPage(await browser.request(authorizationUrl(service.issuer, { client_id: undefined })), 400, 'invalid_request')
      assertErrorPage(await browser.request(authorizationUrl(service.issuer, { redirect_uri: 'https://evil.example/callback' })), 400, 'invalid_request')
      assertErrorPage(await browser.request(authorizationUrl(service.issuer, { redirect_uri: undefined })), 400, 'invalid_request')
      // Another client's registered URI is not this client's.
      assertErrorPage(await browser.request(authorizationUrl(service.issuer, { redirect_uri: 'https://other.example/cb' })), 400, 'invalid_request')
      // Even with every other parameter wrong too, the page comes first.
      assertErrorPage(await browser.request(authorizationUrl(service.issuer, { redirect_uri: 'https://evil.example/', response_type: 'token', code_challenge: undefined })), 400)
      // A machine client has no redirect URIs at all.
      assertErrorPage(await browser.request(authorizationUrl(service.issuer, { client_id: 'machine' })), 400, 'unauthorized_client')
      // Also through the login form, whose hidden fields an attacker could change.
      const form = loginForm(await browser.request(authorizationUrl(service.issuer)))
      assertErrorPage(await browser.submit(form, USER.username, USER.password, { redirect_uri: 'https://evil.example/callback' }), 400, 'invalid_request')
    })

    test('a redirect_uri with an extra path, query, fragment or any other difference is not the registered one', async () => {
      const browser = new Browser()
      for (const variant of [
        `${REDIRECT}/extra`,
        `${REDIRECT}?next=https://evil.example`,
        `${REDIRECT}#fragment`,
        `${REDIRECT}/`,
        'https://APP.example/callback',
        'https://app.example/callback/../callback',
        'https://app.example:443/callback',
        'http://app.example/callback',
        'https://app.example.evil.example/callback',
        `${REDIRECT}%20`,
      ]) {
        assertErrorPage(await browser.request(authorizationUrl(service.issuer, { redirect_uri: variant })), 400, 'invalid_request')
      }
      // Repeated: not even the registered value twice.
      const doubled = `${authorizationUrl(service.issuer)}&redirect_uri=${encodeURIComponent(REDIRECT)}`
      assertErrorPage(await browser.request(doubled), 400, 'invalid_request')
    })

    test('PKCE: a missing challenge, plain, or no method (which means plain) are error redirects; a missing or wrong verifier is invalid_grant', async () => {
      const browser = new Browser()
      assertErrorRedirect(await browser.request(authorizationUrl(service.issuer, { code_challenge: undefined, code_challenge_method: undefined })), service.issuer, 'invalid_request')
      assertErrorRedirect(await browser.request(authorizationUrl(service.issuer, { code_challenge: VERIFIER, code_challenge_method: 'plain' })), service.issuer, 'invalid_request')
      assertErrorRedirect(await browser.request(authorizationUrl(service.issuer, { code_challenge_method: undefined })), service.issuer, 'invalid_request')
      assertErrorRedirect(await browser.request(authorizationUrl(service.issuer, { code_challenge: 'too-short' })), service.issuer, 'invalid_request')

      const issued = await code()
      for (const verifier of [undefined, 'x'.repeat(43), CHALLENGE]) {
        const answer = await redeem(issued, { code_verifier: verifier })
        assert.deepEqual([answer.status, answer.body.error, answer.cacheControl], [400, 'invalid_grant', 'no-store'], String(verifier))
      }
      // The failed attempts did not burn the code: the right verifier still redeems it.
      assert.equal((await redeem(issued)).status, 200)
    })

    test('a replayed code is invalid_grant and revokes the tokens its first redemption issued', async () => {
      const issued = await code()
      const first = await redeem(issued)
      assert.equal(first.status, 200)
      assert.equal(await introspect(first.body.access_token!), true)
      const replay = await redeem(issued)
      assert.deepEqual([replay.status, replay.body.error], [400, 'invalid_grant'])
      assert.equal(await introspect(first.body.access_token!), false, 'the access token is denylisted')
      const refresh = await token({ grant_type: 'refresh_token', client_id: 'app', refresh_token: first.body.refresh_token! })
      assert.deepEqual([refresh.status, refresh.body.error], [400, 'invalid_grant'], 'the refresh token is revoked')
    })

    test('an expired code, or one redeemed with another redirect_uri or by another client, is invalid_grant', async () => {
      const issued = await code()
      assert.deepEqual(((await redeem(issued, { redirect_uri: `${REDIRECT}/other` })).body.error), 'invalid_grant')
      assert.deepEqual(((await redeem(issued, { client_id: 'other-app' })).body.error), 'invalid_grant')
      clock.offset += 61 // tokens.authorizationCodeTtl: 1 minute
      const expired = await redeem(issued)
      assert.deepEqual([expired.status, expired.body.error, expired.body.error_description], [400, 'invalid_grant', 'the authorization code has expired'])
      const unknown = await redeem('A'.repeat(43))
      assert.deepEqual([unknown.status, unknown.body.error], [400, 'invalid_grant'])
    })

    test('other invalid requests go back to the client with the error OIDC Core and RFC 6749 name', async () => {
      const browser = new Browser()
      assertErrorRedirect(await browser.request(authorizationUrl(service.issuer, { response_type: 'token' })), service.issuer, 'unsupported_response_type')
      assertErrorRedirect(await browser.request(authorizationUrl(service.issuer, { response_type: undefined })), service.issuer, 'invalid_request')
      assertErrorRedirect(await browser.request(authorizationUrl(service.issuer, { scope: 'openid admin' })), service.issuer, 'invalid_scope')
      assertErrorRedirect(await browser.request(authorizationUrl(service.issuer, { resource: 'https://elsewhere.example/' })), service.issuer, 'invalid_target')
      assertErrorRedirect(await browser.request(authorizationUrl(service.issuer, { prompt: 'none' })), service.issuer, 'login_required')
      assertErrorRedirect(await browser.request(authorizationUrl(service.issuer, { prompt: 'none login' })), service.issuer, 'invalid_request')
      assertErrorRedirect(await browser.request(authorizationUrl(service.issuer, { max_age: 'soon' })), service.issuer, 'invalid_request')
      assertErrorRedirect(await browser.request(authorizationUrl(service.issuer, { request: 'eyJhbGciOiJub25lIn0.e30.' })), service.issuer, 'request_not_supported')
      assertErrorRedirect(await browser.request(authorizationUrl(service.issuer, { state: undefined, response_type: 'token' })), service.issuer, 'unsupported_response_type', null)
      // A malformed query cannot be trusted to say where to go.
      assertErrorPage(await browser.request(`${service.issuer}/authorize?client_id=app&redirect_uri=%E0%A4%A`), 400, 'invalid_request')
    })
  })
}

describe('an https issuer: __Host- cookies, Secure', () => {
  let service: RunningService
  const dataDir = mkdtempSync(join(tmpdir(), 'jotjwt-host-cookies-'))
  before(async () => {
    service = await startService({
      issuer: 'https://auth.example',
      http: { trustProxy: ['127.0.0.1'] },
      keys: { encryptionKey: Buffer.alloc(32, 3).toString('base64url') },
      dataDir,
      listen: { host: '127.0.0.1', port: 0 },
      log: { level: 'silent' },
      clients: [{ clientId: 'app', authMethod: 'none', grantTypes: ['authorization_code'], redirectUris: [REDIRECT], resources: [API] }],
      users: [{ ...USER, groups: [] }],
    })
  })
  after(async () => {
    await service?.close()
    rmSync(dataDir, { recursive: true, force: true })
  })

  test('the CSRF and session cookies are __Host- cookies with Secure', async () => {
    const browser = new Browser()
    // Straight to the listener; a proxy in front would terminate TLS for https://auth.example.
    const page = await browser.request(authorizationUrl(service.url))
    assert.match(page.setCookies.join('\n'), /^__Host-jotjwt-csrf=[A-Za-z0-9_-]{43}; Path=\/; Max-Age=3600; HttpOnly; SameSite=Strict; Secure$/m)
    const form = loginForm(page)
    assert.equal(form.action, 'https://auth.example/login', 'the form posts to the issuer')
    const answer = await browser.submit({ ...form, action: `${service.url}/login` }, USER.username, USER.password)
    assert.equal(answer.status, 303)
    assert.match(answer.setCookies.join('\n'), /^__Host-jotjwt-session=[A-Za-z0-9_-]{43}; Path=\/; Max-Age=43200; HttpOnly; SameSite=Lax; Secure$/m)
    assert.equal(new URL(answer.headers.get('location')!).searchParams.get('iss'), 'https://auth.example')
  })
})
