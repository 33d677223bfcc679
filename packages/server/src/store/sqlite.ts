/**
 * The embedded backend: one SQLite file (better-sqlite3) for a single-instance service. WAL mode
 * lets reads run beside the one writer; decisions are single statements (an upsert, a conditional
 * update), and SQLite runs one writer at a time, so they are atomic across processes too.
 *
 * The driver is synchronous: every call finishes before its promise is returned, and waiting for
 * another process's write lock (`busyTimeout`) blocks the event loop, which is why it is short.
 * @module
 */
import { closeSync, mkdirSync, openSync } from 'node:fs'
import { dirname } from 'node:path'
import Database from 'better-sqlite3'
import { migrationsTable, pendingMigrations } from './migrations.js'
import { checkStorableKey, isStorableKey, parseKeysVersion } from './storable.js'
import { StoreConflict, StoreUnavailable, type ClientRecord, type Store } from './store.js'

export interface SqliteStoreOptions {
  /** The database file; its directory is created (mode 0700) and a new file is made mode 0600. */
  path: string
  /** Milliseconds a write waits for another process's write lock before failing with StoreUnavailable. Default 2000. */
  busyTimeout?: number
}

/** Result codes that mean the database, not the query, failed: locked, I/O, corrupt, full, unopenable. */
const UNAVAILABLE = /^SQLITE_(BUSY|LOCKED|IOERR|CORRUPT|NOTADB|CANTOPEN|FULL|READONLY|PROTOCOL|NOMEM|PERM)/

/**
 * Opens (creating if needed) the SQLite store at `path`. Call `migrate()` before use, or use
 * `openStore`, which does.
 *
 * @example
 * ```ts
 * const store = createSqliteStore({ path: '.jotjwt/jotjwt.db' })
 * await store.migrate()
 * ```
 * @throws {@link StoreUnavailable} when the file cannot be created or opened, or is not a database.
 */
export function createSqliteStore(options: SqliteStoreOptions): Store {
  const { path } = options
  const db = open(path, options.busyTimeout ?? 2000)
  const statements = new Map<string, Database.Statement>()
  // Prepared on first use: before migrate() the tables they name do not exist.
  const sql = (source: string): Database.Statement => {
    let statement = statements.get(source)
    if (!statement) statements.set(source, (statement = db.prepare(source)))
    return statement
  }
  /** Runs a synchronous operation as the interface's async one, database failures as StoreUnavailable. */
  const call = async <T>(operation: () => T): Promise<T> => {
    try {
      return operation()
    } catch (error) {
      throw unavailableOr(error, path)
    }
  }

  return {
    backend: 'sqlite',

    // BEGIN IMMEDIATE takes the write lock before reading schema_migrations, so a second process
    // migrating at once waits and then finds everything applied.
    migrate: () =>
      call(() =>
        db
          .transaction(() => {
            db.exec(migrationsTable.sqlite)
            const applied = sql('SELECT version FROM schema_migrations').pluck().all() as number[]
            for (const migration of pendingMigrations(applied)) {
              db.exec(migration.sqlite)
              sql('INSERT INTO schema_migrations (version, name) VALUES (?, ?)').run(migration.version, migration.name)
            }
          })
          .immediate(),
      ),

    health: () =>
      call(() => {
        const migrated = sql("SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = 'schema_migrations'").pluck().get() as number
        const schemaVersion = migrated ? (sql('SELECT coalesce(max(version), 0) FROM schema_migrations').pluck().get() as number) : 0
        return { backend: 'sqlite' as const, schemaVersion }
      }),

    close: () => call(() => void db.close()),

    getClient: (clientId) =>
      call(() => {
        if (!isStorableKey(clientId)) return undefined
        const data = sql('SELECT data FROM clients WHERE client_id = ?').pluck().get(clientId) as string | undefined
        return data === undefined ? undefined : (JSON.parse(data) as ClientRecord)
      }),

    putClient: (client) =>
      call(() => {
        checkStorableKey(client.clientId, 'clientId')
        sql('INSERT INTO clients (client_id, data) VALUES (?, ?) ON CONFLICT (client_id) DO UPDATE SET data = excluded.data').run(client.clientId, JSON.stringify(client))
      }),

    listClients: () => call(() => (sql('SELECT data FROM clients ORDER BY client_id').pluck().all() as string[]).map((data) => JSON.parse(data) as ClientRecord)),

    deleteClient: (clientId) => call(() => isStorableKey(clientId) && sql('DELETE FROM clients WHERE client_id = ?').run(clientId).changes === 1),

    loadKeys: () =>
      call(() => {
        const row = sql('SELECT data, version FROM signing_keys WHERE id = 1').get() as { data: string; version: number } | undefined
        return row ? { data: row.data, version: String(row.version) } : { data: undefined, version: '0' }
      }),

    saveKeys: (data, expectedVersion) =>
      call(() => {
        const expected = parseKeysVersion(expectedVersion)
        // The first save inserts the row, later ones update it; either only if nobody saved since.
        const saved =
          expected === 0
            ? sql('INSERT INTO signing_keys (id, data, version) VALUES (1, ?, 1) ON CONFLICT (id) DO NOTHING RETURNING version').pluck().get(data)
            : expected !== undefined
              ? sql('UPDATE signing_keys SET data = ?, version = version + 1 WHERE id = 1 AND version = ? RETURNING version').pluck().get(data, expected)
              : undefined
        if (saved === undefined) throw new StoreConflict('the signing keys changed since they were loaded')
        return String(saved)
      }),

    revokeToken: ({ jti, clientId, expiresAt, revokedAt }) =>
      call(() => {
        checkStorableKey(jti, 'jti')
        checkStorableKey(clientId, 'clientId')
        sql('INSERT INTO revoked_tokens (jti, client_id, expires_at, revoked_at) VALUES (?, ?, ?, ?) ON CONFLICT (jti) DO NOTHING').run(jti, clientId, expiresAt, revokedAt)
      }),

    isTokenRevoked: (jti) => call(() => isStorableKey(jti) && sql('SELECT 1 FROM revoked_tokens WHERE jti = ?').get(jti) !== undefined),

    useOnce: (namespace, id, expiresAt, now) =>
      call(() => {
        checkStorableKey(namespace, 'namespace')
        checkStorableKey(id, 'id')
        // One statement: a new id is inserted, an expired one taken over, a live one left alone.
        const statement = sql(`INSERT INTO single_use (namespace, id, expires_at) VALUES (?, ?, ?)
          ON CONFLICT (namespace, id) DO UPDATE SET expires_at = excluded.expires_at WHERE single_use.expires_at <= ?`)
        return statement.run(namespace, id, expiresAt, now).changes === 1
      }),

    purgeExpired: (now) =>
      call(() =>
        db.transaction(
          () =>
            sql('DELETE FROM revoked_tokens WHERE expires_at <= ?').run(now).changes +
            sql('DELETE FROM single_use WHERE expires_at <= ?').run(now).changes,
        )(),
      ),
  }
}

function open(path: string, busyTimeout: number): Database.Database {
  let db: Database.Database | undefined
  try {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 })
    // Created private before SQLite opens it; SQLite gives its -wal and -shm files the same mode.
    closeSync(openSync(path, 'a', 0o600))
    db = new Database(path, { timeout: busyTimeout })
    db.pragma('journal_mode = WAL')
    db.pragma('foreign_keys = ON')
    return db
  } catch (error) {
    db?.close()
    const code = (error as { code?: unknown }).code
    throw new StoreUnavailable(`the SQLite database ${path} cannot be opened${typeof code === 'string' ? ` (${code})` : ''}`, { cause: error })
  }
}

function unavailableOr(error: unknown, path: string): unknown {
  const code = (error as { code?: unknown }).code
  if (typeof code !== 'string' || !UNAVAILABLE.test(code)) return error
  return new StoreUnavailable(`the SQLite database ${path} is unavailable (${code})`, { cause: error })
}
