// The forward-auth endpoint over real HTTP, in front of a real JWKS server on 127.0.0.1 whose
// requests are counted at the server: rules, RFC 6750 challenges byte for byte, key rotation,
// unknown-kid floods, JWKS outages, and the classic forged tokens.
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { after, before, describe, test } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { base64url, decodeJWTUnverified } from 'jotjwt'
import type { RunningGateway } from 'jotjwt-gateway'
import { AUDIENCE, CLIENT_ID, publicKeyAsSecretToken, startIssuer, unsecuredToken, type TestIssuer } from '../../guard/test/helpers/issuer.js'
import { ask, bearer, send, start } from './helpers/gateway.js'

function providers(issuer: TestIssuer, remote: Record<string, unknown> = {}) {
  return {
    orders: {
      issuer: issuer.issuer,
      jwks: { remote: { url: issuer.jwksUri, ...remote } },
      allowHttp: true,
      audiences: [AUDIENCE],
      algorithms: ['ES256'],
      profile: 'rfc9068',
      claimsToHeaders: [
        { claim: 'sub', header: 'X-Sub' },
        { claim: ['org', 'id'], header: 'x-org-id' },
        { claim: 'roles', header: 'x-roles' },
      ],
      payloadHeader: 'x-jwt-payload',
    },
  }
}

const RULES = [
  { match: { pathPrefix: '/health' }, requires: 'none' },
  { match: { pathPrefix: '/public' }, requires: { allowMissing: ['orders'] } },
  { match: { pathPrefix: '/orders', methods: ['GET'] }, requires: { provider: 'orders' }, authorize: { scopes: { all: ['orders:read'] } }, bypassCorsPreflight: true },
  { match: { pathPrefix: '/orders', methods: ['POST'] }, requires: { provider: 'orders' }, authorize: { scopes: { all: ['orders:write'] } } },
  { match: { pathPrefix: '/admin' }, requires: { provider: 'orders' }, authorize: { claims: [{ path: '/org/id', op: 'prefix', value: 'acme-' }, { path: 'roles', op: 'contains', value: 'admin' }] } },
]

describe('forward-auth decisions', () => {
  let issuer: TestIssuer
  let gateway: RunningGateway
  before(async () => {
    issuer = await startIssuer()
    gateway = await start({ trustedProxies: ['127.0.0.1', '::1'], providers: providers(issuer), rules: RULES })
  })
  after(async () => {
    await gateway?.close()
    await issuer?.close()
  })

  test('a valid token: 200 with its claims as headers (nested paths, arrays joined, the payload)', async () => {
    const token = await issuer.mint({ org: { id: 'acme-1' }, roles: ['admin', 'ops'] })
    const response = await ask(gateway, 'GET', '/orders/7', bearer(token))
    assert.equal(response.status, 200)
    assert.equal(response.headers['x-sub'], CLIENT_ID)
    assert.equal(response.headers['x-org-id'], 'acme-1')
    assert.equal(response.headers['x-roles'], 'admin,ops')
    const payload = JSON.parse(new TextDecoder().decode(base64url.decode(String(response.headers['x-jwt-payload']))))
    assert.deepEqual(payload, decodeJWTUnverified(token).payload)
  })

  test('exact WWW-Authenticate strings (RFC 6750 §3, §3.1)', async () => {
    const cases: Array<[string, Record<string, string | string[]>, number, string]> = [
      ['missing', {}, 401, 'Bearer realm="api"'],
      ['expired', bearer(await issuer.mint({}, { expiresIn: -600 })), 401, 'Bearer realm="api", error="invalid_token", error_description="the access token expired"'],
      ['wrong aud', bearer(await issuer.mint({}, { audience: 'https://other.example' })), 401, 'Bearer realm="api", error="invalid_token", error_description="the access token is invalid"'],
      ['two tokens', { authorization: [`Bearer ${await issuer.mint()}`, `Bearer ${await issuer.mint()}`] }, 400, 'Bearer realm="api", error="invalid_request", error_description="the request carries more than one access token"'],
      ['scope', bearer(await issuer.mint()), 403, 'Bearer realm="api", error="insufficient_scope", error_description="the access token lacks a required scope", scope="orders:write"'],
    ]
    for (const [name, headers, status, challenge] of cases) {
      const response = await ask(gateway, name === 'scope' ? 'POST' : 'GET', '/orders', headers)
      assert.equal(response.status, status, name)
      assert.equal(response.headers['www-authenticate'], challenge, name)
    }
  })

  test('claim conditions: prefix and contains on nested paths, 403 when they fail', async () => {
    assert.equal((await ask(gateway, 'GET', '/admin', bearer(await issuer.mint({ org: { id: 'acme-2' }, roles: ['admin'] })))).status, 200)
    const refused = await ask(gateway, 'GET', '/admin', bearer(await issuer.mint({ org: { id: 'evil-acme-2' }, roles: ['admin'] })))
    assert.equal(refused.status, 403)
    assert.equal(refused.headers['www-authenticate'], 'Bearer realm="api", error="insufficient_scope", error_description="the access token does not grant access to this resource"')
  })

  test('ID token as access token, alg none and HS256 signed with the public key are refused', async () => {
    for (const token of [await issuer.mint({}, { typ: 'JWT' }), unsecuredToken(issuer.issuer), await publicKeyAsSecretToken(issuer)]) {
      const response = await ask(gateway, 'GET', '/orders', bearer(token))
      assert.equal(response.status, 401)
      assert.match(String(response.headers['www-authenticate']), /^Bearer realm="api", error="invalid_token"/)
    }
  })

  test('typ per provider: only tokens of that type pass (RFC 8725 §3.11)', async () => {
    const orders = { ...providers(issuer).orders, profile: 'jwt', typ: 'JWT' }
    const typed = await start({ trustedProxies: ['127.0.0.1'], providers: { orders }, rules: [{ requires: { provider: 'orders' } }] })
    try {
      assert.equal((await ask(typed, 'GET', '/x', bearer(await issuer.mint({}, { typ: 'JWT' })))).status, 200)
      assert.equal((await ask(typed, 'GET', '/x', bearer(await issuer.mint()))).status, 401, 'an at+jwt token is not of type JWT')
    } finally {
      await typed.close()
    }
  })

  test('rules: none passes, allowMissing passes without a token but refuses a bad one, no match denies', async () => {
    assert.equal((await ask(gateway, 'GET', '/health')).status, 200)
    const open = await ask(gateway, 'GET', '/public/x')
    assert.equal(open.status, 200)
    // Every managed header is named, empty: a proxy copying them overwrites a client's copy.
    assert.deepEqual([open.headers['x-sub'], open.headers['x-org-id'], open.headers['x-roles'], open.headers['x-jwt-payload']], ['', '', '', ''])
    assert.equal((await ask(gateway, 'GET', '/public/x', bearer(unsecuredToken(issuer.issuer)))).status, 401)
    const unmatched = await ask(gateway, 'DELETE', '/orders', bearer(await issuer.mint()))
    assert.equal(unmatched.status, 403)
    assert.equal(unmatched.headers['www-authenticate'], undefined)
  })

  test('CORS preflight passes without a token only where the rule allows it', async () => {
    const preflight = { origin: 'https://app.example', 'access-control-request-method': 'GET' }
    assert.equal((await ask(gateway, 'OPTIONS', '/orders', preflight)).status, 403, 'no OPTIONS rule for /orders: the GET rule does not match')
    const rulesWithOptions = [{ ...RULES[2], match: { pathPrefix: '/orders', methods: ['GET', 'OPTIONS'] } }]
    const corsGateway = await start({ providers: providers(issuer), rules: rulesWithOptions, trustedProxies: ['127.0.0.1'] })
    try {
      assert.equal((await ask(corsGateway, 'OPTIONS', '/orders', preflight)).status, 200)
      assert.equal((await ask(corsGateway, 'OPTIONS', '/orders')).status, 401, 'OPTIONS without CORS headers is no preflight')
    } finally {
      await corsGateway.close()
    }
  })

  test('forwarded method and URI are believed only from a trusted proxy', async () => {
    const untrusting = await start({ providers: providers(issuer), rules: RULES })
    try {
      // The request itself is GET /orders: a client naming /health in X-Original-URI gains nothing.
      const direct = await send(`${untrusting.url}/orders`, { headers: { 'x-original-uri': '/health', 'x-forwarded-uri': '/health' } })
      assert.equal(direct.status, 401)
      assert.equal((await send(`${gateway.url}/orders`, { headers: { 'x-forwarded-uri': '/health' } })).status, 200)
    } finally {
      await untrusting.close()
    }
  })
})

describe('the token picks its providers by iss, wherever it is (header, query, cookie)', () => {
  let first: TestIssuer
  let second: TestIssuer
  let gateway: RunningGateway
  before(async () => {
    first = await startIssuer()
    second = await startIssuer()
    const provider = (issuer: TestIssuer) => ({
      issuer: issuer.issuer,
      jwks: { remote: { url: issuer.jwksUri } },
      allowHttp: true,
      audiences: [AUDIENCE],
      algorithms: ['ES256'],
      tokenSource: { header: true, query: true, cookie: 'at' },
      claimsToHeaders: [{ claim: 'iss', header: 'x-iss' }],
    })
    gateway = await start({ trustedProxies: ['127.0.0.1'], providers: { a: provider(first), b: provider(second) }, rules: [{ requires: { any: ['a', 'b'] } }] })
  })
  after(async () => {
    await gateway?.close()
    await first?.close()
    await second?.close()
  })

  test("the second issuer's token in the query or a cookie is verified by its provider only: the first one's JWKS is never fetched", async () => {
    for (const [where, headers, uri] of [
      ['query', {}, `/x?access_token=${await second.mint()}`],
      ['cookie', { cookie: `theme=dark; at=${await second.mint()}` }, '/x'],
      ['header', bearer(await second.mint()), '/x'],
    ] as const) {
      const answer = await ask(gateway, 'GET', uri, headers)
      assert.equal(answer.status, 200, where)
      assert.equal(answer.headers['x-iss'], second.issuer, where)
    }
    assert.equal(first.jwksRequests(), 0)
    assert.equal(second.jwksRequests(), 1)
  })

  test('a token whose iss names no provider, or none at all, is refused without any key lookup', async () => {
    const stranger = await startIssuer()
    try {
      const before = [first.jwksRequests(), second.jwksRequests()]
      const encode = (value: unknown) => base64url.encode(new TextEncoder().encode(JSON.stringify(value)))
      const withoutIss = `${encode({ alg: 'ES256', kid: 'k' })}.${encode({ sub: 'u', aud: AUDIENCE, exp: Math.floor(Date.now() / 1000) + 60 })}.c2ln`
      for (const token of [await stranger.mint(), withoutIss]) {
        const answer = await ask(gateway, 'GET', `/x?access_token=${token}`)
        assert.equal(answer.status, 401)
        assert.equal(answer.headers['www-authenticate'], 'Bearer realm="api", error="invalid_token", error_description="the access token is invalid"')
      }
      assert.deepEqual([first.jwksRequests(), second.jwksRequests()], before)
    } finally {
      await stranger.close()
    }
  })
})

/** A token whose header names `kid` (its signature no longer matches: the key lookup comes first). */
function withKid(token: string, kid: string): string {
  const [header, ...rest] = token.split('.')
  const decoded = JSON.parse(new TextDecoder().decode(base64url.decode(header!))) as Record<string, unknown>
  return [base64url.encode(new TextEncoder().encode(JSON.stringify({ ...decoded, kid }))), ...rest].join('.')
}

describe('keys over time, counted at the JWKS server', () => {
  test('a rotated key verifies on its first request; 1,000 random kids cost at most one fetch per cooldown', async () => {
    const issuer = await startIssuer()
    const gateway = await start({ trustedProxies: ['127.0.0.1'], providers: providers(issuer, { cooldown: 1 }), rules: RULES })
    try {
      assert.equal((await ask(gateway, 'GET', '/orders', bearer(await issuer.mint()))).status, 200)
      await sleep(1100)
      const next = await issuer.unpublished()
      next.publish()
      const before = issuer.jwksRequests()
      assert.equal((await ask(gateway, 'GET', '/orders', bearer(await next.sign()))).status, 200)
      assert.equal(issuer.jwksRequests() - before, 1)

      const token = await issuer.mint()
      const flood = issuer.jwksRequests()
      const started = Date.now()
      const answers = await Promise.all(Array.from({ length: 1000 }, () => ask(gateway, 'GET', '/orders', bearer(withKid(token, randomUUID())))))
      const windows = Math.ceil((Date.now() - started) / 1000) + 1
      assert.ok(answers.every((answer) => answer.status === 401))
      const fetches = issuer.jwksRequests() - flood
      assert.ok(fetches <= windows, `${fetches} fetches in ${windows} cooldown windows`)
    } finally {
      await gateway.close()
      await issuer.close()
    }
  })

  test('JWKS down: cached keys keep verifying, then 401 invalid_token, never 5xx', async () => {
    const issuer = await startIssuer({ cacheSeconds: 0 })
    const remote = { minCacheAge: 0.2, cooldown: 0.1, refreshAhead: 0.05, timeout: 1, maxStale: 1 }
    const gateway = await start({ trustedProxies: ['127.0.0.1'], providers: providers(issuer, remote), rules: RULES })
    try {
      const token = await issuer.mint()
      assert.equal((await ask(gateway, 'GET', '/orders', bearer(token))).status, 200)
      issuer.setDown(true)
      await sleep(400)
      assert.equal((await ask(gateway, 'GET', '/orders', bearer(token))).status, 200, 'stale keys verify')
      await sleep(1200)
      const refused = await ask(gateway, 'GET', '/orders', bearer(token))
      assert.equal(refused.status, 401, 'beyond maxStale')
      assert.equal(refused.headers['www-authenticate'], 'Bearer realm="api", error="invalid_token", error_description="the access token could not be verified"')
    } finally {
      await gateway.close()
      await issuer.close()
    }
  })
})
