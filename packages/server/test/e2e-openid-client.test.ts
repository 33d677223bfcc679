// A real OAuth client against a running service: openid-client 6 discovers the issuer over HTTP,
// gets tokens with each client authentication method, introspects and revokes them; jot's remote
// key set and jose's createRemoteJWKSet verify the tokens from the published JWKS. The same suite
// runs on SQLite and on PostgreSQL.
import assert from 'node:assert/strict'
import { createServer } from 'node:net'
import { after, before, describe, test } from 'node:test'
import * as jose from 'jose'
import { createRemoteKeySet, verifyAccessToken } from 'jotjwt'
import * as oidc from 'openid-client'
import { startService } from '../src/service/service.js'
import { BACKENDS } from './backends.js'

const BASIC_SECRET = 'basic-secret-0123456789-abcdefghij'
const POST_SECRET = 'post-secret-0123456789-abcdefghijk'
const API = 'https://api.example/orders'
const OTHER_API = 'https://api.example/billing'

/** A port free right now, so a restarted service keeps its issuer URL. */
async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  await new Promise((resolve) => server.close(resolve))
  return port
}

for (const backend of BACKENDS) {
  describe(`openid-client against jotjwt serve (${backend.name})`, () => {
    let service: Awaited<ReturnType<typeof startService>>
    let configInput: Parameters<typeof startService>[0]
    let drop: () => Promise<void> = async () => undefined
    let assertionKey: jose.CryptoKey
    const kid = 'client-key-1'

    before(async () => {
      const created = await backend.create()
      drop = created.drop
      const pair = await jose.generateKeyPair('ES256', { extractable: true })
      assertionKey = pair.privateKey
      const publicJwk = { ...(await jose.exportJWK(pair.publicKey)), kid, alg: 'ES256', use: 'sig' }
      configInput = {
        dev: true,
        dataDir: created.dataDir,
        store: created.store,
        listen: { host: '127.0.0.1', port: await freePort() },
        log: { level: 'silent' },
        clients: [
          { clientId: 'orders-basic', authMethod: 'client_secret_basic', clientSecret: BASIC_SECRET, scopes: ['orders:read', 'orders:write'], resources: [API] },
          { clientId: 'orders-post', authMethod: 'client_secret_post', clientSecret: POST_SECRET, scopes: ['orders:read'], resources: [API, OTHER_API], defaultResource: API },
          { clientId: 'orders-jwt', authMethod: 'private_key_jwt', jwks: { keys: [publicJwk] }, scopes: ['orders:read'], resources: [API] },
        ],
      }
      service = await startService(configInput)
    })

    after(async () => {
      await service?.close()
      await drop()
    })

    const discover = (clientId: string, auth: oidc.ClientAuth) =>
      oidc.discovery(new URL(service.issuer), clientId, undefined, auth, { execute: [oidc.allowInsecureRequests] })

    test('discovery: both well-known documents are one document whose issuer is every token iss', async () => {
      const config = await discover('orders-basic', oidc.ClientSecretBasic(BASIC_SECRET))
      const metadata = config.serverMetadata()
      assert.equal(metadata.issuer, service.issuer)
      assert.equal(metadata.jwks_uri, `${service.issuer}/jwks.json`)
      const oauth = await (await fetch(`${service.issuer}/.well-known/oauth-authorization-server`)).json()
      const openid = await (await fetch(`${service.issuer}/.well-known/openid-configuration`)).json()
      assert.deepEqual(oauth, openid)
      assert.ok((metadata.token_endpoint_auth_methods_supported ?? []).includes('private_key_jwt'))
    })

    const methods = [
      { name: 'client_secret_basic', clientId: 'orders-basic', auth: () => oidc.ClientSecretBasic(BASIC_SECRET), scope: 'orders:read' },
      { name: 'client_secret_post', clientId: 'orders-post', auth: () => oidc.ClientSecretPost(POST_SECRET), scope: 'orders:read' },
      { name: 'private_key_jwt', clientId: 'orders-jwt', auth: () => oidc.PrivateKeyJwt(assertionKey, { [oidc.modifyAssertion]: (header) => void (header.kid = kid) }), scope: 'orders:read' },
    ] as const

    for (const method of methods) {
      test(`client_credentials with ${method.name}: an RFC 9068 token jot and jose verify from the JWKS`, async () => {
        const config = await discover(method.clientId, method.auth())
        const response = await oidc.clientCredentialsGrant(config, { scope: method.scope, resource: API })
        assert.equal(response.token_type.toLowerCase(), 'bearer')
        assert.equal(response.scope, method.scope)
        assert.ok(response.expires_in !== undefined && response.expires_in > 0)

        const token = response.access_token
        const jwksUri = `${service.issuer}/jwks.json`
        const { payload } = await verifyAccessToken(token, {
          issuer: service.issuer,
          audience: API,
          key: createRemoteKeySet(jwksUri, { allowHttp: true }),
        })
        assert.equal(payload.client_id, method.clientId)
        assert.equal(payload.sub, method.clientId)
        assert.equal(payload.scope, method.scope)

        const verified = await jose.jwtVerify(token, jose.createRemoteJWKSet(new URL(jwksUri)), {
          issuer: service.issuer,
          audience: API,
          typ: 'at+jwt',
          algorithms: ['ES256'],
        })
        assert.equal(verified.payload.jti, payload.jti)
      })
    }

    test('introspection: the issuing client sees the token active with its claims', async () => {
      const config = await discover('orders-basic', oidc.ClientSecretBasic(BASIC_SECRET))
      const { access_token } = await oidc.clientCredentialsGrant(config, { scope: 'orders:write', resource: API })
      const introspected = await oidc.tokenIntrospection(config, access_token)
      assert.equal(introspected.active, true)
      assert.equal(introspected.client_id, 'orders-basic')
      assert.equal(introspected.scope, 'orders:write')
      assert.equal(introspected.iss, service.issuer)
      assert.ok(introspected.aud === API || (Array.isArray(introspected.aud) && introspected.aud.includes(API)))
      assert.equal(typeof introspected.exp, 'number')
      assert.equal(typeof introspected.jti, 'string')
    })

    test('revocation: a revoked JWT access token introspects inactive; revoking it again and unknown tokens are fine', async () => {
      const config = await discover('orders-post', oidc.ClientSecretPost(POST_SECRET))
      const { access_token } = await oidc.clientCredentialsGrant(config, { scope: 'orders:read' })
      assert.equal((await oidc.tokenIntrospection(config, access_token)).active, true)
      await oidc.tokenRevocation(config, access_token)
      assert.equal((await oidc.tokenIntrospection(config, access_token)).active, false)
      await oidc.tokenRevocation(config, access_token)
      await oidc.tokenRevocation(config, 'not-a-token-we-issued')
    })

    test('revocation with private_key_jwt: each request carries a fresh assertion (jti single use)', async () => {
      const config = await discover('orders-jwt', methods[2].auth())
      const { access_token } = await oidc.clientCredentialsGrant(config, { scope: 'orders:read', resource: API })
      await oidc.tokenRevocation(config, access_token)
      assert.equal((await oidc.tokenIntrospection(config, access_token)).active, false)
    })

    test('a restarted service (same store) keeps clients and keys: the earlier token still verifies and introspects', async () => {
      const config = await discover('orders-basic', oidc.ClientSecretBasic(BASIC_SECRET))
      const earlier = (await oidc.clientCredentialsGrant(config, { scope: 'orders:read', resource: API })).access_token
      await service.close()
      service = await startService(configInput)
      const again = await discover('orders-basic', oidc.ClientSecretBasic(BASIC_SECRET))
      const later = (await oidc.clientCredentialsGrant(again, { scope: 'orders:read', resource: API })).access_token
      assert.equal(jose.decodeProtectedHeader(later).kid, jose.decodeProtectedHeader(earlier).kid, 'the same key signs after the restart')
      const keys = jose.createRemoteJWKSet(new URL(`${service.issuer}/jwks.json`))
      await jose.jwtVerify(earlier, keys, { issuer: service.issuer, audience: API, typ: 'at+jwt' })
      assert.equal((await oidc.tokenIntrospection(again, earlier)).active, true)
    })
  })
}
