// PostgreSQL's change notification listener (`store/postgres-notifications.ts`) over a scripted
// connection, with the key copy it vouches for (`keys/cached-key-store.ts`): the copy is used only
// while the listener is up and heard from; when the connection is lost every check reads the store's
// version (even a list loaded while it was down is not trusted), and it reconnects by itself.
// Against a real server: postgres-replicas.test.ts.
import assert from 'node:assert/strict'
import { EventEmitter } from 'node:events'
import { after, before, describe, it } from 'node:test'
import { createMemoryKeyStore, type KeyStore } from 'jotjwt'
import type pg from 'pg'
import { createCachedKeyStore } from '../src/keys/cached-key-store.js'
import { keyChangesOf } from '../src/store/change-notifications.js'
import { CHANGE_CHANNEL, changePayload, createPostgresChangeNotifications, LIVE_FOR_MS } from '../src/store/postgres-notifications.js'

/** A connection whose every step the test decides. */
class ScriptedClient extends EventEmitter {
  readonly queries: string[] = []
  connectResult: Promise<void> = Promise.resolve()
  ended = false
  connect = () => this.connectResult
  query = async (text: string) => void this.queries.push(text)
  end = async () => void (this.ended = true)
  notify(payload: string) {
    this.emit('notification', { channel: CHANGE_CHANNEL, payload, processId: 1 })
  }
}

const QUIET = { info() {}, warn() {}, error() {} }
const KEY = { kid: 'k1', alg: 'ES256' as const, jwk: { kty: 'EC' }, createdAt: 0, activateAt: 0 }

/** `opening(n)`: how the n-th connection (from 0) opens. */
function setup(opening: (n: number) => Promise<void> = () => Promise.resolve()) {
  const clients: ScriptedClient[] = []
  const clock = { ms: 0 }
  const changes = createPostgresChangeNotifications({
    connect: () => {
      const client = new ScriptedClient()
      client.connectResult = opening(clients.length)
      clients.push(client)
      return client as unknown as pg.Client
    },
    schema: 'jotjwt',
    origin: 'me',
    log: QUIET,
    clock: () => clock.ms,
  })
  const inner = createMemoryKeyStore()
  const calls = { load: 0, version: 0 }
  const counted: KeyStore = {
    load: () => (calls.load++, inner.load()),
    version: async () => (calls.version++, (await inner.load()).version),
    save: (keys, version) => inner.save(keys, version),
  }
  const cached = createCachedKeyStore(counted, keyChangesOf(changes, Infinity))
  return { clients, clock, changes, inner, calls, cached }
}

describe('PostgreSQL change notifications', () => {
  // The listener's timers do not keep a process alive; the test's waits for them must.
  let alive: NodeJS.Timeout
  before(() => void (alive = setInterval(() => undefined, 1000)))
  after(() => clearInterval(alive))

  it('listens on its own connection; the copy answers while it is up, and another replica\'s change drops it', async () => {
    const { clients, changes, inner, calls, cached } = setup()
    assert.equal(await changes.waitReady(1000), true)
    assert.equal(clients.length, 1)
    assert.deepEqual(clients[0]!.queries, [`LISTEN ${CHANGE_CHANNEL}`])
    await cached.load()
    await cached.version!()
    await cached.version!()
    assert.deepEqual(calls, { load: 1, version: 0 })
    // Its own change, and another schema's, are ignored; another replica's drops the copy.
    clients[0]!.notify(changePayload('jotjwt', 'keys', 'me'))
    clients[0]!.notify(changePayload('other', 'keys', 'them'))
    clients[0]!.notify('not json')
    await cached.version!()
    assert.equal(calls.version, 0)
    await inner.save([KEY], '0')
    clients[0]!.notify(changePayload('jotjwt', 'keys', 'them'))
    assert.equal((await cached.load()).keys.length, 1)
    assert.equal(calls.load, 2)
    await changes.close()
  })

  it('with the connection lost, every check reads the store (a list loaded meanwhile is not trusted) until it listens again', async () => {
    // The second connection hangs until the test lets it through.
    let letThrough!: () => void
    const gate = new Promise<void>((resolve) => (letThrough = resolve))
    const { clients, changes, inner, calls, cached } = setup((n) => (n === 1 ? gate : Promise.resolve()))
    await changes.waitReady(1000)
    await cached.load()
    const down = clients[0]!
    down.emit('error', Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' }))
    assert.equal(changes.live(), false)
    assert.equal(down.ended, true)
    // Loaded while nothing listens: kept, never answered from.
    await cached.load()
    const loads = calls.load
    const version = await inner.save([KEY], '0')
    assert.equal(await cached.version!(), version, 'the next check sees the change no notification announced')
    assert.equal(await cached.version!(), version)
    assert.equal(calls.version, 2)
    // It reconnects by itself after a pause (here held at the gate), and treats everything as changed.
    letThrough()
    assert.equal(await changes.waitReady(5000), true)
    assert.deepEqual(clients[1]!.queries, [`LISTEN ${CHANGE_CHANNEL}`])
    assert.equal((await cached.load()).keys.length, 1)
    assert.equal(calls.load, loads + 1)
    await cached.version!()
    assert.equal(calls.version, 2, 'listening again: the copy answers')
    await changes.close()
  })

  it('a listener not heard from for a while (no heartbeat answer) is not trusted', async () => {
    const { clock, changes, calls, cached } = setup()
    await changes.waitReady(1000)
    await cached.load()
    clock.ms += LIVE_FOR_MS - 1
    await cached.version!()
    assert.equal(calls.version, 0)
    clock.ms += 1
    assert.equal(changes.live(), false)
    await cached.version!()
    assert.equal(calls.version, 1)
    await changes.close()
  })

  it('a connection that cannot be opened is tried again, never throwing; close stops it', async () => {
    const refused = () => Promise.reject(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }))
    let opened!: () => void
    const third = new Promise<void>((resolve) => (opened = resolve))
    const { clients, changes } = setup((n) => (n < 2 ? refused() : (opened(), Promise.resolve())))
    changes.subscribe('keys', () => undefined)
    await third
    assert.equal(clients.length, 3)
    assert.ok(clients[0]!.ended && clients[1]!.ended)
    assert.equal(await changes.waitReady(5000), true)
    await changes.close()
    assert.equal(changes.live(), false)
    assert.equal(clients[2]!.ended, true)
    assert.equal(await changes.waitReady(10), false)
  })
})
