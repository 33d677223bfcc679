// Hostile and mistaken requests against a running service, over HTTP, on each store backend: every
// one gets the exact RFC error (RFC 6749 §5.2, RFC 7009, RFC 7662, RFC 8707), Cache-Control:
// no-store, and never a 500.
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { after, before, describe, test } from 'node:test'
import * as jose from 'jose'
import { startService } from '../src/service/service.js'
import { BACKENDS } from './backends.js'

const SECRET = 'negative-secret-0123456789-abcdef'
const OTHER_SECRET = 'other-secret-0123456789-abcdefgh'
const API = 'https://api.example/orders'
const FORM = 'application/x-www-form-urlencoded'

const basic = (id: string, secret: string) =>
  `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`

interface Answer {
  status: number
  headers: Headers
  body: Record<string, unknown>
}

for (const backend of BACKENDS) {
  describe(`negative requests (${backend.name})`, () => {
    let service: Awaited<ReturnType<typeof startService>>
    let drop: () => Promise<void> = async () => undefined
    let clientKey: jose.CryptoKey
    let strangerKey: jose.CryptoKey

    before(async () => {
      const created = await backend.create()
      drop = created.drop
      const pair = await jose.generateKeyPair('ES256')
      clientKey = pair.privateKey
      strangerKey = (await jose.generateKeyPair('ES256')).privateKey
      service = await startService({
        dev: true,
        dataDir: created.dataDir,
        store: created.store,
        listen: { host: '127.0.0.1', port: 0 },
        log: { level: 'silent' },
        clients: [
          { clientId: 'svc-a', clientSecret: SECRET, scopes: ['orders:read'], resources: [API] },
          { clientId: 'svc-b', clientSecret: OTHER_SECRET, scopes: ['orders:read'], resources: ['https://api.example/other'] },
          { clientId: "'; DROP TABLE clients; --", clientSecret: SECRET, scopes: ['orders:read'], resources: [API] },
          { clientId: 'klïent-客户-🔑', authMethod: 'client_secret_post', clientSecret: SECRET, scopes: ['orders:read'], resources: [API] },
          {
            clientId: 'svc-jwt',
            authMethod: 'private_key_jwt',
            jwks: { keys: [{ ...(await jose.exportJWK(pair.publicKey)), kid: 'k1', alg: 'ES256' }] },
            scopes: ['orders:read'],
            resources: [API],
          },
        ],
      })
    })

    after(async () => {
      await service?.close()
      await drop()
    })

    async function post(path: string, body: string | URLSearchParams, headers: Record<string, string> = {}): Promise<Answer> {
      const response = await fetch(`${service.issuer}${path}`, {
        method: 'POST',
        headers: { 'content-type': FORM, ...headers },
        body: typeof body === 'string' ? body : body.toString(),
      })
      const text = await response.text()
      assert.notEqual(response.status, 500, `500 from ${path}: ${text}`)
      assert.doesNotMatch(text, /\bat \S+ \(|node:internal|\.ts:\d+/, 'no stack trace in a response')
      let parsed: Record<string, unknown> = {}
      if (text) parsed = JSON.parse(text) as Record<string, unknown>
      return { status: response.status, headers: response.headers, body: parsed }
    }

    function assertError(answer: Answer, status: number, error: string): void {
      assert.deepEqual([answer.status, answer.body.error], [status, error], JSON.stringify(answer.body))
      assert.equal(typeof answer.body.error_description === 'string' || answer.body.error_description === undefined, true)
      assert.match(answer.headers.get('cache-control') ?? '', /no-store/)
    }

    const grant = (extra: Record<string, string> = {}) => new URLSearchParams({ grant_type: 'client_credentials', ...extra })

    async function tokenFor(id: string, secret: string, extra: Record<string, string> = {}): Promise<string> {
      const answer = await post('/token', grant(extra), { authorization: basic(id, secret) })
      assert.equal(answer.status, 200, JSON.stringify(answer.body))
      return answer.body.access_token as string
    }

    async function assertion(claims: Partial<jose.JWTPayload>, key = clientKey, alg = 'ES256'): Promise<string> {
      const now = Math.floor(Date.now() / 1000)
      return new jose.SignJWT({ iss: 'svc-jwt', sub: 'svc-jwt', aud: service.issuer, jti: randomUUID(), iat: now, exp: now + 60, ...claims })
        .setProtectedHeader({ alg, kid: 'k1' })
        .sign(key)
    }

    const withAssertion = (jwt: string, extra: Record<string, string> = {}) =>
      grant({ client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer', client_assertion: jwt, ...extra })

    test('a wrong secret and an unknown client: invalid_client 401 with a Basic challenge', async () => {
      for (const authorization of [basic('svc-a', 'wrong-secret-0123456789-abcdefgh'), basic('nobody', SECRET)]) {
        const answer = await post('/token', grant(), { authorization })
        assertError(answer, 401, 'invalid_client')
        assert.match(answer.headers.get('www-authenticate') ?? '', /^Basic /)
      }
    })

    test('client_secret_post with a wrong secret: invalid_client 401', async () => {
      const answer = await post('/token', grant({ client_id: 'klïent-客户-🔑', client_secret: 'nope-nope-nope-nope-nope' }))
      assertError(answer, 401, 'invalid_client')
    })

    test('SQL-shaped and Unicode client ids authenticate as themselves', async () => {
      assert.ok(await tokenFor("'; DROP TABLE clients; --", SECRET))
      const post_ = await post('/token', grant({ client_id: 'klïent-客户-🔑', client_secret: SECRET }))
      assert.equal(post_.status, 200, JSON.stringify(post_.body))
      assertError(await post('/token', grant(), { authorization: basic("' OR '1'='1", SECRET) }), 401, 'invalid_client')
    })

    test('private_key_jwt: a reused assertion, another key, a wrong audience, alg none: invalid_client', async () => {
      const once = await assertion({})
      assert.equal((await post('/token', withAssertion(once))).status, 200)
      assertError(await post('/token', withAssertion(once)), 401, 'invalid_client')
      assertError(await post('/token', withAssertion(await assertion({}, strangerKey))), 401, 'invalid_client')
      assertError(await post('/token', withAssertion(await assertion({ aud: `${service.issuer}/token` }))), 401, 'invalid_client')
      assertError(await post('/token', withAssertion(await assertion({ iss: 'svc-a', sub: 'svc-a' }))), 401, 'invalid_client')
      const none = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from(JSON.stringify({ iss: 'svc-jwt', sub: 'svc-jwt', aud: service.issuer, jti: randomUUID(), exp: Math.floor(Date.now() / 1000) + 60 })).toString('base64url')}.`
      assertError(await post('/token', withAssertion(none)), 401, 'invalid_client')
    })

    test('disallowed scope: invalid_scope; disallowed resource: invalid_target', async () => {
      assertError(await post('/token', grant({ scope: 'orders:read admin' }), { authorization: basic('svc-a', SECRET) }), 400, 'invalid_scope')
      assertError(await post('/token', grant({ resource: 'https://api.example/other' }), { authorization: basic('svc-a', SECRET) }), 400, 'invalid_target')
    })

    test('an unknown grant type: unsupported_grant_type; a missing one: invalid_request', async () => {
      assertError(await post('/token', new URLSearchParams({ grant_type: 'password' }), { authorization: basic('svc-a', SECRET) }), 400, 'unsupported_grant_type')
      assertError(await post('/token', '', { authorization: basic('svc-a', SECRET) }), 400, 'invalid_request')
    })

    test('duplicate parameters: invalid_request (RFC 6749 §3.2)', async () => {
      assertError(await post('/token', 'grant_type=client_credentials&grant_type=client_credentials', { authorization: basic('svc-a', SECRET) }), 400, 'invalid_request')
      assertError(await post('/token', 'grant_type=client_credentials&scope=a&scope=b', { authorization: basic('svc-a', SECRET) }), 400, 'invalid_request')
    })

    test('malformed and oversize bodies, wrong content type: a JSON error, never a 500', async () => {
      const malformed = await post('/token', 'grant_type=%E0%A4%A', { authorization: basic('svc-a', SECRET) })
      assertError(malformed, 400, 'invalid_request')
      const json = await post('/token', '{"grant_type":"client_credentials"}', { authorization: basic('svc-a', SECRET), 'content-type': 'application/json' })
      assert.ok(json.status === 400 || json.status === 415, String(json.status))
      assert.equal(json.body.error, 'invalid_request')
      const huge = await post('/token', `grant_type=client_credentials&scope=${'a'.repeat(2 * 1024 * 1024)}`, { authorization: basic('svc-a', SECRET) })
      assert.ok(huge.status === 413 || huge.status === 400, String(huge.status))
      assert.equal(huge.body.error, 'invalid_request')
    })

    test("revoking another client's token is refused and the token stays active", async () => {
      const token = await tokenFor('svc-a', SECRET)
      const answer = await post('/revoke', new URLSearchParams({ token }), { authorization: basic('svc-b', OTHER_SECRET) })
      assert.ok(answer.status === 400 || answer.status === 403, String(answer.status))
      assert.equal(typeof answer.body.error, 'string')
      const introspected = await post('/introspect', new URLSearchParams({ token }), { authorization: basic('svc-a', SECRET) })
      assert.equal(introspected.body.active, true)
    })

    test('introspection without client authentication: 401 invalid_client', async () => {
      const token = await tokenFor('svc-a', SECRET)
      assertError(await post('/introspect', new URLSearchParams({ token })), 401, 'invalid_client')
    })

    test("introspection by a client that neither got the token nor is its audience learns nothing", async () => {
      const token = await tokenFor('svc-a', SECRET)
      const answer = await post('/introspect', new URLSearchParams({ token }), { authorization: basic('svc-b', OTHER_SECRET) })
      assert.deepEqual([answer.status, answer.body], [200, { active: false }])
    })

    test('unknown and garbage tokens: revocation 200, introspection inactive', async () => {
      for (const token of ['garbage', 'a.b.c', `${'x'.repeat(5000)}`]) {
        assert.equal((await post('/revoke', new URLSearchParams({ token }), { authorization: basic('svc-a', SECRET) })).status, 200)
        const answer = await post('/introspect', new URLSearchParams({ token }), { authorization: basic('svc-a', SECRET) })
        assert.deepEqual([answer.status, answer.body], [200, { active: false }])
      }
    })
  })
}
