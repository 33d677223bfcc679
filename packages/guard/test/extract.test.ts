// Token extraction (RFC 6750 §2): one location only, disabled locations ignored, malformed input refused.
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { InvalidRequestError } from '../src/errors/errors.js'
import { plainRequestReader, type GuardRequest } from '../src/core/request.js'
import { compileLocations, extractToken, tokenFromAuthorization } from '../src/token/extract.js'

const TOKEN = 'eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln'
const request = (overrides: Partial<GuardRequest>): GuardRequest => ({ method: 'GET', url: '/r', headers: {}, ...overrides })
const extract = (req: GuardRequest, locations = {}) => extractToken(req, plainRequestReader, compileLocations(locations))

describe('Authorization header (RFC 6750 §2.1)', () => {
  test('the scheme is case-insensitive; one or more spaces', () => {
    assert.deepEqual(tokenFromAuthorization(`Bearer ${TOKEN}`), { token: TOKEN, scheme: 'Bearer' })
    assert.deepEqual(tokenFromAuthorization(`bEaReR ${TOKEN}`), { token: TOKEN, scheme: 'Bearer' })
    assert.deepEqual(tokenFromAuthorization(`Bearer   ${TOKEN}`), { token: TOKEN, scheme: 'Bearer' })
  })
  test('another scheme is no bearer credentials at all', () => {
    assert.equal(tokenFromAuthorization('Basic dXNlcjpwYXNz'), undefined)
    assert.equal(tokenFromAuthorization(`DPoP ${TOKEN}`), undefined, 'DPoP only when enabled')
    assert.deepEqual(tokenFromAuthorization(`dpop ${TOKEN}`, true), { token: TOKEN, scheme: 'DPoP' })
    assert.equal(tokenFromAuthorization(`Bearerx ${TOKEN}`), undefined)
  })
  test('a Bearer header without a b64token is invalid_request', () => {
    for (const value of ['Bearer', 'Bearer ', 'Bearer a b', 'Bearer tok"en', `Bearer ${TOKEN}=x`]) {
      assert.ok(tokenFromAuthorization(value) instanceof InvalidRequestError, value)
    }
  })
  test('two credentials in one header (joined duplicates) or a repeated header are invalid_request', () => {
    assert.ok(tokenFromAuthorization(`Bearer ${TOKEN}, Bearer ${TOKEN}`) instanceof InvalidRequestError)
    assert.ok(tokenFromAuthorization([`Bearer ${TOKEN}`, `Bearer ${TOKEN}`]) instanceof InvalidRequestError)
    assert.deepEqual(tokenFromAuthorization([`Bearer ${TOKEN}`]), { token: TOKEN, scheme: 'Bearer' })
  })
})

describe('other locations', () => {
  test('disabled locations are not read', () => {
    const req = request({ url: `/r?access_token=${TOKEN}`, headers: { cookie: `at=${TOKEN}` } })
    assert.equal(extract(req), undefined)
  })
  test('query (RFC 6750 §2.3) when enabled; twice is invalid_request', () => {
    assert.deepEqual(extract(request({ url: `/r?x=1&access_token=${TOKEN}#frag` }), { query: true }), { token: TOKEN, location: 'query', scheme: 'Bearer' })
    assert.ok(extract(request({ url: `/r?access_token=${TOKEN}&access_token=${TOKEN}` }), { query: true }) instanceof InvalidRequestError)
  })
  test('cookie when enabled, quoted values unwrapped; a repeated cookie is invalid_request', () => {
    assert.deepEqual(extract(request({ headers: { cookie: `a=1; at="${TOKEN}"` } }), { cookie: 'at' }), { token: TOKEN, location: 'cookie', scheme: 'Bearer' })
    assert.ok(extract(request({ headers: { cookie: `at=${TOKEN}; at=${TOKEN}` } }), { cookie: 'at' }) instanceof InvalidRequestError)
  })
  test('form body (RFC 6750 §2.2) only for a form content type and a method with a body', () => {
    const form = { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' }
    assert.deepEqual(extract(request({ method: 'POST', headers: form, body: { access_token: TOKEN } }), { body: true }), { token: TOKEN, location: 'body', scheme: 'Bearer' })
    assert.equal(extract(request({ method: 'GET', headers: form, body: { access_token: TOKEN } }), { body: true }), undefined)
    assert.equal(extract(request({ method: 'POST', headers: { 'content-type': 'application/json' }, body: { access_token: TOKEN } }), { body: true }), undefined)
    assert.ok(extract(request({ method: 'POST', headers: form, body: { access_token: [TOKEN, TOKEN] } }), { body: true }) instanceof InvalidRequestError)
    assert.ok(extract(request({ method: 'POST', headers: form, body: { access_token: 'a b' } }), { body: true }) instanceof InvalidRequestError)
  })
  test('a token in two enabled locations is invalid_request, even the same token', () => {
    const result = extract(request({ url: `/r?access_token=${TOKEN}`, headers: { authorization: `Bearer ${TOKEN}` } }), { query: true })
    assert.ok(result instanceof InvalidRequestError)
    assert.equal(result.detail, 'access tokens found in header and query')
  })
  test('a configuration enabling nothing, or an invalid cookie name, is refused', () => {
    assert.throws(() => compileLocations({ header: false }), /enables no location/)
    assert.throws(() => compileLocations({ cookie: 'a b' }), /cookie name/)
  })
})
