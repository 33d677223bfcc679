// The framework-free core: options refused at creation, every key source, issuers chosen by iss
// without trial verification, discovery, audience functions, optional authentication.
import assert from 'node:assert/strict'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { after, before, describe, test } from 'node:test'
import { exportJWK, exportPEM, generateKeyPair, importSecret, signJWT, type JotKey } from 'jotjwt'
import { createGuard, InvalidTokenError, ServiceUnavailableError, UnauthorizedError, type GuardOptions } from 'jotjwt-guard'
import { AUDIENCE, startIssuer, type TestIssuer } from './helpers/issuer.js'

const get = (token?: string, url = '/r') => ({ method: 'GET', url, headers: token === undefined ? {} : { authorization: `Bearer ${token}` } })

describe('options', () => {
  const base = { issuer: 'https://as.example', jwksUri: 'https://as.example/jwks', audience: 'api', algorithms: ['ES256'] } as GuardOptions
  const { jwksUri: _jwksUri, ...keyless } = base
  test('algorithms and audience are required; none is never an algorithm', () => {
    assert.throws(() => createGuard({ ...base, algorithms: undefined } as never), /algorithms is required/)
    assert.throws(() => createGuard({ ...base, algorithms: [] }), /algorithms is required/)
    assert.throws(() => createGuard({ ...base, algorithms: ['none'] as never }), /must not include "none"/)
    assert.throws(() => createGuard({ ...base, audience: undefined } as never), /audience is required/)
  })
  test('exactly one key source', () => {
    assert.throws(() => createGuard(keyless), /found none/)
    assert.throws(() => createGuard({ ...base, pem: 'x' }), /found jwksUri, pem/)
  })
  test('HS* needs an explicit secret, and a secret only HS*', () => {
    assert.throws(() => createGuard({ ...base, algorithms: ['ES256', 'HS256'] }), /need an explicit secret/)
    assert.throws(() => createGuard({ ...keyless, secret: 'x'.repeat(32), algorithms: ['HS256', 'ES256'] }), /list only those/)
  })
  test('typ: a non-empty string, and at+jwt under the rfc9068 profile', () => {
    assert.throws(() => createGuard({ ...base, typ: '' }), /typ must be a non-empty string/)
    assert.throws(() => createGuard({ ...base, profile: 'rfc9068', typ: 'JWT' }), /requires typ at\+jwt/)
    createGuard({ ...base, profile: 'rfc9068', typ: 'application/at+jwt' })
  })
  test('plain-HTTP key URLs need allowHttp', () => {
    assert.throws(() => createGuard({ ...base, jwksUri: 'http://as.example/jwks' }), /https/)
  })
})

describe('static key sources', () => {
  let pair: { privateKey: JotKey; publicKey: JotKey }
  const issuer = 'https://as.example'
  before(async () => {
    pair = await generateKeyPair('ES256', { kid: 'k1' })
  })
  const token = (key: JotKey, claims = {}) => signJWT({ sub: 'u', ...claims }, key, { issuer, audience: AUDIENCE, expiresIn: 60 })
  const accepts = async (options: Partial<GuardOptions>, key: JotKey) => {
    const guard = createGuard({ issuer, audience: AUDIENCE, algorithms: ['ES256'], ...options } as GuardOptions)
    const result = await guard.authenticate(get(await token(key)))
    return !(result instanceof Error) && result !== undefined && result.claims.sub === 'u'
  }
  test('pem, jwk and jwks verify', async () => {
    assert.ok(await accepts({ pem: await exportPEM(pair.publicKey) }, pair.privateKey))
    assert.ok(await accepts({ jwk: await exportJWK(pair.publicKey) }, pair.privateKey))
    assert.ok(await accepts({ jwks: { keys: [{ ...(await exportJWK(pair.publicKey)), kid: 'k1' }] } }, pair.privateKey))
  })
  test('an HMAC secret verifies HS256 tokens', async () => {
    const raw = new TextEncoder().encode('a-secret-of-at-least-thirty-two-bytes!!')
    assert.ok(await accepts({ secret: raw, algorithms: ['HS256'] }, await importSecret(raw, { alg: 'HS256' })))
  })
  test('a bad PEM is a configuration error that ready() reports', async () => {
    const guard = createGuard({ issuer, audience: AUDIENCE, algorithms: ['ES256'], pem: '-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----' })
    await assert.rejects(guard.ready())
  })
})

describe('issuers', () => {
  let a: TestIssuer
  let b: TestIssuer
  before(async () => {
    a = await startIssuer()
    b = await startIssuer()
  })
  after(async () => {
    await a.close()
    await b.close()
  })
  const options = (): GuardOptions => ({
    issuers: [
      { issuer: a.issuer, jwksUri: a.jwksUri },
      { issuer: b.issuer, jwksUri: b.jwksUri },
    ],
    allowHttp: true,
    audience: AUDIENCE,
    algorithms: ['ES256'],
    profile: 'rfc9068',
  })

  test("the token's iss picks the issuer; the other issuer's keys are never fetched", async () => {
    const guard = createGuard(options())
    const before = b.jwksRequests()
    const result = await guard.authenticate(get(await a.mint()))
    assert.ok(!(result instanceof Error) && result?.claims.iss === a.issuer)
    assert.equal(b.jwksRequests(), before)
  })
  test('an unknown iss is invalid_token without any key lookup', async () => {
    const guard = createGuard(options())
    const requests = a.jwksRequests() + b.jwksRequests()
    const result = await guard.authenticate(get(await a.mint({}, { issuer: 'https://other.example' })))
    assert.ok(result instanceof InvalidTokenError)
    assert.equal(result.detail, 'unexpected "iss"')
    assert.equal(a.jwksRequests() + b.jwksRequests(), requests)
  })
  test("profile 'rfc9068': jot's profile check refuses a missing §2.2 claim and a non-string client_id, with an audience list or function", async () => {
    for (const audience of [AUDIENCE, (audiences: readonly string[]) => audiences.includes(AUDIENCE)]) {
      const guard = createGuard({ ...options(), audience })
      assert.ok(!((await guard.authenticate(get(await a.mint()))) instanceof Error))
      for (const [claims, detail] of [
        [{ jti: undefined }, '"jti" is missing'],
        [{ sub: undefined }, '"sub" is missing'],
        [{ client_id: undefined }, '"client_id" is missing'],
        [{ client_id: 7 }, '"client_id" must be a string'],
      ] as const) {
        const result = await guard.authenticate(get(await a.mint(claims)))
        assert.ok(result instanceof InvalidTokenError, detail)
        assert.equal(result.detail, detail)
      }
    }
  })
  test("a token claiming issuer b but signed with a's key fails (no trial across issuers)", async () => {
    const guard = createGuard(options())
    const result = await guard.authenticate(get(await a.mint({}, { issuer: b.issuer })))
    assert.ok(result instanceof InvalidTokenError)
  })
})

describe('discovery', () => {
  let issuer: TestIssuer
  let server: ReturnType<typeof createServer>
  let up = true
  let base = ''
  before(async () => {
    issuer = await startIssuer()
    server = createServer((req, res) => {
      if (!up || req.url !== '/.well-known/openid-configuration') return void res.writeHead(503).end()
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ issuer: base, jwks_uri: issuer.jwksUri }))
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  })
  after(async () => {
    await issuer.close()
    await new Promise((resolve) => server.close(resolve))
  })
  test('the jwks_uri comes from the discovery document; a failed discovery is 503, never a 500', async () => {
    up = false
    const guard = createGuard({ issuer: base, discovery: true, allowHttp: true, audience: AUDIENCE, algorithms: ['ES256'] })
    const down = await guard.authenticate(get(await issuer.mint({}, { issuer: base })))
    assert.ok(down instanceof ServiceUnavailableError)
    assert.equal(guard.errorResponse(down).status, 503)
    up = true
    const again = createGuard({ issuer: base, discovery: true, allowHttp: true, audience: AUDIENCE, algorithms: ['ES256'] })
    const result = await again.authenticate(get(await issuer.mint({}, { issuer: base })))
    assert.ok(!(result instanceof Error) && result?.claims.iss === base)
  })
})

describe('audience, optional authentication, query tokens', () => {
  let issuer: TestIssuer
  before(async () => {
    issuer = await startIssuer()
  })
  after(() => issuer.close())
  const guardWith = (options: Partial<GuardOptions>) =>
    createGuard({ issuer: issuer.issuer, jwksUri: issuer.jwksUri, allowHttp: true, audience: AUDIENCE, algorithms: ['ES256'], ...options } as GuardOptions)

  test('an audience function decides from the audiences', async () => {
    const guard = guardWith({ audience: (audiences) => audiences.some((aud) => aud.startsWith('https://api.example/')) })
    assert.ok(!((await guard.authenticate(get(await issuer.mint()))) instanceof Error))
    const refused = await guard.authenticate(get(await issuer.mint({}, { audience: 'https://other.example' })))
    assert.ok(refused instanceof InvalidTokenError)
  })
  test('authRequired false: no token passes without auth; a bad token is still refused', async () => {
    const guard = guardWith({ authRequired: false })
    assert.equal(await guard.authenticate(get()), undefined)
    assert.ok((await guard.authenticate(get(await issuer.mint({}, { expiresIn: -300 })))) instanceof InvalidTokenError)
    assert.ok((await guardWith({}).authenticate(get())) instanceof UnauthorizedError)
  })
  test('query tokens when enabled, reported with their location', async () => {
    const guard = guardWith({ tokenLocations: { header: false, query: true } })
    const result = await guard.authenticate({ method: 'GET', url: `/r?access_token=${await issuer.mint()}`, headers: {} })
    assert.ok(!(result instanceof Error) && result?.location === 'query')
  })
  test('the verified-token cache still re-checks time claims', async () => {
    let now = Date.now() / 1000
    const guard = guardWith({ cache: true, currentTime: () => now, clockTolerance: 0 })
    const token = await issuer.mint({}, { expiresIn: 60 })
    assert.ok(!((await guard.authenticate(get(token))) instanceof Error))
    now += 120
    assert.ok((await guard.authenticate(get(token))) instanceof InvalidTokenError)
  })
})
