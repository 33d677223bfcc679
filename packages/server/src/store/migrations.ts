/**
 * The store's schema, as versioned migrations: each backend applies the pending ones in one
 * transaction under a lock (SQLite `BEGIN IMMEDIATE`, PostgreSQL `pg_advisory_xact_lock`), recording
 * each in `schema_migrations`, so replicas starting at once apply every migration exactly once.
 *
 * Migrations are append-only: a released one is never edited; a change is a new version. SQL is
 * unqualified; PostgreSQL runs it with `search_path` set to the configured schema.
 * @module
 */

export interface Migration {
  /** Strictly increasing; recorded in `schema_migrations`. */
  version: number
  name: string
  sqlite: string
  postgres: string
}

/** Created before any migration runs, outside the versioned list (it records the list). */
export const migrationsTable = {
  sqlite: `CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    applied_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP
  ) STRICT`,
  postgres: `CREATE TABLE IF NOT EXISTS schema_migrations (
    version integer PRIMARY KEY,
    name text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now()
  )`,
}

// Times are seconds since the epoch, possibly fractional (REAL / double precision). Client records
// are JSON documents keyed by client_id; PostgreSQL's `json` (not `jsonb`) keeps any JSON text,
// including "\u0000" escapes that `jsonb` refuses. client_id sorts by code point on both backends
// (SQLite BINARY on UTF-8, PostgreSQL COLLATE "C").
export const migrations: readonly Migration[] = [
  {
    version: 1,
    name: 'clients, signing keys, revocations, single use',
    sqlite: `
      CREATE TABLE clients (
        client_id TEXT PRIMARY KEY,
        data TEXT NOT NULL CHECK (json_valid(data))
      ) STRICT;
      CREATE TABLE signing_keys (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        data TEXT NOT NULL,
        version INTEGER NOT NULL
      ) STRICT;
      CREATE TABLE revoked_tokens (
        jti TEXT PRIMARY KEY,
        client_id TEXT NOT NULL,
        expires_at REAL NOT NULL,
        revoked_at REAL NOT NULL
      ) STRICT;
      CREATE INDEX revoked_tokens_expires_at ON revoked_tokens (expires_at);
      CREATE TABLE single_use (
        namespace TEXT NOT NULL,
        id TEXT NOT NULL,
        expires_at REAL NOT NULL,
        PRIMARY KEY (namespace, id)
      ) STRICT;
      CREATE INDEX single_use_expires_at ON single_use (expires_at);`,
    postgres: `
      CREATE TABLE clients (
        client_id text COLLATE "C" PRIMARY KEY,
        data json NOT NULL
      );
      CREATE TABLE signing_keys (
        id smallint PRIMARY KEY CHECK (id = 1),
        data text NOT NULL,
        version bigint NOT NULL
      );
      CREATE TABLE revoked_tokens (
        jti text PRIMARY KEY,
        client_id text NOT NULL,
        expires_at double precision NOT NULL,
        revoked_at double precision NOT NULL
      );
      CREATE INDEX revoked_tokens_expires_at ON revoked_tokens (expires_at);
      CREATE TABLE single_use (
        namespace text NOT NULL,
        id text NOT NULL,
        expires_at double precision NOT NULL,
        PRIMARY KEY (namespace, id)
      );
      CREATE INDEX single_use_expires_at ON single_use (expires_at);`,
  },
]

/** The schema version this code needs. */
export const latestSchemaVersion = checkOrder(migrations)

/** The migrations not yet in `applied`, in order. */
export function pendingMigrations(applied: Iterable<number>): Migration[] {
  const done = new Set(applied)
  return migrations.filter((migration) => !done.has(migration.version))
}

function checkOrder(list: readonly Migration[]): number {
  let last = 0
  for (const { version } of list) {
    if (!Number.isInteger(version) || version <= last) throw new Error(`migration versions must increase: ${version} after ${last}`)
    last = version
  }
  return last
}
