/**
 * Dev mode (`npm start`, `jotjwt serve --dev`): everything a laptop needs, created on first run in
 * the data directory and reused afterwards, so a restart keeps the same keys, clients and secrets:
 *
 * - the directory itself, private to the user (0700);
 * - a key-encryption key (`dev-key-encryption-key`, 0600) unless one is configured;
 * - the demo client's generated secret (`dev-demo-client.json`, 0600): a confidential client for
 *   the client credentials grant;
 * - a public PKCE client (`demo-app`) whose redirect URI is the dev-only page `/dev/callback`, which
 *   shows the code it receives and the command that exchanges it;
 * - two demo users with groups and generated passwords (`dev-demo-users.json`, 0600);
 * - the issuer `http://<loopback host>:<port>` unless one is configured. A port of 0 is resolved to
 *   a free port first, because the issuer (every token's `iss`) must be known before the first request.
 * @module
 */
import { createHash, randomBytes } from 'node:crypto'
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { createServer } from 'node:net'
import { join } from 'node:path'
import { ConfigError } from '../config/load.js'
import { clientSchema, userSchema, type ServiceConfig } from '../config/schema.js'

export const DEMO_CLIENT_ID = 'demo'
export const DEMO_SCOPES = ['demo:read', 'demo:write']
export const DEMO_APP_ID = 'demo-app'
/** The dev-only page the demo app's codes land on. */
export const DEV_CALLBACK_PATH = '/dev/callback'
const DEMO_USERS = [
  { username: 'alice', name: 'Alice Example', email: 'alice@example.com', groups: ['admins', 'developers'] },
  { username: 'bob', name: 'Bob Example', email: 'bob@example.com', groups: ['developers'] },
]
const DEMO_APP_SCOPES = ['openid', 'profile', 'email', 'groups', 'offline_access', 'demo:read']

/** The demo client as printed at start. */
export interface DemoClient {
  clientId: string
  clientSecret: string
  scopes: string[]
  resource: string
  /** Where its secret is kept. */
  file: string
}

/** The public PKCE client and how to log in with it, as printed at start and shown by `/dev/callback`. */
export interface DemoApp {
  clientId: string
  redirectUri: string
  scopes: string[]
  /** A PKCE verifier made at start; the authorization URL carries its S256 challenge. */
  codeVerifier: string
  /** Open it in a browser to log in. */
  authorizationUrl: string
}

export interface DemoUser {
  username: string
  password: string
  groups: string[]
}

/** What dev mode made: printed by the banner. */
export interface DevMode extends DemoClient {
  app: DemoApp
  users: DemoUser[]
  /** Where the demo users' passwords are kept. */
  usersFile: string
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

/** The JSON in `path` (created with `create()`), or a ConfigError saying how to start over. */
async function readJsonFile(path: string, create: () => unknown, what: string): Promise<unknown> {
  try {
    return JSON.parse(await readOrCreate(path, () => JSON.stringify(create()) + '\n'))
  } catch (error) {
    if (!(error instanceof SyntaxError)) throw error
    throw new ConfigError([`${path}: not a ${what} file (delete it to generate new ones)`])
  }
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

/** The configuration completed for dev mode, and what to print. */
export async function prepareDevMode(config: ServiceConfig): Promise<{ config: ServiceConfig; demo: DevMode }> {
  const reserved = [
    ...config.clients.filter((client) => client.clientId === DEMO_CLIENT_ID || client.clientId === DEMO_APP_ID).map((client) => `clients: the client id "${client.clientId}" is reserved for dev mode's demo clients`),
    ...config.users.filter((user) => DEMO_USERS.some((demo) => demo.username === user.username || demo.username === user.subject)).map((user) => `users: the username "${user.username}" is reserved for dev mode's demo users`),
  ]
  if (reserved.length > 0) throw new ConfigError(reserved)
  await mkdir(config.dataDir, { recursive: true, mode: 0o700 })

  const keyFile = join(config.dataDir, 'dev-key-encryption-key')
  const encryptionKey = config.keys.encryptionKey ?? (await readOrCreate(keyFile, secret)).trim()
  if (!/^[A-Za-z0-9_-]{43}$/.test(encryptionKey)) {
    throw new ConfigError([`${keyFile}: not a key-encryption key (to start over, delete the data directory ${config.dataDir})`])
  }

  const demoFile = join(config.dataDir, 'dev-demo-client.json')
  const saved = await readJsonFile(demoFile, () => ({ clientId: DEMO_CLIENT_ID, clientSecret: secret() }), 'demo client')
  const clientSecret = typeof saved === 'object' && saved !== null ? (saved as { clientSecret?: unknown }).clientSecret : undefined
  if (typeof clientSecret !== 'string' || clientSecret.length < 16) {
    throw new ConfigError([`${demoFile}: not a demo client file (delete it to generate a new secret)`])
  }

  const usersFile = join(config.dataDir, 'dev-demo-users.json')
  const passwords = await readJsonFile(usersFile, () => Object.fromEntries(DEMO_USERS.map((user) => [user.username, randomBytes(12).toString('base64url')])), 'demo users')
  const users = DEMO_USERS.map((user) => {
    const password = (passwords as Record<string, unknown> | null)?.[user.username]
    if (typeof password !== 'string' || password.length < 8) throw new ConfigError([`${usersFile}: not a demo users file (delete it to generate new passwords)`])
    return { ...user, password }
  })

  const { host } = config.listen
  const port = config.listen.port === 0 && config.issuer === undefined ? await freePort(host) : config.listen.port
  const issuer = config.issuer ?? `http://${host.includes(':') && !host.startsWith('[') ? `[${host}]` : host}:${port}`
  const base = issuer.replace(/\/$/, '')
  const resource = `${base}/api`
  const demoClient = clientSchema.parse({
    clientId: DEMO_CLIENT_ID,
    name: 'Demo client (dev mode)',
    authMethod: 'client_secret_basic',
    clientSecret,
    scopes: DEMO_SCOPES,
    resources: [resource],
    defaultResource: resource,
  })
  const redirectUri = `${base}${DEV_CALLBACK_PATH}`
  const demoApp = clientSchema.parse({
    clientId: DEMO_APP_ID,
    name: 'Demo app (dev mode)',
    authMethod: 'none',
    grantTypes: ['authorization_code', 'refresh_token'],
    redirectUris: [redirectUri],
    scopes: DEMO_SCOPES,
    resources: [resource],
  })
  const codeVerifier = secret()
  const authorizationUrl = new URL(`${base}/authorize`)
  for (const [name, value] of Object.entries({
    response_type: 'code',
    client_id: DEMO_APP_ID,
    redirect_uri: redirectUri,
    scope: DEMO_APP_SCOPES.join(' '),
    state: randomBytes(8).toString('base64url'),
    code_challenge: createHash('sha256').update(codeVerifier).digest('base64url'),
    code_challenge_method: 'S256',
  })) {
    authorizationUrl.searchParams.set(name, value)
  }
  return {
    config: {
      ...config,
      issuer,
      listen: { host, port },
      keys: { ...config.keys, encryptionKey },
      clients: [...config.clients, demoClient, demoApp],
      users: [...config.users, ...users.map((user) => userSchema.parse({ ...user, emailVerified: true }))],
    },
    demo: {
      clientId: DEMO_CLIENT_ID,
      clientSecret,
      scopes: DEMO_SCOPES,
      resource,
      file: demoFile,
      app: { clientId: DEMO_APP_ID, redirectUri, scopes: DEMO_APP_SCOPES, codeVerifier, authorizationUrl: authorizationUrl.href },
      users: users.map(({ username, password, groups }) => ({ username, password, groups })),
      usersFile,
    },
  }
}
