// People log in to jot through an upstream OpenID provider, over HTTP, with openid-client as jot's
// own client: node-oidc-provider on 127.0.0.1 (its login and consent pages driven like a browser,
// with a cookie jar), whose person's groups the test changes between logins; and a small fake
// provider (node:http) that serves discovery, keys and a token endpoint answering with ID tokens the
// test crafts, to show jot's own ID token validator refusing a wrong nonce, a wrong audience and a
// bad signature. Every refusal is a page of jot's (never a 500) and a log line with the library's
// error code, and neither holds a code, a token or a secret.
import assert from 'node:assert/strict'
import { createServer, type IncomingMessage, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { Writable } from 'node:stream'
import { after, before, describe, test } from 'node:test'
import { decodeJWTUnverified, exportJWK, generateKeyPair, signJWT } from 'jotjwt'
import Provider from 'oidc-provider'
import * as oidc from 'openid-client'
import { s256Challenge } from '../src/oauth/pkce.js'
import { startService } from '../src/service/service.js'
import { BACKENDS } from './backends.js'
import { Browser, loginForm, type Page } from './browser.js'

const WEB_SECRET = 'web-app-secret-0123456789-abcdef'
const CORP_SECRET = 'corp-upstream-secret-0123456789'
const FAKE_SECRET = 'fake-upstream-secret-0123456789'
const API = 'https://api.example/orders'
const REDIRECT = 'https://web.example/callback'
const SCOPE = 'openid profile email groups offline_access orders:read'

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = []
  for await (const chunk of request) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks).toString('utf8')
}

/** What the fake provider's token endpoint answers next, given the nonce jot sent it. */
type TokenAnswer = (nonce: string) => Promise<{ status: number; body: Record<string, unknown> }>

/**
 * A provider of the test's making: discovery, its JWKS, and a token endpoint that checks jot's
 * client authentication (client_secret_post), the code, and the PKCE verifier against the challenge
 * jot sent, then answers what the test set.
 */
async function startFakeProvider() {
  const server = createServer()
  const issuer = await listen(server)
  const { privateKey, publicKey } = await generateKeyPair('RS256')
  const jwk = { ...(await exportJWK(publicKey)), kid: 'fake-1' }
  const login = { code: '', challenge: '', nonce: '', answer: undefined as TokenAnswer | undefined }
  server.on('request', (request, response) => {
    const send = (status: number, json: unknown) => response.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(JSON.stringify(json))
    const path = request.url!.split('?')[0]
    if (path === '/.well-known/openid-configuration') {
      return send(200, { issuer, authorization_endpoint: `${issuer}/authorize`, token_endpoint: `${issuer}/token`, jwks_uri: `${issuer}/jwks`, id_token_signing_alg_values_supported: ['RS256'] })
    }
    if (path === '/jwks') return send(200, { keys: [jwk] })
    if (path !== '/token' || request.method !== 'POST') return send(404, { error: 'not_found' })
    void readBody(request).then(async (text) => {
      const form = new URLSearchParams(text)
      if (form.get('client_id') !== 'jot' || form.get('client_secret') !== FAKE_SECRET) return send(401, { error: 'invalid_client' })
      if (form.get('grant_type') !== 'authorization_code' || form.get('code') !== login.code) return send(400, { error: 'invalid_grant' })
      if (s256Challenge(form.get('code_verifier') ?? '') !== login.challenge) return send(400, { error: 'invalid_grant', error_description: 'PKCE verification failed' })
      const answer = await login.answer!(login.nonce)
      send(answer.status, answer.body)
    })
  })
  /** An ID token for jot's client id, signed with this provider's key, with `claims` over the usual ones. */
  const idToken = async (claims: Record<string, unknown>) => {
    const now = Math.floor(Date.now() / 1000)
    return signJWT({ iss: issuer, sub: 'ada-at-fake', aud: 'jot', iat: now, exp: now + 300, ...claims }, privateKey, { kid: 'fake-1' })
  }
  return { server, issuer, login, idToken }
}

interface CorpPerson {
  name: string
  email: string
  groups: string[]
}

/** node-oidc-provider, with jot registered as its client at `redirectUri`; `people` are its accounts (any password). */
function corpProvider(issuer: string, redirectUri: string, people: Map<string, CorpPerson>): Provider {
  return new Provider(issuer, {
    clients: [{ client_id: 'jot', client_secret: CORP_SECRET, redirect_uris: [redirectUri], grant_types: ['authorization_code'], response_types: ['code'] }],
    claims: { openid: ['sub'], profile: ['name'], email: ['email', 'email_verified'], groups: ['groups'] },
    scopes: ['openid', 'profile', 'email', 'groups'],
    findAccount: async (_ctx, id) => {
      const person = people.get(id)
      return person && { accountId: id, claims: async () => ({ sub: id, name: person.name, email: person.email, email_verified: true, groups: [...person.groups] }) }
    },
    cookies: { keys: ['upstream-test-cookie-key-0123456789'] },
    features: { devInteractions: { enabled: true } },
  })
}

for (const backend of BACKENDS) {
  describe(`log in through an upstream OpenID provider (${backend.name})`, () => {
    let service: Awaited<ReturnType<typeof startService>>
    let drop: () => Promise<void> = async () => undefined
    let corp: { server: Server; issuer: string }
    let fake: Awaited<ReturnType<typeof startFakeProvider>>
    const people = new Map<string, CorpPerson>([['ada', { name: 'Ada Lovelace', email: 'ada@example.com', groups: ['admins', 'engineering'] }]])
    const logLines: string[] = []

    before(async () => {
      const created = await backend.create()
      drop = created.drop
      const corpServer = createServer()
      corp = { server: corpServer, issuer: await listen(corpServer) }
      fake = await startFakeProvider()
      service = await startService(
        {
          dev: true,
          dataDir: created.dataDir,
          store: created.store,
          listen: { host: '127.0.0.1', port: 0 },
          log: { level: 'info' },
          clients: [
            {
              clientId: 'web',
              authMethod: 'client_secret_basic',
              clientSecret: WEB_SECRET,
              grantTypes: ['authorization_code', 'refresh_token'],
              redirectUris: [REDIRECT],
              scopes: ['orders:read'],
              resources: [API],
            },
          ],
          upstreams: [
            { id: 'corp', displayName: 'Corp SSO', issuer: corp.issuer, clientId: 'jot', clientSecret: CORP_SECRET, scopes: ['openid', 'profile', 'email', 'groups'] },
            { id: 'fake', issuer: fake.issuer, clientId: 'jot', clientSecret: FAKE_SECRET, authMethod: 'client_secret_post', claims: { groups: '/org/teams', username: 'upn' } },
          ],
        },
        { logStream: new Writable({ write: (chunk, _encoding, done) => done(void logLines.push(String(chunk))) }) },
      )
      // Registered now that jot's redirect URI is known; jot discovers its providers at the first login.
      corpServer.on('request', corpProvider(corp.issuer, `${service.issuer}/login/upstream/corp/callback`, people).callback())
    })

    after(async () => {
      await service?.close()
      corp?.server.close()
      fake?.server.close()
      await drop()
    })

    const discover = () => oidc.discovery(new URL(service.issuer), 'web', undefined, oidc.ClientSecretBasic(WEB_SECRET), { execute: [oidc.allowInsecureRequests] })

    /** openid-client's authorization request to jot, and the login page it leads to. */
    async function authorizationRequest(browser: Browser, config: oidc.Configuration, extra: Record<string, string> = {}) {
      const verifier = oidc.randomPKCECodeVerifier()
      const check = { pkceCodeVerifier: verifier, expectedState: oidc.randomState(), expectedNonce: oidc.randomNonce(), idTokenExpected: true }
      const url = oidc.buildAuthorizationUrl(config, {
        redirect_uri: REDIRECT,
        scope: SCOPE,
        code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
        code_challenge_method: 'S256',
        state: check.expectedState,
        nonce: check.expectedNonce,
        ...extra,
      })
      const page = await browser.request(url.href)
      assert.equal(page.status, 200, page.body)
      return { page, check }
    }

    /** Presses the upstream's button on jot's login page: the redirect to the provider. */
    async function chooseUpstream(browser: Browser, page: Page, id: string): Promise<URL> {
      const form = loginForm(page, `${service.issuer}/login/upstream/${id}`)
      const answer = await browser.request(form.action, { form: form.fields })
      assert.equal(answer.status, 303, answer.body)
      return new URL(answer.headers.get('location')!)
    }

    /** At node-oidc-provider: follows its redirects, fills its login page (as `login`) and its consent page, until it sends the browser back to jot. */
    async function atCorp(browser: Browser, start: URL, login: string): Promise<URL> {
      let url = start
      for (let step = 0; step < 12; step++) {
        if (url.href.startsWith(`${service.issuer}/`)) return url
        const page = await browser.request(url.href)
        if (page.status === 302 || page.status === 303) {
          url = new URL(page.headers.get('location')!, url)
          continue
        }
        assert.equal(page.status, 200, page.body)
        const form = loginForm(page)
        const fields = form.fields.map(([name, value]): [string, string] => [name, name === 'login' ? login : name === 'password' ? 'any password' : value])
        const answer = await browser.request(new URL(form.action, url).href, { form: fields })
        assert.ok([302, 303].includes(answer.status), answer.body)
        url = new URL(answer.headers.get('location')!, url)
      }
      assert.fail('the provider did not send the browser back to jot')
    }

    /** jot's callback: it sends the browser on to the client with a code, which openid-client redeems. */
    async function finish(browser: Browser, config: oidc.Configuration, callback: URL, check: Parameters<typeof oidc.authorizationCodeGrant>[2]) {
      const answer = await browser.request(callback.href)
      assert.equal(answer.status, 303, answer.body)
      const location = new URL(answer.headers.get('location')!)
      assert.equal(location.origin + location.pathname, REDIRECT)
      return oidc.authorizationCodeGrant(config, location, check)
    }

    /** A whole login at node-oidc-provider as `login`. */
    async function logInAtCorp(browser: Browser, config: oidc.Configuration, login: string, extra: Record<string, string> = {}) {
      const { page, check } = await authorizationRequest(browser, config, extra)
      return finish(browser, config, await atCorp(browser, await chooseUpstream(browser, page, 'corp'), login), check)
    }

    test('the login page offers the upstreams; the access token carries the mapped name and groups; the next login refreshes them', async () => {
      const config = await discover()
      const browser = new Browser()
      const { page, check } = await authorizationRequest(browser, config)
      assert.match(page.body, /Sign in with Corp SSO/)
      assert.match(page.body, /Sign in with fake/)
      assert.match(page.body, /name="password"/, 'the password form too')

      const toCorp = await chooseUpstream(browser, page, 'corp')
      assert.equal(toCorp.origin, corp.issuer)
      assert.equal(toCorp.searchParams.get('code_challenge_method'), 'S256')
      assert.equal(toCorp.searchParams.get('redirect_uri'), `${service.issuer}/login/upstream/corp/callback`)
      assert.ok(toCorp.searchParams.get('nonce') && toCorp.searchParams.get('state'))
      const tokens = await finish(browser, config, await atCorp(browser, toCorp, 'ada'), check)

      const access = decodeJWTUnverified(tokens.access_token).payload
      assert.match(String(access.sub), /^[0-9a-f-]{36}$/, "jot's own subject for the account, not the upstream's")
      assert.equal(access.name, 'Ada Lovelace')
      assert.deepEqual(access.groups, ['admins', 'engineering'])
      assert.equal(access.email, undefined)
      const claims = tokens.claims()!
      assert.equal(claims.sub, access.sub)
      assert.equal(claims.email, 'ada@example.com')
      assert.deepEqual(claims.groups, ['admins', 'engineering'])
      assert.deepEqual(await oidc.fetchUserInfo(config, tokens.access_token, claims.sub), {
        sub: claims.sub,
        name: 'Ada Lovelace',
        preferred_username: 'ada', // the provider sends no preferred_username: its sub
        email: 'ada@example.com',
        email_verified: true,
        groups: ['admins', 'engineering'],
      })

      // The provider takes a group away. The client asks for a fresh login (prompt=login), which jot
      // passes on, so the provider asks again although it has a session.
      people.get('ada')!.groups = ['engineering']
      const again = await authorizationRequest(browser, config, { prompt: 'login' })
      const toCorpAgain = await chooseUpstream(browser, again.page, 'corp')
      assert.equal(toCorpAgain.searchParams.get('prompt'), 'login')
      const second = await finish(browser, config, await atCorp(browser, toCorpAgain, 'ada'), again.check)
      const secondAccess = decodeJWTUnverified(second.access_token).payload
      assert.equal(secondAccess.sub, access.sub, 'the same account: keyed by the upstream iss and sub')
      assert.equal(secondAccess.name, 'Ada Lovelace')
      assert.deepEqual(secondAccess.groups, ['engineering'])
      assert.deepEqual(second.claims()?.groups, ['engineering'])
      // The first login's refresh token now yields the groups of the latest login too.
      const rotated = await oidc.refreshTokenGrant(config, tokens.refresh_token!)
      assert.deepEqual(decodeJWTUnverified(rotated.access_token).payload.groups, ['engineering'])
    })

    // The rest on SQLite only: the refusals never reach the store, and the store contract shows
    // the accounts' keying on both backends (this keeps the file well under 30 seconds).
    if (backend.name !== 'sqlite') return

    /** Starts a login at the fake provider and returns the callback its redirect would lead to. */
    async function startAtFake(browser: Browser, config: oidc.Configuration) {
      const { page, check } = await authorizationRequest(browser, config)
      const toFake = await chooseUpstream(browser, page, 'fake')
      assert.equal(toFake.origin + toFake.pathname, `${fake.issuer}/authorize`)
      const { searchParams } = toFake
      Object.assign(fake.login, { code: `code-${Math.random().toString(36).slice(2)}`, challenge: searchParams.get('code_challenge')!, nonce: searchParams.get('nonce')! })
      const callback = new URL(`${service.issuer}/login/upstream/fake/callback`)
      callback.searchParams.set('code', fake.login.code)
      callback.searchParams.set('state', searchParams.get('state')!)
      return { check, callback }
    }

    test('the same email at another provider is another person; claims mapped by name and by JSON Pointer', async () => {
      const config = await discover()
      const browser = new Browser()
      const { check, callback } = await startAtFake(browser, config)
      fake.login.answer = async (nonce) => ({
        status: 200,
        body: { access_token: 'fake-access-token', token_type: 'Bearer', id_token: await fake.idToken({ nonce, name: 'Ada L.', email: 'ada@example.com', upn: 'ada@fake', org: { teams: ['analysts', 42, ''] } }) },
      })
      const tokens = await finish(browser, config, callback, check)
      const claims = tokens.claims()!
      assert.equal(claims.email, 'ada@example.com')
      assert.equal(claims.name, 'Ada L.')
      assert.equal(claims.preferred_username, 'ada@fake')
      assert.deepEqual(claims.groups, ['analysts'], 'the strings of /org/teams')

      const atCorp = await logInAtCorp(new Browser(), config, 'ada')
      assert.equal(atCorp.claims()?.email, 'ada@example.com')
      assert.notEqual(atCorp.claims()?.sub, claims.sub, 'accounts are keyed by (iss, sub), never by email')
    })

    /** Secrets and credentials of this login that must appear in no page and no log line. */
    function assertNothingLeaks(page: Page, secrets: string[]) {
      const logs = logLines.join('')
      for (const secret of [...secrets, CORP_SECRET, FAKE_SECRET, WEB_SECRET]) {
        assert.ok(!page.body.includes(secret), `the page shows ${secret.slice(0, 12)}…`)
        assert.ok(!logs.includes(secret), `the log shows ${secret.slice(0, 12)}…`)
      }
    }

    /** The warning jot logged for the last refused login. */
    function lastWarning(): Record<string, unknown> {
      const warnings = logLines.map((line) => JSON.parse(line) as Record<string, unknown>).filter((line) => line.level === 40)
      return warnings[warnings.length - 1]!
    }

    test("jot's ID token validator refuses a wrong nonce, a wrong audience and a bad signature: an error page, no tokens", async () => {
      const config = await discover()
      /** The token with one character of its signature changed (to another base64url character, so it still decodes). */
      const tamper = (token: string) => {
        const at = token.lastIndexOf('.') + 20
        return token.slice(0, at) + (token[at] === 'A' ? 'B' : 'A') + token.slice(at + 1)
      }
      const cases: { name: string; claims: (nonce: string) => Record<string, unknown>; tamper?: boolean; page: RegExp; log: Record<string, unknown> }[] = [
        { name: 'wrong nonce', claims: () => ({ nonce: 'a nonce of another login' }), page: /nonce/, log: { error_code: 'ERR_JWT_CLAIM_INVALID', claim: 'nonce' } },
        { name: 'no nonce', claims: () => ({}), page: /nonce/, log: { error_code: 'ERR_JWT_CLAIM_MISSING', claim: 'nonce' } },
        { name: 'wrong aud', claims: (nonce) => ({ nonce, aud: 'another-client' }), page: /aud/, log: { error_code: 'ERR_JWT_CLAIM_INVALID', claim: 'aud' } },
        { name: 'another azp', claims: (nonce) => ({ nonce, aud: ['jot', 'another-client'], azp: 'another-client' }), page: /aud|azp/, log: { error_code: 'ERR_JWT_CLAIM_INVALID' } },
        { name: 'bad signature', claims: (nonce) => ({ nonce }), tamper: true, page: /signature/, log: { error_code: 'ERR_JWS_SIGNATURE_INVALID' } },
        { name: 'unstorable sub', claims: (nonce) => ({ nonce, sub: 'ada\u0000' }), page: /&quot;sub&quot;/, log: {} },
        { name: 'expired', claims: (nonce) => ({ nonce, iat: 1_000_000, exp: 1_000_300 }), page: /expired/i, log: { error_code: 'ERR_JWT_EXPIRED' } },
      ]
      for (const refused of cases) {
        const browser = new Browser()
        const { callback } = await startAtFake(browser, config)
        let idToken = ''
        fake.login.answer = async (nonce) => {
          idToken = await fake.idToken(refused.claims(nonce))
          if (refused.tamper) idToken = tamper(idToken)
          return { status: 200, body: { access_token: 'fake-access-token-xyz', token_type: 'Bearer', id_token: idToken } }
        }
        const page = await browser.request(callback.href)
        assert.equal(page.status, 502, `${refused.name}: ${page.body}`)
        assert.match(page.body, /Sign-in with fake failed/)
        assert.match(page.body, refused.page, refused.name)
        assert.ok(idToken !== '', `${refused.name}: the token endpoint was asked`)
        assert.equal(browser.cookies.get('jotjwt-dev-session'), undefined, `${refused.name}: no session`)
        assert.equal(browser.cookies.get('jotjwt-dev-upstream'), undefined, `${refused.name}: the transaction is used up`)
        const warning = lastWarning()
        assert.equal(warning.msg, 'upstream login failed')
        assert.equal(warning.reason, 'invalid_id_token')
        for (const [name, value] of Object.entries(refused.log)) assert.equal(warning[name], value, `${refused.name}: ${name}`)
        assertNothingLeaks(page, [idToken, 'fake-access-token-xyz', fake.login.code, fake.login.nonce])
      }
    })

    test('a callback that is not of this browser, an error from the provider, a failed token request: pages, never a 500', async () => {
      const config = await discover()
      // Another browser (an attacker's login, completed in the victim's browser): no transaction.
      const { callback } = await startAtFake(new Browser(), config)
      const elsewhere = await new Browser().request(callback.href)
      assert.equal(elsewhere.status, 400)
      assert.match(elsewhere.body, /does not belong to a sign-in started in this browser/)

      // The right browser, the wrong state; then the transaction is used up, so the right state fails too.
      const browser = new Browser()
      const started = await startAtFake(browser, config)
      const forged = new URL(started.callback)
      forged.searchParams.set('state', 'forged')
      assert.equal((await browser.request(forged.href)).status, 400)
      assert.equal((await browser.request(started.callback.href)).status, 400)

      // The provider answers with an error (the person declined).
      const declined = new Browser()
      const { callback: declinedCallback } = await startAtFake(declined, config)
      declinedCallback.searchParams.delete('code')
      declinedCallback.searchParams.set('error', 'access_denied')
      const denied = await declined.request(declinedCallback.href)
      assert.equal(denied.status, 400)
      assert.match(denied.body, /fake did not sign you in/)
      assert.match(denied.body, /access_denied/)

      // RFC 9207: a response naming another issuer is refused before the code is redeemed.
      const mixedUp = new Browser()
      const { callback: mixedUpCallback } = await startAtFake(mixedUp, config)
      mixedUpCallback.searchParams.set('iss', corp.issuer)
      fake.login.answer = async () => assert.fail('the code must not be redeemed')
      assert.equal((await mixedUp.request(mixedUpCallback.href)).status, 400)

      // The token endpoint refuses the code.
      const refusedCode = new Browser()
      const { callback: refusedCallback } = await startAtFake(refusedCode, config)
      fake.login.answer = async () => ({ status: 400, body: { error: 'invalid_grant', error_description: 'the code is spent' } })
      const failed = await refusedCode.request(refusedCallback.href)
      assert.equal(failed.status, 502)
      assert.match(failed.body, /token endpoint answered HTTP 400 invalid_grant/)
      assert.equal(lastWarning().reason, 'token_request_failed')
      assertNothingLeaks(failed, [fake.login.code])

      // An upstream the configuration does not have.
      const unknown = await new Browser().request(`${service.issuer}/login/upstream/nobody/callback?code=x&state=y`)
      assert.equal(unknown.status, 404)
    })
  })
}
