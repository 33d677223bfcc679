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
        'audit_events', 'authorization_codes', 'clients', 'grant_access_tokens', 'grants', 'refresh_tokens', 'revoked_tokens', 'schema_migrations',
        'sessions', 'signing_key_sets', 'signing_keys', 'single_use', 'trust_entries', 'upstream_accounts', 'users',
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

describe('postgres store: aborted transactions are retried, waiting is bounded', () => {
  /**
   * Makes the next `failures` statements that write `table` fail with SQLSTATE `code`, raised by
   * PostgreSQL itself (a trigger; the count lives in a sequence, which a rollback does not undo).
   * Returns how many writes were attempted so far.
   */
  async function failWrites(schema: string, table: string, event: 'INSERT' | 'UPDATE', code: string, failures: number): Promise<() => Promise<number>> {
    await admin.query(`CREATE SEQUENCE "${schema}".attempts`)
    await admin.query(`CREATE FUNCTION "${schema}".fail_first() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF nextval('"${schema}".attempts') <= TG_ARGV[1]::int THEN RAISE EXCEPTION 'injected failure' USING ERRCODE = TG_ARGV[0]; END IF;
        RETURN NEW;
      END $$`)
    await admin.query(`CREATE TRIGGER fail_first BEFORE ${event} ON "${schema}".${table} FOR EACH ROW EXECUTE FUNCTION "${schema}".fail_first('${code}', '${failures}')`)
    return async () => Number((await admin.query<{ last_value: string; is_called: boolean }>(`SELECT last_value, is_called FROM "${schema}".attempts`)).rows.map((row) => (row.is_called ? row.last_value : 0))[0])
  }

  async function migrated(options: { maxConnections?: number; maxWaiting?: number } = {}): Promise<{ schema: string; store: Store }> {
    const schema = await freshSchema()
    const store = track(createPostgresStore({ url, schema, ...options }))
    await store.migrate()
    return { schema, store }
  }

  it('a serialization failure (40001) of a statement is retried: the operation succeeds', async () => {
    const { schema, store } = await migrated()
    const attempts = await failWrites(schema, 'single_use', 'INSERT', '40001', 2)
    assert.equal(await store.useOnce('n', 'id', 2000, 1000), true)
    assert.equal(await attempts(), 3, 'two failed attempts, then the one that committed')
    assert.equal(await store.useOnce('n', 'id', 2000, 1000), false, 'committed once')
  })

  it('a deadlock (40P01) inside a transaction runs the whole transaction again', async () => {
    const { schema, store } = await migrated()
    await store.createGrant({ id: 'g', clientId: 'c', subject: 's', scopes: [], audiences: [], authTime: 1000, createdAt: 1000, expiresAt: 5000 })
    assert.equal(await store.recordAccessToken('g', { jti: 'j', expiresAt: 2000 }), true)
    const attempts = await failWrites(schema, 'grants', 'UPDATE', '40P01', 1)
    assert.deepEqual((await store.revokeGrant('g', 1500)).map((token) => token.jti), ['j'], 'the retried transaction denylisted the access token')
    assert.equal(await attempts(), 2)
    assert.equal(await store.isTokenRevoked('j'), true)
  })

  it('a bounded number of times: a failure that persists is StoreUnavailable after 3 attempts', async () => {
    const { schema, store } = await migrated()
    const attempts = await failWrites(schema, 'single_use', 'INSERT', '40001', 100)
    await assert.rejects(store.useOnce('n', 'id', 2000, 1000), (error) => {
      assert.ok(error instanceof StoreUnavailable, String(error))
      assert.equal(error.message, 'the PostgreSQL database is unreachable (40001)')
      return true
    })
    assert.equal(await attempts(), 3)
  })

  it('other errors are not retried', async () => {
    const { schema, store } = await migrated()
    const attempts = await failWrites(schema, 'single_use', 'INSERT', '23514', 100) // check_violation: a bug, not contention
    await assert.rejects(store.useOnce('n', 'id', 2000, 1000), (error) => !(error instanceof StoreUnavailable))
    assert.equal(await attempts(), 1)
  })

  it('beyond maxWaiting callers waiting for a connection, a call fails at once with StoreUnavailable; the others complete', async () => {
    const { schema, store } = await migrated({ maxConnections: 1, maxWaiting: 1 })
    const holder = await admin.connect()
    try {
      // The one connection is held by a statement waiting for a row lock; the next caller waits for it.
      await holder.query('BEGIN')
      await holder.query(`INSERT INTO "${schema}".single_use (namespace, id, expires_at) VALUES ('n', 'locked', 2000)`)
      const blocked = store.useOnce('n', 'locked', 2000, 1000)
      const waiting = store.useOnce('n', 'other', 2000, 1000)
      await assert.rejects(store.getClient('c'), (error) => {
        assert.ok(error instanceof StoreUnavailable, String(error))
        assert.equal(error.message, 'the PostgreSQL connection pool is exhausted (1 callers waiting)')
        return true
      })
      await holder.query('ROLLBACK')
      assert.deepEqual(await Promise.all([blocked, waiting]), [true, true])
    } finally {
      await holder.query('ROLLBACK').catch(() => undefined)
      holder.release()
    }
    assert.equal(await store.getClient('c'), undefined, 'the pool serves again')
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
