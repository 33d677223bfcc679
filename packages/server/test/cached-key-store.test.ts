// A replica's copy of its key list (used with Redis): served without reading the store until a
// change notification or `maxAge`, dropped on any failed save, and never able to make a replica
// decide on old keys, because the store's compare-and-swap has the last word.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { createKeyManager, createMemoryKeyStore, type KeyStore } from 'jotjwt'
import { createCachedKeyStore, type KeyChanges } from '../src/keys/cached-key-store.js'

/** A key store that counts what reaches it. */
function counted(inner: KeyStore = createMemoryKeyStore()) {
  const calls = { load: 0, save: 0 }
  const store: KeyStore = {
    load: () => (calls.load++, inner.load()),
    save: (keys, version) => (calls.save++, inner.save(keys, version)),
  }
  return { store, calls }
}

/** Change notifications between the stores of one test, like Redis pub/sub between replicas. */
function bus() {
  const listeners: (() => void)[] = []
  let published = 0
  return {
    published: () => published,
    changes(maxAge: number): KeyChanges {
      return {
        maxAge,
        publish: async () => {
          published++
          // Like pub/sub: every subscriber but the publisher's own store hears it; here all do,
          // which only costs the publisher one extra load.
          for (const listener of listeners) listener()
        },
        subscribe: (listener) => void listeners.push(listener),
      }
    },
  }
}

const KEY = { kid: 'k1', alg: 'ES256' as const, jwk: { kty: 'EC' }, createdAt: 0, activateAt: 0 }

describe('cached key store', () => {
  it('serves its copy until maxAge, then reads the store again', async () => {
    const { store, calls } = counted()
    const clock = { now: 0 }
    const cached = createCachedKeyStore(store, { maxAge: 5, publish: async () => {}, subscribe: () => {} }, () => clock.now)
    await cached.load()
    clock.now = 4.9
    await cached.load()
    assert.equal(calls.load, 1)
    clock.now = 5
    await cached.load()
    assert.equal(calls.load, 2)
  })

  it('hands out copies: what a caller changes does not change the next load', async () => {
    const { store } = counted()
    const version = await store.save([KEY], '0')
    const cached = createCachedKeyStore(store, { maxAge: 60, publish: async () => {}, subscribe: () => {} })
    const first = await cached.load()
    first.keys[0]!.revokedAt = 1
    const second = await cached.load()
    assert.equal(second.keys[0]!.revokedAt, undefined)
    assert.equal(second.version, version)
  })

  it('a change notification drops the copy', async () => {
    const { store, calls } = counted()
    const changes = bus()
    const cached = createCachedKeyStore(store, changes.changes(60))
    await cached.load()
    await changes.changes(60).publish()
    await cached.load()
    assert.equal(calls.load, 2)
  })

  it('a save keeps the saved list as the copy and publishes; a failed save drops the copy', async () => {
    const { store, calls } = counted()
    const changes = bus()
    const cached = createCachedKeyStore(store, changes.changes(60))
    const version = await cached.save([KEY], '0')
    assert.equal(changes.published(), 1)
    const loads = calls.load
    await cached.load() // the notification of its own save dropped the copy once
    assert.deepEqual(await cached.load(), { keys: [KEY], version })
    assert.equal(calls.load, loads + 1)
    await assert.rejects(cached.save([], '0'), { code: 'ERR_KEY_STORE_CONFLICT' })
    await cached.load()
    assert.equal(calls.load, loads + 2, 'reloaded after the lost swap')
  })

  it('maxAge 0 keeps no copy but still publishes (key administration)', async () => {
    const { store, calls } = counted()
    const changes = bus()
    const cached = createCachedKeyStore(store, changes.changes(0))
    await cached.save([KEY], '0')
    await cached.load()
    await cached.load()
    assert.equal(calls.load, 2)
    assert.equal(changes.published(), 1)
  })

  it('two replicas: a revocation on one reaches the other with the notification; without it, after maxAge', async () => {
    const shared = createMemoryKeyStore()
    const clock = { now: 1000 }
    const manager = (changes: KeyChanges) =>
      createKeyManager({ alg: 'ES256', store: createCachedKeyStore(shared, changes, () => clock.now), currentTime: () => clock.now })

    const notified = bus()
    const [a, b] = [manager(notified.changes(60)), manager(notified.changes(60))]
    const old = (await b.jwks()).keys.map((key) => key.kid)
    await a.revoke((await a.keys()).find((key) => key.state === 'active')!.kid)
    assert.notDeepEqual((await b.jwks()).keys.map((key) => key.kid), old, 'seen at once')

    const silent = (maxAge: number): KeyChanges => ({ maxAge, publish: async () => {}, subscribe: () => {} })
    const [c, d] = [manager(silent(5)), manager(silent(5))]
    const before = (await d.jwks()).keys.map((key) => key.kid)
    await c.revoke((await c.keys()).find((key) => key.state === 'active')!.kid)
    assert.deepEqual((await d.jwks()).keys.map((key) => key.kid), before, 'the copy is still served')
    clock.now += 5
    assert.notDeepEqual((await d.jwks()).keys.map((key) => key.kid), before, 'seen after maxAge')
  })
})
