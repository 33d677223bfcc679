/**
 * The shared backend: PostgreSQL (node-postgres), for several replicas of the service. Everything
 * lives in one schema of its own; decisions are single statements (an upsert, a conditional
 * update), atomic under PostgreSQL's row locks whatever the number of replicas.
 *
 * The schema name is a validated identifier from the configuration, written into SQL once, quoted;
 * every value travels as a query parameter. Connections, statements and waits for a connection are
 * bounded in time, so a database that is down or stuck becomes a fast {@link StoreUnavailable}
 * (HTTP 503) rather than requests that hang.
 * @module
 */
import pg from 'pg'
import { migrationsTable, pendingMigrations } from './migrations.js'
import { checkStorableKey, isStorableKey, parseKeysVersion } from './storable.js'
import { StoreConflict, StoreUnavailable, type ClientRecord, type Store } from './store.js'

export interface PostgresStoreOptions {
  /** A `postgres://` connection URL (its password never appears in errors). */
  url: string
  /** The schema holding the tables, created by `migrate()` if missing: `[a-z_][a-z0-9_]*`, at most 63 characters, not `pg_…`. */
  schema: string
  /** Connections in the pool. Default 10. */
  maxConnections?: number
  /** Milliseconds to wait for a connection (opening one, or a free one from the pool). Default 5000. */
  connectionTimeout?: number
  /** Milliseconds a statement may run (server side; the client gives up a second later). Default 5000. */
  statementTimeout?: number
}

const SCHEMA_NAME = /^(?!pg_)[a-z_][a-z0-9_]{0,62}$/
/** Migrations may build indexes on big tables or wait for another replica's migration. */
const MIGRATION_TIMEOUT = 300_000
/**
 * SQLSTATE classes that mean the database, not the query, failed (PostgreSQL Appendix A):
 * 08 connection exception, 53 insufficient resources, 57 operator intervention (shutdown,
 * statement timeout), 58 system error, 28 authorization, 3D000 no such database, 40 transaction
 * rollback (serialization, deadlock), 55P03 lock not available.
 */
const UNAVAILABLE_SQLSTATE = /^(08|53|57|58|28|40)...$|^3D000$|^55P03$/
/** What node-postgres throws, without a code, when a connection dies or times out. */
const CONNECTION_FAILURE = /^(Connection terminated|timeout exceeded when trying to connect|timeout expired|Query read timeout|Client has encountered a connection error)/

/**
 * A store on a PostgreSQL database. Opens no connection until first used; call `migrate()` before
 * use, or use `openStore`, which does.
 *
 * @example
 * ```ts
 * const store = createPostgresStore({ url: 'postgres://jotjwt@db.internal/jotjwt', schema: 'jotjwt' })
 * await store.migrate()
 * ```
 */
export function createPostgresStore(options: PostgresStoreOptions): Store {
  if (!SCHEMA_NAME.test(options.schema)) throw new RangeError('the PostgreSQL schema name must match [a-z_][a-z0-9_]* (at most 63 characters, not pg_…)')
  const schema = `"${options.schema}"`
  const statementTimeout = options.statementTimeout ?? 5000
  const connection = {
    connectionString: options.url,
    connectionTimeoutMillis: options.connectionTimeout ?? 5000,
    keepAlive: true,
    application_name: 'jotjwt-server',
  }
  const pool = new pg.Pool({
    ...connection,
    max: options.maxConnections ?? 10,
    idleTimeoutMillis: 30_000,
    statement_timeout: statementTimeout,
    query_timeout: statementTimeout + 1000,
  })
  // An idle connection died (server restart, network): the pool drops it and the next query opens
  // a new one. Without a listener the 'error' event would crash the process.
  pool.on('error', () => undefined)
  let ended: Promise<void> | undefined

  const query = async <Row extends pg.QueryResultRow>(text: string, values?: unknown[]): Promise<pg.QueryResult<Row>> => {
    try {
      return await pool.query<Row>(text, values)
    } catch (error) {
      throw unavailableOr(error)
    }
  }

  return {
    backend: 'postgres',

    // On a connection of its own, with the long timeouts migrations need.
    async migrate() {
      const client = new pg.Client({ ...connection, statement_timeout: MIGRATION_TIMEOUT, query_timeout: MIGRATION_TIMEOUT + 1000 })
      client.on('error', () => undefined) // reported by the query it breaks
      try {
        await client.connect()
        await client.query('BEGIN')
        // Replicas starting at once queue here; the first applies, the others then find nothing pending.
        await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`jotjwt-server migrations ${options.schema}`])
        // Not CREATE SCHEMA IF NOT EXISTS: that needs the CREATE privilege on the database even when
        // the schema exists, which a least-privileged role owning its schema lacks.
        const exists = await client.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [options.schema])
        if (exists.rowCount === 0) await client.query(`CREATE SCHEMA ${schema}`)
        await client.query(`SET LOCAL search_path TO ${schema}`)
        await client.query(migrationsTable.postgres)
        const applied = (await client.query<{ version: number }>('SELECT version FROM schema_migrations')).rows.map((row) => row.version)
        for (const migration of pendingMigrations(applied)) {
          await client.query(migration.postgres)
          await client.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [migration.version, migration.name])
        }
        await client.query('COMMIT')
      } catch (error) {
        throw unavailableOr(error) // closing the connection rolls the transaction back
      } finally {
        await client.end().catch(() => undefined)
      }
    },

    async health() {
      try {
        const { rows } = await pool.query<{ version: number | null }>(`SELECT max(version) AS version FROM ${schema}.schema_migrations`)
        return { backend: 'postgres', schemaVersion: rows[0]?.version ?? 0 }
      } catch (error) {
        if ((error as { code?: unknown }).code === '42P01') return { backend: 'postgres', schemaVersion: 0 } // not migrated yet
        throw unavailableOr(error)
      }
    },

    close: () => (ended ??= pool.end()),

    async getClient(clientId) {
      if (!isStorableKey(clientId)) return undefined
      const { rows } = await query<{ data: ClientRecord }>(`SELECT data FROM ${schema}.clients WHERE client_id = $1`, [clientId])
      return rows[0]?.data
    },

    async putClient(client) {
      checkStorableKey(client.clientId, 'clientId')
      await query(`INSERT INTO ${schema}.clients (client_id, data) VALUES ($1, $2) ON CONFLICT (client_id) DO UPDATE SET data = EXCLUDED.data`, [
        client.clientId,
        JSON.stringify(client),
      ])
    },

    async listClients() {
      return (await query<{ data: ClientRecord }>(`SELECT data FROM ${schema}.clients ORDER BY client_id`)).rows.map((row) => row.data)
    },

    async deleteClient(clientId) {
      return isStorableKey(clientId) && (await query(`DELETE FROM ${schema}.clients WHERE client_id = $1`, [clientId])).rowCount === 1
    },

    async loadKeys() {
      // bigint arrives as text: the version is passed through as it is.
      const { rows } = await query<{ data: string; version: string }>(`SELECT data, version FROM ${schema}.signing_keys WHERE id = 1`)
      return rows[0] ? { data: rows[0].data, version: rows[0].version } : { data: undefined, version: '0' }
    },

    async saveKeys(data, expectedVersion) {
      const expected = parseKeysVersion(expectedVersion)
      // The first save inserts the row, later ones update it; either only if nobody saved since
      // (a concurrent UPDATE waits for the row lock, then re-checks the version and matches nothing).
      const { rows } =
        expected === 0
          ? await query<{ version: string }>(`INSERT INTO ${schema}.signing_keys (id, data, version) VALUES (1, $1, 1) ON CONFLICT (id) DO NOTHING RETURNING version`, [data])
          : expected !== undefined
            ? await query<{ version: string }>(`UPDATE ${schema}.signing_keys SET data = $1, version = version + 1 WHERE id = 1 AND version = $2 RETURNING version`, [data, expected])
            : { rows: [] }
      if (!rows[0]) throw new StoreConflict('the signing keys changed since they were loaded')
      return rows[0].version
    },

    async revokeToken({ jti, clientId, expiresAt, revokedAt }) {
      checkStorableKey(jti, 'jti')
      checkStorableKey(clientId, 'clientId')
      await query(`INSERT INTO ${schema}.revoked_tokens (jti, client_id, expires_at, revoked_at) VALUES ($1, $2, $3, $4) ON CONFLICT (jti) DO NOTHING`, [
        jti,
        clientId,
        expiresAt,
        revokedAt,
      ])
    },

    async isTokenRevoked(jti) {
      return isStorableKey(jti) && (await query(`SELECT 1 FROM ${schema}.revoked_tokens WHERE jti = $1`, [jti])).rowCount === 1
    },

    async useOnce(namespace, id, expiresAt, now) {
      checkStorableKey(namespace, 'namespace')
      checkStorableKey(id, 'id')
      // One statement: a new id is inserted, an expired one taken over, a live one left alone. A
      // concurrent call on the same id waits for the row lock, then re-checks the WHERE on the new row.
      const { rowCount } = await query(
        `INSERT INTO ${schema}.single_use AS entry (namespace, id, expires_at) VALUES ($1, $2, $3)
         ON CONFLICT (namespace, id) DO UPDATE SET expires_at = EXCLUDED.expires_at WHERE entry.expires_at <= $4`,
        [namespace, id, expiresAt, now],
      )
      return rowCount === 1
    },

    async purgeExpired(now) {
      const { rows } = await query<{ count: string }>(
        `WITH revoked AS (DELETE FROM ${schema}.revoked_tokens WHERE expires_at <= $1 RETURNING 1),
              used AS (DELETE FROM ${schema}.single_use WHERE expires_at <= $1 RETURNING 1)
         SELECT (SELECT count(*) FROM revoked) + (SELECT count(*) FROM used) AS count`,
        [now],
      )
      return Number(rows[0]?.count ?? 0)
    },
  }
}

/** A connection-level failure as {@link StoreUnavailable}, naming only its code; anything else (a bug) as it is. */
function unavailableOr(error: unknown): unknown {
  const { code, message } = error as { code?: unknown; message?: unknown }
  const reason =
    typeof code === 'string' && (UNAVAILABLE_SQLSTATE.test(code) || /^E[A-Z_]+$/.test(code)) // SQLSTATE, or Node's ECONNREFUSED…
      ? code
      : typeof message === 'string' && CONNECTION_FAILURE.test(message)
        ? /timeout/.test(message)
          ? 'timed out'
          : 'connection lost'
        : undefined
  if (reason === undefined) return error
  return new StoreUnavailable(`the PostgreSQL database is unreachable (${reason})`, { cause: error })
}
