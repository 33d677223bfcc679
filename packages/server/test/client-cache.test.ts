// A replica's copy of client records (`cache.clientMaxAge`): a record is read from the store once
// per maxAge; a write through this replica drops the copy at once; another replica's write is seen
// on its notification, or after maxAge (a simulated clock steps past it); unknown ids are never kept.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { withClientCache, type ClientChanges } from '../src/store/client-cache.js'
import type { ClientRecord, Store } from '../src/store/store.js'
import { createMemoryStore } from './memory-store.js'

const client = (clientId: string, secretHash = 'hash-1'): ClientRecord =>
  ({ clientId, secretHash, authMethod: 'client_secret_basic', grantTypes: ['client_credentials'], scopes: ['orders:read'], resources: ['https://api.example'], source: 'api' }) as ClientRecord

/** The store with its client reads counted. */
function counted(store: Store) {
  const reads = { count: 0 }
  return { store: { ...store, getClient: (id: string) => (reads.count++, store.getClient(id)) }, reads }
}

/** Notifications between the caches of one test, like Redis pub/sub between replicas (the publisher's own cache hears nothing). */
function bus() {
  const listeners: { owner: object; listener: () => void }[] = []
  return (owner: object = {}): ClientChanges => ({
    publish: async () => {
      for (const entry of listeners) if (entry.owner !== owner) entry.listener()
    },
    subscribe: (listener) => void listeners.push({ owner, listener }),
  })
}

describe('client cache', () => {
  it('reads a client from the store once per maxAge, and again once the copy is older', async () => {
    const { store, reads } = counted(createMemoryStore([client('billing')]))
    let now = 100
    const cached = withClientCache(store, { maxAge: 2, maxEntries: 10, clock: () => now })
    assert.equal((await cached.getClient('billing'))?.secretHash, 'hash-1')
    now += 1.9
    await cached.getClient('billing')
    assert.equal(reads.count, 1)
    now += 0.1
    await cached.getClient('billing')
    assert.equal(reads.count, 2, 'a copy maxAge old is read again')
  })

  it('reads asked for at once share one store read', async () => {
    const { store, reads } = counted(createMemoryStore([client('billing')]))
    const cached = withClientCache(store, { maxAge: 2, maxEntries: 10 })
    const answers = await Promise.all([cached.getClient('billing'), cached.getClient('billing'), cached.getClient('billing')])
    assert.equal(reads.count, 1)
    assert.ok(answers.every((answer) => answer?.clientId === 'billing'))
  })

  it('a write through it (put, delete, create) is seen by the next read at once', async () => {
    const cached = withClientCache(createMemoryStore([client('billing')]), { maxAge: 3600, maxEntries: 10, clock: () => 0 })
    await cached.getClient('billing')
    await cached.putClient(client('billing', 'hash-2'))
    assert.equal((await cached.getClient('billing'))?.secretHash, 'hash-2', 'a changed secret')
    assert.equal(await cached.deleteClient('billing'), true)
    assert.equal(await cached.getClient('billing'), undefined, 'a deleted client')
    assert.equal(await cached.createClient(client('billing', 'hash-3')), true)
    assert.equal((await cached.getClient('billing'))?.secretHash, 'hash-3', 'a created client')
  })

  it('a read in flight while a write lands does not put the older record back', async () => {
    const memory = createMemoryStore([client('billing')])
    let release!: () => void
    const gate = new Promise<void>((resolve) => (release = resolve))
    const slow: Store = { ...memory, getClient: async (id) => {
      const record = await memory.getClient(id)
      await gate
      return record
    } }
    const cached = withClientCache(slow, { maxAge: 3600, maxEntries: 10, clock: () => 0 })
    const inFlight = cached.getClient('billing')
    const written = cached.putClient(client('billing', 'hash-2'))
    release()
    await written
    assert.equal((await inFlight)?.secretHash, 'hash-1', 'the read started before the write')
    assert.equal((await cached.getClient('billing'))?.secretHash, 'hash-2')
  })

  it('another replica\'s write is seen on its notification, without waiting for maxAge', async () => {
    const shared = createMemoryStore([client('billing')])
    const changes = bus()
    const a = withClientCache(shared, { maxAge: 3600, maxEntries: 10, clock: () => 0, changes: changes() })
    const b = withClientCache(shared, { maxAge: 3600, maxEntries: 10, clock: () => 0, changes: changes() })
    await b.getClient('billing')
    await a.putClient(client('billing', 'hash-2'))
    assert.equal((await b.getClient('billing'))?.secretHash, 'hash-2')
    await b.getClient('billing')
    await a.deleteClient('billing')
    assert.equal(await b.getClient('billing'), undefined)
  })

  it('without a notification, another replica\'s write is seen once the copy is maxAge old', async () => {
    const shared = createMemoryStore([client('billing')])
    let now = 0
    const b = withClientCache(shared, { maxAge: 2, maxEntries: 10, clock: () => now })
    await b.getClient('billing')
    await shared.putClient(client('billing', 'hash-2'))
    assert.equal((await b.getClient('billing'))?.secretHash, 'hash-1', 'within maxAge: the copy')
    now = 2
    assert.equal((await b.getClient('billing'))?.secretHash, 'hash-2')
  })

  it('keeps no unknown client id (one created elsewhere is found at once) and at most maxEntries records', async () => {
    const memory = createMemoryStore([client('a'), client('b'), client('c')])
    const { store, reads } = counted(memory)
    const cached = withClientCache(store, { maxAge: 3600, maxEntries: 2, clock: () => 0 })
    assert.equal(await cached.getClient('later'), undefined)
    await memory.putClient(client('later'))
    assert.equal((await cached.getClient('later'))?.clientId, 'later')
    reads.count = 0
    for (const id of ['a', 'b', 'c', 'a']) await cached.getClient(id)
    assert.equal(reads.count, 4, 'a was dropped for c, the least recently used')
  })

  it('hands out frozen copies, so no request can change what the next one reads', async () => {
    const cached = withClientCache(createMemoryStore([client('billing')]), { maxAge: 3600, maxEntries: 10 })
    const record = (await cached.getClient('billing'))!
    assert.throws(() => (record.scopes as string[]).push('orders:write'), TypeError)
    assert.deepEqual((await cached.getClient('billing'))?.scopes, ['orders:read'])
  })

  it('maxAge 0 keeps no copy: the store itself', () => {
    const store = createMemoryStore()
    assert.equal(withClientCache(store, { maxAge: 0, maxEntries: 10 }), store)
  })
})
