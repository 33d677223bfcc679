// Protected resource metadata (RFC 9728): the document a guard publishes for its API, where it is
// published (§3.1: the well-known path inserted before the resource's path), and the
// resource_metadata parameter of every challenge (§5.1), in the core and on every adapter over HTTP.
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { createGuard, errorResponse, InsufficientScopeError, InvalidTokenError, protectedResourceMetadata, UnauthorizedError, type GuardOptions } from 'jotjwt-guard'
import { ADAPTERS, startApp, type RunningApp } from './helpers/apps.js'
import { bearer, send } from './helpers/http.js'
import { AUDIENCE, startIssuer, type TestIssuer } from './helpers/issuer.js'

const base = { issuer: 'https://as.example', jwksUri: 'https://as.example/jwks.json', algorithms: ['ES256'] as const }
const METADATA_URL = 'https://api.example/.well-known/oauth-protected-resource/orders'

describe('the document and where it lives (RFC 9728 §2, §3.1)', () => {
  test('the well-known path goes between the host and the resource path', () => {
    assert.equal(protectedResourceMetadata({ resource: 'https://api.example/orders', authorizationServers: ['https://as.example'] }).url, METADATA_URL)
    assert.equal(protectedResourceMetadata({ resource: 'https://api.example/a/b', authorizationServers: ['https://as.example'] }).path, '/.well-known/oauth-protected-resource/a/b')
    // A resource at the root: no terminating slash after the host (§3.1).
    for (const resource of ['https://api.example', 'https://api.example/']) {
      const metadata = protectedResourceMetadata({ resource, authorizationServers: ['https://as.example'] })
      assert.equal(metadata.url, 'https://api.example/.well-known/oauth-protected-resource')
      assert.equal(metadata.path, '/.well-known/oauth-protected-resource')
    }
    assert.equal(protectedResourceMetadata({ resource: 'https://api.example:8443/x', authorizationServers: ['https://as.example'] }).url, 'https://api.example:8443/.well-known/oauth-protected-resource/x')
  })

  test('a guard publishes its audience as resource, its issuers as authorization servers, and how it takes tokens', () => {
    const guard = createGuard({ ...base, audience: AUDIENCE, resourceMetadata: { scopesSupported: ['orders:read', 'orders:write'], resourceName: 'Orders API' } })
    assert.deepEqual(guard.resourceMetadata?.document, {
      resource: AUDIENCE,
      authorization_servers: ['https://as.example'],
      scopes_supported: ['orders:read', 'orders:write'],
      bearer_methods_supported: ['header'],
      resource_name: 'Orders API',
    })
    assert.equal(guard.resourceMetadata?.url, METADATA_URL)
  })

  test('bearer_methods_supported follows tokenLocations (a cookie is no RFC 6750 method); DPoP adds its algorithms', () => {
    const several = createGuard({ ...base, audience: AUDIENCE, tokenLocations: { header: true, body: true, query: true, cookie: 'at' }, resourceMetadata: true })
    assert.deepEqual(several.resourceMetadata?.document.bearer_methods_supported, ['header', 'body', 'query'])
    assert.equal(several.resourceMetadata?.document.dpop_signing_alg_values_supported, undefined)
    const required = createGuard({ ...base, audience: AUDIENCE, dpop: 'required', dpopSettings: { algorithms: ['ES256', 'EdDSA'] }, resourceMetadata: true })
    assert.deepEqual(required.resourceMetadata?.document.dpop_signing_alg_values_supported, ['ES256', 'EdDSA'])
    assert.equal(required.resourceMetadata?.document.dpop_bound_access_tokens_required, true)
    const allowed = createGuard({ ...base, audience: AUDIENCE, dpop: 'allowed', resourceMetadata: true })
    assert.deepEqual(allowed.resourceMetadata?.document.dpop_signing_alg_values_supported, ['ES256', 'EdDSA', 'RS256', 'PS256'])
    assert.equal(allowed.resourceMetadata?.document.dpop_bound_access_tokens_required, undefined)
  })

  test('several issuers are all named; authorizationServers overrides them', () => {
    const issuers = [
      { issuer: 'https://a.example', jwksUri: 'https://a.example/jwks' },
      { issuer: 'https://b.example', jwksUri: 'https://b.example/jwks' },
    ]
    const guard = createGuard({ issuers, audience: AUDIENCE, algorithms: ['ES256'], resourceMetadata: true })
    assert.deepEqual(guard.resourceMetadata?.document.authorization_servers, ['https://a.example', 'https://b.example'])
    const chosen = createGuard({ issuers, audience: AUDIENCE, algorithms: ['ES256'], resourceMetadata: { authorizationServers: ['https://b.example'] } })
    assert.deepEqual(chosen.resourceMetadata?.document.authorization_servers, ['https://b.example'])
  })

  test('without resourceMetadata nothing is published and challenges are unchanged', () => {
    const guard = createGuard({ ...base, audience: AUDIENCE })
    assert.equal(guard.resourceMetadata, undefined)
    assert.equal(guard.errorResponse(new UnauthorizedError('x')).headers['www-authenticate'], 'Bearer realm="api"')
  })

  test('a resource the guard would not accept as aud, or that cannot be a resource identifier, is refused at configuration', () => {
    assert.throws(() => createGuard({ ...base, audience: AUDIENCE, resourceMetadata: { resource: 'https://api.example/billing' } }), /resourceMetadata.resource must be one of the audiences/)
    // An audience function or list gives no single default.
    assert.throws(() => createGuard({ ...base, audience: [AUDIENCE, 'https://api.example/b'], resourceMetadata: true }), /resourceMetadata.resource is required/)
    assert.throws(() => createGuard({ ...base, audience: () => true, resourceMetadata: true }), /resourceMetadata.resource is required/)
    // RFC 9728 §1.2: an https URL without a fragment; http only with allowHttp (tests, loopback).
    assert.throws(() => createGuard({ ...base, audience: 'https://api.example/#x', resourceMetadata: true }), /no fragment/)
    assert.throws(() => createGuard({ ...base, audience: 'https://api.example/?q=1', resourceMetadata: true }), /no query/)
    assert.throws(() => createGuard({ ...base, audience: 'urn:example:api', resourceMetadata: true }), /https: URL/)
    assert.throws(() => createGuard({ ...base, audience: 'http://api.example/x', resourceMetadata: true }), /https: URL/)
    assert.equal(createGuard({ ...base, audience: 'http://127.0.0.1:9/x', allowHttp: true, resourceMetadata: true }).resourceMetadata?.url, 'http://127.0.0.1:9/.well-known/oauth-protected-resource/x')
    assert.throws(() => createGuard({ ...base, audience: AUDIENCE, resourceMetadata: { authorizationServers: [] } }), /authorizationServers must name at least one/)
  })
})

describe('resource_metadata in every challenge (RFC 9728 §5.1)', () => {
  const guard = createGuard({ ...base, audience: AUDIENCE, resourceMetadata: true })
  const challenge = (error: Parameters<typeof guard.errorResponse>[0]) => guard.errorResponse(error).headers['www-authenticate']

  test('no token, a bad token, a missing scope', () => {
    assert.equal(challenge(new UnauthorizedError('no access token')), `Bearer realm="api", resource_metadata="${METADATA_URL}"`)
    assert.equal(
      challenge(new InvalidTokenError('the access token is invalid')),
      `Bearer realm="api", error="invalid_token", error_description="the access token is invalid", resource_metadata="${METADATA_URL}"`,
    )
    assert.equal(
      challenge(new InsufficientScopeError('the access token lacks a required scope', undefined, { scope: 'orders:write' })),
      `Bearer realm="api", error="insufficient_scope", error_description="the access token lacks a required scope", scope="orders:write", resource_metadata="${METADATA_URL}"`,
    )
  })

  test('both challenges of a DPoP-allowed guard carry it', () => {
    const dpop = createGuard({ ...base, audience: AUDIENCE, dpop: 'allowed', dpopSettings: { algorithms: ['ES256'] }, resourceMetadata: true })
    assert.equal(
      dpop.errorResponse(new UnauthorizedError('no access token')).headers['www-authenticate'],
      `Bearer realm="api", resource_metadata="${METADATA_URL}", DPoP realm="api", resource_metadata="${METADATA_URL}", algs="ES256"`,
    )
  })

  test('errorResponse takes it from the settings', () => {
    const response = errorResponse(new UnauthorizedError('x'), { realm: 'r', verbosity: 'generic', problemDetails: false, resourceMetadata: 'https://x.example/.well-known/oauth-protected-resource' })
    assert.equal(response.headers['www-authenticate'], 'Bearer realm="r", resource_metadata="https://x.example/.well-known/oauth-protected-resource"')
  })
})

for (const adapter of ADAPTERS) {
  describe(`${adapter}: the metadata over HTTP`, () => {
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
        resourceMetadata: { scopesSupported: ['orders:read'] },
      }
      app = await startApp(adapter, options)
    })
    after(async () => {
      await app?.close()
      await issuer?.close()
    })

    test('GET of the well-known path answers the document without a token; it is public and cacheable', async () => {
      const response = await send(`${app.url}/.well-known/oauth-protected-resource/orders`)
      assert.equal(response.status, 200, response.body)
      assert.equal(response.headers['content-type'], 'application/json')
      assert.equal(response.headers['access-control-allow-origin'], '*')
      assert.equal(response.headers['cache-control'], 'public, max-age=300')
      assert.deepEqual(JSON.parse(response.body), {
        resource: AUDIENCE,
        authorization_servers: [issuer.issuer],
        scopes_supported: ['orders:read'],
        bearer_methods_supported: ['header'],
      })
    })

    test('the 401 points to it, and a valid token still passes', async () => {
      const refused = await send(`${app.url}/orders`)
      assert.equal(refused.status, 401)
      assert.equal(refused.headers['www-authenticate'], `Bearer realm="api", resource_metadata="${METADATA_URL}"`)
      const accepted = await send(`${app.url}/orders`, { headers: bearer(await issuer.mint()) })
      assert.equal(accepted.status, 200, accepted.body)
    })

    test('a 403 for a missing scope points to it too', async () => {
      const refused = await send(`${app.url}/orders/write`, { headers: bearer(await issuer.mint({ scope: 'orders:read' })) })
      assert.equal(refused.status, 403)
      assert.match(String(refused.headers['www-authenticate']), new RegExp(`scope="orders:write", resource_metadata="${METADATA_URL}"$`))
    })

    test('another well-known path, or another method, is not answered by the guard', async () => {
      assert.equal((await send(`${app.url}/.well-known/oauth-protected-resource/billing`)).status, 401)
      assert.equal((await send(`${app.url}/.well-known/oauth-protected-resource/orders`, { method: 'POST' })).status, 401)
    })
  })
}

describe('a guard mounted under a path, the metadata at the root', () => {
  test('Express: resourceMetadata(middleware) answers the well-known path and passes the rest on', async () => {
    const { default: express } = await import('express')
    const expressGuard = await import('jotjwt-guard/express')
    const { createServer } = await import('node:http')
    const guard = expressGuard.auth({ ...base, audience: AUDIENCE, resourceMetadata: true })
    const app = express()
    app.use(expressGuard.resourceMetadata(guard))
    app.use('/api', guard)
    app.get('/public', (_req, res) => void res.send('ok'))
    const server = createServer(app)
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const url = `http://127.0.0.1:${(server.address() as { port: number }).port}`
    try {
      const metadata = await send(`${url}/.well-known/oauth-protected-resource/orders`)
      assert.equal(metadata.status, 200)
      assert.equal(JSON.parse(metadata.body).resource, AUDIENCE)
      assert.equal((await send(`${url}/public`)).body, 'ok')
      assert.equal((await send(`${url}/api/x`)).headers['www-authenticate'], `Bearer realm="api", resource_metadata="${METADATA_URL}"`)
    } finally {
      server.closeAllConnections()
      await new Promise((resolve) => server.close(resolve))
    }
    assert.throws(() => expressGuard.resourceMetadata(expressGuard.auth({ ...base, audience: AUDIENCE })), /publishes no resource metadata/)
  })

  test('Hono: resourceMetadata(middleware) as a route', async () => {
    const { Hono } = await import('hono')
    const honoGuard = await import('jotjwt-guard/hono')
    const guard = honoGuard.auth({ ...base, audience: AUDIENCE, resourceMetadata: true })
    const app = new Hono().use('/api/*', guard).get('/.well-known/*', honoGuard.resourceMetadata(guard))
    const response = await app.request('http://api.example/.well-known/oauth-protected-resource/orders')
    assert.equal(response.status, 200)
    assert.equal(((await response.json()) as { resource: string }).resource, AUDIENCE)
    assert.equal((await app.request('http://api.example/.well-known/other')).status, 404)
  })
})
