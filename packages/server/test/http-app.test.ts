// The HTTP layer on its own (a recording core, a stub store): strict form bodies, the RFC 6749 §5.2
// JSON for every failure, 404/405, the headers every response carries, and the probes.
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { buildApp } from '../src/http/app.js'
import type { CoreHandlers } from '../src/http/core.js'
import { OAuthError } from '../src/oauth/errors.js'
import { StoreInvalidKey, StoreUnavailable } from '../src/store/store.js'
import { ISSUER, recordingCore, stubStore, testConfig, testContext } from './http-stubs.js'

const FORM = 'application/x-www-form-urlencoded'

function app(options: { core?: CoreHandlers; store?: ReturnType<typeof stubStore>; bodyLimit?: number } = {}) {
  const config = testConfig(options.bodyLimit === undefined ? {} : { http: { bodyLimit: options.bodyLimit } })
  return buildApp(testContext({ config, ...(options.store ? { store: options.store } : {}) }), { core: options.core ?? recordingCore() })
}

function post(path: string, payload: string | Buffer, headers: Record<string, string> = { 'content-type': FORM }) {
  return app().inject({ method: 'POST', url: path, payload, headers })
}

function assertOAuthError(response: { statusCode: number; headers: Record<string, unknown>; body: string }, status: number, error: string): void {
  assert.equal(response.statusCode, status, response.body)
  assert.match(String(response.headers['content-type']), /^application\/json/)
  assert.equal(JSON.parse(response.body).error, error)
  assert.equal(response.headers['cache-control'], 'no-store')
}

describe('form bodies (RFC 6749 §3.2)', () => {
  test('a form body reaches the core as parameters, with the Authorization header', async () => {
    const response = await app().inject({
      method: 'POST',
      url: '/token',
      headers: { 'content-type': `${FORM}; charset=UTF-8`, authorization: 'Basic ZGVtbzpzZWNyZXQ=' },
      payload: 'grant_type=client_credentials&scope=a+b%3Ac&empty=&client_id=caf%C3%A9',
    })
    assert.equal(response.statusCode, 200, response.body)
    const body = JSON.parse(response.body)
    // RFC 6749 §3.1: a parameter sent without a value is treated as omitted.
    assert.deepEqual(body.params, { grant_type: 'client_credentials', scope: 'a b:c', client_id: 'café' })
    assert.deepEqual(body.resources, [])
    assert.equal(body.authorization, 'Basic ZGVtbzpzZWNyZXQ=')
  })

  test('revoke and introspect take the same form bodies', async () => {
    for (const [path, endpoint] of [['/revoke', 'revocation'], ['/introspect', 'introspection']]) {
      const response = await post(path!, 'token=abc')
      assert.equal(JSON.parse(response.body).endpoint, endpoint)
    }
  })

  test('other content types, a missing one, and other charsets: 400 invalid_request', async () => {
    for (const type of ['application/json', 'text/plain', 'multipart/form-data; boundary=x', `${FORM}; charset=iso-8859-1`, `${FORM}; boundary=x`, `${FORM}x`]) {
      assertOAuthError(await post('/token', 'grant_type=client_credentials', { 'content-type': type }), 400, 'invalid_request')
    }
    assertOAuthError(await post('/token', 'grant_type=client_credentials', {}), 400, 'invalid_request')
  })

  test('a parameter given twice: 400 invalid_request naming it; resource may repeat (RFC 8707 §2)', async () => {
    const duplicate = await post('/token', 'grant_type=client_credentials&scope=a&scope=b')
    assertOAuthError(duplicate, 400, 'invalid_request')
    assert.match(JSON.parse(duplicate.body).error_description, /the scope parameter/)
    assertOAuthError(await post('/token', 'grant_type=client_credentials&grant_type=client_credentials'), 400, 'invalid_request')
    // The same name, spelled with an escape, is the same parameter.
    assertOAuthError(await post('/token', 'scope=a&%73cope=b'), 400, 'invalid_request')

    const resources = await post('/token', 'grant_type=client_credentials&resource=https%3A%2F%2Fa.example&resource=https://b.example')
    assert.equal(resources.statusCode, 200)
    const body = JSON.parse(resources.body)
    assert.deepEqual(body.resources, ['https://a.example', 'https://b.example'])
    assert.equal(body.params.resource, undefined, 'resource is never a single parameter')
  })

  test('broken percent-encoding and bytes that are not UTF-8: 400 invalid_request', async () => {
    for (const payload of ['grant_type=%E0%A4%A', 'scope=%ZZ', 'scope=100%', 'scope=%C3%28', 'scope=%FF']) {
      assertOAuthError(await post('/token', payload), 400, 'invalid_request')
    }
    assertOAuthError(await post('/token', Buffer.from([0x73, 0x3d, 0xc3, 0x28])), 400, 'invalid_request')
  })

  test('a body over http.bodyLimit: 413 with a JSON invalid_request', async () => {
    const response = await app({ bodyLimit: 1024 }).inject({ method: 'POST', url: '/token', headers: { 'content-type': FORM }, payload: `scope=${'a'.repeat(2048)}` })
    assertOAuthError(response, 413, 'invalid_request')
    assert.match(JSON.parse(response.body).error_description, /1024 bytes/)
  })

  test('a body over the limit sent over a real connection still gets the JSON answer', async () => {
    const server = app({ bodyLimit: 1024 })
    const url = await server.listen({ host: '127.0.0.1', port: 0 })
    try {
      const response = await fetch(`${url}/token`, { method: 'POST', headers: { 'content-type': FORM }, body: `scope=${'a'.repeat(2 * 1024 * 1024)}` })
      assert.equal(response.status, 413)
      assert.equal(((await response.json()) as { error: string }).error, 'invalid_request')
    } finally {
      await server.close()
    }
  })

  test('two Authorization headers: 400 invalid_request (RFC 6749 §2.3: one authentication method)', async () => {
    const response = await app().inject({
      method: 'POST',
      url: '/token',
      payload: 'grant_type=client_credentials',
      // Two header lines (light-my-request sends an array as repeated headers).
      headers: { 'content-type': FORM, authorization: ['Basic YTpi', 'Basic Yzpk'] as unknown as string },
    })
    assertOAuthError(response, 400, 'invalid_request')
    assert.match(JSON.parse(response.body).error_description, /more than one Authorization header/)
  })
})

describe('errors are RFC 6749 §5.2 JSON', () => {
  const throwing = (error: unknown) => recordingCore(async () => Promise.reject(error))

  test("an OAuthError keeps its status, body and headers, plus Cache-Control: no-store", async () => {
    const core = throwing(new OAuthError('invalid_client', 'client authentication failed', { headers: { 'WWW-Authenticate': 'Basic realm="jotjwt"' } }))
    const response = await app({ core }).inject({ method: 'POST', url: '/token', payload: 'grant_type=client_credentials', headers: { 'content-type': FORM } })
    assertOAuthError(response, 401, 'invalid_client')
    assert.deepEqual(JSON.parse(response.body), { error: 'invalid_client', error_description: 'client authentication failed' })
    assert.equal(response.headers['www-authenticate'], 'Basic realm="jotjwt"')
  })

  test('the store unavailable (directly or as the cause of another error): 503 temporarily_unavailable with Retry-After', async () => {
    const unavailable = new StoreUnavailable('connection refused')
    for (const error of [unavailable, new Error('key store failed', { cause: unavailable })]) {
      const response = await app({ core: throwing(error) }).inject({ method: 'POST', url: '/token', payload: 'grant_type=client_credentials', headers: { 'content-type': FORM } })
      assertOAuthError(response, 503, 'temporarily_unavailable')
      assert.match(String(response.headers['retry-after']), /^\d+$/)
      assert.doesNotMatch(response.body, /connection refused/)
    }
  })

  test('an identifier the store cannot hold (ERR_STORE_INVALID_KEY): 400 invalid_request', async () => {
    const response = await app({ core: throwing(new StoreInvalidKey('jti has U+0000')) }).inject({ method: 'POST', url: '/token', payload: 'grant_type=client_credentials', headers: { 'content-type': FORM } })
    assertOAuthError(response, 400, 'invalid_request')
  })

  test('any other error: 500 server_error with the request id, and no stack or message', async () => {
    const response = await app({ core: throwing(new Error('database password is hunter2')) }).inject({
      method: 'POST',
      url: '/introspect',
      payload: 'token=x',
      headers: { 'content-type': FORM },
    })
    assertOAuthError(response, 500, 'server_error')
    assert.doesNotMatch(response.body, /hunter2|at .*\(|\.ts:\d+|node:internal/)
    const id = String(response.headers['x-request-id'])
    assert.match(id, /^[0-9a-f-]{36}$/)
    assert.ok(JSON.parse(response.body).error_description.includes(id))
  })

  test('an unknown path: 404 JSON; a known path with another method: 405 JSON with Allow', async () => {
    const server = app()
    const missing = await server.inject({ method: 'GET', url: '/nope?x=1' })
    assert.equal(missing.statusCode, 404)
    assert.equal(JSON.parse(missing.body).error, 'not_found')

    const getToken = await server.inject({ method: 'GET', url: '/token' })
    assert.equal(getToken.statusCode, 405)
    assert.equal(getToken.headers.allow, 'POST')
    assert.equal(JSON.parse(getToken.body).error, 'invalid_request')

    const postJwks = await server.inject({ method: 'POST', url: '/jwks.json', payload: '', headers: { 'content-type': FORM } })
    assert.equal(postJwks.statusCode, 405)
    assert.deepEqual(String(postJwks.headers.allow).split(', ').sort(), ['GET', 'HEAD'])
    const deleteHealth = await server.inject({ method: 'DELETE', url: '/health' })
    assert.equal(deleteHealth.statusCode, 405)
  })
})

describe('headers', () => {
  test('every response carries nosniff, no-referrer, a CSP and a request id; only JWKS and discovery may be cached', async () => {
    const server = app()
    const requests = [
      { method: 'GET', url: '/health', cacheable: false },
      { method: 'GET', url: '/ready', cacheable: false },
      { method: 'GET', url: '/nope', cacheable: false },
      { method: 'GET', url: '/token', cacheable: false },
      { method: 'POST', url: '/token', cacheable: false, payload: 'grant_type=client_credentials' },
      { method: 'POST', url: '/token', cacheable: false, payload: 'a=%' },
      { method: 'GET', url: '/jwks.json', cacheable: true },
      { method: 'GET', url: '/.well-known/openid-configuration', cacheable: true },
      { method: 'GET', url: '/.well-known/oauth-authorization-server', cacheable: true },
    ] as const
    for (const request of requests) {
      const response = await server.inject({
        method: request.method,
        url: request.url,
        ...('payload' in request ? { payload: request.payload, headers: { 'content-type': FORM } } : {}),
      })
      const where = `${request.method} ${request.url}`
      assert.equal(response.headers['x-content-type-options'], 'nosniff', where)
      assert.equal(response.headers['referrer-policy'], 'no-referrer', where)
      assert.match(String(response.headers['content-security-policy']), /default-src 'none'/, where)
      assert.ok(response.headers['x-request-id'], where)
      if (request.cacheable) {
        assert.match(String(response.headers['cache-control']), /^public, max-age=\d+$/, where)
        assert.equal(response.headers['access-control-allow-origin'], '*', where)
      } else {
        assert.equal(response.headers['cache-control'], 'no-store', where)
        assert.equal(response.headers.pragma, 'no-cache', where)
      }
    }
  })

  test('both discovery paths serve the same document; the JWKS is a JWK Set of public keys', async () => {
    const server = app()
    const openid = await server.inject({ method: 'GET', url: '/.well-known/openid-configuration' })
    const oauth = await server.inject({ method: 'GET', url: '/.well-known/oauth-authorization-server' })
    assert.deepEqual(JSON.parse(openid.body), JSON.parse(oauth.body))
    assert.equal(JSON.parse(openid.body).issuer, ISSUER)
    const jwks = await server.inject({ method: 'GET', url: '/jwks.json' })
    assert.match(String(jwks.headers['content-type']), /^application\/jwk-set\+json/)
    const keys = JSON.parse(jwks.body).keys as Record<string, unknown>[]
    assert.ok(keys.length >= 1)
    for (const key of keys) assert.equal(key.d, undefined)
  })
})

describe('public documents: serialized once, revalidated with ETag', () => {
  test('the JWKS and both discovery paths carry a strong ETag; If-None-Match with it is a 304 with the same caching headers and no body; a key change changes the tag', async () => {
    const ctx = testContext()
    const server = buildApp(ctx, { core: recordingCore() })
    for (const url of ['/jwks.json', '/.well-known/openid-configuration', '/.well-known/oauth-authorization-server']) {
      const first = await server.inject({ method: 'GET', url })
      const etag = String(first.headers.etag)
      assert.match(etag, /^"[A-Za-z0-9_-]{27}"$/, url)
      const again = await server.inject({ method: 'GET', url })
      assert.equal(again.body, first.body, url)
      assert.equal(again.headers.etag, etag, url)
      for (const header of [etag, `W/${etag}`, `"other", ${etag}`, '*']) {
        const revalidated = await server.inject({ method: 'GET', url, headers: { 'if-none-match': header } })
        assert.equal(revalidated.statusCode, 304, `${url} ${header}`)
        assert.equal(revalidated.body, '')
        assert.equal(revalidated.headers.etag, etag)
        assert.equal(revalidated.headers['cache-control'], first.headers['cache-control'])
        assert.equal(revalidated.headers['access-control-allow-origin'], '*')
      }
      const changed = await server.inject({ method: 'GET', url, headers: { 'if-none-match': '"stale"' } })
      assert.deepEqual([changed.statusCode, changed.body], [200, first.body], url)
    }
    const before = await server.inject({ method: 'GET', url: '/jwks.json' })
    const fresh = await ctx.keys.rotateNow()
    const after = await server.inject({ method: 'GET', url: '/jwks.json' })
    assert.notEqual(after.headers.etag, before.headers.etag)
    assert.ok((JSON.parse(after.body).keys as { kid: string }[]).some((key) => key.kid === fresh.kid), 'the fresh key is published at once')
    assert.equal((await server.inject({ method: 'GET', url: '/jwks.json', headers: { 'if-none-match': String(before.headers.etag) } })).statusCode, 200)
  })
})

describe('probes', () => {
  test('/health answers while the process serves; /ready checks the store and the signing key', async () => {
    const server = app()
    const health = await server.inject({ method: 'GET', url: '/health' })
    assert.deepEqual([health.statusCode, JSON.parse(health.body)], [200, { status: 'ok' }])
    const ready = await server.inject({ method: 'GET', url: '/ready' })
    assert.deepEqual([ready.statusCode, JSON.parse(ready.body)], [200, { status: 'ready', store: 'sqlite', schemaVersion: 1 }])
  })

  test('/ready is 503 with Retry-After when the store is unavailable; /health stays 200', async () => {
    const store = stubStore({ health: () => Promise.reject(new StoreUnavailable('database is down')) })
    const server = app({ store })
    const ready = await server.inject({ method: 'GET', url: '/ready' })
    assert.equal(ready.statusCode, 503)
    assert.deepEqual(JSON.parse(ready.body), { status: 'unavailable' })
    assert.match(String(ready.headers['retry-after']), /^\d+$/)
    assert.equal((await server.inject({ method: 'GET', url: '/health' })).statusCode, 200)
  })

  test('/ready is 503 when the store does not answer at all (a dead connection): the check gives up rather than hold the probe', { timeout: 30_000 }, async () => {
    const store = stubStore({ health: () => new Promise(() => undefined) })
    const server = app({ store })
    const ready = await server.inject({ method: 'GET', url: '/ready' })
    assert.deepEqual([ready.statusCode, JSON.parse(ready.body)], [503, { status: 'unavailable' }])
    assert.match(String(ready.headers['retry-after']), /^\d+$/)
  })
})
