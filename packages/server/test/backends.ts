// The store backends every service suite runs on: embedded SQLite in a temporary directory, and the
// machine's PostgreSQL (127.0.0.1:5432, trust auth, database `test`) in a fresh schema per suite.
// PostgreSQL being unreachable fails the PostgreSQL suite with a message that says so; it never skips.
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import type { ServiceConfigInput } from '../src/config/schema.js'

export const POSTGRES_URL = process.env.JOTJWT_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test'

export interface Backend {
  name: 'sqlite' | 'postgres'
  /** A fresh store for one suite: config section, data directory, and how to drop it. */
  create(): Promise<{ store: NonNullable<ServiceConfigInput['store']>; dataDir: string; drop(): Promise<void> }>
}

/** Throws an error naming the server and how to start it when PostgreSQL cannot be reached. */
export async function assertPostgresReachable(): Promise<void> {
  const client = new pg.Client({ connectionString: POSTGRES_URL, connectionTimeoutMillis: 3000 })
  try {
    await client.connect()
    await client.query('select 1')
  } catch (error) {
    throw new Error(
      `PostgreSQL is not reachable at ${POSTGRES_URL.replace(/\/\/[^@]*@/, '//')} (${(error as Error).message}). ` +
        'These tests need it: start it (pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start) or set JOTJWT_TEST_DATABASE_URL.',
    )
  } finally {
    await client.end().catch(() => undefined)
  }
}

export const BACKENDS: readonly Backend[] = [
  {
    name: 'sqlite',
    async create() {
      const dataDir = mkdtempSync(join(tmpdir(), 'jotjwt-test-'))
      return { store: { type: 'sqlite' }, dataDir, drop: async () => rmSync(dataDir, { recursive: true, force: true }) }
    },
  },
  {
    name: 'postgres',
    async create() {
      await assertPostgresReachable()
      const schema = `jotjwt_test_${randomBytes(6).toString('hex')}`
      const dataDir = mkdtempSync(join(tmpdir(), 'jotjwt-test-'))
      return {
        store: { type: 'postgres', url: POSTGRES_URL, schema },
        dataDir,
        async drop() {
          const client = new pg.Client({ connectionString: POSTGRES_URL })
          await client.connect()
          await client.query(`drop schema if exists ${schema} cascade`)
          await client.end()
          rmSync(dataDir, { recursive: true, force: true })
        },
      }
    },
  },
]
