// Two replicas of `jotjwt serve` (two startService in this process) on one PostgreSQL schema and no
// Redis: PostgreSQL's LISTEN/NOTIFY tells B what A changed. B keeps its copy of the signing keys
// while its listener is up and client copies for an hour, so only a notification can make it see a
// change within a second; with its listener killed it reads the key list's version for every token
// (a revocation is seen by the next token), and it listens again by itself.
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { Writable } from 'node:stream'
import { after, before, describe, test } from 'node:test'
import { decodeJWTUnverified } from 'jotjwt'
import pg from 'pg'
import type { ServiceConfigInput } from '../src/config/schema.js'
import { hashSecret } from '../src/crypto/secret-hash.js'
import { startService, type RunningService } from '../src/service/service.js'
import { BACKENDS, POSTGRES_URL } from './backends.js'
import { eventually } from './redis-helpers.js'
import { publishedKids, revokeSigningKey } from './replica-helpers.js'

const API = 'https://api.example/orders'
const SECRET = 'replica-client-secret-0123456789'
const FORM = { 'content-type': 'application/x-www-form-urlencoded' }
const basic = (id: string, secret = SECRET) => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`

/** B's log lines, and a wait for the next one matching a pattern (no clock: the test's timeout bounds it). */
class LogLines extends Writable {
  readonly lines: string[] = []
  private waiters: { pattern: RegExp; from: number; resolve: () => void }[] = []
  override _write(chunk: Buffer, _encoding: string, done: () => void) {
    this.lines.push(chunk.toString())
    this.waiters = this.waiters.filter((waiter) => !(this.seen(waiter.pattern, waiter.from) && (waiter.resolve(), true)))
    done()
  }
  private seen(pattern: RegExp, from: number) {
    return this.lines.slice(from).some((line) => pattern.test(line))
  }
  /** Resolves once a line from now on matches `pattern`. */
  next(pattern: RegExp): { from: number; seen: Promise<void> } {
    const from = this.lines.length
    return { from, seen: new Promise((resolve) => this.waiters.push({ pattern, from, resolve })) }
  }
}

interface Deployment {
  a: RunningService
  b: RunningService
  bLog: LogLines
  config: ServiceConfigInput
  schema: string
  close(): Promise<void>
}

async function startDeployment(notifications: boolean): Promise<Deployment> {
  const database = await BACKENDS.find((backend) => backend.name === 'postgres')!.create()
  const store = { ...database.store, notifications } as ServiceConfigInput['store']
  const config: ServiceConfigInput = {
    issuer: 'http://127.0.0.1:1',
    listen: { host: '127.0.0.1', port: 0 },
    dataDir: database.dataDir,
    store,
    keys: { encryptionKey: randomBytes(32).toString('base64url') },
    log: { level: 'silent' },
    // Client copies kept for an hour: only a notification can make B see a change within a second.
    cache: { clientMaxAge: '1h' },
    clients: [{ clientId: 'billing', clientSecret: SECRET, scopes: ['orders:read'], resources: [API] }],
  }
  const a = await startService(config)
  const bLog = new LogLines()
  const b = await startService({ ...config, log: { level: 'info' } }, { logStream: bLog })
  return {
    a,
    b,
    bLog,
    config,
    schema: (database.store as { schema: string }).schema,
    async close() {
      await a.close()
      await b.close()
      await database.drop()
    },
  }
}

async function post(service: RunningService, params: Record<string, string>, authorization = basic('billing')) {
  const response = await fetch(`${service.url}/token`, { method: 'POST', headers: { ...FORM, authorization }, body: new URLSearchParams(params) })
  return { status: response.status, body: (await response.json()) as Record<string, unknown> }
}

const kidOfNextToken = async (service: RunningService) => {
  const answer = await post(service, { grant_type: 'client_credentials', resource: API })
  assert.equal(answer.status, 200, JSON.stringify(answer.body))
  return decodeJWTUnverified(answer.body.access_token as string).header.kid as string
}

/** Backends of the deployment's change listeners (both replicas'). */
async function listenerPids(schema: string): Promise<number[]> {
  const client = new pg.Client({ connectionString: POSTGRES_URL })
  await client.connect()
  try {
    const { rows } = await client.query<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE application_name = $1', [`jotjwt-server listener ${schema}`])
    return rows.map((row) => row.pid)
  } finally {
    await client.end()
  }
}

async function terminate(pids: number[]): Promise<void> {
  const client = new pg.Client({ connectionString: POSTGRES_URL })
  await client.connect()
  try {
    await client.query('SELECT pg_terminate_backend(pid) FROM unnest($1::int[]) AS pid', [pids])
  } finally {
    await client.end()
  }
}

describe('two replicas, one PostgreSQL, no Redis (LISTEN/NOTIFY on)', () => {
  let deployment: Deployment
  before(async () => {
    deployment = await startDeployment(true)
  })
  after(async () => {
    await deployment?.close()
  })

  test('each replica listens on a connection of its own', async () => {
    assert.equal((await listenerPids(deployment.schema)).length, 2)
  })

  test('a signing key revoked through key administration leaves B\'s JWKS and stops signing B\'s tokens within 1 s', async () => {
    const { a, b, config } = deployment
    // B has loaded its keys and keeps a copy: only the notification can make it drop the copy.
    const old = await kidOfNextToken(b)
    assert.ok((await publishedKids(b)).includes(old))
    assert.equal(await revokeSigningKey(config), old)
    const ms = await eventually(1000, "the revoked key leaves B's JWKS", async () => !(await publishedKids(b)).includes(old))
    assert.notEqual(await kidOfNextToken(b), old)
    assert.notEqual(await kidOfNextToken(a), old)
    assert.deepEqual(await publishedKids(a), await publishedKids(b))
    console.log(`# B's JWKS without the revoked key after ${ms.toFixed(0)} ms`)
  })

  test('a key rotated through A\'s admin operations is in B\'s JWKS within 1 s', async () => {
    const { a, b } = deployment
    const before = await publishedKids(b)
    const fresh = await a.ctx.keys.rotateNow()
    assert.ok(!before.includes(fresh.kid))
    await eventually(1000, "the fresh key is in B's JWKS", async () => (await publishedKids(b)).includes(fresh.kid))
  })

  test('a client whose secret is rotated, then deleted, on A is refused on B within 1 s (B keeps client copies for an hour)', async () => {
    const { a, b } = deployment
    const clientId = `changing-${randomBytes(4).toString('hex')}`
    const [first, second] = ['first-secret-0123456789abcdef', 'second-secret-0123456789abcdef']
    const template = (await a.ctx.store.getClient('billing'))!
    assert.ok(await a.ctx.store.createClient({ ...template, clientId, secretHash: await hashSecret(first), source: 'api' }))
    const status = async (secret: string) => (await post(b, { grant_type: 'client_credentials', resource: API }, basic(clientId, secret))).status
    assert.equal(await status(first), 200)
    const hash = await hashSecret(second)
    await a.ctx.store.putClient({ ...(await a.ctx.store.getClient(clientId))!, secretHash: hash })
    const ms = await eventually(1000, 'B reads the rotated secret', async () => (await b.ctx.store.getClient(clientId))?.secretHash === hash)
    assert.equal(await status(first), 401, 'the old secret is refused on B')
    assert.equal(await status(second), 200)
    assert.ok(await a.ctx.store.deleteClient(clientId))
    await eventually(1000, 'B no longer finds the deleted client', async () => (await b.ctx.store.getClient(clientId)) === undefined)
    assert.equal(await status(second), 401, 'the deleted client is refused on B')
    console.log(`# B read the rotated secret after ${ms.toFixed(0)} ms`)
  })

  test('with its listener killed, B reads the keys\' version for the next token (a revocation is seen at once), then listens again', async () => {
    const { b, bLog, config, schema } = deployment
    const old = await kidOfNextToken(b)
    const pids = await listenerPids(schema)
    assert.equal(pids.length, 2)
    const lost = bLog.next(/change notification listener was lost/)
    const back = bLog.next(/change notification listener is back/)
    await terminate(pids)
    await lost.seen
    // While nothing listens, B still signs (and loads its list), but answers from no copy: the
    // notification of this revocation (unless B listens again first) reaches no listener of B's.
    assert.equal(await kidOfNextToken(b), old)
    assert.equal(await revokeSigningKey(config), old)
    assert.notEqual(await kidOfNextToken(b), old, 'the next token on B is not signed by the revoked key')
    assert.ok(!(await publishedKids(b)).includes(old))
    // Reconnected (with a new backend), B keeps a copy again, and notifications reach it again.
    await back.seen
    // A's listener was killed too and reconnects on its own backoff: wait for both, not just B's.
    await eventually(5000, 'both replicas listen again', async () => (await listenerPids(schema)).length === 2)
    const now = await listenerPids(schema)
    assert.ok(now.every((pid) => !pids.includes(pid)))
    const signing = await kidOfNextToken(b)
    assert.equal(await revokeSigningKey(config), signing)
    await eventually(1000, "the key revoked after the reconnection leaves B's JWKS", async () => !(await publishedKids(b)).includes(signing))
    assert.notEqual(await kidOfNextToken(b), signing)
    // The log says what happened, and nothing of the database's address.
    assert.ok(bLog.lines.slice(lost.from).every((line) => !/postgres(ql)?:\/\//.test(line)))
  })
})

describe('two replicas, one PostgreSQL, no Redis (store.notifications: false)', () => {
  let deployment: Deployment
  before(async () => {
    deployment = await startDeployment(false)
  })
  after(async () => {
    await deployment?.close()
  })

  test('no listener connection, and a revocation on A is seen by B\'s next token (it reads the keys\' version for each)', async () => {
    const { b, config, schema } = deployment
    assert.deepEqual(await listenerPids(schema), [])
    const old = await kidOfNextToken(b)
    assert.equal(await revokeSigningKey(config), old)
    assert.notEqual(await kidOfNextToken(b), old)
  })
})
