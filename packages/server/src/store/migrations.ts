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
  {
    version: 2,
    // Hashes (token_hash, code_hash, id_hash) are base64url SHA-256 of what the browser or client
    // holds. Families: a grant owns its refresh tokens and the access-token jtis issued under it
    // (ON DELETE CASCADE, so purging an expired grant purges its family). The signing_keys row of
    // migration 1 stays the default algorithm's list; the other algorithms get one row each here.
    name: 'signing keys per algorithm, users, sessions, authorization codes, grants, refresh tokens',
    sqlite: `
      CREATE TABLE signing_key_sets (
        alg TEXT PRIMARY KEY,
        data TEXT NOT NULL,
        version INTEGER NOT NULL
      ) STRICT;
      CREATE TABLE users (
        subject TEXT PRIMARY KEY,
        username TEXT NOT NULL UNIQUE,
        data TEXT NOT NULL CHECK (json_valid(data))
      ) STRICT;
      CREATE TABLE sessions (
        id_hash TEXT PRIMARY KEY,
        subject TEXT NOT NULL,
        auth_time REAL NOT NULL,
        created_at REAL NOT NULL,
        expires_at REAL NOT NULL
      ) STRICT;
      CREATE INDEX sessions_expires_at ON sessions (expires_at);
      CREATE TABLE authorization_codes (
        code_hash TEXT PRIMARY KEY,
        data TEXT NOT NULL CHECK (json_valid(data)),
        expires_at REAL NOT NULL,
        consumed_at REAL
      ) STRICT;
      CREATE INDEX authorization_codes_expires_at ON authorization_codes (expires_at);
      CREATE TABLE grants (
        id TEXT PRIMARY KEY,
        data TEXT NOT NULL CHECK (json_valid(data)),
        expires_at REAL NOT NULL,
        revoked_at REAL
      ) STRICT;
      CREATE INDEX grants_expires_at ON grants (expires_at);
      CREATE TABLE refresh_tokens (
        token_hash TEXT PRIMARY KEY,
        grant_id TEXT NOT NULL REFERENCES grants (id) ON DELETE CASCADE,
        client_id TEXT NOT NULL,
        created_at REAL NOT NULL,
        expires_at REAL NOT NULL,
        consumed_at REAL,
        successor_hash TEXT,
        successor_sealed TEXT
      ) STRICT;
      CREATE INDEX refresh_tokens_grant_id ON refresh_tokens (grant_id);
      CREATE INDEX refresh_tokens_expires_at ON refresh_tokens (expires_at);
      CREATE TABLE grant_access_tokens (
        grant_id TEXT NOT NULL REFERENCES grants (id) ON DELETE CASCADE,
        jti TEXT NOT NULL,
        expires_at REAL NOT NULL,
        PRIMARY KEY (grant_id, jti)
      ) STRICT;
      CREATE INDEX grant_access_tokens_expires_at ON grant_access_tokens (expires_at);`,
    postgres: `
      CREATE TABLE signing_key_sets (
        alg text PRIMARY KEY,
        data text NOT NULL,
        version bigint NOT NULL
      );
      CREATE TABLE users (
        subject text COLLATE "C" PRIMARY KEY,
        username text NOT NULL UNIQUE,
        data json NOT NULL
      );
      CREATE TABLE sessions (
        id_hash text PRIMARY KEY,
        subject text NOT NULL,
        auth_time double precision NOT NULL,
        created_at double precision NOT NULL,
        expires_at double precision NOT NULL
      );
      CREATE INDEX sessions_expires_at ON sessions (expires_at);
      CREATE TABLE authorization_codes (
        code_hash text PRIMARY KEY,
        data json NOT NULL,
        expires_at double precision NOT NULL,
        consumed_at double precision
      );
      CREATE INDEX authorization_codes_expires_at ON authorization_codes (expires_at);
      CREATE TABLE grants (
        id text PRIMARY KEY,
        data json NOT NULL,
        expires_at double precision NOT NULL,
        revoked_at double precision
      );
      CREATE INDEX grants_expires_at ON grants (expires_at);
      CREATE TABLE refresh_tokens (
        token_hash text PRIMARY KEY,
        grant_id text NOT NULL REFERENCES grants (id) ON DELETE CASCADE,
        client_id text NOT NULL,
        created_at double precision NOT NULL,
        expires_at double precision NOT NULL,
        consumed_at double precision,
        successor_hash text,
        successor_sealed text
      );
      CREATE INDEX refresh_tokens_grant_id ON refresh_tokens (grant_id);
      CREATE INDEX refresh_tokens_expires_at ON refresh_tokens (expires_at);
      CREATE TABLE grant_access_tokens (
        grant_id text NOT NULL REFERENCES grants (id) ON DELETE CASCADE,
        jti text NOT NULL,
        expires_at double precision NOT NULL,
        PRIMARY KEY (grant_id, jti)
      );
      CREATE INDEX grant_access_tokens_expires_at ON grant_access_tokens (expires_at);`,
  },
  {
    version: 3,
    // Keyed by the upstream's (issuer, subject) pair; jot's own subject is unique too. The profile
    // is a JSON document, replaced at every login.
    name: 'upstream accounts',
    sqlite: `
      CREATE TABLE upstream_accounts (
        issuer TEXT NOT NULL,
        upstream_subject TEXT NOT NULL,
        subject TEXT NOT NULL UNIQUE,
        created_at REAL NOT NULL,
        data TEXT NOT NULL CHECK (json_valid(data)),
        PRIMARY KEY (issuer, upstream_subject)
      ) STRICT;`,
    postgres: `
      CREATE TABLE upstream_accounts (
        issuer text COLLATE "C" NOT NULL,
        upstream_subject text COLLATE "C" NOT NULL,
        subject text COLLATE "C" NOT NULL UNIQUE,
        created_at double precision NOT NULL,
        data json NOT NULL,
        PRIMARY KEY (issuer, upstream_subject)
      );`,
  },
  {
    version: 4,
    // Trust entries are JSON documents with the columns their lookups and uniqueness need: one
    // entry per (issuer, subject), and one any-subject entry (subject NULL) per issuer, enforced by
    // the database so that two admins adding the same entry at once cannot both succeed. The audit
    // trail is append-only; its id orders it.
    name: 'trust entries of the JWT-bearer grant, audit events of the admin API',
    sqlite: `
      CREATE TABLE trust_entries (
        id TEXT PRIMARY KEY,
        issuer TEXT NOT NULL,
        subject TEXT,
        data TEXT NOT NULL CHECK (json_valid(data))
      ) STRICT;
      CREATE UNIQUE INDEX trust_entries_issuer_subject ON trust_entries (issuer, subject) WHERE subject IS NOT NULL;
      CREATE UNIQUE INDEX trust_entries_issuer_any_subject ON trust_entries (issuer) WHERE subject IS NULL;
      CREATE TABLE audit_events (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        at REAL NOT NULL,
        actor_client_id TEXT NOT NULL,
        actor_subject TEXT NOT NULL,
        action TEXT NOT NULL,
        target TEXT NOT NULL
      ) STRICT;`,
    postgres: `
      CREATE TABLE trust_entries (
        id text COLLATE "C" PRIMARY KEY,
        issuer text NOT NULL,
        subject text,
        data json NOT NULL
      );
      CREATE UNIQUE INDEX trust_entries_issuer_subject ON trust_entries (issuer, subject) WHERE subject IS NOT NULL;
      CREATE UNIQUE INDEX trust_entries_issuer_any_subject ON trust_entries (issuer) WHERE subject IS NULL;
      CREATE TABLE audit_events (
        id bigserial PRIMARY KEY,
        at double precision NOT NULL,
        actor_client_id text NOT NULL,
        actor_subject text NOT NULL,
        action text NOT NULL,
        target text NOT NULL
      );`,
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
