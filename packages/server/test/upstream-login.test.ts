/**
 * Logins through upstream providers, piece by piece (`src/upstream/`), framework-free over the
 * in-memory store: the claim mapping, the login page's buttons, starting a login (what jot sends
 * the provider, and what it refuses to start), the transaction a callback needs, the accounts of a
 * provider no longer configured, and the configuration. The whole flow over HTTP, against real
 * providers, is `e2e-upstream-login.test.ts`.
 */
import assert from 'node:assert/strict'
import { writeFileSync, mkdtempSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { ConfigError, loadConfig, upstreamSecretVariable } from '../src/config/load.js'
import { upstreamSchema, type ServiceConfigInput } from '../src/config/schema.js'
import { createSecretVerifier } from '../src/crypto/secret-hash.js'
import { handleAuthorizationRequest, handleLoginSubmission } from '../src/login/flow.js'
import { createStoreLoginProvider } from '../src/login/provider.js'
import type { BrowserResponse } from '../src/service/context.js'
import { claimValue, mapUpstreamClaims } from '../src/upstream/claims.js'
import { handleUpstreamCallback, handleUpstreamLogin } from '../src/upstream/flow.js'
import { createMemoryStore } from './memory-store.js'
import { ISSUER, appClient, authorizationParams, browserRequest, createTestContext, formOf, testUser } from './oauth-helpers.js'

const CSRF = '__Host-jotjwt-csrf'
const TRANSACTION = '__Host-jotjwt-upstream'

const upstream = (input: Partial<Record<string, unknown>> = {}) => upstreamSchema.parse({ id: 'corp', issuer: 'https://idp.example', clientId: 'jot', clientSecret: 'secret', ...input })

describe('upstream claims mapping', () => {
  it('names a claim as it is, or points into nested claims (RFC 6901), own members only', () => {
    const claims = { 'https://example.com/roles': ['a'], 'a/b': 1, realm_access: { roles: ['admins'], 'x~y/z': 'esc' }, list: [{ n: 'first' }] }
    assert.deepEqual(claimValue(claims, 'https://example.com/roles'), ['a'])
    assert.deepEqual(claimValue(claims, '/realm_access/roles'), ['admins'])
    assert.equal(claimValue(claims, '/realm_access/x~0y~1z'), 'esc')
    assert.equal(claimValue(claims, '/a~1b'), 1)
    assert.equal(claimValue(claims, '/list/0/n'), 'first')
    assert.equal(claimValue(claims, '/list/00/n'), undefined)
    assert.equal(claimValue(claims, '/realm_access/missing'), undefined)
    assert.equal(claimValue(claims, '/realm_access/roles/length'), undefined, 'not a member of the JSON')
    assert.equal(claimValue(claims, '__proto__'), undefined)
    assert.equal(claimValue(claims, '/realm_access/constructor'), undefined)
  })

  it('takes each field only in its shape: strings, a boolean (or "true"/"false"), a list of group names', () => {
    const mapped = mapUpstreamClaims(upstream({ claims: { groups: '/org/teams' } }), {
      preferred_username: 'ada',
      name: 42,
      email: 'ada@example.com',
      email_verified: 'true',
      org: { teams: ['b', 'a', 'b', 7, '', 'x'.repeat(256), null] },
    })
    assert.deepEqual(mapped, { username: 'ada', name: undefined, email: 'ada@example.com', emailVerified: true, groups: ['b', 'a'] })
    assert.deepEqual(mapUpstreamClaims(upstream(), { groups: 'solo', email_verified: 'yes' }).groups, ['solo'])
    assert.equal(mapUpstreamClaims(upstream(), { email_verified: 'yes' }).emailVerified, undefined)
    assert.equal(mapUpstreamClaims(upstream(), { groups: Array.from({ length: 300 }, (_, i) => `g${i}`) }).groups.length, 256)
  })
})

/** A discovery document on 127.0.0.1 (dev mode allows http:), with its endpoints. */
async function discoveryServer(): Promise<{ server: Server; issuer: string }> {
  const server = createServer((request, response) => {
    const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
    if (request.url !== '/.well-known/openid-configuration') return void response.writeHead(404).end()
    response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ issuer, authorization_endpoint: `${issuer}/authorize?tenant=1`, token_endpoint: `${issuer}/token`, jwks_uri: `${issuer}/jwks` }))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return { server, issuer: `http://127.0.0.1:${(server.address() as AddressInfo).port}` }
}

describe('the login page and the start of a login at an upstream', () => {
  let idp: { server: Server; issuer: string }
  before(async () => void (idp = await discoveryServer()))
  after(() => idp.server.close())

  async function setup(config: ServiceConfigInput = {}) {
    return createTestContext({
      clients: [appClient('app')],
      users: [await testUser('ada', 'ada-password')],
      config: {
        dev: true,
        upstreams: [
          { id: 'corp', displayName: 'Corp <SSO>', issuer: idp.issuer, clientId: 'jot', clientSecret: 'corp-secret' },
          { id: 'down', issuer: 'http://127.0.0.1:9', clientId: 'jot', clientSecret: 'down-secret' },
        ],
        ...config,
      },
    })
  }

  /** The login page, and the form of one upstream's button posted back (with `changes` to its fields). */
  async function press(test: Awaited<ReturnType<typeof setup>>, id: string, params = authorizationParams(), changes: Record<string, string | undefined> = {}): Promise<BrowserResponse> {
    const page = await handleAuthorizationRequest(browserRequest(params), test.ctx)
    const form = formOf(page, CSRF)
    const fields = Object.fromEntries(Object.entries({ ...form.fields, ...changes }).filter((entry): entry is [string, string] => entry[1] !== undefined))
    return handleUpstreamLogin(browserRequest(fields, { method: 'POST', cookies: form.cookies }), test.ctx, id)
  }

  it('offers a button per upstream after the password form, each with the CSRF field and the request, names escaped', async () => {
    const test = await setup()
    const { html } = await handleAuthorizationRequest(browserRequest(authorizationParams()), test.ctx)
    const forms = [...html!.matchAll(/<form [^>]*action="([^"]*)">([\s\S]*?)<\/form>/g)]
    assert.deepEqual(
      forms.map(([, action]) => action),
      [`${ISSUER}/login`, `${ISSUER}/login/upstream/corp`, `${ISSUER}/login/upstream/down`],
    )
    assert.match(html!, /Sign in with Corp &lt;SSO&gt;/)
    for (const [, , body] of forms) {
      assert.match(body!, /name="csrf_token"/)
      assert.match(body!, /name="code_challenge" value="E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"/)
    }
  })

  it('with login.passwordForm false, only the buttons, and a posted password form is refused', async () => {
    const test = await setup({ login: { passwordForm: false } })
    const page = await handleAuthorizationRequest(browserRequest(authorizationParams()), test.ctx)
    assert.doesNotMatch(page.html!, /name="password"/)
    assert.match(page.html!, /Sign in with Corp/)
    const form = formOf(page, CSRF)
    const posted = await handleLoginSubmission(browserRequest({ ...form.fields, username: 'ada', password: 'ada-password' }, { method: 'POST', cookies: form.cookies }), test.ctx)
    assert.equal(posted.status, 403)
    assert.equal(posted.cookies.length, 0, 'no session')
  })

  it('sends the browser to the provider with PKCE S256, state and nonce, and keeps them sealed in a cookie', async () => {
    const test = await setup()
    const answer = await press(test, 'corp', authorizationParams({ prompt: 'login consent', max_age: '300', login_hint: 'ada@corp' }))
    assert.equal(answer.status, 303)
    const url = new URL(answer.headers.Location!)
    assert.equal(`${url.origin}${url.pathname}`, `${idp.issuer}/authorize`)
    const sent = Object.fromEntries(url.searchParams)
    assert.equal(sent.tenant, '1', "the endpoint's own query is kept")
    assert.deepEqual(
      { ...sent, state: undefined, nonce: undefined, code_challenge: undefined },
      {
        tenant: '1',
        response_type: 'code',
        client_id: 'jot',
        redirect_uri: `${ISSUER}/login/upstream/corp/callback`,
        scope: 'openid profile email',
        state: undefined,
        nonce: undefined,
        code_challenge: undefined,
        code_challenge_method: 'S256',
        prompt: 'login',
        max_age: '300',
        login_hint: 'ada@corp',
      },
    )
    assert.match(sent.state!, /^[A-Za-z0-9_-]{43}$/)
    assert.match(sent.nonce!, /^[A-Za-z0-9_-]{43}$/)
    const cookie = answer.cookies.find((value) => value.startsWith(`${TRANSACTION}=`))!
    assert.match(cookie, /; Path=\/; Max-Age=600; HttpOnly; SameSite=Lax; Secure$/)
    const sealed = cookie.split(';')[0]!.slice(TRANSACTION.length + 1)
    for (const secret of [sent.state!, sent.nonce!]) assert.ok(!sealed.includes(secret), 'sealed, not readable')
  })

  it('refuses to start without the CSRF field, for an unknown upstream, for a bad request; a provider that cannot be discovered is a 502 page', async () => {
    const test = await setup()
    assert.equal((await press(test, 'corp', authorizationParams(), { csrf_token: undefined })).status, 403)
    assert.equal((await press(test, 'nobody')).status, 404)
    const badRequest = await press(test, 'corp', authorizationParams(), { code_challenge_method: 'plain' })
    assert.equal(badRequest.status, 303)
    assert.equal(new URL(badRequest.headers.Location!).searchParams.get('error'), 'invalid_request', 'back to the client, as from the form')
    const down = await press(test, 'down')
    assert.equal(down.status, 502)
    assert.match(down.html!, /Sign-in with down failed/)
    assert.equal(down.cookies.length, 0, 'no transaction')
    assert.deepEqual(test.logs.at(-1)?.fields.reason, 'discovery_failed')
  })

  it("a callback with another upstream's transaction, or an altered one, is refused and the transaction deleted", async () => {
    const test = await setup({ upstreams: [
      { id: 'corp', issuer: idp.issuer, clientId: 'jot', clientSecret: 'corp-secret' },
      { id: 'other', issuer: idp.issuer, clientId: 'jot2', clientSecret: 'other-secret' },
    ] })
    const started = await press(test, 'corp')
    const state = new URL(started.headers.Location!).searchParams.get('state')!
    const sealed = started.cookies[0]!.split(';')[0]!.slice(TRANSACTION.length + 1)
    const callback = (id: string, value: string) => handleUpstreamCallback(browserRequest({ code: 'c', state }, { cookies: { [TRANSACTION]: value } }), test.ctx, id)
    for (const answer of [await callback('other', sealed), await callback('corp', sealed.slice(0, -2) + (sealed.endsWith('AA') ? 'BB' : 'AA'))]) {
      assert.equal(answer.status, 400)
      assert.match(answer.cookies[0]!, new RegExp(`^${TRANSACTION}=; Path=/; Max-Age=0;`))
    }
  })
})

describe('accounts of upstreams', () => {
  it('are people while their upstream is configured (by issuer), and gone once it is not', async () => {
    const store = createMemoryStore()
    await store.saveUpstreamAccount({ subject: 'acct-1', issuer: 'https://idp.example', upstreamSubject: 's', upstream: 'corp', username: 'ada', groups: ['g'], createdAt: 1, updatedAt: 1 })
    const passwords = createSecretVerifier()
    assert.deepEqual(await createStoreLoginProvider(store, passwords, [upstream()]).user('acct-1'), { subject: 'acct-1', username: 'ada', groups: ['g'] })
    assert.equal(await createStoreLoginProvider(store, passwords, [upstream({ issuer: 'https://other.example' })]).user('acct-1'), undefined)
    assert.equal(await createStoreLoginProvider(store, passwords).user('acct-1'), undefined)
  })
})

describe('upstream configuration', () => {
  const dir = mkdtempSync(join(tmpdir(), 'jotjwt-upstream-config-'))
  const file = (text: string) => {
    const path = join(dir, `config-${Math.random()}.yaml`)
    writeFileSync(path, text)
    return path
  }
  const issues = async (promise: Promise<unknown>) => {
    try {
      await promise
    } catch (error) {
      assert.ok(error instanceof ConfigError, String(error))
      return error.issues
    }
    assert.fail('the configuration was accepted')
  }

  it('defaults: basic authentication, openid profile email, the OIDC claim names, asymmetric algorithms, userinfo', () => {
    const parsed = upstreamSchema.parse({ id: 'corp', issuer: 'https://idp.example', clientId: 'jot', clientSecret: 's' })
    assert.deepEqual(parsed.scopes, ['openid', 'profile', 'email'])
    assert.equal(parsed.authMethod, 'client_secret_basic')
    assert.deepEqual(parsed.claims, { username: 'preferred_username', name: 'name', email: 'email', emailVerified: 'email_verified', groups: 'groups' })
    assert.ok(!parsed.idTokenAlgorithms.some((alg) => alg.startsWith('HS')))
    assert.equal(parsed.userinfo, true)
  })

  it('JOTJWT_UPSTREAM_SECRET_<ID> sets the secret; one naming no upstream is an error', async () => {
    assert.equal(upstreamSecretVariable('corp-sso'), 'JOTJWT_UPSTREAM_SECRET_CORP_SSO')
    const yaml = 'dev: true\nupstreams:\n  - { id: corp-sso, issuer: "https://idp.example", clientId: jot }\n'
    const config = await loadConfig({ file: file(yaml), env: { JOTJWT_UPSTREAM_SECRET_CORP_SSO: 'from-the-environment' } })
    assert.equal(config.upstreams[0]!.clientSecret, 'from-the-environment')
    const [typo] = await issues(loadConfig({ file: file(yaml), env: { JOTJWT_UPSTREAM_SECRET_CORP: 'x' } }))
    assert.match(typo!, /^JOTJWT_UPSTREAM_SECRET_CORP: no configured upstream has this id/)
    assert.ok((await issues(loadConfig({ file: file(yaml) }))).some((line) => line.startsWith('upstreams.0.clientSecret: a client secret goes with')))
  })

  it('refuses a login without openid, a bad id, and an http: provider outside dev mode', async () => {
    const found = await issues(
      loadConfig({
        file: file(`issuer: http://127.0.0.1:8080
keys: { encryptionKey: ${Buffer.alloc(32, 1).toString('base64url')} }
upstreams:
  - { id: corp, issuer: "http://idp.example", clientId: jot, clientSecret: s }
  - { id: Bad/Id, issuer: "https://idp.example", clientId: jot, clientSecret: s, scopes: [profile] }
`),
      }),
    )
    assert.ok(found.some((line) => line.startsWith('upstreams.1.id: ')), found.join('\n'))
    assert.ok(found.some((line) => line.startsWith('upstreams.1.scopes: the scopes must include openid')), found.join('\n'))
    const deployment = await issues(loadConfig({ file: file(`issuer: http://127.0.0.1:8080\nkeys: { encryptionKey: ${Buffer.alloc(32, 1).toString('base64url')} }\nupstreams:\n  - { id: corp, issuer: "http://idp.example", clientId: jot, clientSecret: s }\n`) }))
    assert.ok(deployment.some((line) => line.startsWith('upstreams.0.issuer: must be an https: URL outside dev mode')), deployment.join('\n'))
  })
})
