// Two replicas of `jotjwt serve --config FILE` as separate processes (packages/cli/bin/jotjwt.js,
// the built CLI and server), as a deployment runs them behind a balancer: one fresh PostgreSQL
// schema on the machine's PostgreSQL, the machine's Redis under a key prefix of this run, each
// replica on a port of its own, one issuer. Every process is bounded: `timeout` ends a replica
// that outlives the suite, close() stops them with SIGTERM (SIGKILL after a grace), and the
// parent's exit kills whatever is left.
import { spawn, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import pg from 'pg'
import type { ServiceConfigInput } from '../src/config/schema.js'
import { hashSecret } from '../src/crypto/secret-hash.js'
import { BACKENDS } from '../test/backends.js'
import { connectRedis, dropPrefix, freePort, REDIS_URL, uniquePrefix } from '../test/redis-helpers.js'

const HERE = dirname(fileURLToPath(import.meta.url))
const ROOT = join(HERE, '..', '..', '..')
const CLI = join(ROOT, 'packages', 'cli', 'bin', 'jotjwt.js')

/** The longest a replica process may live (coreutils `timeout`), whatever happens to this process. */
const REPLICA_LIFETIME_SECONDS = 600
/** How long a replica may take to print that it listens. */
const START_TIMEOUT_MS = 30_000
/** How long close() waits after SIGTERM before SIGKILL. */
const STOP_TIMEOUT_MS = 15_000

export interface Replica {
  name: string
  /** Where this replica listens. */
  url: string
  process: ChildProcess
  /** Everything it wrote (banner and log lines), for the failure messages. */
  output(): string
}

export interface Deployment {
  a: Replica
  b: Replica
  replicas: readonly Replica[]
  /** The one issuer of both (A's address, as a balancer's would be). */
  issuer: string
  prefix: string
  /** The PostgreSQL schema both share. */
  schema: string
  /** A client of the shared schema (search_path set), for checking what the store holds. */
  query<T extends pg.QueryResultRow>(sql: string, values?: unknown[]): Promise<T[]>
  /** The configuration both replicas run (secrets included), as `openKeyAdministration` takes it. */
  config: ServiceConfigInput
  /** Error-level log lines either replica wrote. */
  errorLines(): string[]
  close(): Promise<void>
}

/** The scale suite runs the built CLI and server: a stale build would test old code. */
function assertBuilt(): void {
  for (const part of ['server', 'cli']) {
    const src = join(ROOT, 'packages', part, 'src')
    const dist = join(ROOT, 'packages', part, 'dist')
    let built: number
    try {
      built = statSync(join(dist, part === 'server' ? 'index.js' : 'main.js')).mtimeMs
    } catch {
      throw new Error(`packages/${part} is not built: run npm run build first`)
    }
    const newest = (dir: string): number =>
      Math.max(...readdirSync(dir, { withFileTypes: true }).map((entry) => (entry.isDirectory() ? newest(join(dir, entry.name)) : statSync(join(dir, entry.name)).mtimeMs)))
    if (newest(src) > built) throw new Error(`packages/${part}/src is newer than its dist: run npm run build -w packages/${part} first`)
  }
}

/**
 * `timeout` makes itself a process group leader with the replica in its group: killing the group
 * ends both (killing `timeout` alone would leave the replica running, unbounded).
 */
function killGroup(child: ChildProcess): void {
  try {
    process.kill(-child.pid!, 'SIGKILL')
  } catch {
    // already gone
  }
}

const running = new Set<ChildProcess>()
process.once('exit', () => {
  for (const child of running) killGroup(child)
})
// The test runner ends a file that overran with a signal: take the replicas along.
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    for (const child of running) killGroup(child)
    process.exit(128 + (signal === 'SIGINT' ? 2 : 15))
  })
}

/** Starts `jotjwt serve --config FILE`; resolves with its URL once it printed its banner. */
function startReplica(name: string, configFile: string, env: NodeJS.ProcessEnv): Promise<Replica> {
  const child = spawn('timeout', ['--kill-after=5', String(REPLICA_LIFETIME_SECONDS), process.execPath, CLI, 'serve', '--config', configFile], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  running.add(child)
  child.once('exit', () => running.delete(child))
  let output = ''
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()))
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()))
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      killGroup(child)
      reject(new Error(`replica ${name} did not start within ${START_TIMEOUT_MS} ms:\n${output}`))
    }, START_TIMEOUT_MS)
    const onData = () => {
      const url = /listening on (http:\/\/\S+)/.exec(output)?.[1]
      if (url === undefined) return
      clearTimeout(timer)
      child.stdout!.off('data', onData)
      resolve({ name, url, process: child, output: () => output })
    }
    child.stdout!.on('data', onData)
    child.once('exit', (code, signal) => {
      clearTimeout(timer)
      reject(new Error(`replica ${name} exited (${code ?? signal}) before listening:\n${output}`))
    })
  })
}

async function stopReplica(replica: Replica): Promise<void> {
  const child = replica.process
  if (child.exitCode !== null || child.signalCode !== null) return
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  child.kill('SIGTERM')
  const timer = setTimeout(() => killGroup(child), STOP_TIMEOUT_MS)
  await exited
  clearTimeout(timer)
}

/**
 * The settings with every client secret and password replaced by its hash, made once here rather
 * than by each replica at start (scrypt, about half a second each on a loaded machine), and as a
 * deployment's configuration should hold them.
 */
async function withHashedSecrets(settings: DeploymentSettings): Promise<DeploymentSettings> {
  const clients = await Promise.all(
    (settings.clients ?? []).map(async ({ clientSecret, ...client }) => (clientSecret === undefined ? client : { ...client, clientSecretHash: await hashSecret(clientSecret) })),
  )
  const users = await Promise.all((settings.users ?? []).map(async ({ password, ...user }) => (password === undefined ? user : { ...user, passwordHash: await hashSecret(password) })))
  return { ...settings, clients, users }
}

/** What a suite configures: everything but the issuer, the listeners, the store and where Redis is. */
export type DeploymentSettings = Omit<ServiceConfigInput, 'issuer' | 'listen' | 'store' | 'redis'> & { redis?: Omit<NonNullable<ServiceConfigInput['redis']>, 'url' | 'prefix'> }

/**
 * Starts replicas A and B at once on a fresh schema (both migrate, write the clients and make the
 * first keys concurrently, as a deployment's replicas do) with the settings `configure` makes for
 * the deployment's issuer merged into the base configuration.
 */
export async function startDeployment(configure: (issuer: string) => DeploymentSettings): Promise<Deployment> {
  assertBuilt()
  // Fail with how to start Redis before any process is spawned.
  await (await connectRedis()).close()
  const database = await BACKENDS.find((backend) => backend.name === 'postgres')!.create()
  const schema = (database.store as { schema: string }).schema
  const prefix = uniquePrefix('scale')
  const work = mkdtempSync(join(tmpdir(), 'jotjwt-scale-'))
  const portA = await freePort()
  const issuer = `http://127.0.0.1:${portA}`
  const encryptionKey = randomBytes(32).toString('base64url')
  const settings = await withHashedSecrets(configure(issuer))
  const config = {
    ...settings,
    issuer,
    listen: { host: '127.0.0.1', port: 0 },
    dataDir: database.dataDir,
    store: database.store,
    log: { level: 'warn' },
    debugger: { enabled: false },
    redis: { ...settings.redis, url: REDIS_URL, prefix },
  } as ServiceConfigInput
  // The key-encryption key comes from the environment, as in a deployment; nothing else of the
  // developer's JOTJWT_* environment leaks into the replicas.
  const env: NodeJS.ProcessEnv = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('JOTJWT_')))
  env.JOTJWT_KEY_ENCRYPTION_KEY = encryptionKey
  const files = ['a', 'b'].map((name) => {
    const file = join(work, `${name}.json`)
    writeFileSync(file, JSON.stringify({ ...config, listen: { host: '127.0.0.1', port: name === 'a' ? portA : 0 } }), { mode: 0o600 })
    return file
  })
  const started = await Promise.allSettled([startReplica('A', files[0]!, env), startReplica('B', files[1]!, env)])
  const replicas = started.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []))
  const db = new pg.Client({ connectionString: (database.store as { url: string }).url })
  const cleanUp = async () => {
    await Promise.all(replicas.map(stopReplica))
    await db.end().catch(() => undefined)
    await database.drop()
    await dropPrefix(prefix)
    rmSync(work, { recursive: true, force: true })
  }
  const failed = started.find((result) => result.status === 'rejected')
  if (failed) {
    await cleanUp()
    throw failed.reason
  }
  await db.connect()
  await db.query(`set search_path to ${schema}`)
  const [a, b] = replicas as [Replica, Replica]
  return {
    a,
    b,
    replicas,
    issuer,
    prefix,
    schema,
    config: { ...config, keys: { ...config.keys, encryptionKey } },
    query: async (sql, values) => (await db.query(sql, values)).rows,
    errorLines: () =>
      replicas.flatMap((replica) =>
        replica
          .output()
          .split('\n')
          .filter((line) => /"level":(50|60)/.test(line))
          .map((line) => `${replica.name}: ${line}`),
      ),
    close: cleanUp,
  }
}

/** The operator's client of the scale suites: client credentials for the admin API (scope `jotjwt:admin`, audience `<issuer>/admin`). */
export const OPS = { id: 'ops', secret: 'ops-client-secret-0123456789abcdef' }

/** The configuration entry of {@link OPS} for the deployment at `issuer`. */
export const opsClient = (issuer: string) => ({ clientId: OPS.id, clientSecret: OPS.secret, scopes: ['jotjwt:admin'], resources: [`${issuer}/admin`] })

/** `POST /admin/keys/rotate` (`{"alg": "ES256"}`) on `replica` with an admin token it issued: the new key's kid. */
export async function rotateThroughAdminApi(deployment: Deployment, replica: Replica): Promise<string> {
  const grant = await fetch(`${replica.url}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`${OPS.id}:${OPS.secret}`).toString('base64')}` },
    body: new URLSearchParams({ grant_type: 'client_credentials', scope: 'jotjwt:admin', resource: `${deployment.issuer}/admin` }),
  })
  const issued = (await grant.json()) as { access_token?: string }
  if (grant.status !== 200 || issued.access_token === undefined) throw new Error(`no admin token from ${replica.name}: ${grant.status} ${JSON.stringify(issued)}`)
  const response = await fetch(`${replica.url}/admin/keys/rotate`, {
    method: 'POST',
    headers: { authorization: `Bearer ${issued.access_token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ alg: 'ES256' }),
  })
  const body = (await response.json()) as { keys?: { kid: string }[] }
  const kid = body.keys?.[0]?.kid
  if (response.status !== 200 || kid === undefined || body.keys!.length !== 1) throw new Error(`the rotation on ${replica.name} failed: ${response.status} ${JSON.stringify(body)}`)
  return kid
}

/** The kids in `replica`'s /jwks.json. */
export async function publishedKids(replica: Replica): Promise<string[]> {
  const response = await fetch(`${replica.url}/jwks.json`)
  return ((await response.json()) as { keys: { kid: string }[] }).keys.map((key) => key.kid)
}
