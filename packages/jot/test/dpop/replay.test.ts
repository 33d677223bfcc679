// The in-memory replay store: single use while an entry lives, expiry, and a bound on its size.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { createMemoryReplayStore } from 'jotjwt'

describe('createMemoryReplayStore', () => {
  it('answers true the first time, false while the entry lives, true again once it has expired', () => {
    const store = createMemoryReplayStore()
    assert.equal(store.useOnce('a', 100, 10), true)
    assert.equal(store.useOnce('a', 100, 99), false)
    assert.equal(store.useOnce('b', 100, 99), true)
    assert.equal(store.useOnce('a', 200, 100), true)
    assert.equal(store.useOnce('a', 200, 150), false)
  })

  it('holds at most maxEntries: expired entries go first, then the oldest', () => {
    const store = createMemoryReplayStore({ maxEntries: 3 })
    store.useOnce('old', 50, 0)
    store.useOnce('a', 1000, 0)
    store.useOnce('b', 1000, 0)
    // At t=60 "old" has expired: it makes room, and a, b are still remembered.
    assert.equal(store.useOnce('c', 1000, 60), true)
    assert.equal(store.useOnce('a', 1000, 60), false)
    assert.equal(store.useOnce('b', 1000, 60), false)
    // Full of live entries: the oldest (a) is forgotten early to make room for d.
    assert.equal(store.useOnce('d', 1000, 60), true)
    assert.equal(store.useOnce('c', 1000, 60), false)
    assert.equal(store.useOnce('d', 1000, 60), false)
    assert.equal(store.useOnce('a', 1000, 60), true)
  })

  it('stays bounded under a flood of distinct ids', () => {
    const store = createMemoryReplayStore({ maxEntries: 1000 })
    for (let i = 0; i < 100_000; i++) assert.equal(store.useOnce(`id-${i}`, 10_000, 1), true)
    // The last 1000 are remembered; earlier ones were dropped.
    assert.equal(store.useOnce('id-99999', 10_000, 1), false)
    assert.equal(store.useOnce('id-99000', 10_000, 1), false)
    assert.equal(store.useOnce('id-0', 10_000, 1), true)
  })

  it('refuses a maxEntries that is not a positive integer', () => {
    for (const maxEntries of [0, -1, 1.5, Number.NaN]) {
      assert.throws(() => createMemoryReplayStore({ maxEntries }), { code: 'ERR_INVALID_ARGUMENT' })
    }
  })
})
