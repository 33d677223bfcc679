/**
 * The embedded backend: one SQLite file (better-sqlite3) for a single-instance service. WAL mode
 * lets reads run beside the one writer; decisions are single statements (an upsert, a conditional
 * update), and SQLite runs one writer at a time, so they are atomic across processes too.
 *
 * The driver is synchronous: every call finishes before its promise is returned (except the
 * writes of a refresh token family, group-committed with the others of the same turn of the
 * event loop), and
 * waiting for another process's write lock (`busyTimeout`) blocks the event loop, which is why it
 * is short.
 * @module
 */
import { closeSync, mkdirSync, openSync } from 'node:fs'
import { dirname } from 'node:path'
import Database from 'better-sqlite3'
import { migrationsTable, pendingMigrations } from './migrations.js'
import { checkStorableKey, isStorableKey, parseKeysVersion } from './storable.js'
import { grantFromRow, codeFromRow, refreshFamilyFromRow, refreshTokenFromRow, revokedFromRow, upstreamAccountFromRow, UPSTREAM_ACCOUNT_COLUMNS, withoutColumns, type CodeRow, type GrantRow, type RefreshFamilyRow, type RefreshTokenRow, type RevokedRow, type UpstreamAccountRow } from './rows.js'
import { StoreConflict, StoreUnavailable, type AuditEvent, type ClientRecord, type RevokedToken, type SessionRecord, type Store, type TrustEntryRecord, type UserRecord } from './store.js'

export interface SqliteStoreOptions {
  /** The database file; its directory is created (mode 0700) and a new file is made mode 0600. */
  path: string
  /** Milliseconds a write waits for another process's write lock before failing with StoreUnavailable. Default 2000. */
  busyTimeout?: number
  /**
   * SQLite's `synchronous` (WAL mode): `normal` (default) syncs the log at checkpoints only, so a
   * crash of the process loses nothing but a crash of the machine (power, kernel) may roll back the
   * last commits; `full` syncs it at every commit as well. Set explicitly rather than left to the
   * build (better-sqlite3 is built with SQLITE_DEFAULT_WAL_SYNCHRONOUS=1, normal).
   */
  synchronous?: 'normal' | 'full'
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
  const db = open(path, options.busyTimeout ?? 2000, options.synchronous ?? 'normal')
  const statements = new Map<string, Database.Statement>()
  // Prepared on first use: before migrate() the tables they name do not exist.
  const sql = (source: string): Database.Statement => {
    let statement = statements.get(source)
    if (!statement) statements.set(source, (statement = db.prepare(source)))
    return statement
  }
  /** Runs a synchronous operation as the interface's async one, database failures as StoreUnavailable. */
  const call = async <T>(operation: () => T): Promise<T> => {
    // A request still running when a shutdown closed the store: unavailable (503), like a database away.
    if (!db.open) throw new StoreUnavailable(`the SQLite database ${path} is closed`)
    try {
      return operation()
    } catch (error) {
      throw unavailableOr(error, path)
    }
  }

  /**
   * Group commit: the writes queued while the event loop runs (the rotations of every refresh whose
   * request arrived in the same turn) are applied in one transaction, each in a savepoint of its
   * own and in the order they were queued, as if one after the other, and answered only once that
   * transaction committed. A commit appends to the log and, with `synchronous = full`, syncs it (a
   * few milliseconds of a blocked event loop on a disk that really syncs): one commit for many
   * writes spends that once for all of them, and none is answered before it is committed.
   * A write that throws rolls back its own savepoint only; a failed commit fails every write of the
   * batch (as StoreUnavailable when the database failed), none of which then took effect.
   */
  let queued: { write: () => unknown; resolve: (value: unknown) => void; reject: (error: unknown) => void }[] = []
  const commitQueued = (): void => {
    const batch = queued
    queued = []
    if (batch.length === 0) return
    let outcomes: ({ value: unknown } | { error: unknown })[]
    try {
      if (!db.open) throw new StoreUnavailable(`the SQLite database ${path} is closed`)
      outcomes = db
        .transaction(() =>
          batch.map(({ write }) => {
            try {
              return { value: db.transaction(write)() }
            } catch (error) {
              return { error }
            }
          }),
        )
        .immediate()
    } catch (error) {
      for (const { reject } of batch) reject(unavailableOr(error, path))
      return
    }
    outcomes.forEach((outcome, i) => ('error' in outcome ? batch[i]!.reject(unavailableOr(outcome.error, path)) : batch[i]!.resolve(outcome.value)))
  }
  const groupCommit = <T>(write: () => T): Promise<T> => {
    if (!db.open) return Promise.reject(new StoreUnavailable(`the SQLite database ${path} is closed`))
    if (queued.length === 0) setImmediate(commitQueued)
    return new Promise<T>((resolve, reject) => queued.push({ write, resolve: resolve as (value: unknown) => void, reject }))
  }

  /** Inserts the user, `onConflict` deciding what an existing subject means; true when a row was written. */
  const writeUser = (user: UserRecord, onConflict: string): boolean => {
    checkStorableKey(user.subject, 'subject')
    checkStorableKey(user.username, 'username')
    try {
      return sql(`INSERT INTO users (subject, username, data) VALUES (?, ?, ?) ${onConflict}`).run(user.subject, user.username, JSON.stringify(user)).changes === 1
    } catch (error) {
      if ((error as { code?: unknown }).code === 'SQLITE_CONSTRAINT_UNIQUE') throw new StoreConflict('another user has this username')
      throw error
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

    close: async () => {
      // Writes already queued are committed (and answered) first.
      commitQueued()
      if (db.open) db.close()
    },

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

    createClient: (client) =>
      call(() => {
        checkStorableKey(client.clientId, 'clientId')
        return sql('INSERT INTO clients (client_id, data) VALUES (?, ?) ON CONFLICT (client_id) DO NOTHING').run(client.clientId, JSON.stringify(client)).changes === 1
      }),

    listClients: () => call(() => (sql('SELECT data FROM clients ORDER BY client_id').pluck().all() as string[]).map((data) => JSON.parse(data) as ClientRecord)),

    deleteClient: (clientId) => call(() => isStorableKey(clientId) && sql('DELETE FROM clients WHERE client_id = ?').run(clientId).changes === 1),

    loadKeys: (alg) =>
      call(() => {
        const row = (alg === undefined ? sql('SELECT data, version FROM signing_keys WHERE id = 1').get() : sql('SELECT data, version FROM signing_key_sets WHERE alg = ?').get(alg)) as
          | { data: string; version: number }
          | undefined
        return row ? { data: row.data, version: String(row.version) } : { data: undefined, version: '0' }
      }),

    keysVersion: (alg) =>
      call(() => {
        const version = (alg === undefined ? sql('SELECT version FROM signing_keys WHERE id = 1').pluck().get() : sql('SELECT version FROM signing_key_sets WHERE alg = ?').pluck().get(alg)) as number | undefined
        return version === undefined ? '0' : String(version)
      }),

    saveKeys: (data, expectedVersion, alg) =>
      call(() => {
        if (alg !== undefined) checkStorableKey(alg, 'alg')
        const expected = parseKeysVersion(expectedVersion)
        // The first save inserts the row, later ones update it; either only if nobody saved since.
        const [insert, update, key] =
          alg === undefined
            ? ['INSERT INTO signing_keys (id, data, version) VALUES (?, ?, 1) ON CONFLICT (id) DO NOTHING RETURNING version', 'UPDATE signing_keys SET data = ?, version = version + 1 WHERE id = ? AND version = ? RETURNING version', 1]
            : ['INSERT INTO signing_key_sets (alg, data, version) VALUES (?, ?, 1) ON CONFLICT (alg) DO NOTHING RETURNING version', 'UPDATE signing_key_sets SET data = ?, version = version + 1 WHERE alg = ? AND version = ? RETURNING version', alg]
        const saved =
          expected === 0
            ? sql(insert).pluck().get(key, data)
            : expected !== undefined
              ? sql(update).pluck().get(data, key, expected)
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

    listRevokedTokens: (now) => call(() => (sql('SELECT jti, expires_at FROM revoked_tokens WHERE expires_at > ?').all(now) as RevokedRow[]).map(revokedFromRow)),

    useOnce: (namespace, id, expiresAt, now) =>
      call(() => {
        checkStorableKey(namespace, 'namespace')
        checkStorableKey(id, 'id')
        // One statement: a new id is inserted, an expired one taken over, a live one left alone.
        const statement = sql(`INSERT INTO single_use (namespace, id, expires_at) VALUES (?, ?, ?)
          ON CONFLICT (namespace, id) DO UPDATE SET expires_at = excluded.expires_at WHERE single_use.expires_at <= ?`)
        return statement.run(namespace, id, expiresAt, now).changes === 1
      }),

    getUser: (subject) =>
      call(() => {
        if (!isStorableKey(subject)) return undefined
        const data = sql('SELECT data FROM users WHERE subject = ?').pluck().get(subject) as string | undefined
        return data === undefined ? undefined : (JSON.parse(data) as UserRecord)
      }),

    findUserByUsername: (username) =>
      call(() => {
        if (!isStorableKey(username)) return undefined
        const data = sql('SELECT data FROM users WHERE username = ?').pluck().get(username) as string | undefined
        return data === undefined ? undefined : (JSON.parse(data) as UserRecord)
      }),

    putUser: (user) => call(() => void writeUser(user, 'ON CONFLICT (subject) DO UPDATE SET username = excluded.username, data = excluded.data')),

    createUser: (user) => call(() => writeUser(user, 'ON CONFLICT (subject) DO NOTHING')),

    listUsers: () => call(() => (sql('SELECT data FROM users ORDER BY subject').pluck().all() as string[]).map((data) => JSON.parse(data) as UserRecord)),

    deleteUser: (subject) => call(() => isStorableKey(subject) && sql('DELETE FROM users WHERE subject = ?').run(subject).changes === 1),

    // One statement: of concurrent first logins of a person, one inserts and the others update it.
    saveUpstreamAccount: (account) =>
      call(() => {
        checkStorableKey(account.issuer, 'issuer')
        checkStorableKey(account.upstreamSubject, 'upstreamSubject')
        checkStorableKey(account.subject, 'subject')
        try {
          const row = sql(`INSERT INTO upstream_accounts (issuer, upstream_subject, subject, created_at, data) VALUES (?, ?, ?, ?, ?)
            ON CONFLICT (issuer, upstream_subject) DO UPDATE SET data = excluded.data RETURNING *`).get(
            account.issuer,
            account.upstreamSubject,
            account.subject,
            account.createdAt,
            JSON.stringify(withoutColumns(account, UPSTREAM_ACCOUNT_COLUMNS)),
          ) as UpstreamAccountRow
          return upstreamAccountFromRow(row)
        } catch (error) {
          if ((error as { code?: unknown }).code === 'SQLITE_CONSTRAINT_UNIQUE') throw new StoreConflict('another upstream account has this subject')
          throw error
        }
      }),

    getUpstreamAccount: (subject) =>
      call(() => {
        if (!isStorableKey(subject)) return undefined
        const row = sql('SELECT * FROM upstream_accounts WHERE subject = ?').get(subject) as UpstreamAccountRow | undefined
        return row && upstreamAccountFromRow(row)
      }),

    getTrustEntry: (id) =>
      call(() => {
        if (!isStorableKey(id)) return undefined
        const data = sql('SELECT data FROM trust_entries WHERE id = ?').pluck().get(id) as string | undefined
        return data === undefined ? undefined : (JSON.parse(data) as TrustEntryRecord)
      }),

    findTrustEntries: (issuer) =>
      call(() => (isStorableKey(issuer) ? (sql('SELECT data FROM trust_entries WHERE issuer = ? ORDER BY id').pluck().all(issuer) as string[]).map((data) => JSON.parse(data) as TrustEntryRecord) : [])),

    listTrustEntries: () => call(() => (sql('SELECT data FROM trust_entries ORDER BY id').pluck().all() as string[]).map((data) => JSON.parse(data) as TrustEntryRecord)),

    putTrustEntry: (entry) =>
      call(() => {
        checkStorableKey(entry.id, 'id')
        checkStorableKey(entry.issuer, 'issuer')
        if (entry.subject !== undefined) checkStorableKey(entry.subject, 'subject')
        try {
          sql('INSERT INTO trust_entries (id, issuer, subject, data) VALUES (?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET issuer = excluded.issuer, subject = excluded.subject, data = excluded.data').run(
            entry.id,
            entry.issuer,
            entry.subject ?? null,
            JSON.stringify(entry),
          )
        } catch (error) {
          if ((error as { code?: unknown }).code === 'SQLITE_CONSTRAINT_UNIQUE') throw new StoreConflict('another trust entry has this issuer and subject')
          throw error
        }
      }),

    deleteTrustEntry: (id) => call(() => isStorableKey(id) && sql('DELETE FROM trust_entries WHERE id = ?').run(id).changes === 1),

    appendAuditEvent: (event) =>
      call(() => {
        for (const field of ['actorClientId', 'actorSubject', 'action', 'target'] as const) checkStorableKey(event[field], field)
        sql('INSERT INTO audit_events (at, actor_client_id, actor_subject, action, target) VALUES (?, ?, ?, ?, ?)').run(event.at, event.actorClientId, event.actorSubject, event.action, event.target)
      }),

    listAuditEvents: (limit) =>
      call(
        () =>
          sql('SELECT id, at, actor_client_id AS actorClientId, actor_subject AS actorSubject, action, target FROM audit_events ORDER BY id DESC LIMIT ?').all(Math.max(0, Math.floor(limit))) as AuditEvent[],
      ),

    createSession: (session) =>
      call(() => {
        checkStorableKey(session.idHash, 'idHash')
        checkStorableKey(session.subject, 'subject')
        sql('INSERT INTO sessions (id_hash, subject, auth_time, created_at, expires_at) VALUES (?, ?, ?, ?, ?)').run(
          session.idHash,
          session.subject,
          session.authTime,
          session.createdAt,
          session.expiresAt,
        )
      }),

    getSession: (idHash, now) =>
      call(() => {
        if (!isStorableKey(idHash)) return undefined
        const row = sql('SELECT id_hash AS idHash, subject, auth_time AS authTime, created_at AS createdAt, expires_at AS expiresAt FROM sessions WHERE id_hash = ? AND expires_at > ?').get(idHash, now)
        return row as SessionRecord | undefined
      }),

    deleteSession: (idHash) => call(() => isStorableKey(idHash) && sql('DELETE FROM sessions WHERE id_hash = ?').run(idHash).changes === 1),

    createAuthorizationCode: (code) =>
      call(() => {
        checkStorableKey(code.codeHash, 'codeHash')
        sql('INSERT INTO authorization_codes (code_hash, data, expires_at, consumed_at) VALUES (?, ?, ?, NULL)').run(
          code.codeHash,
          JSON.stringify(withoutColumns(code, ['consumedAt'])),
          code.expiresAt,
        )
      }),

    getAuthorizationCode: (codeHash) =>
      call(() => {
        if (!isStorableKey(codeHash)) return undefined
        const row = sql('SELECT data, expires_at, consumed_at FROM authorization_codes WHERE code_hash = ?').get(codeHash) as CodeRow | undefined
        return row && codeFromRow(row)
      }),

    // One statement: of concurrent redemptions exactly one finds consumed_at still NULL.
    consumeAuthorizationCode: (codeHash, now) =>
      call(() => isStorableKey(codeHash) && sql('UPDATE authorization_codes SET consumed_at = ? WHERE code_hash = ? AND consumed_at IS NULL AND expires_at > ?').run(now, codeHash, now).changes === 1),

    createGrant: (grant) =>
      call(() => {
        checkStorableKey(grant.id, 'id')
        const data = JSON.stringify(withoutColumns(grant, ['expiresAt', 'revokedAt']))
        return sql('INSERT INTO grants (id, data, expires_at, revoked_at) VALUES (?, ?, ?, ?) ON CONFLICT (id) DO NOTHING').run(grant.id, data, grant.expiresAt, grant.revokedAt ?? null).changes === 1
      }),

    getGrant: (id) =>
      call(() => {
        if (!isStorableKey(id)) return undefined
        const row = sql('SELECT data, expires_at, revoked_at FROM grants WHERE id = ?').get(id) as GrantRow | undefined
        return row && grantFromRow(row)
      }),

    // A transaction: SQLite runs one writer at a time, so no recordAccessToken can slip in between
    // marking the grant revoked and copying its jtis to the denylist. Only the revocation that
    // changes the row copies them: after it, none can be recorded.
    revokeGrant: (id, now) =>
      call(() => {
        if (!isStorableKey(id)) return []
        return db
          .transaction((): RevokedToken[] => {
            if (sql('UPDATE grants SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL').run(now, id).changes !== 1) return []
            const rows = sql(`INSERT INTO revoked_tokens (jti, client_id, expires_at, revoked_at)
              SELECT t.jti, json_extract(g.data, '$.clientId'), t.expires_at, ? FROM grant_access_tokens t JOIN grants g ON g.id = t.grant_id
              WHERE t.grant_id = ? AND t.expires_at > ? ON CONFLICT (jti) DO NOTHING RETURNING jti, expires_at`).all(now, id, now) as RevokedRow[]
            return rows.map(revokedFromRow)
          })
          .immediate()
      }),

    // Group-committed, as rotations are: a code redemption records one, a retried refresh too.
    recordAccessToken: (grantId, { jti, expiresAt }) =>
      groupCommit(() => {
        checkStorableKey(jti, 'jti')
        if (!isStorableKey(grantId)) return false
        const statement = sql(`INSERT INTO grant_access_tokens (grant_id, jti, expires_at)
          SELECT id, ?, ? FROM grants WHERE id = ? AND revoked_at IS NULL ON CONFLICT DO NOTHING`)
        return statement.run(jti, expiresAt, grantId).changes === 1
      }),

    createRefreshToken: (token) =>
      groupCommit(() => {
        checkStorableKey(token.tokenHash, 'tokenHash')
        checkStorableKey(token.grantId, 'grantId')
        sql(`INSERT INTO refresh_tokens (token_hash, grant_id, client_id, created_at, expires_at, consumed_at, successor_hash, successor_sealed)
          VALUES (?, ?, ?, ?, ?, ?, ?, ?)`).run(
          token.tokenHash,
          token.grantId,
          token.clientId,
          token.createdAt,
          token.expiresAt,
          token.consumedAt ?? null,
          token.successorHash ?? null,
          token.successorSealed ?? null,
        )
      }),

    getRefreshToken: (tokenHash) =>
      call(() => {
        if (!isStorableKey(tokenHash)) return undefined
        const row = sql('SELECT * FROM refresh_tokens WHERE token_hash = ?').get(tokenHash) as RefreshTokenRow | undefined
        return row && refreshTokenFromRow(row)
      }),

    getRefreshTokenWithGrant: (tokenHash) =>
      call(() => {
        if (!isStorableKey(tokenHash)) return undefined
        const row = sql(`SELECT t.*, g.data AS grant_data, g.expires_at AS grant_expires_at, g.revoked_at AS grant_revoked_at
          FROM refresh_tokens t JOIN grants g ON g.id = t.grant_id WHERE t.token_hash = ?`).get(tokenHash) as RefreshFamilyRow | undefined
        return row && refreshFamilyFromRow(row)
      }),

    // The conditional UPDATE decides (one writer at a time); the successor, and the access token
    // answered with it, are inserted in the same transaction, so a consumed token always has its
    // successor, and the grant the UPDATE found unrevoked cannot be revoked before the access token
    // is recorded (revokeGrant then denylists it).
    rotateRefreshToken: (tokenHash, successor, now) =>
      groupCommit(() => {
        if (!isStorableKey(tokenHash)) return false
        checkStorableKey(successor.tokenHash, 'tokenHash')
        const { accessToken } = successor
        if (accessToken) checkStorableKey(accessToken.jti, 'jti')
        const consumed = sql(`UPDATE refresh_tokens SET consumed_at = ?, successor_hash = ?, successor_sealed = ?
          WHERE token_hash = ? AND consumed_at IS NULL AND expires_at > ?
            AND EXISTS (SELECT 1 FROM grants g WHERE g.id = refresh_tokens.grant_id AND g.revoked_at IS NULL AND g.expires_at > ?)
          RETURNING grant_id, client_id`).get(now, successor.tokenHash, successor.sealed, tokenHash, now, now) as { grant_id: string; client_id: string } | undefined
        if (!consumed) return false
        sql('INSERT INTO refresh_tokens (token_hash, grant_id, client_id, created_at, expires_at) VALUES (?, ?, ?, ?, ?)').run(
          successor.tokenHash,
          consumed.grant_id,
          consumed.client_id,
          successor.createdAt,
          successor.expiresAt,
        )
        if (accessToken) sql('INSERT INTO grant_access_tokens (grant_id, jti, expires_at) VALUES (?, ?, ?)').run(consumed.grant_id, accessToken.jti, accessToken.expiresAt)
        return true
      }),

    purgeExpired: (now) =>
      call(() =>
        db.transaction(() =>
          [
            // Grants first: their families go with them (ON DELETE CASCADE).
            'DELETE FROM grants WHERE expires_at <= ?',
            'DELETE FROM revoked_tokens WHERE expires_at <= ?',
            'DELETE FROM single_use WHERE expires_at <= ?',
            'DELETE FROM sessions WHERE expires_at <= ?',
            'DELETE FROM authorization_codes WHERE expires_at <= ?',
            'DELETE FROM refresh_tokens WHERE expires_at <= ?',
            'DELETE FROM grant_access_tokens WHERE expires_at <= ?',
          ].reduce((count, statement) => count + sql(statement).run(now).changes, 0),
        )(),
      ),
  }
}

function open(path: string, busyTimeout: number, synchronous: 'normal' | 'full'): Database.Database {
  let db: Database.Database | undefined
  try {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 })
    // Created private before SQLite opens it; SQLite gives its -wal and -shm files the same mode.
    closeSync(openSync(path, 'a', 0o600))
    db = new Database(path, { timeout: busyTimeout })
    db.pragma('journal_mode = WAL')
    db.pragma(`synchronous = ${synchronous === 'full' ? 'FULL' : 'NORMAL'}`)
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
