// DPoP end to end over HTTP: openid-client (its DPoP option) obtains a DPoP-bound token from a
// running `jotjwt serve` that requires nonces, and calls an API protected by the guard on each
// adapter; the same token replayed without the proof, with a proof for another URL or method, with
// a reused jti, a stale iat or another key is refused with the exact RFC 9449 §7.1 challenge.
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { createDPoPProof, generateKeyPair, type JotKey } from 'jotjwt'
import * as oidc from 'openid-client'
import { startApp, type AdapterName, type RunningApp } from './helpers/apps.js'
import { API, CLIENT_ID, dpopChallenge, startDPoPService, type DPoPService } from './helpers/dpop-service.js'
import { bearer, send } from './helpers/http.js'

const challenge = dpopChallenge
const BAD_PROOF = challenge('invalid_dpop_proof', 'the DPoP proof is invalid')
const ADAPTERS: readonly AdapterName[] = ['express5', 'fastify', 'hono']

describe('openid-client, jotjwt serve and the guard with DPoP', () => {
  let running: DPoPService
  let service: DPoPService['service']
  let config: oidc.Configuration
  let handle: oidc.DPoPHandle
  let key: JotKey
  let accessToken: string

  before(async () => {
    running = await startDPoPService()
    ;({ service, config, key, accessToken } = running)
    handle = oidc.getDPoPHandle(config, running.keyPair)
  })
  after(() => running?.close())

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
        assert.deepEqual(await response.json(), { client: CLIENT_ID })
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
