/**
 * What every store backend must do (`src/store/store.ts`), as tests registered against a harness:
 * `store-sqlite.test.ts` and `store-postgres.test.ts` run this same suite.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { latestSchemaVersion } from '../src/store/migrations.js'
import { StoreConflict, StoreInvalidKey, type ClientRecord, type Store } from '../src/store/store.js'

/** One database of a backend, of its own (a new file, a new schema). */
export interface TestDatabase {
  /** A new store on this database, not yet migrated: each is a replica with its own connections. */
  open(): Store
  /** The signing-keys `data` column as stored, read around the store. */
  rawKeyData(): Promise<string | undefined>
}

/** Creates fresh databases; closes and removes them at the end of the file. */
export interface StoreHarness {
  backend: Store['backend']
  database(): Promise<TestDatabase>
}

/** A migrated store on a fresh database. */
export async function freshStore(harness: StoreHarness): Promise<{ store: Store; database: TestDatabase }> {
  const database = await harness.database()
  const store = database.open()
  await store.migrate()
  return { store, database }
}

export function client(clientId: string, overrides: Partial<ClientRecord> = {}): ClientRecord {
  return {
    clientId,
    authMethod: 'client_secret_basic',
    secretHash: 'hash-of-the-secret',
    grantTypes: ['client_credentials'],
    scopes: ['read', 'write'],
    resources: ['https://api.example/'],
    createdAt: 1_700_000_000,
    updatedAt: 1_700_000_000,
    ...overrides,
  }
}

const odd = [
  "'; DROP TABLE clients; --",
  "Robert'); DELETE FROM single_use;--",
  'ü客户',
  '😀',
  'ｚ', // U+FF5A: after 客 and before 😀 by code point, but after 😀 by UTF-16 code unit
  '%_\\',
  '$1',
  ' ',
  '',
]

/** By code point, as both backends sort (not by UTF-16 code unit, as Array#sort does). */
const byCodePoint = (a: string, b: string): number => {
  const [x, y] = [[...a].map((c) => c.codePointAt(0)!), [...b].map((c) => c.codePointAt(0)!)]
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i]! - y[i]!
  return x.length - y.length
}

/** Runs `count` calls at once, alternating between `stores` (replicas), and returns their outcomes. */
function race<T>(stores: Store[], count: number, call: (store: Store) => Promise<T>): Promise<PromiseSettledResult<T>[]> {
  return Promise.allSettled(Array.from({ length: count }, (_, i) => call(stores[i % stores.length]!)))
}

export function storeContract(harness: StoreHarness): void {
  describe(`${harness.backend} store: migrations`, () => {
    it('reports schema version 0 before migrating and the latest after', async () => {
      const store = (await harness.database()).open()
      assert.deepEqual(await store.health(), { backend: harness.backend, schemaVersion: 0 })
      await store.migrate()
      assert.deepEqual(await store.health(), { backend: harness.backend, schemaVersion: latestSchemaVersion })
    })

    it('migrating again changes nothing and keeps the data', async () => {
      const { store, database } = await freshStore(harness)
      await store.putClient(client('kept'))
      await store.migrate()
      const replica = database.open()
      await replica.migrate()
      assert.equal((await replica.getClient('kept'))?.clientId, 'kept')
      assert.equal((await replica.health()).schemaVersion, latestSchemaVersion)
    })

    it('replicas migrating a fresh database at the same time all succeed', async () => {
      const database = await harness.database()
      const stores = Array.from({ length: 4 }, () => database.open())
      const outcomes = await Promise.allSettled(stores.map((store) => store.migrate()))
      assert.deepEqual(outcomes.filter((outcome) => outcome.status === 'rejected'), [])
      for (const store of stores) assert.equal((await store.health()).schemaVersion, latestSchemaVersion)
      await stores[0]!.putClient(client('after-race'))
      assert.equal((await stores[3]!.getClient('after-race'))?.clientId, 'after-race')
    })
  })

  describe(`${harness.backend} store: clients`, () => {
    it('stores, replaces, lists and deletes clients by id', async () => {
      const { store } = await freshStore(harness)
      const record = client('api-1', { name: 'API one', jwks: { keys: [{ kty: 'EC', crv: 'P-256', x: 'x', y: 'y' }] }, extraClaims: { tenant: 'ü', nested: { list: [1, 2.5, null] } } })
      await store.putClient(record)
      assert.deepEqual(await store.getClient('api-1'), record)
      const updated = { ...record, scopes: ['read'], updatedAt: 1_700_000_100 }
      await store.putClient(updated)
      assert.deepEqual(await store.getClient('api-1'), updated)
      assert.deepEqual(await store.listClients(), [updated])
      assert.equal(await store.deleteClient('api-1'), true)
      assert.equal(await store.deleteClient('api-1'), false)
      assert.equal(await store.getClient('api-1'), undefined)
      assert.deepEqual(await store.listClients(), [])
    })

    it('keeps SQL-shaped, Unicode and empty ids apart, exactly as given, sorted by code point', async () => {
      const { store } = await freshStore(harness)
      for (const id of odd) await store.putClient(client(id, { name: `name of ${id}` }))
      for (const id of odd) assert.equal((await store.getClient(id))?.name, `name of ${id}`, JSON.stringify(id))
      assert.deepEqual(
        (await store.listClients()).map((record) => record.clientId),
        [...odd].sort(byCodePoint),
      )
      assert.equal(await store.getClient('%'), undefined) // no LIKE anywhere
      assert.equal(await store.getClient('ü客户 '), undefined)
      assert.equal(await store.deleteClient("'; DROP TABLE clients; --"), true)
      assert.equal((await store.listClients()).length, odd.length - 1)
    })

    it('keeps any JSON in a record, including U+0000 inside values', async () => {
      const { store } = await freshStore(harness)
      const record = client('json', { name: 'nul \u0000 inside', extraClaims: { emoji: '😀', quote: '"\\', lone: '\uD800' } })
      await store.putClient(record)
      const stored = await store.getClient('json')
      assert.equal(stored?.name, 'nul \u0000 inside')
      assert.deepEqual(stored?.extraClaims, record.extraClaims)
    })

    it('refuses ids it cannot store faithfully and never finds them', async () => {
      const { store } = await freshStore(harness)
      for (const id of ['nul\u0000', '\uD800', 'a\uDC00b']) {
        await assert.rejects(store.putClient(client(id)), StoreInvalidKey)
        assert.equal(await store.getClient(id), undefined)
        assert.equal(await store.deleteClient(id), false)
      }
      await store.putClient(client('\uFFFD'))
      assert.equal(await store.getClient('\uD800'), undefined) // a lone surrogate is not U+FFFD
    })
  })

  describe(`${harness.backend} store: signing keys compare-and-swap`, () => {
    it('starts empty at version 0, then saves only from the current version', async () => {
      const { store } = await freshStore(harness)
      assert.deepEqual(await store.loadKeys(), { data: undefined, version: '0' })
      const first = await store.saveKeys('one', '0')
      assert.deepEqual(await store.loadKeys(), { data: 'one', version: first })
      await assert.rejects(store.saveKeys('stale first save', '0'), StoreConflict)
      const second = await store.saveKeys('two', first)
      assert.notEqual(second, first)
      await assert.rejects(store.saveKeys('stale', first), StoreConflict)
      for (const bogus of ['', 'x', '-1', '1.0', ' 1', '99999999999999999999']) await assert.rejects(store.saveKeys('bogus', bogus), StoreConflict, bogus)
      assert.deepEqual(await store.loadKeys(), { data: 'two', version: second })
    })

    it('of 20 concurrent saves from one version (two replicas), exactly one wins: first save and later ones', async () => {
      const { store, database } = await freshStore(harness)
      const stores = [store, database.open()]
      for (const from of ['0', undefined]) {
        const version = from ?? (await store.loadKeys()).version
        const outcomes = await race(stores, 20, (replica) => replica.saveKeys(`writer ${Math.random()}`, version))
        const won = outcomes.filter((outcome) => outcome.status === 'fulfilled')
        assert.equal(won.length, 1, `from version ${version}`)
        for (const outcome of outcomes) if (outcome.status === 'rejected') assert.ok(outcome.reason instanceof StoreConflict, String(outcome.reason))
        assert.equal((await stores[1]!.loadKeys()).version, (won[0] as PromiseFulfilledResult<string>).value)
      }
    })
  })

  describe(`${harness.backend} store: revocation`, () => {
    it('records a revocation once; revoking again changes nothing', async () => {
      const { store } = await freshStore(harness)
      assert.equal(await store.isTokenRevoked('jti-1'), false)
      await store.revokeToken({ jti: 'jti-1', clientId: 'c', expiresAt: 2000, revokedAt: 1000 })
      await store.revokeToken({ jti: 'jti-1', clientId: 'c', expiresAt: 2000, revokedAt: 1500 })
      assert.equal(await store.isTokenRevoked('jti-1'), true)
      assert.equal(await store.isTokenRevoked('jti-2'), false)
      assert.equal(await store.purgeExpired(1999), 0) // still one entry, alive until 2000
      assert.equal(await store.purgeExpired(2000), 1)
    })

    it('handles SQL-shaped and Unicode jtis, and refuses unstorable ones', async () => {
      const { store } = await freshStore(harness)
      for (const jti of odd) await store.revokeToken({ jti, clientId: 'ü客户', expiresAt: 2000, revokedAt: 1000 })
      for (const jti of odd) assert.equal(await store.isTokenRevoked(jti), true)
      await assert.rejects(store.revokeToken({ jti: 'a\u0000', clientId: 'c', expiresAt: 2000, revokedAt: 1000 }), StoreInvalidKey)
      await assert.rejects(store.revokeToken({ jti: 'ok', clientId: '\uD800', expiresAt: 2000, revokedAt: 1000 }), StoreInvalidKey)
      assert.equal(await store.isTokenRevoked('a\u0000'), false)
    })
  })

  describe(`${harness.backend} store: single use`, () => {
    it('is true once per (namespace, id) while the entry lives', async () => {
      const { store } = await freshStore(harness)
      assert.equal(await store.useOnce('assertion', 'jti-1', 1100, 1000), true)
      assert.equal(await store.useOnce('assertion', 'jti-1', 1100, 1000), false)
      assert.equal(await store.useOnce('assertion', 'jti-1', 9999, 1099.5), false)
      assert.equal(await store.useOnce('dpop', 'jti-1', 1100, 1000), true) // namespaces are apart
      for (const id of odd) assert.equal(await store.useOnce(id, id, 1100, 1000), true, JSON.stringify(id))
      for (const id of odd) assert.equal(await store.useOnce(id, id, 1100, 1000), false, JSON.stringify(id))
    })

    it('of 50 concurrent uses of one id (two replicas), exactly one is true', async () => {
      const { store, database } = await freshStore(harness)
      const outcomes = await race([store, database.open()], 50, (replica) => replica.useOnce('assertion', 'raced', 2000, 1000))
      assert.deepEqual(outcomes.filter((outcome) => outcome.status === 'rejected'), [])
      assert.equal(outcomes.filter((outcome) => outcome.status === 'fulfilled' && outcome.value).length, 1)
    })

    it('an expired entry is new again (from its expiresAt on), once, also under concurrency', async () => {
      const { store, database } = await freshStore(harness)
      assert.equal(await store.useOnce('assertion', 'old', 1100, 1000), true)
      assert.equal(await store.useOnce('assertion', 'old', 1200, 1099.999), false)
      assert.equal(await store.useOnce('assertion', 'old', 1200, 1100), true) // RFC 7519 §4.1.4: dead on exp
      assert.equal(await store.useOnce('assertion', 'old', 1300, 1150), false) // now lives until 1200
      const outcomes = await race([store, database.open()], 50, (replica) => replica.useOnce('assertion', 'old', 1400, 1250))
      assert.equal(outcomes.filter((outcome) => outcome.status === 'fulfilled' && outcome.value).length, 1)
      assert.equal(outcomes.filter((outcome) => outcome.status === 'rejected').length, 0)
    })

    it('refuses unstorable namespaces and ids', async () => {
      const { store } = await freshStore(harness)
      await assert.rejects(store.useOnce('assertion', 'a\u0000', 1100, 1000), StoreInvalidKey)
      await assert.rejects(store.useOnce('\uDBFF', 'id', 1100, 1000), StoreInvalidKey)
    })
  })

  describe(`${harness.backend} store: purge`, () => {
    it('deletes revocations and single-use entries expired at now, and nothing else', async () => {
      const { store } = await freshStore(harness)
      await store.revokeToken({ jti: 'gone', clientId: 'c', expiresAt: 100, revokedAt: 50 })
      await store.revokeToken({ jti: 'kept', clientId: 'c', expiresAt: 200.5, revokedAt: 50 })
      assert.equal(await store.useOnce('n', 'gone', 99.5, 50), true)
      assert.equal(await store.useOnce('n', 'kept', 300, 50), true)
      await store.putClient(client('untouched'))
      await store.saveKeys('keys', '0')
      assert.equal(await store.purgeExpired(100), 2)
      assert.equal(await store.purgeExpired(100), 0)
      assert.equal(await store.isTokenRevoked('gone'), false)
      assert.equal(await store.isTokenRevoked('kept'), true)
      assert.equal(await store.useOnce('n', 'kept', 300, 100), false)
      assert.equal(await store.useOnce('n', 'gone', 300, 100), true)
      assert.equal((await store.getClient('untouched'))?.clientId, 'untouched')
      assert.equal((await store.loadKeys()).data, 'keys')
      assert.equal(await store.purgeExpired(1000), 3)
    })
  })
}
