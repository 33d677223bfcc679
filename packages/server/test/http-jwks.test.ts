// The JWKS response as a property, on a simulated clock with the library's key manager: whatever
// publishAhead and rotation period, a copy of the response kept for max-age by a proxy and then for
// max-age again by a verifier (2 × max-age in all) always holds the key that signs during that
// time, and the response never carries private key material.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import fc from 'fast-check'
import { createKeyManager, createMemoryKeyStore } from 'jotjwt'
import { JWKS_MAX_AGE_CAP, jwksResponse } from '../src/keys/jwks-response.js'
import type { ServiceContext } from '../src/service/context.js'
import { testConfig } from './http-stubs.js'

const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k', 'priv', 'seed']

test('jwks: max-age ≤ publishAhead/2 and ≤ the cap; a copy cached twice for max-age knows every key signing meanwhile', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.integer({ min: 0, max: 2 * 86400 }),
      fc.integer({ min: 60, max: 40 * 86400 }),
      fc.array(fc.integer({ min: 1, max: 3 * 86400 }), { minLength: 1, maxLength: 12 }),
      async (publishAhead, rotationPeriod, advances) => {
        let now = 1_800_000_000
        const config = testConfig({ keys: { publishAhead, rotationPeriod } })
        const keys = createKeyManager({ alg: 'ES256', store: createMemoryKeyStore(), publishAhead, rotationPeriod, maxTokenLifetime: 600, clockTolerance: 30, currentTime: () => now })
        for (const advance of advances) {
          now += advance
          const response = await jwksResponse({ config, keys } as ServiceContext)
          assert.equal(response.status, 200)
          assert.equal(response.headers['access-control-allow-origin'], '*')
          const maxAge = Number(/^public, max-age=(\d+)$/.exec(response.headers['cache-control'] ?? '')?.[1])
          assert.ok(maxAge <= publishAhead / 2 && maxAge <= JWKS_MAX_AGE_CAP, `max-age ${maxAge} for publishAhead ${publishAhead}`)

          const served = (response.body as { keys: Record<string, unknown>[] }).keys
          for (const jwk of served) for (const member of PRIVATE_MEMBERS) assert.ok(!(member in jwk), `published key has "${member}"`)
          const kids = new Set(served.map((jwk) => jwk.kid))

          // The signing key changes only at some key's activateAt: probing there and at the end of
          // the window covers every instant of it.
          const end = now + 2 * maxAge
          const activations = (await keys.keys()).map((key) => key.activateAt).filter((at) => at > now && at <= end)
          for (const probe of [...new Set([now, ...activations, end])].sort((a, b) => a - b)) {
            now = probe
            const signing = await keys.signingKey()
            assert.ok(kids.has(signing.kid), `at +${probe - (end - 2 * maxAge)}s the key ${signing.kid} signs but the cached copy lacks it`)
          }
        }
      },
    ),
    { numRuns: 40 },
  )
})
