// DPoP end to end over HTTP: openid-client (its DPoP option) obtains a DPoP-bound token from a
// running `jotjwt serve` that requires nonces, and calls an API protected by the guard on each
// adapter; the same token replayed without the proof, with a proof for another URL or method, with
// a reused jti, a stale iat or another key is refused with the exact RFC 9449 §7.1 challenge.
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { createDPoPProof, decodeJWTUnverified, generateKeyPair, importJWK, jwkThumbprint, type JWK, type JotKey } from 'jotjwt'
import { startService } from 'jotjwt-server'
import * as oidc from 'openid-client'
import { startApp, type AdapterName, type RunningApp } from './helpers/apps.js'
import { bearer, send } from './helpers/http.js'

const API = 'https://api.example/orders'
const CLIENT_SECRET = 'client-secret-0123456789-abcdef'
const ALGS = 'ES256 EdDSA RS256 PS256'
const challenge = (error: string, description: string) => `DPoP realm="api", error="${error}", error_description="${description}", algs="${ALGS}"`
const BAD_PROOF = challenge('invalid_dpop_proof', 'the DPoP proof is invalid')
const ADAPTERS: readonly AdapterName[] = ['express5', 'fastify', 'hono']

describe('openid-client, jotjwt serve and the guard with DPoP', () => {
  let service: Awaited<ReturnType<typeof startService>>
  let dataDir: string
  let config: oidc.Configuration
  let handle: oidc.DPoPHandle
  let key: JotKey
  let accessToken: string

  before(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'jotjwt-guard-dpop-'))
    service = await startService({
      dev: true,
      dataDir,
      listen: { host: '127.0.0.1', port: 0 },
      log: { level: 'silent' },
      dpop: { requireNonce: true },
      clients: [{ clientId: 'orders-client', clientSecret: CLIENT_SECRET, scopes: ['orders:read'], resources: [API] }],
    })
    config = await oidc.discovery(new URL(service.issuer), 'orders-client', undefined, oidc.ClientSecretBasic(CLIENT_SECRET), { execute: [oidc.allowInsecureRequests] })
    const keyPair = await oidc.randomDPoPKeyPair('ES256', { extractable: true })
    handle = oidc.getDPoPHandle(config, keyPair)
    key = await importJWK((await crypto.subtle.exportKey('jwk', keyPair.privateKey)) as JWK, { alg: 'ES256' })
    // openid-client answers the service's use_dpop_nonce by retrying with the DPoP-Nonce it got.
    const tokens = await oidc.clientCredentialsGrant(config, { scope: 'orders:read', resource: API }, { DPoP: handle })
    assert.equal(tokens.token_type, 'dpop')
    accessToken = tokens.access_token
    const publicJwk = await crypto.subtle.exportKey('jwk', keyPair.publicKey)
    assert.deepEqual(decodeJWTUnverified(accessToken).payload.cnf, { jkt: await jwkThumbprint(await importJWK(publicJwk as JWK, { alg: 'ES256' })) })
  })
  after(async () => {
    await service?.close()
    if (dataDir) rmSync(dataDir, { recursive: true, force: true })
  })

  test('discovery names the proof algorithms', () => {
    assert.deepEqual(config.serverMetadata().dpop_signing_alg_values_supported, ['ES256', 'EdDSA', 'RS256', 'PS256'])
  })

  for (const adapter of ADAPTERS) {
    describe(adapter, () => {
      let app: RunningApp
      before(async () => {
        app = await startApp(adapter, { issuer: service.issuer, discovery: true, allowHttp: true, audience: API, algorithms: ['ES256'], profile: 'rfc9068', dpop: 'required' })
      })
      after(() => app.close())
      const proof = (overrides: { method?: string; url?: string; key?: JotKey; currentTime?: number } = {}) =>
        createDPoPProof(overrides.key ?? key, { method: overrides.method ?? 'GET', url: overrides.url ?? `${app.url}/orders`, accessToken, ...(overrides.currentTime === undefined ? {} : { currentTime: overrides.currentTime }) })
      const call = async (headers: Record<string, string>) => send(`${app.url}/orders`, { headers })

      test('openid-client calls the API with its DPoP handle', async () => {
        const response = await oidc.fetchProtectedResource(config, accessToken, new URL(`${app.url}/orders`), 'GET', undefined, undefined, { DPoP: handle })
        assert.equal(response.status, 200)
        assert.deepEqual(await response.json(), { client: 'orders-client' })
      })

      test('the same token is refused without the proof, for another URL or method, replayed, stale, or by another key', async () => {
        const noProof = await call(bearer(accessToken))
        assert.deepEqual([noProof.status, noProof.headers['www-authenticate']], [401, challenge('invalid_token', 'the access token is invalid')])
        for (const overrides of [{ url: `${app.url}/orders/write` }, { method: 'POST' }, { currentTime: Math.floor(Date.now() / 1000) - 600 }]) {
          const refused = await call({ authorization: `DPoP ${accessToken}`, dpop: await proof(overrides) })
          assert.deepEqual([refused.status, refused.headers['www-authenticate']], [401, BAD_PROOF], JSON.stringify(overrides))
        }
        const once = await proof()
        assert.equal((await call({ authorization: `DPoP ${accessToken}`, dpop: once })).status, 200)
        const replayed = await call({ authorization: `DPoP ${accessToken}`, dpop: once })
        assert.deepEqual([replayed.status, replayed.headers['www-authenticate']], [401, BAD_PROOF])
        const otherKey = await call({ authorization: `DPoP ${accessToken}`, dpop: await proof({ key: (await generateKeyPair('ES256')).privateKey }) })
        assert.deepEqual([otherKey.status, otherKey.headers['www-authenticate']], [401, challenge('invalid_token', 'the access token is not bound to the DPoP proof key')])
      })
    })
  }
})
