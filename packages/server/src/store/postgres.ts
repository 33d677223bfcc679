/**
 * The shared backend: PostgreSQL (node-postgres), for several replicas of the service. Everything
 * lives in one schema of its own; decisions are single statements (an upsert, a conditional
 * update), atomic under PostgreSQL's row locks whatever the number of replicas.
 *
 * The schema name is a validated identifier from the configuration, written into SQL once, quoted;
 * every value travels as a query parameter. Connections, statements and waits for a connection are
 * bounded in time, and the queue of callers waiting for a connection in length, so a database that
 * is down, stuck or overloaded becomes a fast {@link StoreUnavailable} (HTTP 503) rather than
 * requests that hang or pile up in memory. A statement or transaction that PostgreSQL aborted as a
 * serialization failure or deadlock is run again, a bounded number of times, before it counts as one.
 * @module
 */
import { randomBytes } from 'node:crypto'
import pg from 'pg'
import type { ChangeTopic } from './change-notifications.js'
import { migrationsTable, pendingMigrations } from './migrations.js'
import { CHANGE_CHANNEL, changePayload, createPostgresChangeNotifications } from './postgres-notifications.js'
import { checkStorableKey, isStorableKey, parseKeysVersion } from './storable.js'
import { codeFromRow, grantFromRow, refreshFamilyFromRow, refreshTokenFromRow, revokedFromRow, upstreamAccountFromRow, UPSTREAM_ACCOUNT_COLUMNS, withoutColumns, type CodeRow, type GrantRow, type RefreshFamilyRow, type RefreshTokenRow, type RevokedRow, type UpstreamAccountRow } from './rows.js'
import { StoreConflict, StoreUnavailable, type AuditEvent, type ClientRecord, type SessionRecord, type Store, type TrustEntryRecord, type UserRecord } from './store.js'

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
  /**
   * Callers that may wait for a connection while all are busy; one more fails at once with
   * StoreUnavailable (backpressure: HTTP 503 instead of a queue that grows with the load). Default 1000.
   */
  maxWaiting?: number
  /**
   * Writes of key lists and client records notify the other replicas in their own transaction
   * (`pg_notify`), and `listenForChanges` hears the others' (`postgres-notifications.ts`). Default true.
   */
  notifications?: boolean
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
/**
 * SQLSTATE 40001 serialization_failure and 40P01 deadlock_detected: PostgreSQL rolled the whole
 * transaction back (nothing of it committed), and running it again may well succeed: the
 * PostgreSQL manual (§13.5 Serialization Failure Handling) advises retrying both. Attempts in all,
 * and the base of the jittered pause between them.
 */
const RETRYABLE_SQLSTATE = new Set(['40001', '40P01'])
const ATTEMPTS = 3
const RETRY_PAUSE_MS = 10

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
  const maxWaiting = options.maxWaiting ?? 1000
  const notifications = options.notifications ?? true
  // Tells this store's own notifications apart from the other replicas'.
  const origin = randomBytes(12).toString('base64url')

  /** Refuses a caller once the store is closed, or one that would wait behind `maxWaiting` others for a connection. */
  const admit = (): void => {
    if (ended) throw new StoreUnavailable('the PostgreSQL store is closed')
    if (pool.waitingCount >= maxWaiting) throw new StoreUnavailable(`the PostgreSQL connection pool is exhausted (${pool.waitingCount} callers waiting)`)
  }

  const query = <Row extends pg.QueryResultRow>(text: string, values?: unknown[]): Promise<pg.QueryResult<Row>> =>
    retrying(async () => {
      admit()
      return pool.query<Row>(text, values)
    })

  /** Runs `work` in a transaction on one connection of the pool, again after a serialization failure or deadlock. */
  const transaction = <T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T> =>
    retrying(async () => {
      admit()
      const client = await pool.connect()
      let failure: Error | undefined
      try {
        await client.query('BEGIN')
        const result = await work(client)
        await client.query('COMMIT')
        return result
      } catch (error) {
        failure = error instanceof Error ? error : new Error(String(error))
        await client.query('ROLLBACK').catch(() => undefined)
        throw error
      } finally {
        // A connection that failed mid-transaction is discarded rather than handed to the next caller.
        client.release(failure)
      }
    })

  /**
   * Runs `text`, a data-modifying statement with a RETURNING clause, and (notifications on) tells
   * the other replicas `topic` changed, in the same statement, once per row changed: PostgreSQL
   * delivers it when the statement commits, never when it fails or changed nothing.
   */
  const changing = <Row extends pg.QueryResultRow>(topic: ChangeTopic, text: string, values: unknown[]): Promise<pg.QueryResult<Row>> =>
    notifications
      ? query<Row>(`WITH changed AS (${text}) SELECT changed.*, pg_notify($${values.length + 1}, $${values.length + 2})::text AS notified FROM changed`, [
          ...values,
          CHANGE_CHANNEL,
          changePayload(options.schema, topic, origin),
        ])
      : query<Row>(text, values)

  /** Inserts the user, `onConflict` deciding what an existing subject means; true when a row was written. */
  const writeUser = async (user: UserRecord, onConflict: string): Promise<boolean> => {
    checkStorableKey(user.subject, 'subject')
    checkStorableKey(user.username, 'username')
    try {
      const { rowCount } = await query(`INSERT INTO ${schema}.users (subject, username, data) VALUES ($1, $2, $3) ${onConflict}`, [user.subject, user.username, JSON.stringify(user)])
      return rowCount === 1
    } catch (error) {
      if ((error as { code?: unknown }).code === '23505') throw new StoreConflict('another user has this username')
      throw error
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
        admit()
        const { rows } = await pool.query<{ version: number | null }>(`SELECT max(version) AS version FROM ${schema}.schema_migrations`)
        return { backend: 'postgres', schemaVersion: rows[0]?.version ?? 0 }
      } catch (error) {
        if ((error as { code?: unknown }).code === '42P01') return { backend: 'postgres', schemaVersion: 0 } // not migrated yet
        throw unavailableOr(error)
      }
    },

    close: () => (ended ??= pool.end()),

    ...(notifications
      ? {
          listenForChanges: (log: Parameters<NonNullable<Store['listenForChanges']>>[0]) =>
            createPostgresChangeNotifications({
              connect: () => new pg.Client({ ...connection, application_name: `jotjwt-server listener ${options.schema}`.slice(0, 63), query_timeout: statementTimeout + 1000 }),
              schema: options.schema,
              origin,
              log,
            }),
        }
      : {}),

    async getClient(clientId) {
      if (!isStorableKey(clientId)) return undefined
      const { rows } = await query<{ data: ClientRecord }>(`SELECT data FROM ${schema}.clients WHERE client_id = $1`, [clientId])
      return rows[0]?.data
    },

    async putClient(client) {
      checkStorableKey(client.clientId, 'clientId')
      await changing('clients', `INSERT INTO ${schema}.clients (client_id, data) VALUES ($1, $2) ON CONFLICT (client_id) DO UPDATE SET data = EXCLUDED.data RETURNING client_id`, [
        client.clientId,
        JSON.stringify(client),
      ])
    },

    async createClient(client) {
      checkStorableKey(client.clientId, 'clientId')
      const { rowCount } = await changing('clients', `INSERT INTO ${schema}.clients (client_id, data) VALUES ($1, $2) ON CONFLICT (client_id) DO NOTHING RETURNING client_id`, [
        client.clientId,
        JSON.stringify(client),
      ])
      return rowCount === 1
    },

    async listClients() {
      return (await query<{ data: ClientRecord }>(`SELECT data FROM ${schema}.clients ORDER BY client_id`)).rows.map((row) => row.data)
    },

    async deleteClient(clientId) {
      return isStorableKey(clientId) && (await changing('clients', `DELETE FROM ${schema}.clients WHERE client_id = $1 RETURNING client_id`, [clientId])).rowCount === 1
    },

    async loadKeys(alg) {
      // bigint arrives as text: the version is passed through as it is.
      const { rows } =
        alg === undefined
          ? await query<{ data: string; version: string }>(`SELECT data, version FROM ${schema}.signing_keys WHERE id = 1`)
          : await query<{ data: string; version: string }>(`SELECT data, version FROM ${schema}.signing_key_sets WHERE alg = $1`, [alg])
      return rows[0] ? { data: rows[0].data, version: rows[0].version } : { data: undefined, version: '0' }
    },

    async keysVersion(alg) {
      const { rows } =
        alg === undefined
          ? await query<{ version: string }>(`SELECT version FROM ${schema}.signing_keys WHERE id = 1`)
          : await query<{ version: string }>(`SELECT version FROM ${schema}.signing_key_sets WHERE alg = $1`, [alg])
      return rows[0]?.version ?? '0'
    },

    async saveKeys(data, expectedVersion, alg) {
      if (alg !== undefined) checkStorableKey(alg, 'alg')
      const expected = parseKeysVersion(expectedVersion)
      const [table, column, key] = alg === undefined ? ['signing_keys', 'id', 1] : ['signing_key_sets', 'alg', alg]
      // The first save inserts the row, later ones update it; either only if nobody saved since
      // (a concurrent UPDATE waits for the row lock, then re-checks the version and matches nothing).
      const { rows } =
        expected === 0
          ? await changing<{ version: string }>('keys', `INSERT INTO ${schema}.${table} (${column}, data, version) VALUES ($1, $2, 1) ON CONFLICT (${column}) DO NOTHING RETURNING version`, [key, data])
          : expected !== undefined
            ? await changing<{ version: string }>('keys', `UPDATE ${schema}.${table} SET data = $2, version = version + 1 WHERE ${column} = $1 AND version = $3 RETURNING version`, [key, data, expected])
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

    async listRevokedTokens(now) {
      return (await query<RevokedRow>(`SELECT jti, expires_at FROM ${schema}.revoked_tokens WHERE expires_at > $1`, [now])).rows.map(revokedFromRow)
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

    async getUser(subject) {
      if (!isStorableKey(subject)) return undefined
      return (await query<{ data: UserRecord }>(`SELECT data FROM ${schema}.users WHERE subject = $1`, [subject])).rows[0]?.data
    },

    async findUserByUsername(username) {
      if (!isStorableKey(username)) return undefined
      return (await query<{ data: UserRecord }>(`SELECT data FROM ${schema}.users WHERE username = $1`, [username])).rows[0]?.data
    },

    async putUser(user) {
      await writeUser(user, 'ON CONFLICT (subject) DO UPDATE SET username = EXCLUDED.username, data = EXCLUDED.data')
    },

    createUser: (user) => writeUser(user, 'ON CONFLICT (subject) DO NOTHING'),

    async listUsers() {
      return (await query<{ data: UserRecord }>(`SELECT data FROM ${schema}.users ORDER BY subject`)).rows.map((row) => row.data)
    },

    async deleteUser(subject) {
      return isStorableKey(subject) && (await query(`DELETE FROM ${schema}.users WHERE subject = $1`, [subject])).rowCount === 1
    },

    // One statement: a concurrent first login of the same person waits for the row lock and updates.
    async saveUpstreamAccount(account) {
      checkStorableKey(account.issuer, 'issuer')
      checkStorableKey(account.upstreamSubject, 'upstreamSubject')
      checkStorableKey(account.subject, 'subject')
      try {
        const { rows } = await query<UpstreamAccountRow>(
          `INSERT INTO ${schema}.upstream_accounts (issuer, upstream_subject, subject, created_at, data) VALUES ($1, $2, $3, $4, $5)
           ON CONFLICT (issuer, upstream_subject) DO UPDATE SET data = EXCLUDED.data RETURNING *`,
          [account.issuer, account.upstreamSubject, account.subject, account.createdAt, JSON.stringify(withoutColumns(account, UPSTREAM_ACCOUNT_COLUMNS))],
        )
        return upstreamAccountFromRow(rows[0]!)
      } catch (error) {
        if ((error as { code?: unknown }).code === '23505') throw new StoreConflict('another upstream account has this subject')
        throw error
      }
    },

    async getUpstreamAccount(subject) {
      if (!isStorableKey(subject)) return undefined
      const row = (await query<UpstreamAccountRow>(`SELECT * FROM ${schema}.upstream_accounts WHERE subject = $1`, [subject])).rows[0]
      return row && upstreamAccountFromRow(row)
    },

    async getTrustEntry(id) {
      if (!isStorableKey(id)) return undefined
      return (await query<{ data: TrustEntryRecord }>(`SELECT data FROM ${schema}.trust_entries WHERE id = $1`, [id])).rows[0]?.data
    },

    async findTrustEntries(issuer) {
      if (!isStorableKey(issuer)) return []
      return (await query<{ data: TrustEntryRecord }>(`SELECT data FROM ${schema}.trust_entries WHERE issuer = $1 ORDER BY id`, [issuer])).rows.map((row) => row.data)
    },

    async listTrustEntries() {
      return (await query<{ data: TrustEntryRecord }>(`SELECT data FROM ${schema}.trust_entries ORDER BY id`)).rows.map((row) => row.data)
    },

    async putTrustEntry(entry) {
      checkStorableKey(entry.id, 'id')
      checkStorableKey(entry.issuer, 'issuer')
      if (entry.subject !== undefined) checkStorableKey(entry.subject, 'subject')
      try {
        await query(
          `INSERT INTO ${schema}.trust_entries (id, issuer, subject, data) VALUES ($1, $2, $3, $4)
           ON CONFLICT (id) DO UPDATE SET issuer = EXCLUDED.issuer, subject = EXCLUDED.subject, data = EXCLUDED.data`,
          [entry.id, entry.issuer, entry.subject ?? null, JSON.stringify(entry)],
        )
      } catch (error) {
        if ((error as { code?: unknown }).code === '23505') throw new StoreConflict('another trust entry has this issuer and subject')
        throw error
      }
    },

    async deleteTrustEntry(id) {
      return isStorableKey(id) && (await query(`DELETE FROM ${schema}.trust_entries WHERE id = $1`, [id])).rowCount === 1
    },

    async appendAuditEvent(event) {
      for (const field of ['actorClientId', 'actorSubject', 'action', 'target'] as const) checkStorableKey(event[field], field)
      await query(`INSERT INTO ${schema}.audit_events (at, actor_client_id, actor_subject, action, target) VALUES ($1, $2, $3, $4, $5)`, [
        event.at,
        event.actorClientId,
        event.actorSubject,
        event.action,
        event.target,
      ])
    },

    async listAuditEvents(limit) {
      const { rows } = await query<Omit<AuditEvent, 'id'> & { id: string }>(
        `SELECT id, at, actor_client_id AS "actorClientId", actor_subject AS "actorSubject", action, target FROM ${schema}.audit_events ORDER BY id DESC LIMIT $1`,
        [Math.max(0, Math.floor(limit))],
      )
      // bigserial arrives as text; audit ids stay far below 2^53.
      return rows.map((row) => ({ ...row, id: Number(row.id) }))
    },

    async createSession(session) {
      checkStorableKey(session.idHash, 'idHash')
      checkStorableKey(session.subject, 'subject')
      await query(`INSERT INTO ${schema}.sessions (id_hash, subject, auth_time, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)`, [
        session.idHash,
        session.subject,
        session.authTime,
        session.createdAt,
        session.expiresAt,
      ])
    },

    async getSession(idHash, now) {
      if (!isStorableKey(idHash)) return undefined
      const { rows } = await query<SessionRecord>(
        `SELECT id_hash AS "idHash", subject, auth_time AS "authTime", created_at AS "createdAt", expires_at AS "expiresAt" FROM ${schema}.sessions WHERE id_hash = $1 AND expires_at > $2`,
        [idHash, now],
      )
      return rows[0]
    },

    async deleteSession(idHash) {
      return isStorableKey(idHash) && (await query(`DELETE FROM ${schema}.sessions WHERE id_hash = $1`, [idHash])).rowCount === 1
    },

    async createAuthorizationCode(code) {
      checkStorableKey(code.codeHash, 'codeHash')
      await query(`INSERT INTO ${schema}.authorization_codes (code_hash, data, expires_at) VALUES ($1, $2, $3)`, [
        code.codeHash,
        JSON.stringify(withoutColumns(code, ['consumedAt'])),
        code.expiresAt,
      ])
    },

    async getAuthorizationCode(codeHash) {
      if (!isStorableKey(codeHash)) return undefined
      const row = (await query<CodeRow>(`SELECT data, expires_at, consumed_at FROM ${schema}.authorization_codes WHERE code_hash = $1`, [codeHash])).rows[0]
      return row && codeFromRow(row)
    },

    // One statement: a concurrent redemption waits for the row lock, then re-checks consumed_at.
    async consumeAuthorizationCode(codeHash, now) {
      if (!isStorableKey(codeHash)) return false
      const { rowCount } = await query(`UPDATE ${schema}.authorization_codes SET consumed_at = $2 WHERE code_hash = $1 AND consumed_at IS NULL AND expires_at > $2`, [codeHash, now])
      return rowCount === 1
    },

    async createGrant(grant) {
      checkStorableKey(grant.id, 'id')
      const { rowCount } = await query(`INSERT INTO ${schema}.grants (id, data, expires_at, revoked_at) VALUES ($1, $2, $3, $4) ON CONFLICT (id) DO NOTHING`, [
        grant.id,
        JSON.stringify(withoutColumns(grant, ['expiresAt', 'revokedAt'])),
        grant.expiresAt,
        grant.revokedAt ?? null,
      ])
      return rowCount === 1
    },

    async getGrant(id) {
      if (!isStorableKey(id)) return undefined
      const row = (await query<GrantRow>(`SELECT data, expires_at, revoked_at FROM ${schema}.grants WHERE id = $1`, [id])).rows[0]
      return row && grantFromRow(row)
    },

    // Two statements in one transaction, on purpose: the UPDATE waits for any recordAccessToken
    // holding the grant row (FOR SHARE) to commit, and the INSERT that follows, a statement of its
    // own, then reads the jtis with a fresh snapshot that includes the one just recorded (READ
    // COMMITTED; a single statement would read them with the snapshot taken before the wait). Only
    // the revocation that changes the row copies the jtis: after it, none can be recorded, so a
    // second revocation (say, a thousand concurrent reuses) has nothing to add and waits for nothing.
    async revokeGrant(id, now) {
      if (!isStorableKey(id)) return []
      return transaction(async (client) => {
        const { rowCount: revoked } = await client.query(`UPDATE ${schema}.grants SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL`, [id, now])
        if (revoked !== 1) return []
        const { rows } = await client.query<RevokedRow>(
          `INSERT INTO ${schema}.revoked_tokens (jti, client_id, expires_at, revoked_at)
           SELECT t.jti, g.data->>'clientId', t.expires_at, $2 FROM ${schema}.grant_access_tokens t JOIN ${schema}.grants g ON g.id = t.grant_id
           WHERE t.grant_id = $1 AND t.expires_at > $2 ON CONFLICT (jti) DO NOTHING RETURNING jti, expires_at`,
          [id, now],
        )
        return rows.map(revokedFromRow)
      })
    },

    // FOR SHARE conflicts with revokeGrant's UPDATE: whichever comes second waits for the first to
    // commit, so a jti is never recorded into a family that is being revoked without being denylisted.
    async recordAccessToken(grantId, { jti, expiresAt }) {
      checkStorableKey(jti, 'jti')
      if (!isStorableKey(grantId)) return false
      const { rowCount } = await query(
        `INSERT INTO ${schema}.grant_access_tokens (grant_id, jti, expires_at)
         SELECT id, $2, $3 FROM ${schema}.grants WHERE id = $1 AND revoked_at IS NULL FOR SHARE
         ON CONFLICT DO NOTHING`,
        [grantId, jti, expiresAt],
      )
      return rowCount === 1
    },

    async createRefreshToken(token) {
      checkStorableKey(token.tokenHash, 'tokenHash')
      checkStorableKey(token.grantId, 'grantId')
      await query(
        `INSERT INTO ${schema}.refresh_tokens (token_hash, grant_id, client_id, created_at, expires_at, consumed_at, successor_hash, successor_sealed)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
        [token.tokenHash, token.grantId, token.clientId, token.createdAt, token.expiresAt, token.consumedAt ?? null, token.successorHash ?? null, token.successorSealed ?? null],
      )
    },

    async getRefreshToken(tokenHash) {
      if (!isStorableKey(tokenHash)) return undefined
      const row = (await query<RefreshTokenRow>(`SELECT * FROM ${schema}.refresh_tokens WHERE token_hash = $1`, [tokenHash])).rows[0]
      return row && refreshTokenFromRow(row)
    },

    async getRefreshTokenWithGrant(tokenHash) {
      if (!isStorableKey(tokenHash)) return undefined
      const { rows } = await query<RefreshFamilyRow>(
        `SELECT t.*, g.data AS grant_data, g.expires_at AS grant_expires_at, g.revoked_at AS grant_revoked_at
         FROM ${schema}.refresh_tokens t JOIN ${schema}.grants g ON g.id = t.grant_id WHERE t.token_hash = $1`,
        [tokenHash],
      )
      return rows[0] && refreshFamilyFromRow(rows[0])
    },

    // One statement, one round trip: the conditional UPDATE decides (a concurrent one waits for the
    // row lock, then re-checks consumed_at and matches nothing), and the successor, and the access
    // token answered with it, are inserted from what it returned, so a consumed token always has its
    // successor. The grant is read FOR SHARE, as recordAccessToken reads it, for the same reason:
    // revokeGrant's UPDATE of that row then waits for this statement's commit, and its denylist copy
    // sees the access token; or this one waits for the revocation, re-reads the row (READ COMMITTED)
    // and rotates nothing.
    async rotateRefreshToken(tokenHash, successor, now) {
      if (!isStorableKey(tokenHash)) return false
      checkStorableKey(successor.tokenHash, 'tokenHash')
      const { accessToken } = successor
      if (accessToken) checkStorableKey(accessToken.jti, 'jti')
      const { rows } = await query<{ rotated: string }>(
        `WITH family AS (
           SELECT g.id FROM ${schema}.grants g
           WHERE g.id = (SELECT grant_id FROM ${schema}.refresh_tokens WHERE token_hash = $1) AND g.revoked_at IS NULL AND g.expires_at > $2
           FOR SHARE
         ), consumed AS (
           UPDATE ${schema}.refresh_tokens AS token SET consumed_at = $2, successor_hash = $3, successor_sealed = $4
           WHERE token.token_hash = $1 AND token.consumed_at IS NULL AND token.expires_at > $2 AND token.grant_id IN (SELECT id FROM family)
           RETURNING token.grant_id, token.client_id
         ), successor AS (
           INSERT INTO ${schema}.refresh_tokens (token_hash, grant_id, client_id, created_at, expires_at)
           SELECT $3, grant_id, client_id, $5, $6 FROM consumed RETURNING 1
         ), access AS (
           INSERT INTO ${schema}.grant_access_tokens (grant_id, jti, expires_at)
           SELECT grant_id, $7::text, $8::double precision FROM consumed WHERE $7::text IS NOT NULL
         )
         SELECT count(*) AS rotated FROM successor`,
        [tokenHash, now, successor.tokenHash, successor.sealed, successor.createdAt, successor.expiresAt, accessToken?.jti ?? null, accessToken?.expiresAt ?? null],
      )
      return Number(rows[0]?.rotated ?? 0) === 1
    },

    async purgeExpired(now) {
      // Grants first: their families go with them (ON DELETE CASCADE).
      const tables = ['grants', 'revoked_tokens', 'single_use', 'sessions', 'authorization_codes', 'refresh_tokens', 'grant_access_tokens']
      const deletes = tables.map((table) => `${table} AS (DELETE FROM ${schema}.${table} WHERE expires_at <= $1 RETURNING 1)`)
      const { rows } = await query<{ count: string }>(
        `WITH ${deletes.join(', ')} SELECT ${tables.map((table) => `(SELECT count(*) FROM ${table})`).join(' + ')} AS count`,
        [now],
      )
      return Number(rows[0]?.count ?? 0)
    },
  }
}

/**
 * Runs `attempt` up to {@link ATTEMPTS} times while it fails with a retryable SQLSTATE, pausing a
 * little longer each time, jittered so that the two sides of a deadlock do not meet again; then
 * database failures as StoreUnavailable.
 */
async function retrying<T>(attempt: () => Promise<T>): Promise<T> {
  for (let made = 1; ; made++) {
    try {
      return await attempt()
    } catch (error) {
      const code = (error as { code?: unknown }).code
      if (made >= ATTEMPTS || typeof code !== 'string' || !RETRYABLE_SQLSTATE.has(code)) throw unavailableOr(error)
      await new Promise((resolve) => setTimeout(resolve, RETRY_PAUSE_MS * made * (1 + Math.random())))
    }
  }
}

/** A connection-level failure as {@link StoreUnavailable}, naming only its code; anything else (a bug) as it is. */
function unavailableOr(error: unknown): unknown {
  if (error instanceof StoreUnavailable) return error
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
