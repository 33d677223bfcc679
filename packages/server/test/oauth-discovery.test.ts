/**
 * The metadata document, and openid-client 6 as a real relying party against the core handlers:
 * discovery on both well-known paths, then the client credentials grant with each authentication
 * method, introspection and revocation. The `fetch` below stands in for the HTTP layer: it turns a
 * Fetch Request into an OAuthRequest and an OAuthResponse or OAuthError into a Fetch Response.
 */
import assert from 'node:assert/strict'
import { webcrypto } from 'node:crypto'
import { describe, it } from 'node:test'
import * as client from 'openid-client'
import { CLIENT_ASSERTION_ALGORITHMS } from '../src/oauth/client-auth.js'
import { handleMetadataRequest, serverMetadata } from '../src/oauth/discovery.js'
import { ENDPOINT_PATHS } from '../src/oauth/endpoints.js'
import { OAuthError } from '../src/oauth/errors.js'
import { handleIntrospectionRequest } from '../src/oauth/introspect.js'
import { handleRevocationRequest } from '../src/oauth/revoke.js'
import { publishedKeySet } from '../src/oauth/signing-keys.js'
import { handleTokenRequest } from '../src/oauth/token.js'
import type { OAuthRequest, OAuthResponse, ServiceContext } from '../src/service/context.js'
import { API, ISSUER, createTestContext, secretClient } from './oauth-helpers.js'

const SECRET = 'an interop secret: with -_.!~*\'() and spaces'
const ODD_ID = 'svc:odd id (ü)'

describe('authorization server metadata (RFC 8414)', () => {
  it('derives every URL from the issuer and lists what the service supports', async () => {
    const { ctx } = createTestContext({
      extraAlgs: ['RS256'],
      config: {
        clients: [
          { clientId: 'api', clientSecret: 'a-long-enough-client-secret', scopes: ['orders:read'], resources: [API] },
          {
            clientId: 'app',
            authMethod: 'none',
            grantTypes: ['authorization_code', 'refresh_token'],
            redirectUris: ['https://app.example/cb'],
            scopes: ['orders:write'],
            resources: [API],
            userClaims: { profile: { nickname: 'attributes.nickname' } },
          },
        ],
      },
    })
    const { status, headers, body } = handleMetadataRequest(ctx)
    assert.equal(status, 200)
    assert.equal(headers['Cache-Control'], 'public, max-age=300')
    const auth = ['client_secret_basic', 'client_secret_post', 'private_key_jwt']
    const algs = [...CLIENT_ASSERTION_ALGORITHMS]
    assert.deepEqual(body, {
      issuer: ISSUER,
      authorization_endpoint: `${ISSUER}/authorize`,
      token_endpoint: `${ISSUER}/token`,
      userinfo_endpoint: `${ISSUER}/userinfo`,
      jwks_uri: `${ISSUER}/jwks.json`,
      revocation_endpoint: `${ISSUER}/revoke`,
      introspection_endpoint: `${ISSUER}/introspect`,
      scopes_supported: ['openid', 'profile', 'email', 'groups', 'offline_access', 'orders:read', 'orders:write'],
      response_types_supported: ['code'],
      response_modes_supported: ['query'],
      grant_types_supported: ['client_credentials', 'authorization_code', 'refresh_token', 'urn:ietf:params:oauth:grant-type:jwt-bearer'],
      code_challenge_methods_supported: ['S256'],
      subject_types_supported: ['public'],
      id_token_signing_alg_values_supported: ['ES256', 'RS256'],
      claims_supported: ['iss', 'sub', 'aud', 'exp', 'iat', 'auth_time', 'nonce', 'azp', 'at_hash', 'name', 'preferred_username', 'email', 'email_verified', 'groups', 'nickname'],
      request_parameter_supported: false,
      request_uri_parameter_supported: false,
      claims_parameter_supported: false,
      authorization_response_iss_parameter_supported: true,
      token_endpoint_auth_methods_supported: [...auth, 'none'],
      token_endpoint_auth_signing_alg_values_supported: algs,
      revocation_endpoint_auth_methods_supported: [...auth, 'none'],
      revocation_endpoint_auth_signing_alg_values_supported: algs,
      introspection_endpoint_auth_methods_supported: auth,
      introspection_endpoint_auth_signing_alg_values_supported: algs,
      dpop_signing_alg_values_supported: ['ES256', 'EdDSA', 'RS256', 'PS256'],
    })
    assert.ok(!algs.some((alg) => alg.startsWith('HS')), 'client assertions are asymmetric only')
  })

  it('keeps an issuer path in the endpoint URLs', () => {
    const { ctx } = createTestContext()
    const metadata = serverMetadata({ ...ctx, config: { ...ctx.config, issuer: 'https://as.example/tenant-1' } })
    assert.equal(metadata.token_endpoint, 'https://as.example/tenant-1/token')
  })
})

/** A stand-in for the HTTP layer, just enough for openid-client. */
function serve(ctx: ServiceContext): client.CustomFetch {
  const handlers: Record<string, (request: OAuthRequest, ctx: ServiceContext) => Promise<OAuthResponse>> = {
    [ENDPOINT_PATHS.token]: handleTokenRequest,
    [ENDPOINT_PATHS.revocation]: handleRevocationRequest,
    [ENDPOINT_PATHS.introspection]: handleIntrospectionRequest,
  }
  const json = ({ status, headers, body }: OAuthResponse) =>
    new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } })
  return async (url, { method, headers, body }) => {
    const request = new Request(url, { method, headers, ...(body === null || body === undefined ? {} : { body: body as string }) })
    const { pathname } = new URL(request.url)
    if (request.method === 'GET' && ['/.well-known/openid-configuration', '/.well-known/oauth-authorization-server'].includes(pathname)) {
      return json(handleMetadataRequest(ctx))
    }
    if (request.method === 'GET' && pathname === ENDPOINT_PATHS.jwks) return json({ status: 200, headers: {}, body: await publishedKeySet(ctx) })
    const handler = handlers[pathname]
    if (request.method !== 'POST' || !handler) return new Response(null, { status: 404 })
    const form = new URLSearchParams(await request.text())
    const params = new Map<string, string>()
    for (const [name, value] of form) {
      if (name === 'resource') continue
      assert.ok(!params.has(name), `duplicate ${name}`)
      params.set(name, value)
    }
    const oauthRequest = { params, resources: form.getAll('resource'), authorization: request.headers.get('authorization') ?? undefined }
    try {
      return json(await handler(oauthRequest, ctx))
    } catch (error) {
      if (!(error instanceof OAuthError)) throw error
      return json({ status: error.status, headers: { 'Cache-Control': 'no-store', ...error.headers }, body: error.body() })
    }
  }
}

async function interopSetup() {
  const keyPair = (await webcrypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair
  const publicJwk = { ...(await webcrypto.subtle.exportKey('jwk', keyPair.publicKey)), kid: 'rp-key', alg: 'ES256' }
  const clients = [
    await secretClient(ODD_ID, SECRET, { resources: [API, 'https://other.example'] }),
    await secretClient('post-client', SECRET, { authMethod: 'client_secret_post' }),
    { ...(await secretClient('jwt-client', SECRET)), authMethod: 'private_key_jwt' as const, jwks: { keys: [publicJwk] } },
  ]
  const test = createTestContext({ clients })
  // openid-client signs assertions with the real clock.
  test.clock.now = Math.floor(Date.now() / 1000)
  const fetchImpl = serve(test.ctx)
  const discover = (clientId: string, auth: client.ClientAuth, algorithm?: 'oidc' | 'oauth2') =>
    client.discovery(new URL(ISSUER), clientId, undefined, auth, { [client.customFetch]: fetchImpl, ...(algorithm ? { algorithm } : {}) })
  return { ...test, discover, privateKey: keyPair.privateKey }
}

describe('openid-client 6 against the core', () => {
  it('discovers the server on both well-known paths', async () => {
    const { discover } = await interopSetup()
    for (const algorithm of ['oidc', 'oauth2'] as const) {
      const config = await discover('post-client', client.ClientSecretPost(SECRET), algorithm)
      assert.equal(config.serverMetadata().issuer, ISSUER)
      assert.equal(config.serverMetadata().token_endpoint, `${ISSUER}/token`)
    }
  })

  it('gets tokens with client_secret_basic (form-encoded odd id and secret), client_secret_post and private_key_jwt', async () => {
    const { discover, privateKey } = await interopSetup()
    const configs = [
      await discover(ODD_ID, client.ClientSecretBasic(SECRET)),
      await discover('post-client', client.ClientSecretPost(SECRET)),
      await discover('jwt-client', client.PrivateKeyJwt({ key: privateKey, kid: 'rp-key' })),
    ]
    for (const config of configs) {
      const tokens = await client.clientCredentialsGrant(config, { scope: 'read', resource: API })
      assert.equal(tokens.token_type, 'bearer')
      assert.equal(tokens.scope, 'read')
      assert.equal(tokens.expires_in, 600)
    }
  })

  it('sends several resources and gets a token for all of them', async () => {
    const { discover } = await interopSetup()
    const config = await discover(ODD_ID, client.ClientSecretBasic(SECRET))
    const parameters = new URLSearchParams([['resource', API], ['resource', 'https://other.example']])
    const tokens = await client.clientCredentialsGrant(config, parameters)
    const introspection = await client.tokenIntrospection(config, tokens.access_token)
    assert.deepEqual(introspection.aud, [API, 'https://other.example'])
  })

  it('introspects and revokes', async () => {
    const { discover, privateKey } = await interopSetup()
    const config = await discover('jwt-client', client.PrivateKeyJwt({ key: privateKey, kid: 'rp-key' }))
    const { access_token } = await client.clientCredentialsGrant(config)
    assert.equal((await client.tokenIntrospection(config, access_token)).active, true)
    await client.tokenRevocation(config, access_token)
    assert.equal((await client.tokenIntrospection(config, access_token)).active, false)
  })

  it('surfaces OAuth errors to the client', async () => {
    const { discover } = await interopSetup()
    const wrong = await discover(ODD_ID, client.ClientSecretBasic('not the secret'))
    // A 401 with the Basic challenge of RFC 6749 §5.2, which openid-client reports as such.
    await assert.rejects(client.clientCredentialsGrant(wrong), (error: client.WWWAuthenticateChallengeError) => {
      assert.equal(error.status, 401)
      assert.deepEqual(error.cause.map(({ scheme, parameters }) => [scheme, parameters.realm]), [['basic', ISSUER]])
      return true
    })
    const post = await discover('post-client', client.ClientSecretPost('not the secret'))
    await assert.rejects(client.clientCredentialsGrant(post), (error: client.ResponseBodyError) => error.error === 'invalid_client' && error.status === 401)
    const right = await discover(ODD_ID, client.ClientSecretBasic(SECRET))
    await assert.rejects(client.clientCredentialsGrant(right, { scope: 'admin' }), (error: client.ResponseBodyError) => error.error === 'invalid_scope')
  })
})
