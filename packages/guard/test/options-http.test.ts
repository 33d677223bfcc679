// Options that change what the adapters write, over HTTP on every adapter: problem+json bodies,
// detailed descriptions, query tokens (success responses marked Cache-Control: private, RFC 6750
// §2.3), optional authentication, a custom realm, and the onError hook.
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import type { GuardError } from 'jotjwt-guard'
import { ADAPTERS, startApp, type RunningApp } from './helpers/apps.js'
import { bearer, send } from './helpers/http.js'
import { AUDIENCE, CLIENT_ID, startIssuer, type TestIssuer } from './helpers/issuer.js'

for (const adapter of ADAPTERS) {
  describe(`options over HTTP: ${adapter}`, () => {
    let issuer: TestIssuer
    let app: RunningApp
    const refusals: GuardError[] = []
    before(async () => {
      issuer = await startIssuer()
      app = await startApp(adapter, {
        issuer: issuer.issuer,
        jwksUri: issuer.jwksUri,
        allowHttp: true,
        audience: AUDIENCE,
        algorithms: ['ES256'],
        profile: 'rfc9068',
        realm: 'orders "v2"',
        errorVerbosity: 'detailed',
        problemDetails: true,
        authRequired: false,
        requiredClaims: ['scope'],
        tokenLocations: { header: true, query: true },
        onError: (error) => void refusals.push(error),
      })
    })
    after(async () => {
      await app?.close()
      await issuer?.close()
    })

    test('a refusal: detailed description, escaped realm, problem+json body, onError called', async () => {
      const response = await send(`${app.url}/orders`, { headers: bearer(await issuer.mint({}, { audience: 'https://other.example' })) })
      assert.equal(response.status, 401)
      assert.equal(response.headers['www-authenticate'], 'Bearer realm="orders \\"v2\\"", error="invalid_token", error_description="unexpected \'aud\'"')
      assert.equal(response.headers['content-type'], 'application/problem+json')
      assert.deepEqual(JSON.parse(response.body), { type: 'about:blank', title: 'Unauthorized', status: 401, detail: 'unexpected "aud"', error: 'invalid_token' })
      assert.equal(refusals.at(-1)?.error, 'invalid_token')
    })

    test('requiredClaims: a token without the claim is refused', async () => {
      const response = await send(`${app.url}/orders`, { headers: bearer(await issuer.mint({ scope: undefined })) })
      assert.equal(response.status, 401)
      assert.match(String(response.headers['www-authenticate']), /error_description="'scope' is missing"/)
    })

    test('a query token is accepted and the success response is Cache-Control: private', async () => {
      const response = await send(`${app.url}/orders?access_token=${await issuer.mint()}`)
      assert.equal(response.status, 200)
      assert.deepEqual(JSON.parse(response.body), { client: CLIENT_ID })
      assert.equal(response.headers['cache-control'], 'private')
    })

    test('authRequired false: no token reaches the handler without auth; the scope rule then answers 401', async () => {
      const open = await send(`${app.url}/orders`)
      assert.equal(open.status, 200)
      assert.deepEqual(JSON.parse(open.body), { client: null })
      const ruled = await send(`${app.url}/orders/write`)
      assert.equal(ruled.status, 401)
      assert.equal(ruled.headers['www-authenticate'], 'Bearer realm="orders \\"v2\\""')
    })
  })
}
