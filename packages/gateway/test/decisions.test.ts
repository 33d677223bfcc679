// The decision engine without HTTP: every requirement kind, host matching, and each claim operator.
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { createGateway, validateConfig, type Gateway } from 'jotjwt-gateway'
import { AUDIENCE, startIssuer, unsecuredToken, type TestIssuer } from '../../guard/test/helpers/issuer.js'

describe('decide()', () => {
  let issuer: TestIssuer
  let gateway: Gateway
  const claim = (op: string, path: string, value: unknown) => ({ requires: { provider: 'p' }, authorize: { claims: [{ path, op, value }] } })
  before(async () => {
    issuer = await startIssuer()
    const p = { issuer: issuer.issuer, jwks: { remote: { url: issuer.jwksUri } }, allowHttp: true, audiences: [AUDIENCE], algorithms: ['ES256'], claimsToHeaders: [{ claim: 'email', header: 'x-email' }] }
    gateway = createGateway(
      validateConfig({
        providers: { p, q: { ...p, audiences: ['https://elsewhere.example'] } },
        rules: [
          { match: { hosts: ['admin.example'] }, requires: { all: ['p', 'q'] } },
          { match: { pathPrefix: '/failed-ok' }, requires: { allowMissingOrFailed: ['p'] } },
          { match: { pathPrefix: '/any' }, requires: { any: ['q', 'p'] } },
          { match: { pathPrefix: '/suffix' }, ...claim('suffix', 'email', '@solo.io') },
          { match: { pathPrefix: '/regex' }, ...claim('regex', 'email', '[a-z]+@solo\\.io') },
          { match: { pathPrefix: '/equals' }, ...claim('equals', '/org/tier', 'gold') },
          { match: { pathPrefix: '/in' }, ...claim('in', '/org/tier', ['gold', 'silver']) },
        ],
      }),
    )
  })
  after(() => issuer?.close())

  const decide = async (uri: string, token?: string, host = 'api.example') =>
    gateway.decide({ method: 'GET', host, uri, headers: token ? { authorization: `Bearer ${token}` } : {} })

  test('all: every provider must accept the token (here q refuses its audience)', async () => {
    assert.equal((await decide('/x', await issuer.mint(), 'Admin.Example:443')).status, 401)
    assert.equal((await decide('/x', await issuer.mint({}, { audience: [AUDIENCE, 'https://elsewhere.example'] }), 'admin.example')).status, 200)
  })

  test('allowMissingOrFailed: a bad token passes too, without claim headers', async () => {
    const decision = await decide('/failed-ok', unsecuredToken(issuer.issuer))
    assert.equal(decision.status, 200)
    assert.equal(decision.headers['x-email'], '')
    assert.equal((await decide('/failed-ok', await issuer.mint({ email: 'a@b.example' }))).headers['x-email'], 'a@b.example')
  })

  test('any: one accepting provider is enough', async () => {
    assert.equal((await decide('/any', await issuer.mint())).status, 200)
  })

  test('claim operators: suffix, anchored regex, equals, in', async () => {
    const cases: Array<[string, Record<string, unknown>, number]> = [
      ['/suffix', { email: 'ann@solo.io' }, 200],
      ['/suffix', { email: 'ann@solo.io.evil.example' }, 403],
      ['/regex', { email: 'ann@solo.io' }, 200],
      ['/regex', { email: 'x ann@solo.io' }, 403],
      ['/equals', { org: { tier: 'gold' } }, 200],
      ['/equals', { org: { tier: 'Gold' } }, 403],
      ['/in', { org: { tier: 'silver' } }, 200],
      ['/in', { org: { tier: ['gold'] } }, 403],
    ]
    for (const [uri, claims, status] of cases) assert.equal((await decide(uri, await issuer.mint(claims))).status, status, `${uri} ${JSON.stringify(claims)}`)
  })

  test('maxLifetime per provider: tokens minted to live longer (exp − iat) are refused', async () => {
    const p = { issuer: issuer.issuer, jwks: { remote: { url: issuer.jwksUri } }, allowHttp: true, audiences: [AUDIENCE], algorithms: ['ES256'] }
    const bounded = createGateway(
      validateConfig({
        errorVerbosity: 'detailed',
        providers: { short: { ...p, maxLifetime: 299 }, exact: { ...p, maxLifetime: 300 } },
        rules: [
          { match: { pathPrefix: '/short' }, requires: { provider: 'short' } },
          { match: { pathPrefix: '/exact' }, requires: { provider: 'exact' } },
        ],
      }),
    )
    const token = await issuer.mint() // 300 s between iat and exp
    const ask = (uri: string) => bounded.decide({ method: 'GET', host: 'api.example', uri, headers: { authorization: `Bearer ${token}` } })
    const refused = await ask('/short')
    assert.equal(refused.status, 401)
    assert.equal(refused.headers['www-authenticate'], `Bearer realm="api", error="invalid_token", error_description="token lifetime ('exp' - 'iat') exceeds maxLifetime"`)
    assert.equal((await ask('/exact')).status, 200)
  })

  test('one cache for every provider: a token cached for one is not accepted by another with other audiences', async () => {
    const p = { issuer: issuer.issuer, jwks: { remote: { url: issuer.jwksUri } }, allowHttp: true, audiences: [AUDIENCE], algorithms: ['ES256'] }
    const cached = createGateway(
      validateConfig({
        cache: { maxEntries: 100, maxBytes: 1_000_000, ttl: 60 },
        providers: { p, q: { ...p, audiences: ['https://elsewhere.example'] } },
        rules: [
          { match: { pathPrefix: '/p' }, requires: { provider: 'p' } },
          { match: { pathPrefix: '/q' }, requires: { provider: 'q' } },
        ],
      }),
    )
    const token = await issuer.mint()
    const ask = (uri: string) => cached.decide({ method: 'GET', host: 'api.example', uri, headers: { authorization: `Bearer ${token}` } })
    assert.equal((await ask('/p')).status, 200)
    assert.equal(cached.cache?.entries, 1)
    assert.equal((await ask('/q')).status, 401)
    assert.equal((await ask('/p')).status, 200)
    assert.equal(cached.cache?.entries, 1, 'the refusal was not cached')
  })
})
