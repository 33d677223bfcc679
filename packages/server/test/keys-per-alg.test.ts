/**
 * One key list per algorithm: `keys.alg` keeps the list it always had (migration 1's row), RS256
 * (for ID tokens, OIDC Discovery §3) and every algorithm a client names get one each, sealed for
 * their algorithm; all are published and all rotate on the one schedule.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { configSchema } from '../src/config/schema.js'
import { serviceKeyManagers, signingAlgorithmsOf } from '../src/keys/manager.js'
import { createOAuthRuntime } from '../src/oauth/runtime.js'
import { keyManagers, publishedKeySet } from '../src/oauth/signing-keys.js'
import { createStoreLoginProvider } from '../src/login/provider.js'
import type { ServiceContext } from '../src/service/context.js'
import { createMemoryStore } from './memory-store.js'
import { ENCRYPTION_KEY } from './oauth-helpers.js'

const DAY = 86_400

function setup() {
  const clock = { now: 1_700_000_000 }
  const config = configSchema.parse({
    issuer: 'https://as.example',
    keys: { alg: 'ES256', rotationPeriod: '7d', publishAhead: '1h', encryptionKey: ENCRYPTION_KEY },
    clients: [
      { clientId: 'a', clientSecret: 'a-long-enough-client-secret', resources: ['https://api.example'], accessTokenAlg: 'EdDSA' },
      { clientId: 'b', authMethod: 'none', grantTypes: ['authorization_code'], redirectUris: ['https://b.example/cb'], resources: ['https://api.example'], idTokenAlg: 'PS256' },
    ],
  })
  const store = createMemoryStore()
  const { keys, keysByAlg } = serviceKeyManagers(config, store, { now: () => clock.now })
  const oauth = createOAuthRuntime(config)
  const ctx: ServiceContext = { config, store, keys, keysByAlg, now: () => clock.now, log: { info() {}, warn() {}, error() {} }, oauth, login: createStoreLoginProvider(store, oauth.passwords) }
  return { ctx, store, clock, config }
}

describe('signing keys per algorithm', () => {
  it('keeps keys for keys.alg, RS256 and every algorithm clients name, each list in its own row', async () => {
    const { ctx, store, config } = setup()
    assert.deepEqual(signingAlgorithmsOf(config), ['ES256', 'RS256', 'EdDSA', 'PS256'])
    for (const manager of keyManagers(ctx)) await manager.rotate()
    const jwks = await publishedKeySet(ctx)
    const count = new Map<string, number>()
    for (const key of jwks.keys) count.set(String(key.alg), (count.get(String(key.alg)) ?? 0) + 1)
    // Each: the signing key and its published successor.
    assert.deepEqual(Object.fromEntries(count), { ES256: 2, RS256: 2, EdDSA: 2, PS256: 2 })
    assert.ok((await store.loadKeys()).data, 'keys.alg keeps the list it always had')
    for (const alg of ['RS256', 'EdDSA', 'PS256']) assert.ok((await store.loadKeys(alg)).data, alg)
  })

  it('a list moved into another algorithm\'s row does not open: each is sealed for its algorithm', async () => {
    const { ctx, store } = setup()
    for (const manager of keyManagers(ctx)) await manager.rotate()
    const rsa = await store.loadKeys('RS256')
    const pss = await store.loadKeys('PS256')
    await store.saveKeys(rsa.data!, pss.version, 'PS256')
    await assert.rejects(ctx.keysByAlg!.get('PS256')!.signingKey(), { code: 'ERR_KEY_STORE_FAILED' })
  })

  it('every algorithm rotates on the one schedule', async () => {
    const { ctx, clock } = setup()
    const activeKids = async () => Promise.all(keyManagers(ctx).map(async (manager) => (await manager.keys()).find((key) => key.state === 'active')!.kid))
    const before = await activeKids()
    clock.now += 7 * DAY + 60
    const after = await activeKids()
    after.forEach((kid, index) => assert.notEqual(kid, before[index], `manager ${index} rotated`))
    const published = new Set((await publishedKeySet(ctx)).keys.map((key) => key.kid))
    for (const kid of [...before, ...after]) assert.ok(published.has(kid), 'the new and the retiring keys are published')
  })
})
