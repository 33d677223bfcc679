// The behaviour table: every case sent over real HTTP to the same API on each adapter (Express 5,
// Express 4, Fastify, Hono), asserting the status and the exact WWW-Authenticate header.
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import type { GuardOptions } from 'jotjwt-guard'
import { ADAPTERS, startApp, type RunningApp } from './helpers/apps.js'
import { bearer, send, type RawResponse } from './helpers/http.js'
import { AUDIENCE, CLIENT_ID, publicKeyAsSecretToken, startIssuer, unsecuredToken, type TestIssuer } from './helpers/issuer.js'

const INVALID = 'Bearer realm="api", error="invalid_token", error_description="the access token is invalid"'
const SEVERAL = 'Bearer realm="api", error="invalid_request", error_description="the request carries more than one access token"'

interface Row {
  name: string
  request: (issuer: TestIssuer, url: string) => Promise<RawResponse>
  status: number
  challenge: string | undefined
}

const ROWS: Row[] = [
  { name: 'valid token', request: async (i, url) => send(`${url}/orders`, { headers: bearer(await i.mint()) }), status: 200, challenge: undefined },
  { name: 'no token', request: async (_i, url) => send(`${url}/orders`), status: 401, challenge: 'Bearer realm="api"' },
  {
    name: 'expired',
    request: async (i, url) => send(`${url}/orders`, { headers: bearer(await i.mint({}, { expiresIn: -120 })) }),
    status: 401,
    challenge: 'Bearer realm="api", error="invalid_token", error_description="the access token expired"',
  },
  {
    name: 'not yet valid',
    request: async (i, url) => send(`${url}/orders`, { headers: bearer(await i.mint({}, { notBeforeIn: 600, expiresIn: 900 })) }),
    status: 401,
    challenge: 'Bearer realm="api", error="invalid_token", error_description="the access token is not valid yet"',
  },
  { name: 'wrong iss', request: async (i, url) => send(`${url}/orders`, { headers: bearer(await i.mint({}, { issuer: 'https://evil.example' })) }), status: 401, challenge: INVALID },
  { name: 'wrong aud', request: async (i, url) => send(`${url}/orders`, { headers: bearer(await i.mint({}, { audience: 'https://api.example/billing' })) }), status: 401, challenge: INVALID },
  { name: 'wrong typ (JWT)', request: async (i, url) => send(`${url}/orders`, { headers: bearer(await i.mint({}, { typ: 'JWT' })) }), status: 401, challenge: INVALID },
  { name: 'alg none', request: async (i, url) => send(`${url}/orders`, { headers: bearer(unsecuredToken(i.issuer)) }), status: 401, challenge: INVALID },
  { name: 'HS256 signed with the public key', request: async (i, url) => send(`${url}/orders`, { headers: bearer(await publicKeyAsSecretToken(i)) }), status: 401, challenge: INVALID },
  {
    name: 'ID token presented as an access token',
    // An OpenID Connect ID token from the same issuer and keys: typ JWT, aud = the client, no client_id or scope.
    request: async (i, url) =>
      send(`${url}/orders`, { headers: bearer(await i.mint({ nonce: 'n-1', client_id: undefined, scope: undefined }, { typ: 'JWT', audience: CLIENT_ID })) }),
    status: 401,
    challenge: INVALID,
  },
  {
    name: 'several tokens: the Authorization header twice',
    request: async (i, url) => send(`${url}/orders`, { headers: { authorization: [`Bearer ${await i.mint()}`, `Bearer ${await i.mint()}`] } }),
    status: 400,
    challenge: SEVERAL,
  },
  {
    name: 'several tokens: header and cookie',
    request: async (i, url) => send(`${url}/orders`, { headers: { ...bearer(await i.mint()), cookie: `access_token=${await i.mint()}` } }),
    status: 400,
    challenge: SEVERAL,
  },
  {
    name: 'several tokens: header and form body',
    request: async (i, url) =>
      send(`${url}/orders`, {
        method: 'POST',
        headers: { ...bearer(await i.mint()), 'content-type': 'application/x-www-form-urlencoded' },
        body: `access_token=${await i.mint()}`,
      }),
    status: 400,
    challenge: SEVERAL,
  },
  { name: 'token in the query when not enabled', request: async (i, url) => send(`${url}/orders?access_token=${await i.mint()}`), status: 401, challenge: 'Bearer realm="api"' },
  {
    name: 'malformed Authorization header',
    request: async (_i, url) => send(`${url}/orders`, { headers: { authorization: 'Bearer not a token' } }),
    status: 400,
    challenge: 'Bearer realm="api", error="invalid_request", error_description="the Authorization header is malformed"',
  },
  {
    name: 'scope missing',
    request: async (i, url) => send(`${url}/orders/write`, { headers: bearer(await i.mint({ scope: 'orders:read' })) }),
    status: 403,
    challenge: 'Bearer realm="api", error="insufficient_scope", error_description="the access token lacks a required scope", scope="orders:write"',
  },
  { name: 'scope present', request: async (i, url) => send(`${url}/orders/write`, { headers: bearer(await i.mint({ scope: 'orders:read orders:write' })) }), status: 200, challenge: undefined },
  {
    name: 'unknown kid, then rotated in',
    request: async (i, url) => {
      // The guard has the current key cached (the rows above); the issuer now publishes a new one and signs with it.
      const before = await send(`${url}/orders`, { headers: bearer(await i.mint()) })
      assert.equal(before.status, 200)
      await i.rotate()
      return send(`${url}/orders`, { headers: bearer(await i.mint()) })
    },
    status: 200,
    challenge: undefined,
  },
  { name: 'form body token (enabled)', request: async (i, url) => send(`${url}/orders`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `access_token=${await i.mint()}` }), status: 200, challenge: undefined },
]

for (const adapter of ADAPTERS) {
  describe(`behaviour over HTTP: ${adapter}`, () => {
    let issuer: TestIssuer
    let app: RunningApp
    before(async () => {
      issuer = await startIssuer()
      const options: GuardOptions = {
        issuer: issuer.issuer,
        jwksUri: issuer.jwksUri,
        allowHttp: true,
        audience: AUDIENCE,
        algorithms: ['ES256'],
        profile: 'rfc9068',
        tokenLocations: { header: true, body: true, cookie: 'access_token' },
        // The rotation row must not wait for the default 30 s cooldown after the first fetch.
        keySet: { cooldown: 0, minCacheAge: 1, refreshAhead: 0.5 },
      }
      app = await startApp(adapter, options)
    })
    after(async () => {
      await app?.close()
      await issuer?.close()
    })
    for (const row of ROWS) {
      test(`${row.name} → ${row.status}`, async () => {
        const response = await row.request(issuer, app.url)
        assert.equal(response.status, row.status, response.body)
        assert.equal(response.headers['www-authenticate'], row.challenge)
        if (row.status === 200) assert.deepEqual(JSON.parse(response.body), { client: CLIENT_ID })
      })
    }
  })
}
