// A person logs in through the built-in login page, with openid-client 6 as the relying party,
// over HTTP, on each store backend: the authorization code flow with PKCE (the test fills and posts
// the real form, CSRF token included), the ID token validated by openid-client and by jot's own
// OIDC validator, userinfo, refresh rotation, and introspection of the rotated family; then reuse of
// the spent refresh token revokes the family, its access tokens included.
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { createIdTokenVerifier, createRemoteKeySet, decodeJWTUnverified } from 'jotjwt'
import * as oidc from 'openid-client'
import { startService } from '../src/service/service.js'
import { BACKENDS } from './backends.js'
import { Browser, logIn } from './browser.js'

const WEB_SECRET = 'web-app-secret-0123456789-abcdef'
const API = 'https://api.example/orders'
const REDIRECT = 'https://web.example/callback'
const ADA = { username: 'ada', password: 'correct horse battery staple' }

for (const backend of BACKENDS) {
  describe(`log in with openid-client (${backend.name})`, () => {
    let service: Awaited<ReturnType<typeof startService>>
    let drop: () => Promise<void> = async () => undefined

    before(async () => {
      const created = await backend.create()
      drop = created.drop
      service = await startService({
        dev: true,
        dataDir: created.dataDir,
        store: created.store,
        listen: { host: '127.0.0.1', port: 0 },
        log: { level: 'silent' },
        clients: [
          {
            clientId: 'web',
            name: 'Orders web app',
            authMethod: 'client_secret_basic',
            clientSecret: WEB_SECRET,
            grantTypes: ['authorization_code', 'refresh_token'],
            redirectUris: [REDIRECT],
            scopes: ['orders:read'],
            resources: [API],
            // Reuse right after the rotation is reuse (the default window would hand out the successor again).
            refreshToken: { graceWindow: 0 },
          },
          {
            clientId: 'spa',
            authMethod: 'none',
            grantTypes: ['authorization_code', 'refresh_token'],
            redirectUris: ['http://127.0.0.1:5173/callback'],
            idTokenAlg: 'ES256',
            resources: [API],
          },
        ],
        users: [{ ...ADA, subject: 'user-0001', name: 'Ada Lovelace', email: 'ada@example.com', emailVerified: true, groups: ['admins', 'engineering'] }],
      })
    })

    after(async () => {
      await service?.close()
      await drop()
    })

    const discover = (clientId: string, auth: oidc.ClientAuth) =>
      oidc.discovery(new URL(service.issuer), clientId, undefined, auth, { execute: [oidc.allowInsecureRequests] })

    /** The authorization request openid-client builds, logged in through the form; returns what the client needs next. */
    async function authorize(config: oidc.Configuration, redirectUri: string, scope: string) {
      const verifier = oidc.randomPKCECodeVerifier()
      const state = oidc.randomState()
      const nonce = oidc.randomNonce()
      const url = oidc.buildAuthorizationUrl(config, {
        redirect_uri: redirectUri,
        scope,
        code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
        code_challenge_method: 'S256',
        state,
        nonce,
      })
      const callback = await logIn(new Browser(), url.href, ADA.username, ADA.password)
      return { callback, verifier, state, nonce }
    }

    test('code + PKCE through the login form, ID token, userinfo, refresh rotation, introspection of the rotated family', async () => {
      const config = await discover('web', oidc.ClientSecretBasic(WEB_SECRET))
      const { callback, verifier, state, nonce } = await authorize(config, REDIRECT, 'openid profile email groups offline_access orders:read')
      // RFC 9207: the response names its issuer (openid-client checks it too).
      assert.equal(callback.searchParams.get('iss'), service.issuer)

      const tokens = await oidc.authorizationCodeGrant(config, callback, { pkceCodeVerifier: verifier, expectedState: state, expectedNonce: nonce, idTokenExpected: true })
      assert.equal(tokens.token_type, 'bearer')
      assert.equal(tokens.scope, 'openid profile email groups offline_access orders:read')
      assert.ok(tokens.refresh_token)
      const claims = tokens.claims()!
      assert.equal(claims.sub, 'user-0001')
      assert.equal(claims.name, 'Ada Lovelace')
      assert.deepEqual(claims.groups, ['admins', 'engineering'])
      assert.equal(claims.azp, 'web')
      assert.equal(decodeJWTUnverified(tokens.id_token!).header.alg, 'RS256', 'RS256 unless the client names another')

      // jot's own OIDC Core §3.1.3.7 validator, against the published JWKS, with at_hash.
      const keys = createRemoteKeySet(`${service.issuer}/jwks.json`, { allowHttp: true })
      const verifyIdToken = createIdTokenVerifier({ issuer: service.issuer, clientId: 'web', key: keys, algorithms: ['RS256'], requireAuthTime: true })
      const verified = await verifyIdToken(tokens.id_token!, { nonce, accessToken: tokens.access_token, requireHashes: true })
      assert.equal(verified.payload.email, 'ada@example.com')
      assert.equal(typeof verified.payload.auth_time, 'number')

      // The access token: RFC 9068, about the person, with their groups (RFC 9068 §2.2.3.1).
      const access = decodeJWTUnverified(tokens.access_token)
      assert.equal(access.header.typ, 'at+jwt')
      assert.equal(access.payload.sub, 'user-0001')
      assert.equal(access.payload.aud, API)
      assert.deepEqual(access.payload.groups, ['admins', 'engineering'])
      // RFC 9068 §2.2.2: the name too (accessTokenClaims), but not the contact details of `email`.
      assert.equal(access.payload.name, 'Ada Lovelace')
      assert.equal(access.payload.email, undefined)

      // OIDC Discovery §3: RS256 among the algorithms; both lists are published in the one JWKS.
      assert.ok(config.serverMetadata().id_token_signing_alg_values_supported?.includes('RS256'))
      const jwks = (await (await fetch(`${service.issuer}/jwks.json`)).json()) as { keys: { alg: string }[] }
      assert.deepEqual([...new Set(jwks.keys.map((key) => key.alg))].sort(), ['ES256', 'RS256'])

      const userinfo = await oidc.fetchUserInfo(config, tokens.access_token, claims.sub)
      assert.deepEqual(userinfo, {
        sub: 'user-0001',
        name: 'Ada Lovelace',
        preferred_username: 'ada',
        email: 'ada@example.com',
        email_verified: true,
        groups: ['admins', 'engineering'],
      })

      const refreshed = await oidc.refreshTokenGrant(config, tokens.refresh_token!)
      assert.ok(refreshed.refresh_token && refreshed.refresh_token !== tokens.refresh_token, 'rotated')
      assert.equal(refreshed.claims()?.sub, 'user-0001')
      assert.equal(refreshed.claims()?.auth_time, claims.auth_time, 'OIDC Core §12.2: the original authentication time')

      // The rotated family: the spent token is inactive, its successor and both access tokens active.
      const spent = await oidc.tokenIntrospection(config, tokens.refresh_token!)
      assert.equal(spent.active, false)
      const current = await oidc.tokenIntrospection(config, refreshed.refresh_token!)
      assert.equal(current.active, true)
      assert.equal(current.client_id, 'web')
      assert.equal(current.sub, 'user-0001')
      assert.equal(current.scope, 'openid profile email groups offline_access orders:read')
      assert.equal((await oidc.tokenIntrospection(config, tokens.access_token)).active, true)
      assert.equal((await oidc.tokenIntrospection(config, refreshed.access_token)).active, true)

      // Reuse of the spent token: refused, and the whole family revoked.
      await assert.rejects(oidc.refreshTokenGrant(config, tokens.refresh_token!), (error: oidc.ResponseBodyError) => error.error === 'invalid_grant' && error.status === 400)
      for (const token of [refreshed.refresh_token!, tokens.access_token, refreshed.access_token]) {
        assert.equal((await oidc.tokenIntrospection(config, token)).active, false)
      }
      await assert.rejects(oidc.fetchUserInfo(config, refreshed.access_token, claims.sub), (error: oidc.WWWAuthenticateChallengeError) => {
        assert.equal(error.status, 401)
        assert.equal(error.cause[0]?.parameters.error, 'invalid_token')
        return true
      })
    })

    test('a public client (no secret) logs in with PKCE and refreshes; ES256 ID tokens when it asks for them', async () => {
      const config = await discover('spa', oidc.None())
      const redirect = 'http://127.0.0.1:5173/callback'
      const { callback, verifier, state, nonce } = await authorize(config, redirect, 'openid groups')
      const tokens = await oidc.authorizationCodeGrant(config, callback, { pkceCodeVerifier: verifier, expectedState: state, expectedNonce: nonce, idTokenExpected: true })
      assert.equal(decodeJWTUnverified(tokens.id_token!).header.alg, 'ES256')
      assert.deepEqual(tokens.claims()?.groups, ['admins', 'engineering'])
      assert.equal(tokens.claims()?.name, undefined, 'profile was not asked for')
      const refreshed = await oidc.refreshTokenGrant(config, tokens.refresh_token!)
      assert.ok(refreshed.refresh_token && refreshed.refresh_token !== tokens.refresh_token)
      // A public client revokes its refresh token (RFC 7009 §2.1), and with it the family.
      await oidc.tokenRevocation(config, refreshed.refresh_token!)
      await assert.rejects(oidc.refreshTokenGrant(config, refreshed.refresh_token!), (error: oidc.ResponseBodyError) => error.error === 'invalid_grant')
    })

    test('a second authorization in the same browser reuses the session: no form, a code at once', async () => {
      const config = await discover('web', oidc.ClientSecretBasic(WEB_SECRET))
      const browser = new Browser()
      const url = (extra: Record<string, string> = {}) =>
        oidc.buildAuthorizationUrl(config, { redirect_uri: REDIRECT, scope: 'openid', code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM', code_challenge_method: 'S256', ...extra }).href
      await logIn(browser, url(), ADA.username, ADA.password)
      const again = await browser.request(url({ prompt: 'none' }))
      assert.equal(again.status, 303)
      assert.ok(new URL(again.headers.get('location')!).searchParams.get('code'))
      // prompt=login asks again even with a session.
      const relogin = await browser.request(url({ prompt: 'login' }))
      assert.equal(relogin.status, 200)
      assert.match(relogin.body, /<form method="post"/)
    })
  })
}

describe('the login seam through the running service', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'jotjwt-seam-'))
  let service: Awaited<ReturnType<typeof startService>>
  before(async () => {
    service = await startService(
      {
        dev: true,
        dataDir,
        listen: { host: '127.0.0.1', port: 0 },
        log: { level: 'silent' },
        clients: [{ clientId: 'spa', authMethod: 'none', grantTypes: ['authorization_code'], redirectUris: ['http://127.0.0.1:5173/callback'], resources: [API] }],
        users: [{ ...ADA, groups: [] }],
      },
      {
        // A proxy in front logged the person in and says who (having stripped any copy a client sent).
        login: (builtIn) => ({
          ...builtIn,
          recognize: async ({ headers }) => (typeof headers['x-authenticated-user'] === 'string' ? builtIn.user(headers['x-authenticated-user']) : undefined),
          loginUrl: (returnTo) => `https://sso.example/login?return_to=${encodeURIComponent(returnTo)}`,
        }),
      },
    )
  })
  after(async () => {
    await service?.close()
    rmSync(dataDir, { recursive: true, force: true })
  })

  test('a recognized person gets a code without the form; anyone else is sent to the external login', async () => {
    const url = new URL(`${service.issuer}/authorize`)
    for (const [name, value] of Object.entries({ response_type: 'code', client_id: 'spa', redirect_uri: 'http://127.0.0.1:5173/callback', code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM', code_challenge_method: 'S256' })) {
      url.searchParams.set(name, value)
    }
    const recognized = await new Browser().request(url.href, { headers: { 'x-authenticated-user': 'ada' } })
    assert.equal(recognized.status, 303)
    assert.ok(new URL(recognized.headers.get('location')!).searchParams.get('code'))
    const anonymous = await new Browser().request(url.href)
    assert.equal(anonymous.status, 303)
    const external = new URL(anonymous.headers.get('location')!)
    assert.equal(external.origin, 'https://sso.example')
    assert.equal(new URL(external.searchParams.get('return_to')!).searchParams.get('client_id'), 'spa')
  })
})
