// The JWT-bearer grant (RFC 7523 §2.1, §3) against a running service, over HTTP, on SQLite and on
// PostgreSQL (the replay check lives in the store): trusted issuers from the configuration, one
// with its keys in the configuration and one publishing them at a jwks_uri read through jot's
// remote key set. A valid assertion gets a token for its subject with the scopes both the trust
// entry and the client allow; every bad one is invalid_grant with an exact answer.
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { createServer, type Server } from 'node:http'
import { after, before, describe, test } from 'node:test'
import { createRemoteKeySet, exportJWK, generateKeyPair, signJWT, verifyAccessToken, type JotKey, type JWTClaims } from 'jotjwt'
import { startService } from '../src/service/service.js'
import { BACKENDS } from './backends.js'
import { basic, freePort, postForm, type Answer } from './service-http.js'

const GRANT = 'urn:ietf:params:oauth:grant-type:jwt-bearer'
const API = 'https://api.example/deploy'
const SECRET = 'deployer-secret-0123456789-abcdef'
const CI = 'https://ci.example'
const BUILDS = 'https://builds.example'

/** An issuer's key pair, its public JWK named by `kid`. */
async function issuerKey(kid: string): Promise<{ privateKey: JotKey; jwk: Record<string, unknown> }> {
  const { privateKey, publicKey } = await generateKeyPair('ES256')
  return { privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg: 'ES256', use: 'sig' } }
}

for (const backend of BACKENDS) {
  describe(`JWT-bearer grant (${backend.name})`, () => {
    let service: Awaited<ReturnType<typeof startService>>
    let drop: () => Promise<void> = async () => undefined
    let ci: Awaited<ReturnType<typeof issuerKey>>
    let builds: Awaited<ReturnType<typeof issuerKey>>
    let stranger: Awaited<ReturnType<typeof issuerKey>>
    let jwksServer: Server
    let issuer: string

    before(async () => {
      const created = await backend.create()
      drop = created.drop
      ;[ci, builds, stranger] = await Promise.all([issuerKey('ci-1'), issuerKey('builds-1'), issuerKey('ci-1')])
      // The builds issuer publishes its keys; the service reads them through jot's remote key set.
      jwksServer = createServer((_request, response) => response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [builds.jwk] })))
      await new Promise<void>((resolve) => jwksServer.listen(0, '127.0.0.1', resolve))
      const { port } = jwksServer.address() as { port: number }
      const listen = await freePort()
      issuer = `http://127.0.0.1:${listen}`
      service = await startService({
        dev: true, // dev mode: a jwksUri may be plain http on loopback
        dataDir: created.dataDir,
        store: created.store,
        listen: { host: '127.0.0.1', port: listen },
        log: { level: 'silent' },
        debugger: { enabled: false },
        clients: [
          { clientId: 'deployer', clientSecret: SECRET, grantTypes: [GRANT], scopes: ['deploy:read', 'deploy:write', 'builds:read'], resources: [API] },
          { clientId: 'plain', clientSecret: SECRET, scopes: ['deploy:read'], resources: [API] },
        ],
        trust: [
          { issuer: CI, subject: 'release-bot', scopes: ['deploy:write', 'deploy:admin'], jwks: { keys: [ci.jwk] }, algorithms: ['ES256'] },
          { issuer: BUILDS, any: true, scopes: ['builds:read'], jwksUri: `http://127.0.0.1:${port}/jwks.json`, algorithms: ['ES256'] },
          { issuer: 'https://retired.example', subject: 'bot', scopes: ['deploy:read'], jwks: { keys: [ci.jwk] }, algorithms: ['ES256'], expiresAt: '2020-01-01T00:00:00Z' },
        ],
      })
      assert.equal(service.issuer, issuer)
    })

    after(async () => {
      await service?.close()
      jwksServer?.close()
      await drop()
    })

    const now = () => Math.floor(Date.now() / 1000)
    /** An assertion by `key` (the CI issuer's by default) for this service, fresh and valid unless changed. */
    const assertion = (claims: Record<string, unknown> = {}, key: JotKey = ci.privateKey, kid = 'ci-1') =>
      signJWT({ iss: CI, sub: 'release-bot', aud: issuer, iat: now(), exp: now() + 300, jti: randomUUID(), ...claims } as JWTClaims, key, { kid, issuedAt: false })
    const exchange = async (jwt: string, params: Record<string, string> = {}, clientId = 'deployer'): Promise<Answer> =>
      postForm(`${issuer}/token`, { grant_type: GRANT, assertion: jwt, ...params }, basic(clientId, SECRET))
    const refused = (answer: Answer, error: string, description: string) => {
      assert.equal(answer.status, 400)
      assert.deepEqual(answer.body, { error, error_description: description })
      assert.equal(answer.headers.get('cache-control'), 'no-store')
    }

    test('discovery advertises the grant', async () => {
      const metadata = (await (await fetch(`${issuer}/.well-known/oauth-authorization-server`)).json()) as { grant_types_supported: string[] }
      assert.ok(metadata.grant_types_supported.includes(GRANT))
    })

    test('a valid assertion gets a token for its subject with the scopes both the trust entry and the client allow, and no others', async () => {
      const answer = await exchange(await assertion(), { scope: 'deploy:write deploy:admin deploy:read' })
      assert.equal(answer.status, 200, JSON.stringify(answer.body))
      assert.equal(answer.headers.get('cache-control'), 'no-store')
      // deploy:admin: the trust entry's, not the client's; deploy:read: the client's, not the entry's.
      assert.equal(answer.body.scope, 'deploy:write')
      assert.equal(answer.body.token_type, 'Bearer')
      const { payload } = await verifyAccessToken(answer.body.access_token, { issuer, audience: API, key: createRemoteKeySet(`${issuer}/jwks.json`, { allowHttp: true }) })
      assert.equal(payload.sub, 'release-bot')
      assert.equal(payload.client_id, 'deployer')
      assert.equal(payload.scope, 'deploy:write')
    })

    test('without scope: everything both allow', async () => {
      const answer = await exchange(await assertion())
      assert.equal(answer.status, 200)
      assert.equal(answer.body.scope, 'deploy:write')
    })

    test('an issuer trusted for any subject, with its keys fetched from its jwks_uri', async () => {
      const jwt = await assertion({ iss: BUILDS, sub: 'pipeline-42' }, builds.privateKey, 'builds-1')
      const answer = await exchange(jwt)
      assert.equal(answer.status, 200, JSON.stringify(answer.body))
      assert.equal(answer.body.scope, 'builds:read')
      const { payload } = await verifyAccessToken(answer.body.access_token, { issuer, audience: API, key: createRemoteKeySet(`${issuer}/jwks.json`, { allowHttp: true }) })
      assert.equal(payload.sub, 'pipeline-42')
    })

    test('a replayed jti is invalid_grant', async () => {
      const jwt = await assertion()
      assert.equal((await exchange(jwt)).status, 200)
      refused(await exchange(jwt), 'invalid_grant', 'assertion: jti was already used')
    })

    test('an expired assertion is invalid_grant', async () => {
      refused(await exchange(await assertion({ iat: now() - 600, exp: now() - 120 })), 'invalid_grant', 'assertion: exp is in the past')
    })

    test('an untrusted issuer, an issuer trusted for another subject, and an expired trust entry are invalid_grant alike', async () => {
      const untrusted = 'the assertion\'s issuer is not trusted for its subject'
      refused(await exchange(await assertion({ iss: 'https://evil.example' })), 'invalid_grant', untrusted)
      refused(await exchange(await assertion({ sub: 'someone-else' })), 'invalid_grant', untrusted)
      refused(await exchange(await assertion({ iss: 'https://retired.example', sub: 'bot' })), 'invalid_grant', untrusted)
    })

    test('an audience other than this issuer (even this token endpoint, without the opt-in) is invalid_grant', async () => {
      refused(await exchange(await assertion({ aud: 'https://other-as.example' })), 'invalid_grant', 'assertion: aud is not the expected value')
      refused(await exchange(await assertion({ aud: `${issuer}/token` })), 'invalid_grant', 'assertion: aud is not the expected value')
      refused(await exchange(await assertion({ aud: [issuer, 'https://other-as.example'] })), 'invalid_grant', 'assertion: aud must name this issuer alone')
    })

    test('an unknown key (same kid, another key) and an unknown kid are invalid_grant', async () => {
      const description = 'the assertion\'s signature does not verify with the trusted issuer\'s keys'
      refused(await exchange(await assertion({}, stranger.privateKey, 'ci-1')), 'invalid_grant', description)
      refused(await exchange(await assertion({}, stranger.privateKey, 'ci-2')), 'invalid_grant', description)
      refused(await exchange(await assertion({ iss: BUILDS, sub: 'pipeline-42' }, stranger.privateKey, 'builds-9')), 'invalid_grant', description)
    })

    test('exp too far ahead, no jti, no exp: invalid_grant', async () => {
      refused(await exchange(await assertion({ exp: now() + 7200 })), 'invalid_grant', 'assertion: exp is more than 3600 seconds ahead')
      refused(await exchange(await assertion({ jti: undefined })), 'invalid_grant', 'assertion: jti is missing')
      refused(await exchange(await assertion({ exp: undefined })), 'invalid_grant', 'assertion: exp is missing')
      refused(await exchange('not.a.jwt'), 'invalid_grant', 'the assertion is not a JWT')
    })

    test('nothing allowed is invalid_scope; the jti of a refused request is not spent', async () => {
      const jwt = await assertion()
      refused(await exchange(jwt, { scope: 'deploy:read' }), 'invalid_scope', 'no requested scope is allowed for both this issuer and this client')
      assert.equal((await exchange(jwt, { scope: 'deploy:write' })).status, 200)
    })

    test('the client must be allowed the grant, and must authenticate', async () => {
      refused(await exchange(await assertion(), {}, 'plain'), 'unauthorized_client', 'the client may not use this grant type')
      const anonymous = await postForm(`${issuer}/token`, { grant_type: GRANT, assertion: await assertion() })
      assert.equal(anonymous.status, 401)
      assert.equal(anonymous.body.error, 'invalid_client')
      refused(await postForm(`${issuer}/token`, { grant_type: GRANT }, basic('deployer', SECRET)), 'invalid_request', 'assertion is required (RFC 7523 section 2.1)')
    })
  })
}
