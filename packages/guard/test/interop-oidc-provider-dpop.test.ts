// DPoP across implementations: node-oidc-provider (panva's certified OpenID provider, DPoP enabled,
// nonces required, client_credentials, RFC 9068 JWT access tokens) issues a DPoP-bound access token
// to a client whose proofs jot makes (`createDPoPProof`), and the guard (`dpop: 'required'`)
// accepts that token with a jot proof at an API, and refuses it without a proof or with a proof by
// another key. So jot's proofs pass another implementation's checks (typ, alg, jwk, htm, htu, iat,
// nonce, replay), and jot verifies another issuer's bound tokens (its cnf.jkt is the RFC 7638
// thumbprint jot computes for the same key).
import assert from 'node:assert/strict'
import { generateKeyPairSync, randomBytes } from 'node:crypto'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { after, before, describe, test } from 'node:test'
import { createDPoPProof, decodeJWTUnverified, generateKeyPair, jwkThumbprint, toPublicKey, type JotKey } from 'jotjwt'
import Provider from 'oidc-provider'
import { startApp, type RunningApp } from './helpers/apps.js'
import { bearer, send } from './helpers/http.js'

const API = 'https://api.example/orders'
const CLIENT_ID = 'orders-client'
const CLIENT_SECRET = 'client-secret-0123456789-abcdef'
const ALGS = 'ES256 EdDSA RS256 PS256'
const challenge = (error: string, description: string) => `DPoP realm="api", error="${error}", error_description="${description}", algs="${ALGS}"`

interface TokenAnswer {
  status: number
  nonce: string | null
  body: Record<string, unknown>
}

describe('node-oidc-provider issues a DPoP-bound token to jot proofs; the guard accepts it only with its proof', () => {
  let server: Server
  let issuer: string
  let tokenEndpoint: string
  let key: JotKey
  let jkt: string
  let app: RunningApp
  /** node-oidc-provider's answers while the token was obtained, in order. */
  const answers: TokenAnswer[] = []
  let accessToken: string

  /** A client_credentials request at node-oidc-provider's token endpoint with this DPoP proof. */
  async function tokenRequest(proof: string): Promise<TokenAnswer> {
    const response = await fetch(tokenEndpoint, {
      method: 'POST',
      headers: { authorization: `Basic ${btoa(`${CLIENT_ID}:${CLIENT_SECRET}`)}`, 'content-type': 'application/x-www-form-urlencoded', dpop: proof },
      body: new URLSearchParams({ grant_type: 'client_credentials', scope: 'orders:read', resource: API }),
    })
    return { status: response.status, nonce: response.headers.get('dpop-nonce'), body: (await response.json()) as Record<string, unknown> }
  }

  before(async () => {
    server = createServer()
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
    const signingKey = { ...generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'jwk' }), kid: 'op-key', alg: 'ES256', use: 'sig' }
    const provider = new Provider(issuer, {
      clients: [{ client_id: CLIENT_ID, client_secret: CLIENT_SECRET, token_endpoint_auth_method: 'client_secret_basic', id_token_signed_response_alg: 'ES256', grant_types: ['client_credentials'], redirect_uris: [], response_types: [] }],
      jwks: { keys: [signingKey] },
      scopes: ['orders:read'],
      features: {
        devInteractions: { enabled: false },
        clientCredentials: { enabled: true },
        // RFC 9449 §8: every proof must carry the provider's nonce.
        dPoP: { enabled: true, nonceSecret: randomBytes(32), requireNonce: () => true },
        // RFC 9068 JWT access tokens for the API, so a resource server can verify them itself.
        resourceIndicators: {
          enabled: true,
          defaultResource: () => API,
          useGrantedResource: () => true,
          getResourceServerInfo: () => ({ scope: 'orders:read', audience: API, accessTokenTTL: 600, accessTokenFormat: 'jwt', jwt: { sign: { alg: 'ES256' } } }),
        },
      },
    })
    server.on('request', provider.callback())
    const metadata = (await (await fetch(`${issuer}/.well-known/openid-configuration`)).json()) as Record<string, unknown>
    tokenEndpoint = metadata.token_endpoint as string

    key = (await generateKeyPair('ES256')).privateKey
    jkt = await jwkThumbprint(await toPublicKey(key))
    // The first proof has no nonce: node-oidc-provider answers use_dpop_nonce with one (§8), which
    // the second proof carries.
    answers.push(await tokenRequest(await createDPoPProof(key, { method: 'POST', url: tokenEndpoint })))
    const nonce = answers[0]!.nonce
    assert.ok(nonce, `node-oidc-provider sent a DPoP-Nonce: ${JSON.stringify(answers[0])}`)
    answers.push(await tokenRequest(await createDPoPProof(key, { method: 'POST', url: tokenEndpoint, nonce })))
    accessToken = answers[1]!.body.access_token as string
    assert.equal(typeof accessToken, 'string', JSON.stringify(answers[1]!.body))

    app = await startApp('express5', { issuer, discovery: true, allowHttp: true, audience: API, algorithms: ['ES256'], profile: 'rfc9068', dpop: 'required' })
  })
  after(async () => {
    await app?.close()
    server?.closeAllConnections()
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()))
  })

  test("node-oidc-provider asks for its nonce, accepts jot's proof carrying it, and binds the token to jot's key thumbprint", () => {
    assert.deepEqual([answers[0]!.status, answers[0]!.body.error], [400, 'use_dpop_nonce'])
    assert.equal(answers[1]!.status, 200)
    assert.equal(answers[1]!.body.token_type, 'DPoP')
    const { header, payload } = decodeJWTUnverified(accessToken)
    assert.equal(header.typ, 'at+jwt')
    assert.equal(payload.iss, issuer)
    assert.equal(payload.aud, API)
    // RFC 9449 §6.1: the token names the proof key by its RFC 7638 thumbprint, the one jot computes.
    assert.deepEqual(payload.cnf, { jkt })
  })

  test("node-oidc-provider checks jot's proofs: one for another URL and a replayed one are refused", async () => {
    const nonce = answers[1]!.nonce ?? answers[0]!.nonce!
    const otherUrl = await tokenRequest(await createDPoPProof(key, { method: 'POST', url: `${issuer}/other`, nonce }))
    assert.deepEqual([otherUrl.status, otherUrl.body.error], [400, 'invalid_dpop_proof'])
    const proof = await createDPoPProof(key, { method: 'POST', url: tokenEndpoint, nonce })
    assert.equal((await tokenRequest(proof)).status, 200)
    const replayed = await tokenRequest(proof)
    assert.deepEqual([replayed.status, replayed.body.error], [400, 'invalid_grant'])
  })

  test('the guard accepts the token with a jot proof by the bound key', async () => {
    const url = `${app.url}/orders`
    const response = await send(url, { headers: { authorization: `DPoP ${accessToken}`, dpop: await createDPoPProof(key, { method: 'GET', url, accessToken }) } })
    assert.equal(response.status, 200, response.body)
    assert.deepEqual(JSON.parse(response.body), { client: CLIENT_ID })
  })

  test('the guard refuses the token without a proof, and with a proof by another key', async () => {
    const url = `${app.url}/orders`
    const asBearer = await send(url, { headers: bearer(accessToken) })
    assert.deepEqual([asBearer.status, asBearer.headers['www-authenticate']], [401, challenge('invalid_token', 'the access token is invalid')])
    const noProof = await send(url, { headers: { authorization: `DPoP ${accessToken}` } })
    assert.deepEqual([noProof.status, noProof.headers['www-authenticate']], [401, challenge('invalid_dpop_proof', 'the DPoP proof is missing')])
    const other = (await generateKeyPair('ES256')).privateKey
    const otherKey = await send(url, { headers: { authorization: `DPoP ${accessToken}`, dpop: await createDPoPProof(other, { method: 'GET', url, accessToken }) } })
    assert.deepEqual([otherKey.status, otherKey.headers['www-authenticate']], [401, challenge('invalid_token', 'the access token is not bound to the DPoP proof key')])
  })
})
