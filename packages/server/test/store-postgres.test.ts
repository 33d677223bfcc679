/**
 * The store contract on PostgreSQL, and what only the shared backend does (its schema, timeouts, a
 * server that goes away). Needs PostgreSQL at JOTJWT_TEST_DATABASE_URL (see `backends.ts`); every
 * database of the run is a fresh schema, dropped at the end. An unreachable server fails the tests,
 * saying so.
 */
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { createServer, type Socket } from 'node:net'
import { after, afterEach, describe, it } from 'node:test'
import pg from 'pg'
import { openStore } from '../src/store/index.js'
import { createPostgresStore } from '../src/store/postgres.js'
import { StoreUnavailable, type Store } from '../src/store/store.js'
import { assertPostgresReachable, POSTGRES_URL } from './backends.js'
import { keyStoreContract } from './key-store.contract.js'
import { client, storeContract, type StoreHarness } from './store.contract.js'
import { freePort, startThrowawayPostgres } from './throwaway-postgres.js'

const url = POSTGRES_URL
const admin = new pg.Pool({ connectionString: url, max: 2 })
admin.on('error', () => undefined)
const schemas: string[] = []
const opened: Store[] = []

after(async () => {
  await Promise.all(opened.map((store) => store.close().catch(() => undefined)))
  for (const schema of schemas) await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).catch(() => undefined)
  await admin.end()
})

// Each test's stores (up to ten pooled connections each) are closed when it ends, so a run never
// holds more connections than one test needs: the server's max_connections is shared.
afterEach(async () => {
  await Promise.all(opened.splice(0).map((store) => store.close().catch(() => undefined)))
})

let reachable: Promise<void> | undefined
/** Fails (never skips) with a message saying where PostgreSQL was expected. */
const requirePostgres = (): Promise<void> => (reachable ??= assertPostgresReachable())

function track(store: Store): Store {
  opened.push(store)
  return store
}

async function freshSchema(): Promise<string> {
  await requirePostgres()
  const schema = `jotjwt_test_${randomBytes(6).toString('hex')}`
  schemas.push(schema)
  return schema
}

const harness: StoreHarness = {
  backend: 'postgres',
  async database() {
    const schema = await freshSchema()
    return {
      open: () => track(createPostgresStore({ url, schema })),
      rawKeyData: async () => (await admin.query<{ data: string }>(`SELECT data FROM "${schema}".signing_keys`)).rows[0]?.data,
    }
  },
}

storeContract(harness)
keyStoreContract(harness)

describe('postgres store: its own schema', () => {
  it('refuses schema names that are not plain lower-case identifiers', () => {
    for (const schema of ['x"; DROP SCHEMA public CASCADE; --', 'Jotjwt', 'pg_catalog', 'pg_x', '', '1abc', 'a'.repeat(64), 'ü']) {
      assert.throws(() => createPostgresStore({ url, schema }), RangeError, schema)
    }
  })

  it('creates the schema and keeps every table in it', async () => {
    const schema = await freshSchema()
    const store = track(await openStore({ type: 'postgres', url, schema }, '/nonexistent'))
    assert.equal((await store.health()).backend, 'postgres')
    const { rows } = await admin.query<{ table_name: string }>('SELECT table_name FROM information_schema.tables WHERE table_schema = $1 ORDER BY table_name', [schema])
    assert.deepEqual(
      rows.map((row) => row.table_name),
      [
        'authorization_codes', 'clients', 'grant_access_tokens', 'grants', 'refresh_tokens', 'revoked_tokens', 'schema_migrations',
        'sessions', 'signing_key_sets', 'signing_keys', 'single_use', 'upstream_accounts', 'users',
      ],
    )
  })
})

describe('postgres store: least privilege', () => {
  it('migrates and works as a role that owns its schema but may not create schemas', async () => {
    const schema = await freshSchema()
    const role = `${schema}_owner`
    await admin.query(`CREATE ROLE "${role}" LOGIN`)
    try {
      await admin.query(`CREATE SCHEMA "${schema}" AUTHORIZATION "${role}"`)
      assert.equal((await admin.query('SELECT has_database_privilege($1, current_database(), $2) AS may', [role, 'CREATE'])).rows[0].may, false)
      const asRole = new URL(url)
      asRole.username = role
      asRole.password = ''
      const store = createPostgresStore({ url: asRole.href, schema })
      try {
        await store.migrate()
        await store.migrate()
        await store.putClient(client('least-privileged'))
        assert.equal((await store.getClient('least-privileged'))?.clientId, 'least-privileged')
      } finally {
        await store.close()
      }
    } finally {
      await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`)
      await admin.query(`DROP ROLE "${role}"`)
    }
  })
})

describe('postgres store: unavailable database', () => {
  it('a closed port is StoreUnavailable saying the database is unreachable, without the credentials', async () => {
    const store = track(createPostgresStore({ url: `postgres://jotjwt:s3cret-pw@127.0.0.1:${await freePort()}/jotjwt`, schema: 'jotjwt' }))
    for (const operation of [() => store.migrate(), () => store.health(), () => store.getClient('c'), () => store.useOnce('n', 'id', 2, 1)]) {
      await assert.rejects(operation(), (error) => {
        assert.ok(error instanceof StoreUnavailable, String(error))
        assert.equal(error.message, 'the PostgreSQL database is unreachable (ECONNREFUSED)')
        return true
      })
    }
  })

  it('a server that accepts but never answers is StoreUnavailable after the connection timeout', async () => {
    await withFakeServer(() => undefined, async (port) => {
      const store = track(createPostgresStore({ url: `postgres://x@127.0.0.1:${port}/x`, schema: 'jotjwt', connectionTimeout: 300 }))
      const started = performance.now()
      await assert.rejects(store.health(), { name: 'StoreUnavailable', message: 'the PostgreSQL database is unreachable (timed out)' })
      await assert.rejects(store.migrate(), { name: 'StoreUnavailable', message: 'the PostgreSQL database is unreachable (timed out)' })
      assert.ok(performance.now() - started < 2000)
    })
  })

  it('a server that hangs up at once is StoreUnavailable', async () => {
    await withFakeServer((socket) => socket.destroy(), async (port) => {
      const store = track(createPostgresStore({ url: `postgres://x@127.0.0.1:${port}/x`, schema: 'jotjwt' }))
      await assert.rejects(store.health(), { name: 'StoreUnavailable', message: 'the PostgreSQL database is unreachable (connection lost)' })
    })
  })

  it('a statement stuck behind a lock is StoreUnavailable after the statement timeout', async () => {
    const schema = await freshSchema()
    const store = track(createPostgresStore({ url, schema, statementTimeout: 300 }))
    await store.migrate()
    const version = await store.saveKeys('keys', '0')
    const holder = await admin.connect()
    try {
      await holder.query('BEGIN')
      await holder.query(`SELECT * FROM "${schema}".signing_keys FOR UPDATE`)
      await assert.rejects(store.saveKeys('blocked', version), (error) => {
        assert.ok(error instanceof StoreUnavailable, String(error))
        assert.equal(error.message, 'the PostgreSQL database is unreachable (57014)')
        return true
      })
    } finally {
      await holder.query('ROLLBACK')
      holder.release()
    }
    assert.notEqual(await store.saveKeys('unblocked', version), version)
  })

  it('a server that stops under a running store: StoreUnavailable at once, then it recovers when the server is back', { timeout: 60_000 }, async () => {
    const server = await startThrowawayPostgres()
    try {
      const serverUrl = server.url
      const store = track(createPostgresStore({ url: serverUrl, schema: 'jotjwt', connectionTimeout: 1000 }))
      await store.migrate()
      assert.equal(await store.useOnce('n', 'before', 2000, 1000), true) // leaves an idle pooled connection
      const version = await store.saveKeys('keys', '0')

      // A statement in flight when the server stops: a save waiting for a row lock held elsewhere.
      const holder = new pg.Client({ connectionString: serverUrl })
      holder.on('error', () => undefined)
      await holder.connect()
      await holder.query('BEGIN')
      await holder.query('SELECT * FROM jotjwt.signing_keys FOR UPDATE')
      const inFlight = store.saveKeys('in flight', version)
      inFlight.catch(() => undefined) // asserted below
      while ((await holder.query("SELECT 1 FROM pg_stat_activity WHERE wait_event_type = 'Lock'")).rowCount === 0) await new Promise((resolve) => setTimeout(resolve, 10))

      // Immediate shutdown: with a fast one, the holder's backend may exit first, release its lock
      // and let the waiting save commit before its own backend is told to stop (seen under load).
      await server.crash()
      await assert.rejects(inFlight, (error) => {
        assert.ok(error instanceof StoreUnavailable, String(error))
        assert.match(error.message, /^the PostgreSQL database is unreachable \((57P01|connection lost)\)$/)
        return true
      })
      const started = performance.now()
      for (const operation of [() => store.useOnce('n', 'during', 2000, 1000), () => store.health(), () => store.loadKeys()]) {
        await assert.rejects(operation(), (error) => {
          assert.ok(error instanceof StoreUnavailable, String(error))
          assert.match(error.message, /^the PostgreSQL database is unreachable \(/)
          return true
        })
      }
      assert.ok(performance.now() - started < 3000, 'failed fast')

      await server.start()
      assert.equal(await store.useOnce('n', 'before', 2000, 1000), false) // same data, new connections
      assert.equal(await store.useOnce('n', 'after', 2000, 1000), true)
    } finally {
      await server.destroy()
    }
  })
})

/** Runs `body` against a TCP server on 127.0.0.1 that treats each connection with `onConnection`. */
async function withFakeServer(onConnection: (socket: Socket) => void, body: (port: number) => Promise<void>): Promise<void> {
  const sockets = new Set<Socket>()
  const server = createServer((socket) => {
    sockets.add(socket)
    onConnection(socket)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  try {
    await body((server.address() as { port: number }).port)
  } finally {
    for (const socket of sockets) socket.destroy()
    await new Promise((resolve) => server.close(resolve))
  }
}
