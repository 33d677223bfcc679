/**
 * Dev mode (`npm start`, `jotjwt serve --dev`): everything a laptop needs, created on first run in
 * the data directory and reused afterwards, so a restart keeps the same keys, client and secret:
 *
 * - the directory itself, private to the user (0700);
 * - a key-encryption key (`dev-key-encryption-key`, 0600) unless one is configured;
 * - the demo client's generated secret (`dev-demo-client.json`, 0600);
 * - the issuer `http://<loopback host>:<port>` unless one is configured. A port of 0 is resolved to
 *   a free port first, because the issuer (every token's `iss`) must be known before the first request.
 * @module
 */
import { randomBytes } from 'node:crypto'
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { createServer } from 'node:net'
import { join } from 'node:path'
import { ConfigError } from '../config/load.js'
import { clientSchema, type ServiceConfig } from '../config/schema.js'

export const DEMO_CLIENT_ID = 'demo'
export const DEMO_SCOPES = ['demo:read', 'demo:write']

/** The demo client as printed at start. */
export interface DemoClient {
  clientId: string
  clientSecret: string
  scopes: string[]
  resource: string
  /** Where its secret is kept. */
  file: string
}

/** Reads `path`, or creates it with `create()` (0600, never overwriting a file another process just wrote). */
async function readOrCreate(path: string, create: () => string): Promise<string> {
  try {
    await writeFile(path, create(), { mode: 0o600, flag: 'wx' })
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
  }
  return readFile(path, 'utf8')
}

function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, host, () => {
      const { port } = server.address() as { port: number }
      server.close(() => resolve(port))
    })
  })
}

const secret = () => randomBytes(32).toString('base64url')

/** The configuration completed for dev mode, and the demo client to print. */
export async function prepareDevMode(config: ServiceConfig): Promise<{ config: ServiceConfig; demo: DemoClient }> {
  if (config.clients.some((client) => client.clientId === DEMO_CLIENT_ID)) {
    throw new ConfigError([`clients: the client id "${DEMO_CLIENT_ID}" is reserved for the demo client in dev mode`])
  }
  await mkdir(config.dataDir, { recursive: true, mode: 0o700 })

  const keyFile = join(config.dataDir, 'dev-key-encryption-key')
  const encryptionKey = config.keys.encryptionKey ?? (await readOrCreate(keyFile, secret)).trim()
  if (!/^[A-Za-z0-9_-]{43}$/.test(encryptionKey)) {
    throw new ConfigError([`${keyFile}: not a key-encryption key (to start over, delete the data directory ${config.dataDir})`])
  }

  const demoFile = join(config.dataDir, 'dev-demo-client.json')
  let saved: unknown
  try {
    saved = JSON.parse(await readOrCreate(demoFile, () => JSON.stringify({ clientId: DEMO_CLIENT_ID, clientSecret: secret() }) + '\n'))
  } catch (error) {
    if (!(error instanceof SyntaxError)) throw error
  }
  const clientSecret = typeof saved === 'object' && saved !== null ? (saved as { clientSecret?: unknown }).clientSecret : undefined
  if (typeof clientSecret !== 'string' || clientSecret.length < 16) {
    throw new ConfigError([`${demoFile}: not a demo client file (delete it to generate a new secret)`])
  }

  const { host } = config.listen
  const port = config.listen.port === 0 && config.issuer === undefined ? await freePort(host) : config.listen.port
  const issuer = config.issuer ?? `http://${host.includes(':') && !host.startsWith('[') ? `[${host}]` : host}:${port}`
  const resource = `${issuer.replace(/\/$/, '')}/api`
  const demoClient = clientSchema.parse({
    clientId: DEMO_CLIENT_ID,
    name: 'Demo client (dev mode)',
    authMethod: 'client_secret_basic',
    clientSecret,
    scopes: DEMO_SCOPES,
    resources: [resource],
    defaultResource: resource,
  })
  return {
    config: {
      ...config,
      issuer,
      listen: { host, port },
      keys: { ...config.keys, encryptionKey },
      clients: [...config.clients, demoClient],
    },
    demo: { clientId: DEMO_CLIENT_ID, clientSecret, scopes: DEMO_SCOPES, resource, file: demoFile },
  }
}
