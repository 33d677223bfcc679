// Key rotation as a property, on a simulated clock: fast-check drives the service's key manager
// (as the service configures it, persisted through the encrypted key store) and the real /jwks.json
// response through arbitrary sequences of time jumps, token issuance, scheduled rotation, emergency
// revocation and restarts. At every instant a token could be checked:
//   1. every unexpired token whose key was not revoked verifies against the JWKS being served;
//   2. a key first signs only after it has been published for publishAhead, except on first boot
//      and when the signing key was revoked in an emergency (the successor signs at once).
import assert from 'node:assert/strict'
import { test } from 'node:test'
import fc from 'fast-check'
import { createLocalKeySet, decodeJWTUnverified, signJWT, verifyJWT } from 'jotjwt'
import { configSchema } from '../src/config/schema.js'
import { serviceKeyManager } from '../src/keys/manager.js'
import { jwksResponse } from '../src/keys/jwks-response.js'
import { createStoreLoginProvider } from '../src/login/provider.js'
import { createOAuthRuntime } from '../src/oauth/runtime.js'
import type { ServiceContext } from '../src/service/context.js'
import { createMemoryStore } from './memory-store.js'

const PUBLISH_AHEAD = 3600
const MAX_TTL = 3600
const ROTATION = 6 * 3600
const ENCRYPTION_KEY = Buffer.alloc(32, 7).toString('base64url')

type Action =
  | { kind: 'advance'; seconds: number }
  /** Jump to `before` seconds ahead of the next scheduled change (a key activating or retiring). */
  | { kind: 'nearChange'; before: number }
  | { kind: 'sign'; ttl: number }
  | { kind: 'rotate' }
  | { kind: 'revoke'; which: 'active' | 'next' | 'retiring' }
  | { kind: 'restart' }

const action: fc.Arbitrary<Action> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('advance' as const), seconds: fc.oneof(fc.integer({ min: 1, max: 600 }), fc.integer({ min: 600, max: 2 * ROTATION })) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('nearChange' as const), before: fc.oneof(fc.integer({ min: -120, max: 5 }), fc.integer({ min: 5, max: MAX_TTL })) }) },
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('sign' as const), ttl: fc.integer({ min: 1, max: MAX_TTL }) }) },
  { weight: 2, arbitrary: fc.constant({ kind: 'rotate' as const }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('revoke' as const), which: fc.constantFrom('active' as const, 'next' as const, 'retiring' as const) }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'restart' as const }) },
)

test('rotation: unexpired tokens always verify against the served JWKS; no key signs before publish-ahead except the two stated cases', async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(action, { minLength: 1, maxLength: 40 }), fc.integer({ min: 1_700_000_000, max: 1_900_000_000 }), async (actions, start) => {
      let now = start
      const config = configSchema.parse({
        dev: true,
        issuer: 'https://issuer.example',
        keys: { alg: 'ES256', publishAhead: PUBLISH_AHEAD, rotationPeriod: ROTATION, encryptionKey: ENCRYPTION_KEY },
        tokens: { maxAccessTokenTtl: MAX_TTL, clockTolerance: 30 },
      })
      const store = createMemoryStore()
      const context = (): ServiceContext => {
        const keys = serviceKeyManager(config, store, { now: () => now })
        const oauth = createOAuthRuntime(config)
        return { config, store, keys, now: () => now, log: { info() {}, warn() {}, error() {} }, oauth, login: createStoreLoginProvider(store, oauth.passwords) }
      }
      let ctx = context()

      const firstSeen = new Map<string, number>()
      const firstSigned = new Map<string, number>()
      const revoked = new Map<string, number>()
      /** When the signing key was revoked in an emergency. */
      const emergencies: number[] = []
      const signers: string[] = []
      const tokens: Array<{ token: string; kid: string; exp: number }> = []

      /** The JWKS as served now: remembers when each kid first appeared. */
      async function served(): Promise<{ keys: Array<{ kid: string }> }> {
        const response = await jwksResponse(ctx)
        assert.equal(response.status, 200)
        const jwks = response.body as { keys: Array<{ kid: string }> }
        for (const key of jwks.keys) if (!firstSeen.has(key.kid)) firstSeen.set(key.kid, now)
        return jwks
      }

      /** Property 1 at the current instant. */
      async function checkTokens(): Promise<void> {
        const jwks = await served()
        const resolver = createLocalKeySet(jwks as never)
        for (const entry of tokens) {
          if (entry.exp <= now || revoked.has(entry.kid)) continue
          await verifyJWT(entry.token, resolver, { currentTime: now, typ: 'at+jwt', audience: 'https://api.example' }).catch((error: unknown) => {
            throw new Error(`token of ${entry.kid} (exp ${entry.exp - start}) does not verify at ${now - start}: ${(error as Error).message}`)
          })
        }
      }

      await served()
      for (let step of actions) {
        if (step.kind === 'nearChange') {
          // Turned into a plain time jump to just before (or after) the schedule's next change.
          const changes = (await ctx.keys.keys()).flatMap((key) => [key.activateAt, key.deactivateAt, key.retireAt]).filter((at): at is number => at !== undefined && at > now)
          const next = Math.min(...changes)
          if (!Number.isFinite(next) || next - step.before <= now) continue
          step = { kind: 'advance', seconds: next - step.before - now }
        }
        switch (step.kind) {
          case 'advance': {
            // Also check just before each token in the jump expires: publication is an interval, so
            // these instants and the end of the jump cover every instant in between.
            const target = now + step.seconds
            const probes = [...new Set(tokens.map((t) => t.exp - 1).filter((t) => t > now && t < target))].sort((a, b) => a - b)
            for (const probe of probes) {
              now = probe
              await checkTokens()
            }
            now = target
            break
          }
          case 'sign': {
            const key = await ctx.keys.signingKey()
            const token = await signJWT({ sub: 'client', client_id: 'client', jti: `${now}-${tokens.length}` }, key, {
              typ: 'at+jwt',
              issuer: 'https://issuer.example',
              audience: 'https://api.example',
              expiresIn: step.ttl,
              currentTime: now,
            })
            const kid = decodeJWTUnverified(token).header.kid as string
            await served()
            assert.ok(firstSeen.has(kid), `the signing key ${kid} is published when it signs`)
            if (!firstSigned.has(kid)) {
              const publishedFor = now - firstSeen.get(kid)!
              const firstBoot = signers.length === 0
              // The successor promoted (or created) when the signing key was revoked: it was published
              // by the time of that revocation and signs from then on.
              const afterEmergency = emergencies.some((at) => firstSeen.get(kid)! <= at && at <= now)
              assert.ok(
                publishedFor >= PUBLISH_AHEAD || firstBoot || afterEmergency,
                `key ${kid} first signs ${publishedFor}s after it was published (publish-ahead ${PUBLISH_AHEAD}s)`,
              )
              firstSigned.set(kid, now)
              signers.push(kid)
            }
            tokens.push({ token, kid, exp: now + step.ttl })
            break
          }
          case 'rotate':
            await ctx.keys.rotate()
            break
          case 'revoke': {
            const keys = await ctx.keys.keys()
            const target = keys.find((k) => k.state === step.which)
            if (target) {
              await ctx.keys.revoke(target.kid)
              revoked.set(target.kid, now)
              if (step.which === 'active') emergencies.push(now)
              await served()
            }
            break
          }
          case 'restart':
            ctx = context()
            break
        }
        await checkTokens()
      }
    }),
    { numRuns: 200 },
  )
})
