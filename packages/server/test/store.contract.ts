/**
 * What every store backend must do (`src/store/store.ts`), as tests registered against a harness:
 * `store-sqlite.test.ts` and `store-postgres.test.ts` run this same suite.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { latestSchemaVersion } from '../src/store/migrations.js'
import {
  StoreConflict,
  StoreInvalidKey,
  type AuthorizationCodeRecord,
  type ClientRecord,
  type GrantRecord,
  type RefreshTokenRecord,
  type Store,
  type TrustEntryRecord,
  type UpstreamAccountRecord,
  type UserRecord,
} from '../src/store/store.js'

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

export function user(subject: string, overrides: Partial<UserRecord> = {}): UserRecord {
  return {
    subject,
    username: `user-${subject}`,
    passwordHash: 'hash-of-the-password',
    name: 'Ada Lovelace',
    email: 'ada@example.com',
    emailVerified: true,
    groups: ['admins', 'engineering'],
    createdAt: 1_700_000_000,
    updatedAt: 1_700_000_000,
    ...overrides,
  }
}

/** A trust entry; `subject: null` makes it the issuer's any-subject entry. */
function trustEntry(id: string, overrides: Partial<Omit<TrustEntryRecord, 'subject'>> & { subject?: string | null } = {}): TrustEntryRecord {
  const { subject = 'deploy-bot', ...rest } = overrides
  return {
    id,
    issuer: 'https://ci.example',
    ...(subject === null ? {} : { subject }),
    scopes: ['deploy:write'],
    jwksUri: 'https://ci.example/jwks.json',
    algorithms: ['ES256'],
    source: 'api',
    createdAt: 1_700_000_000,
    updatedAt: 1_700_000_000,
    ...rest,
  }
}

function code(codeHash: string, overrides: Partial<AuthorizationCodeRecord> = {}): AuthorizationCodeRecord {
  return {
    codeHash,
    clientId: 'app',
    redirectUri: 'https://app.example/cb?x=1',
    codeChallenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
    grantId: `grant-of-${codeHash}`,
    subject: 'user-1',
    scopes: ['openid', 'profile'],
    audiences: ['https://api.example/'],
    authTime: 990,
    nonce: 'n-0S6_WzA2Mj',
    createdAt: 1000,
    expiresAt: 1060,
    ...overrides,
  }
}

function grant(id: string, overrides: Partial<GrantRecord> = {}): GrantRecord {
  return { id, clientId: 'app', subject: 'user-1', scopes: ['openid'], audiences: ['https://api.example/'], authTime: 990, createdAt: 1000, expiresAt: 100_000, ...overrides }
}

function refreshToken(tokenHash: string, grantId: string, overrides: Partial<RefreshTokenRecord> = {}): RefreshTokenRecord {
  return { tokenHash, grantId, clientId: 'app', createdAt: 1000, expiresAt: 5000, ...overrides }
}

function upstreamAccount(subject: string, overrides: Partial<UpstreamAccountRecord> = {}): UpstreamAccountRecord {
  return {
    subject,
    issuer: 'https://idp.example',
    upstreamSubject: '248289761001',
    upstream: 'corp',
    username: 'ada',
    name: 'Ada Lovelace',
    email: 'ada@example.com',
    emailVerified: true,
    groups: ['admins'],
    createdAt: 1000,
    updatedAt: 1000,
    ...overrides,
  }
}

const successor = (tokenHash: string, expiresAt = 9000) => ({ tokenHash, sealed: `sealed ${tokenHash}`, createdAt: 2000, expiresAt })

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
  describe(`${harness.backend} store: closed`, () => {
    // A request still running when a shutdown closes the store (http.shutdownTimeout) answers 503, not 500.
    it('after close(), operations fail with StoreUnavailable; closing again is harmless', async () => {
      const { store } = await freshStore(harness)
      await store.close()
      for (const operation of [() => store.getClient('c'), () => store.useOnce('n', 'id', 2000, 1000), () => store.revokeGrant('g', 1000), () => store.health()]) {
        await assert.rejects(operation(), (error: Error) => {
          assert.equal((error as { code?: unknown }).code, 'ERR_STORE_UNAVAILABLE', String(error))
          assert.match(error.message, /is closed$/)
          return true
        })
      }
      await store.close()
    })
  })

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

    it('createClient inserts a new id only: of concurrent creations of one id (two replicas) exactly one wins', async () => {
      const { store, database } = await freshStore(harness)
      assert.equal(await store.createClient(client('fresh', { source: 'api' })), true)
      assert.equal(await store.createClient(client('fresh', { name: 'second' })), false)
      assert.deepEqual(await store.getClient('fresh'), client('fresh', { source: 'api' }))
      const outcomes = await race([store, database.open()], 10, (replica) => replica.createClient(client('raced', { name: `writer ${Math.random()}` })))
      assert.equal(outcomes.filter((outcome) => outcome.status === 'fulfilled' && outcome.value).length, 1)
      await assert.rejects(store.createClient(client('nul\u0000')), StoreInvalidKey)
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
      assert.equal(await store.keysVersion(), '0')
      const first = await store.saveKeys('one', '0')
      assert.deepEqual(await store.loadKeys(), { data: 'one', version: first })
      assert.equal(await store.keysVersion(), first)
      await assert.rejects(store.saveKeys('stale first save', '0'), StoreConflict)
      const second = await store.saveKeys('two', first)
      assert.notEqual(second, first)
      await assert.rejects(store.saveKeys('stale', first), StoreConflict)
      for (const bogus of ['', 'x', '-1', '1.0', ' 1', '99999999999999999999']) await assert.rejects(store.saveKeys('bogus', bogus), StoreConflict, bogus)
      assert.deepEqual(await store.loadKeys(), { data: 'two', version: second })
      assert.equal(await store.keysVersion(), second, 'the version alone')
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

  describe(`${harness.backend} store: signing keys per algorithm`, () => {
    it('keeps one list per algorithm, each with its own version, apart from the default list', async () => {
      const { store } = await freshStore(harness)
      const defaultVersion = await store.saveKeys('default list', '0')
      assert.deepEqual(await store.loadKeys('RS256'), { data: undefined, version: '0' })
      assert.equal(await store.keysVersion('RS256'), '0')
      const rsa = await store.saveKeys('rsa list', '0', 'RS256')
      assert.equal(await store.keysVersion('RS256'), rsa)
      assert.equal(await store.keysVersion(), defaultVersion)
      await assert.rejects(store.saveKeys('stale', '0', 'RS256'), StoreConflict)
      const eddsa = await store.saveKeys('eddsa list', '0', 'EdDSA')
      const rsa2 = await store.saveKeys('rsa list 2', rsa, 'RS256')
      assert.deepEqual(await store.loadKeys(), { data: 'default list', version: defaultVersion })
      assert.deepEqual(await store.loadKeys('RS256'), { data: 'rsa list 2', version: rsa2 })
      assert.deepEqual(await store.loadKeys('EdDSA'), { data: 'eddsa list', version: eddsa })
      await assert.rejects(store.saveKeys('x', '0', 'bad\u0000'), StoreInvalidKey)
    })

    it('of 20 concurrent saves of one algorithm\'s list (two replicas), exactly one wins', async () => {
      const { store, database } = await freshStore(harness)
      const outcomes = await race([store, database.open()], 20, (replica) => replica.saveKeys(`writer ${Math.random()}`, '0', 'RS256'))
      assert.equal(outcomes.filter((outcome) => outcome.status === 'fulfilled').length, 1)
      for (const outcome of outcomes) if (outcome.status === 'rejected') assert.ok(outcome.reason instanceof StoreConflict, String(outcome.reason))
    })
  })

  describe(`${harness.backend} store: users`, () => {
    it('stores, finds by subject and by username, replaces, lists and deletes users', async () => {
      const { store } = await freshStore(harness)
      const ada = user('u-1', { username: 'ada', attributes: { department: 'R&D', nested: { n: [1, null] } } })
      await store.putUser(ada)
      await store.putUser(user('u-0', { username: 'grace', groups: [] }))
      assert.deepEqual(await store.getUser('u-1'), ada)
      assert.deepEqual(await store.findUserByUsername('ada'), ada)
      assert.equal(await store.findUserByUsername('Ada'), undefined, 'usernames are compared exactly')
      const renamed = { ...ada, username: 'ada.l', updatedAt: 1_700_000_100 }
      await store.putUser(renamed)
      assert.equal(await store.findUserByUsername('ada'), undefined)
      assert.deepEqual(await store.findUserByUsername('ada.l'), renamed)
      assert.deepEqual((await store.listUsers()).map((record) => record.subject), ['u-0', 'u-1'])
      assert.equal(await store.deleteUser('u-1'), true)
      assert.equal(await store.deleteUser('u-1'), false)
      assert.equal(await store.getUser('u-1'), undefined)
    })

    it('refuses a username another subject has, and keeps both users as they were', async () => {
      const { store } = await freshStore(harness)
      await store.putUser(user('u-1', { username: 'ada' }))
      await store.putUser(user('u-2', { username: 'grace' }))
      await assert.rejects(store.putUser(user('u-2', { username: 'ada' })), StoreConflict)
      assert.equal((await store.findUserByUsername('ada'))?.subject, 'u-1')
      assert.equal((await store.getUser('u-2'))?.username, 'grace')
    })

    it('createUser inserts a new subject only, and refuses a username another subject has', async () => {
      const { store, database } = await freshStore(harness)
      assert.equal(await store.createUser(user('u-1', { username: 'ada', source: 'api' })), true)
      assert.equal(await store.createUser(user('u-1', { username: 'ada2' })), false)
      assert.equal((await store.getUser('u-1'))?.username, 'ada')
      await assert.rejects(store.createUser(user('u-2', { username: 'ada' })), StoreConflict)
      assert.equal(await store.getUser('u-2'), undefined)
      const outcomes = await race([store, database.open()], 10, (replica) => replica.createUser(user('u-3', { username: `grace-${Math.random()}` })))
      assert.equal(outcomes.filter((outcome) => outcome.status === 'fulfilled' && outcome.value).length, 1)
    })

    it('keeps SQL-shaped and Unicode usernames apart, and refuses unstorable ones', async () => {
      const { store } = await freshStore(harness)
      for (const [index, name] of odd.entries()) await store.putUser(user(`s-${index}`, { username: name }))
      for (const [index, name] of odd.entries()) assert.equal((await store.findUserByUsername(name))?.subject, `s-${index}`, JSON.stringify(name))
      assert.equal(await store.findUserByUsername('%'), undefined)
      await assert.rejects(store.putUser(user('s-x', { username: 'nul\u0000' })), StoreInvalidKey)
      await assert.rejects(store.putUser(user('\uD800')), StoreInvalidKey)
      assert.equal(await store.findUserByUsername('nul\u0000'), undefined)
    })
  })

  describe(`${harness.backend} store: upstream accounts`, () => {
    it('keys an account by (issuer, upstream sub): a later login keeps its subject and creation time and replaces its profile', async () => {
      const { store } = await freshStore(harness)
      const first = upstreamAccount('acct-1')
      assert.deepEqual(await store.saveUpstreamAccount(first), first)
      // The next login proposes a fresh subject; the stored one wins.
      const again = upstreamAccount('acct-2', { name: 'Ada King', groups: ['engineering', 'ü'], emailVerified: false, createdAt: 2000, updatedAt: 2000 })
      const saved = await store.saveUpstreamAccount(again)
      assert.deepEqual(saved, { ...again, subject: 'acct-1', createdAt: 1000 })
      assert.deepEqual(await store.getUpstreamAccount('acct-1'), saved)
      assert.equal(await store.getUpstreamAccount('acct-2'), undefined)
      // A profile without the optional fields loses them.
      const bare = upstreamAccount('acct-3', { groups: [], updatedAt: 3000 })
      delete bare.name
      delete bare.email
      delete bare.emailVerified
      assert.deepEqual(await store.saveUpstreamAccount(bare), { ...bare, subject: 'acct-1', createdAt: 1000 })
    })

    it('the same sub at another issuer, or the same email under another sub, is another person', async () => {
      const { store } = await freshStore(harness)
      const ada = await store.saveUpstreamAccount(upstreamAccount('acct-1'))
      const otherIssuer = await store.saveUpstreamAccount(upstreamAccount('acct-2', { issuer: 'https://idp.example/' }))
      const sameEmail = await store.saveUpstreamAccount(upstreamAccount('acct-3', { upstreamSubject: 'mallory' }))
      assert.deepEqual([ada.subject, otherIssuer.subject, sameEmail.subject], ['acct-1', 'acct-2', 'acct-3'])
      assert.equal((await store.getUpstreamAccount('acct-2'))?.issuer, 'https://idp.example/')
    })

    it('concurrent first logins of one person, on several replicas, agree on one subject', async () => {
      const database = await harness.database()
      const stores = [database.open(), database.open()]
      await stores[0]!.migrate()
      const outcomes = await race(stores, 8, (store) => store.saveUpstreamAccount(upstreamAccount(`candidate-${Math.random()}`)))
      const subjects = new Set(outcomes.map((outcome) => (outcome.status === 'fulfilled' ? outcome.value.subject : String(outcome.reason))))
      assert.equal(subjects.size, 1, [...subjects].join(', '))
      assert.match([...subjects][0]!, /^candidate-/)
    })

    it("refuses a new account with another account's subject, and keys no backend can store", async () => {
      const { store } = await freshStore(harness)
      await store.saveUpstreamAccount(upstreamAccount('acct-1'))
      await assert.rejects(store.saveUpstreamAccount(upstreamAccount('acct-1', { upstreamSubject: 'someone else' })), StoreConflict)
      assert.equal((await store.getUpstreamAccount('acct-1'))?.upstreamSubject, '248289761001')
      await assert.rejects(store.saveUpstreamAccount(upstreamAccount('acct-2', { upstreamSubject: 'nul\u0000' })), StoreInvalidKey)
      await assert.rejects(store.saveUpstreamAccount(upstreamAccount('acct-2', { issuer: '\uD800' })), StoreInvalidKey)
      assert.equal(await store.getUpstreamAccount('nul\u0000'), undefined)
      for (const [index, sub] of odd.entries()) await store.saveUpstreamAccount(upstreamAccount(`odd-${index}`, { upstreamSubject: sub }))
      for (const [index, sub] of odd.entries()) assert.equal((await store.getUpstreamAccount(`odd-${index}`))?.upstreamSubject, sub, JSON.stringify(sub))
    })
  })

  describe(`${harness.backend} store: trust entries`, () => {
    it('stores, finds by issuer, replaces, lists and deletes trust entries', async () => {
      const { store } = await freshStore(harness)
      const bot = trustEntry('t-1', { jwks: { keys: [{ kty: 'OKP', crv: 'Ed25519', x: 'x' }] }, expiresAt: 1_800_000_000.5 })
      const any = trustEntry('t-2', { subject: null, scopes: ['read'] })
      const other = trustEntry('t-0', { issuer: 'https://other.example' })
      for (const entry of [bot, any, other]) await store.putTrustEntry(entry)
      assert.deepEqual(await store.getTrustEntry('t-1'), bot)
      assert.deepEqual(await store.getTrustEntry('t-2'), any)
      assert.deepEqual((await store.findTrustEntries('https://ci.example')).map((entry) => entry.id), ['t-1', 't-2'])
      assert.deepEqual(await store.findTrustEntries('https://ci.example/'), [], 'issuers are compared exactly')
      assert.deepEqual((await store.listTrustEntries()).map((entry) => entry.id), ['t-0', 't-1', 't-2'])
      const narrowed = { ...bot, scopes: [], updatedAt: 1_700_000_100 }
      await store.putTrustEntry(narrowed)
      assert.deepEqual(await store.getTrustEntry('t-1'), narrowed)
      assert.equal(await store.deleteTrustEntry('t-1'), true)
      assert.equal(await store.deleteTrustEntry('t-1'), false)
      assert.deepEqual((await store.findTrustEntries('https://ci.example')).map((entry) => entry.id), ['t-2'])
    })

    it('one entry per issuer and subject, one any-subject entry per issuer; the existing one is kept', async () => {
      const { store, database } = await freshStore(harness)
      await store.putTrustEntry(trustEntry('t-1'))
      await assert.rejects(store.putTrustEntry(trustEntry('t-2')), StoreConflict)
      await store.putTrustEntry(trustEntry('t-3', { subject: 'other-bot' }))
      await store.putTrustEntry(trustEntry('t-4', { subject: null }))
      await assert.rejects(store.putTrustEntry(trustEntry('t-5', { subject: null })), StoreConflict)
      await store.putTrustEntry(trustEntry('t-6', { subject: null, issuer: 'https://other.example' }))
      await assert.rejects(store.putTrustEntry(trustEntry('t-3', { subject: 'deploy-bot' })), StoreConflict, 'moving onto a taken subject')
      assert.equal((await store.getTrustEntry('t-3'))?.subject, 'other-bot')
      assert.deepEqual((await store.listTrustEntries()).map((entry) => entry.id), ['t-1', 't-3', 't-4', 't-6'])
      const outcomes = await race([store, database.open()], 10, (replica) => replica.putTrustEntry(trustEntry(`raced-${Math.random()}`, { issuer: 'https://raced.example' })))
      assert.equal(outcomes.filter((outcome) => outcome.status === 'fulfilled').length, 1)
      for (const outcome of outcomes) if (outcome.status === 'rejected') assert.ok(outcome.reason instanceof StoreConflict, String(outcome.reason))
    })

    it('refuses ids, issuers and subjects it cannot store faithfully', async () => {
      const { store } = await freshStore(harness)
      await assert.rejects(store.putTrustEntry(trustEntry('nul\u0000')), StoreInvalidKey)
      await assert.rejects(store.putTrustEntry(trustEntry('t', { issuer: '\uD800' })), StoreInvalidKey)
      await assert.rejects(store.putTrustEntry(trustEntry('t', { subject: 'a\u0000' })), StoreInvalidKey)
      assert.equal(await store.getTrustEntry('nul\u0000'), undefined)
      assert.deepEqual(await store.findTrustEntries('\uD800'), [])
      assert.equal(await store.deleteTrustEntry('nul\u0000'), false)
    })
  })

  describe(`${harness.backend} store: audit events`, () => {
    it('appends events with increasing ids and lists the latest first, never purged', async () => {
      const { store, database } = await freshStore(harness)
      const event = (target: string, at: number) => ({ at, actorClientId: 'ops', actorSubject: 'ops', action: 'client.create', target })
      await store.appendAuditEvent(event('a', 1000.5))
      await database.open().appendAuditEvent(event('b', 1001))
      await store.appendAuditEvent({ ...event('ü客户', 1002), actorSubject: 'alice', action: 'key.revoke' })
      await store.purgeExpired(Number.MAX_SAFE_INTEGER)
      const listed = await store.listAuditEvents(10)
      assert.deepEqual(listed.map(({ id: _, ...rest }) => rest), [{ ...event('ü客户', 1002), actorSubject: 'alice', action: 'key.revoke' }, event('b', 1001), event('a', 1000.5)])
      assert.ok(listed[0]!.id > listed[1]!.id && listed[1]!.id > listed[2]!.id, JSON.stringify(listed.map((e) => e.id)))
      assert.equal(typeof listed[0]!.id, 'number')
      assert.deepEqual((await store.listAuditEvents(1)).map((e) => e.target), ['ü客户'])
      assert.deepEqual(await store.listAuditEvents(0), [])
      await assert.rejects(store.appendAuditEvent(event('nul\u0000', 1)), StoreInvalidKey)
    })
  })

  describe(`${harness.backend} store: sessions`, () => {
    it('finds a session while it lives (until expiresAt) and deletes it', async () => {
      const { store } = await freshStore(harness)
      const session = { idHash: 'sid-hash', subject: 'u-1', authTime: 990.5, createdAt: 1000, expiresAt: 2000 }
      await store.createSession(session)
      assert.deepEqual(await store.getSession('sid-hash', 1999.9), session)
      assert.equal(await store.getSession('sid-hash', 2000), undefined)
      assert.equal(await store.getSession('other', 1000), undefined)
      assert.equal(await store.deleteSession('sid-hash'), true)
      assert.equal(await store.deleteSession('sid-hash'), false)
      assert.equal(await store.getSession('sid-hash', 1000), undefined)
      assert.equal(await store.getSession('\uD800', 1000), undefined)
    })
  })

  describe(`${harness.backend} store: authorization codes`, () => {
    it('keeps the code with everything its grant needs; consumed once, and only while it lives', async () => {
      const { store } = await freshStore(harness)
      const record = code('c-1')
      await store.createAuthorizationCode(record)
      assert.deepEqual(await store.getAuthorizationCode('c-1'), record)
      assert.equal(await store.consumeAuthorizationCode('c-1', 1010), true)
      assert.equal(await store.consumeAuthorizationCode('c-1', 1011), false)
      assert.deepEqual(await store.getAuthorizationCode('c-1'), { ...record, consumedAt: 1010 })
      const withoutNonce = code('c-2')
      delete withoutNonce.nonce
      await store.createAuthorizationCode(withoutNonce)
      assert.equal(await store.consumeAuthorizationCode('c-2', 1060), false, 'dead from expiresAt on')
      assert.deepEqual(await store.getAuthorizationCode('c-2'), withoutNonce)
      assert.equal(await store.consumeAuthorizationCode('unknown', 1000), false)
      assert.equal(await store.getAuthorizationCode('unknown'), undefined)
    })

    it('of 50 concurrent redemptions of one code (two replicas), exactly one consumes it', async () => {
      const { store, database } = await freshStore(harness)
      await store.createAuthorizationCode(code('raced'))
      const outcomes = await race([store, database.open()], 50, (replica) => replica.consumeAuthorizationCode('raced', 1001))
      assert.deepEqual(outcomes.filter((outcome) => outcome.status === 'rejected'), [])
      assert.equal(outcomes.filter((outcome) => outcome.status === 'fulfilled' && outcome.value).length, 1)
    })
  })

  describe(`${harness.backend} store: grants and their families`, () => {
    it('creates a grant once and reads it back', async () => {
      const { store } = await freshStore(harness)
      const record = grant('g-1', { scopes: ['openid', 'groups'], audiences: ['https://a.example/', 'https://b.example/'] })
      assert.equal(await store.createGrant(record), true)
      assert.equal(await store.createGrant({ ...record, subject: 'someone else' }), false)
      assert.deepEqual(await store.getGrant('g-1'), record)
      assert.equal(await store.getGrant('g-2'), undefined)
    })

    it('revoking a family denylists its live access tokens, keeps the first revocation time, and refuses new ones', async () => {
      const { store } = await freshStore(harness)
      await store.createGrant(grant('g-1'))
      await store.createGrant(grant('g-2', { clientId: 'other' }))
      assert.equal(await store.recordAccessToken('g-1', { jti: 'at-1', expiresAt: 3000 }), true)
      assert.equal(await store.recordAccessToken('g-1', { jti: 'at-old', expiresAt: 1500 }), true)
      assert.equal(await store.recordAccessToken('g-2', { jti: 'at-2', expiresAt: 3000 }), true)
      assert.equal(await store.recordAccessToken('unknown', { jti: 'at-x', expiresAt: 3000 }), false)
      assert.deepEqual(await store.revokeGrant('g-1', 2000), [{ jti: 'at-1', expiresAt: 3000 }], 'at-old expired at 1500: nothing to denylist')
      assert.equal(await store.isTokenRevoked('at-1'), true)
      assert.equal(await store.isTokenRevoked('at-old'), false)
      assert.equal(await store.isTokenRevoked('at-2'), false, 'another family is untouched')
      assert.equal((await store.getGrant('g-1'))?.revokedAt, 2000)
      assert.deepEqual(await store.revokeGrant('g-1', 2500), [])
      assert.equal((await store.getGrant('g-1'))?.revokedAt, 2000)
      assert.equal(await store.recordAccessToken('g-1', { jti: 'at-3', expiresAt: 3000 }), false)
      assert.equal(await store.isTokenRevoked('at-3'), false)
      assert.deepEqual(await store.revokeGrant('unknown', 2000), [])
    })

    it('an access token recorded while its family is revoked (two replicas) is either refused or denylisted', async () => {
      const { store, database } = await freshStore(harness)
      const replica = database.open()
      await store.createGrant(grant('g-race'))
      const records = Array.from({ length: 40 }, (_, i) => (i % 2 ? store : replica).recordAccessToken('g-race', { jti: `race-${i}`, expiresAt: 9000 }))
      const revocation = (await Promise.all([Promise.all(records.slice(0, 20)), replica.revokeGrant('g-race', 2000), Promise.all(records.slice(20))]))
      const recorded = [...revocation[0], ...revocation[2]]
      for (const [i, accepted] of recorded.entries()) {
        if (accepted) assert.equal(await store.isTokenRevoked(`race-${i}`), true, `race-${i} was recorded, so the revocation must have denylisted it`)
      }
    })
  })

  describe(`${harness.backend} store: refresh tokens`, () => {
    it('rotates a live token once: consumed with its successor, the successor created in its family', async () => {
      const { store } = await freshStore(harness)
      await store.createGrant(grant('g-1'))
      const first = refreshToken('rt-1', 'g-1')
      await store.createRefreshToken(first)
      assert.deepEqual(await store.getRefreshToken('rt-1'), first)
      assert.equal(await store.rotateRefreshToken('rt-1', successor('rt-2'), 2000), true)
      assert.deepEqual(await store.getRefreshToken('rt-1'), { ...first, consumedAt: 2000, successorHash: 'rt-2', successorSealed: 'sealed rt-2' })
      assert.deepEqual(await store.getRefreshToken('rt-2'), { tokenHash: 'rt-2', grantId: 'g-1', clientId: 'app', createdAt: 2000, expiresAt: 9000 })
      assert.equal(await store.rotateRefreshToken('rt-1', successor('rt-3'), 2001), false)
      assert.equal(await store.getRefreshToken('rt-3'), undefined, 'a lost rotation creates nothing')
      assert.equal(await store.rotateRefreshToken('rt-2', successor('rt-3'), 2001), true)
      assert.equal(await store.rotateRefreshToken('unknown', successor('rt-4'), 2001), false)
    })

    it('does not rotate a token past its idle lifetime, of a revoked family, or past the family\'s absolute lifetime', async () => {
      const { store } = await freshStore(harness)
      await store.createGrant(grant('g-idle'))
      await store.createRefreshToken(refreshToken('idle', 'g-idle', { expiresAt: 1500 }))
      assert.equal(await store.rotateRefreshToken('idle', successor('s-idle'), 1500), false)
      await store.createGrant(grant('g-revoked'))
      await store.createRefreshToken(refreshToken('revoked', 'g-revoked'))
      await store.revokeGrant('g-revoked', 1200)
      assert.equal(await store.rotateRefreshToken('revoked', successor('s-revoked'), 1300), false)
      await store.createGrant(grant('g-old', { expiresAt: 1400 }))
      await store.createRefreshToken(refreshToken('old', 'g-old'))
      assert.equal(await store.rotateRefreshToken('old', successor('s-old'), 1400), false)
      for (const hash of ['idle', 'revoked', 'old']) assert.equal((await store.getRefreshToken(hash))?.consumedAt, undefined, hash)
    })

    it('reads a token with its grant in one call', async () => {
      const { store } = await freshStore(harness)
      await store.createGrant(grant('g-1', { dpopJkt: 'jkt-1' }))
      const first = refreshToken('rt-1', 'g-1')
      await store.createRefreshToken(first)
      assert.deepEqual(await store.getRefreshTokenWithGrant('rt-1'), { token: first, grant: await store.getGrant('g-1') })
      await store.rotateRefreshToken('rt-1', successor('rt-2'), 2000)
      await store.revokeGrant('g-1', 2100)
      assert.deepEqual(await store.getRefreshTokenWithGrant('rt-1'), { token: await store.getRefreshToken('rt-1'), grant: await store.getGrant('g-1') })
      assert.equal((await store.getRefreshTokenWithGrant('rt-1'))?.grant.revokedAt, 2100)
      assert.equal(await store.getRefreshTokenWithGrant('unknown'), undefined)
      assert.equal(await store.getRefreshTokenWithGrant('nul\u0000'), undefined)
    })

    it('a rotation records the access token answered with the successor in the family (denylisted with it); a lost one records nothing', async () => {
      const { store } = await freshStore(harness)
      await store.createGrant(grant('g-1'))
      await store.createRefreshToken(refreshToken('rt-1', 'g-1'))
      assert.equal(await store.rotateRefreshToken('rt-1', { ...successor('rt-2'), accessToken: { jti: 'at-won', expiresAt: 3000 } }, 2000), true)
      assert.equal(await store.rotateRefreshToken('rt-1', { ...successor('rt-3'), accessToken: { jti: 'at-lost', expiresAt: 3000 } }, 2001), false)
      await store.createGrant(grant('g-idle'))
      await store.createRefreshToken(refreshToken('idle', 'g-idle', { expiresAt: 1500 }))
      assert.equal(await store.rotateRefreshToken('idle', { ...successor('s-idle'), accessToken: { jti: 'at-idle', expiresAt: 3000 } }, 1500), false)
      assert.deepEqual(await store.revokeGrant('g-idle', 2002), [], 'the idle token\'s rotation recorded nothing')
      assert.deepEqual(await store.revokeGrant('g-1', 2002), [{ jti: 'at-won', expiresAt: 3000 }])
      assert.equal(await store.isTokenRevoked('at-lost'), false)
    })

    it('a rotation racing the revocation of its family (two replicas) rotates nothing, or its access token is denylisted', async () => {
      const { store, database } = await freshStore(harness)
      const replica = database.open()
      await store.createGrant(grant('g-race'))
      for (let i = 0; i < 40; i++) await store.createRefreshToken(refreshToken(`rt-${i}`, 'g-race'))
      const rotate = (i: number) => (i % 2 ? store : replica).rotateRefreshToken(`rt-${i}`, { ...successor(`s-${i}`), accessToken: { jti: `race-${i}`, expiresAt: 9000 } }, 2000)
      const rotations = Array.from({ length: 40 }, (_, i) => rotate(i))
      const settled = await Promise.all([Promise.all(rotations.slice(0, 20)), replica.revokeGrant('g-race', 2000), Promise.all(rotations.slice(20))])
      const rotated = [...settled[0], ...settled[2]]
      for (const [i, won] of rotated.entries()) {
        if (won) assert.equal(await store.isTokenRevoked(`race-${i}`), true, `rt-${i} rotated, so the revocation must have denylisted race-${i}`)
        else assert.equal((await store.getRefreshToken(`rt-${i}`))?.consumedAt, undefined, `rt-${i} did not rotate, so it is unconsumed`)
      }
    })

    it('of 50 concurrent rotations of one token (two replicas), exactly one wins and its successor is the one stored', async () => {
      const { store, database } = await freshStore(harness)
      await store.createGrant(grant('g-1'))
      await store.createRefreshToken(refreshToken('raced', 'g-1'))
      const outcomes = await race([store, database.open()], 50, async (replica) => ({ won: await replica.rotateRefreshToken('raced', successor(`s-${Math.random()}`), 2000) }))
      assert.deepEqual(outcomes.filter((outcome) => outcome.status === 'rejected'), [])
      assert.equal(outcomes.filter((outcome) => outcome.status === 'fulfilled' && outcome.value.won).length, 1)
      const { successorHash } = (await store.getRefreshToken('raced'))!
      assert.ok(successorHash && (await store.getRefreshToken(successorHash))?.grantId === 'g-1')
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

    it('lists the revocations alive at a time, from RFC 7009 revocations and revoked families alike', async () => {
      const { store } = await freshStore(harness)
      assert.deepEqual(await store.listRevokedTokens(1000), [])
      await store.revokeToken({ jti: 'single', clientId: 'c', expiresAt: 2000.5, revokedAt: 1000 })
      await store.revokeToken({ jti: 'expired', clientId: 'c', expiresAt: 1500, revokedAt: 1000 })
      await store.createGrant(grant('g-1'))
      await store.recordAccessToken('g-1', { jti: 'family', expiresAt: 3000 })
      await store.revokeGrant('g-1', 1000)
      const byJti = (entries: { jti: string }[]) => [...entries].sort((a, b) => a.jti.localeCompare(b.jti))
      assert.deepEqual(byJti(await store.listRevokedTokens(1000)), [
        { jti: 'expired', expiresAt: 1500 },
        { jti: 'family', expiresAt: 3000 },
        { jti: 'single', expiresAt: 2000.5 },
      ])
      assert.deepEqual(byJti(await store.listRevokedTokens(1500)), [{ jti: 'family', expiresAt: 3000 }, { jti: 'single', expiresAt: 2000.5 }], 'dead from its expiresAt on')
      for (const jti of odd) await store.revokeToken({ jti, clientId: 'c', expiresAt: 2000, revokedAt: 1000 })
      const listed = new Set((await store.listRevokedTokens(1500)).map((entry) => entry.jti))
      for (const jti of odd) assert.ok(listed.has(jti), 'every jti comes back exactly as stored')
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

    it('deletes expired sessions, codes, refresh tokens and recorded access tokens, and expired grants with their families', async () => {
      const { store } = await freshStore(harness)
      await store.createSession({ idHash: 'gone', subject: 'u', authTime: 0, createdAt: 0, expiresAt: 100 })
      await store.createSession({ idHash: 'kept', subject: 'u', authTime: 0, createdAt: 0, expiresAt: 101 })
      await store.createAuthorizationCode(code('gone', { expiresAt: 100 }))
      await store.createAuthorizationCode(code('kept', { expiresAt: 101 }))
      await store.createGrant(grant('old', { expiresAt: 100 }))
      await store.createRefreshToken(refreshToken('in-old-family', 'old', { expiresAt: 500 }))
      await store.recordAccessToken('old', { jti: 'at-in-old-family', expiresAt: 500 })
      await store.createGrant(grant('live', { expiresAt: 1000 }))
      await store.createRefreshToken(refreshToken('rt-gone', 'live', { expiresAt: 100 }))
      await store.createRefreshToken(refreshToken('rt-kept', 'live', { expiresAt: 500 }))
      await store.recordAccessToken('live', { jti: 'at-gone', expiresAt: 100 })
      await store.recordAccessToken('live', { jti: 'at-kept', expiresAt: 500 })
      assert.ok((await store.purgeExpired(100)) >= 5)
      assert.equal(await store.getSession('gone', 0), undefined)
      assert.ok(await store.getSession('kept', 0))
      assert.equal(await store.getAuthorizationCode('gone'), undefined)
      assert.ok(await store.getAuthorizationCode('kept'))
      assert.equal(await store.getGrant('old'), undefined)
      assert.equal(await store.getRefreshToken('in-old-family'), undefined, 'gone with its grant')
      assert.equal(await store.getRefreshToken('rt-gone'), undefined)
      assert.ok(await store.getRefreshToken('rt-kept'))
      // Only the live family's unexpired access token is left to denylist.
      assert.deepEqual(await store.revokeGrant('live', 100), [{ jti: 'at-kept', expiresAt: 500 }])
      assert.equal(await store.isTokenRevoked('at-kept'), true)
      assert.equal(await store.isTokenRevoked('at-gone'), false)
    })
  })
}
