/** The store contract on SQLite, and what only the embedded backend does (files, locks). */
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { after, describe, it } from 'node:test'
import Database from 'better-sqlite3'
import { openStore } from '../src/store/index.js'
import { migrations } from '../src/store/migrations.js'
import { createSqliteStore } from '../src/store/sqlite.js'
import { StoreUnavailable, type Store } from '../src/store/store.js'
import { keyStoreContract } from './key-store.contract.js'
import { storeContract, type StoreHarness } from './store.contract.js'

const root = mkdtempSync(join(tmpdir(), 'jotjwt-store-'))
const opened: Store[] = []
let databases = 0

after(async () => {
  await Promise.all(opened.map((store) => store.close().catch(() => undefined)))
  rmSync(root, { recursive: true, force: true })
})

/** A store tracked for closing at the end. */
function track(store: Store): Store {
  opened.push(store)
  return store
}

const harness: StoreHarness = {
  backend: 'sqlite',
  async database() {
    const path = join(root, `db-${++databases}`, 'nested', 'jotjwt.db') // parent directories do not exist yet
    return {
      open: () => track(createSqliteStore({ path })),
      rawKeyData: async () => {
        const db = new Database(path, { readonly: true })
        try {
          return (db.prepare('SELECT data FROM signing_keys').pluck().get() as string | undefined) ?? undefined
        } finally {
          db.close()
        }
      },
    }
  },
}

storeContract(harness)
keyStoreContract(harness)

describe('sqlite store: files', () => {
  it('creates the directory (0700) and the database file (0600) in WAL mode, -wal file private too', async () => {
    const path = join(root, 'files', 'deeper', 'jotjwt.db')
    const store = track(createSqliteStore({ path }))
    await store.migrate()
    await store.saveKeys('sealed', '0')
    assert.equal(statSync(join(root, 'files', 'deeper')).mode & 0o777, 0o700)
    assert.equal(statSync(path).mode & 0o777, 0o600)
    assert.equal(statSync(`${path}-wal`).mode & 0o777, 0o600)
    const raw = new Database(path, { readonly: true })
    try {
      assert.equal(raw.pragma('journal_mode', { simple: true }), 'wal')
    } finally {
      raw.close()
    }
  })

  it('openStore puts the database in the data directory by default and migrates it', async () => {
    const dataDir = join(root, 'data-dir')
    const store = track(await openStore({ type: 'sqlite' }, dataDir))
    assert.equal(statSync(join(dataDir, 'jotjwt.db')).isFile(), true)
    assert.equal((await store.health()).schemaVersion > 0, true)
  })
})

/**
 * Runs `count` replicas of `fixture` (in `fixtures/`) in processes of their own with `args`, waits
 * until every one says `ready`, starts them at the same instant (a line on stdin), and returns what
 * each printed after `ready` once all have exited with status 0. Each replica's whole output is
 * kept, so a replica that fails (at open, or at work) fails the test with what it printed instead
 * of leaving an await pending.
 */
async function replicasInProcesses(fixture: string, args: string[], count = 4): Promise<string[]> {
  const path = fileURLToPath(new URL(`./fixtures/${fixture}`, import.meta.url))
  const replicas = Array.from({ length: count }, () => {
    const child = spawn(process.execPath, ['--import', 'tsx', path, ...args], { stdio: ['pipe', 'pipe', 'pipe'] })
    const output = { stdout: '', stderr: '' }
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output.stdout += chunk))
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output.stderr += chunk))
    const exited = once(child, 'exit').then(([code]) => code as number | null)
    return { child, output, exited }
  })
  const describeReplicas = () => JSON.stringify(replicas.map((replica) => replica.output))
  // Wait until every replica is ready (or one has exited, which fails the test).
  let poll: NodeJS.Timeout | undefined
  const outcome = await Promise.race([
    new Promise<'ready'>((resolve) => {
      poll = setInterval(() => replicas.every((replica) => replica.output.stdout.includes('ready\n')) && resolve('ready'), 10)
    }),
    Promise.any(replicas.map((replica) => replica.exited)).then(() => 'exited' as const),
  ]).finally(() => clearInterval(poll))
  assert.equal(outcome, 'ready', `a replica exited before every replica was ready: ${describeReplicas()}`)
  for (const replica of replicas) replica.child.stdin.write('go\n')
  assert.deepEqual(await Promise.all(replicas.map((replica) => replica.exited)), Array(count).fill(0), describeReplicas())
  return replicas.map((replica) => replica.output.stdout.replace(/^ready\n/, ''))
}

describe('sqlite store: group commit of refresh token writes', () => {
  const grant = { id: 'g', clientId: 'app', subject: 'u', scopes: [], audiences: [], authTime: 1000, createdAt: 1000, expiresAt: 9000 }
  const token = (tokenHash: string) => ({ tokenHash, grantId: 'g', clientId: 'app', createdAt: 1000, expiresAt: 5000 })
  const successor = (tokenHash: string, jti: string) => ({ tokenHash, sealed: `sealed ${tokenHash}`, createdAt: 2000, expiresAt: 5000, accessToken: { jti, expiresAt: 3000 } })

  it('writes queued together each take effect or not as a whole: one that fails rolls back alone, the others commit', async () => {
    const path = join(root, 'group-commit', 'jotjwt.db')
    const store = track(createSqliteStore({ path }))
    await store.migrate()
    await store.createGrant(grant)
    for (const hash of ['a', 'b', 'c', 'taken']) await store.createRefreshToken(token(hash))
    // Queued in one turn of the event loop: b's successor collides with an existing token after b was marked consumed.
    const outcomes = await Promise.allSettled([
      store.rotateRefreshToken('a', successor('a2', 'at-a'), 2000),
      store.rotateRefreshToken('b', successor('taken', 'at-b'), 2000),
      store.rotateRefreshToken('c', successor('c2', 'at-c'), 2000),
    ])
    assert.deepEqual(outcomes.map((outcome) => outcome.status), ['fulfilled', 'rejected', 'fulfilled'])
    assert.equal((await store.getRefreshToken('b'))?.consumedAt, undefined, "b's failed rotation left nothing behind")
    const replica = track(createSqliteStore({ path }))
    assert.equal((await replica.getRefreshToken('a'))?.successorHash, 'a2', 'committed when answered: another connection sees it')
    assert.equal((await replica.getRefreshToken('c'))?.successorHash, 'c2')
    assert.deepEqual((await replica.revokeGrant('g', 2500)).map((entry) => entry.jti).sort(), ['at-a', 'at-c'])
  })

  it('writes still queued when the store closes are committed first', async () => {
    const path = join(root, 'group-commit-close', 'jotjwt.db')
    const store = track(createSqliteStore({ path }))
    await store.migrate()
    await store.createGrant(grant)
    await store.createRefreshToken(token('a'))
    const rotated = store.rotateRefreshToken('a', successor('a2', 'at-a'), 2000)
    await store.close()
    assert.equal(await rotated, true)
    const reopened = track(createSqliteStore({ path }))
    assert.equal((await reopened.getRefreshToken('a'))?.successorHash, 'a2')
    await assert.rejects(store.rotateRefreshToken('a2', successor('a3', 'at-a3'), 2000), StoreUnavailable)
  })
})

describe('sqlite store: replicas in other processes', () => {
  it('processes migrating one new file at the same instant all succeed, each migration applied once', async () => {
    const path = join(root, 'processes', 'jotjwt.db')
    assert.deepEqual(await replicasInProcesses('sqlite-migrate.ts', [path]), Array(4).fill('migrated\n'))
    const db = new Database(path, { readonly: true })
    try {
      assert.deepEqual(db.prepare('SELECT version FROM schema_migrations ORDER BY version').pluck().all(), migrations.map((migration) => migration.version))
    } finally {
      db.close()
    }
  })

  it('of 4 processes rotating the same 20 refresh tokens at the same instant, exactly one wins each, and its successor is the one stored', async () => {
    const path = join(root, 'rotation', 'jotjwt.db')
    const store = track(createSqliteStore({ path }))
    await store.migrate()
    await store.createGrant({ id: 'g', clientId: 'app', subject: 'u', scopes: [], audiences: ['https://api.example/'], authTime: 1000, createdAt: 1000, expiresAt: 100_000 })
    const hashes = Array.from({ length: 20 }, (_, i) => `token-${i}`)
    for (const tokenHash of hashes) await store.createRefreshToken({ tokenHash, grantId: 'g', clientId: 'app', createdAt: 1000, expiresAt: 5000 })
    const outcomes = (await replicasInProcesses('sqlite-rotate.ts', [path, hashes.join(',')])).map((line) => JSON.parse(line) as { pid: number; won: boolean[] })
    for (const [index, tokenHash] of hashes.entries()) {
      const winners = outcomes.filter((outcome) => outcome.won[index])
      assert.equal(winners.length, 1, tokenHash)
      assert.equal((await store.getRefreshToken(tokenHash))?.successorHash, `${tokenHash}-by-${winners[0]!.pid}`)
    }
  })
})

describe('sqlite store: unavailable database', () => {
  it('a write lock held beyond busyTimeout is StoreUnavailable, and the store works once it is released', async () => {
    const path = join(root, 'locked', 'jotjwt.db')
    const store = track(createSqliteStore({ path, busyTimeout: 100 }))
    await store.migrate()
    const other = new Database(path) // another process, as far as SQLite is concerned
    try {
      other.exec('BEGIN IMMEDIATE')
      const started = performance.now()
      await assert.rejects(store.useOnce('n', 'id', 2000, 1000), (error) => {
        assert.ok(error instanceof StoreUnavailable, String(error))
        assert.match(error.message, /is unavailable \(SQLITE_BUSY/)
        return true
      })
      assert.ok(performance.now() - started >= 90, 'waited for the lock first')
      assert.equal(await store.isTokenRevoked('x'), false) // WAL: reads go on beside the writer
      other.exec('ROLLBACK')
      assert.equal(await store.useOnce('n', 'id', 2000, 1000), true)
    } finally {
      other.close()
    }
  })

  it('a file that is not a database is StoreUnavailable when opened', () => {
    const path = join(root, 'corrupt.db')
    writeFileSync(path, 'this is not a SQLite database '.repeat(200), { mode: 0o600 })
    assert.throws(() => createSqliteStore({ path }), (error) => {
      assert.ok(error instanceof StoreUnavailable, String(error))
      assert.match(error.message, /cannot be opened \(SQLITE_NOTADB\)/)
      return true
    })
  })

  it('a database that becomes corrupt under a running store is StoreUnavailable', async () => {
    const path = join(root, 'goes-corrupt', 'jotjwt.db')
    const store = track(createSqliteStore({ path }))
    await store.migrate()
    await store.putClient({ clientId: 'c', authMethod: 'none', grantTypes: [], scopes: [], resources: [], createdAt: 0, updatedAt: 0 })
    const other = new Database(path)
    other.pragma('wal_checkpoint(TRUNCATE)') // every page now lives in the main file
    other.close()
    writeFileSync(path, Buffer.alloc(statSync(path).size, 0x5a)) // overwritten in place
    await assert.rejects(store.health(), StoreUnavailable)
  })

  it('a path that cannot be created is StoreUnavailable', () => {
    const blocker = join(root, 'a-file')
    writeFileSync(blocker, '')
    assert.throws(() => createSqliteStore({ path: join(blocker, 'jotjwt.db') }), (error) => {
      assert.ok(error instanceof StoreUnavailable, String(error))
      assert.match(error.message, /cannot be opened \((EEXIST|ENOTDIR)\)/)
      return true
    })
  })
})
