// A JWKS outage while requests keep coming, on every adapter over HTTP: tokens signed with known
// keys keep verifying from the stale key set (stale-if-error), an unknown kid is 401, a guard that
// never got keys answers 503, and nothing answers 500.
import assert from 'node:assert/strict'
import { setTimeout as sleep } from 'node:timers/promises'
import { after, before, describe, test } from 'node:test'
import type { GuardOptions } from 'jotjwt-guard'
import { ADAPTERS, startApp, type RunningApp } from './helpers/apps.js'
import { bearer, send } from './helpers/http.js'
import { AUDIENCE, startIssuer, type TestIssuer } from './helpers/issuer.js'

for (const adapter of ADAPTERS) {
  describe(`JWKS outage: ${adapter}`, () => {
    let issuer: TestIssuer
    let app: RunningApp
    let options: GuardOptions
    before(async () => {
      // max-age=0: the keys expire after minCacheAge (200 ms), so the outage hits an expired cache.
      issuer = await startIssuer({ cacheSeconds: 0 })
      options = {
        issuer: issuer.issuer,
        jwksUri: issuer.jwksUri,
        allowHttp: true,
        audience: AUDIENCE,
        algorithms: ['ES256'],
        profile: 'rfc9068',
        keySet: { minCacheAge: 0.2, cooldown: 0.1, refreshAhead: 0.05, timeout: 1 },
      }
      app = await startApp(adapter, options)
    })
    after(async () => {
      await app?.close()
      await issuer?.close()
    })

    test('known keys keep verifying, an unknown kid is 401, a cold guard is 503, never 500', async () => {
      const token = await issuer.mint()
      assert.equal((await send(`${app.url}/orders`, { headers: bearer(token) })).status, 200)
      issuer.setDown(true)
      const fetchesBefore = issuer.jwksRequests()
      await sleep(300)
      const statuses: number[] = []
      for (let i = 0; i < 20; i++) {
        statuses.push((await send(`${app.url}/orders`, { headers: bearer(await issuer.mint()) })).status)
        await sleep(10)
      }
      assert.deepEqual(new Set(statuses), new Set([200]))
      assert.ok(issuer.jwksRequests() > fetchesBefore, 'the key set kept trying to refresh behind the stale keys')

      const stranger = await issuer.unpublished()
      const unknown = await send(`${app.url}/orders`, { headers: bearer(await stranger.sign()) })
      assert.equal(unknown.status, 401)
      assert.equal(unknown.headers['www-authenticate'], 'Bearer realm="api", error="invalid_token", error_description="the access token is invalid"')

      const cold = await startApp(adapter, options)
      try {
        const response = await send(`${cold.url}/orders`, { headers: bearer(await issuer.mint()) })
        assert.equal(response.status, 503)
        assert.equal(response.headers['retry-after'], '5')
        assert.equal(response.headers['www-authenticate'], undefined)
      } finally {
        await cold.close()
      }

      issuer.setDown(false)
      await sleep(150)
      assert.equal((await send(`${app.url}/orders`, { headers: bearer(await issuer.mint()) })).status, 200)
    })
  })
}
