/**
 * Starting and stopping the token service: configuration (with dev-mode bootstrap), store,
 * clients, users, keys, timers, HTTP. One function, so the CLI, tests and embedders start it the
 * same way.
 * @module
 */
import { readFile } from 'node:fs/promises'
import type { DestinationStream } from 'pino'
import { hashSecret, isSecretHash } from '../crypto/secret-hash.js'
import { handleAuthorizationRequest, handleLoginSubmission } from '../login/flow.js'
import { createStoreLoginProvider, type LoginProvider } from '../login/provider.js'
import { handleMetadataRequest } from '../oauth/discovery.js'
import { handleIntrospectionRequest } from '../oauth/introspect.js'
import { handleRegistrationRequest } from '../oauth/registration.js'
import { handleRevocationRequest } from '../oauth/revoke.js'
import { createOAuthRuntime } from '../oauth/runtime.js'
import { registeredKeysProblems } from '../oauth/registered-keys.js'
import { keyManagers } from '../oauth/signing-keys.js'
import { handleTokenRequest } from '../oauth/token.js'
import { handleUserinfoRequest } from '../oauth/userinfo.js'
import { handleUpstreamCallback, handleUpstreamLogin } from '../upstream/flow.js'
import { claimMappingProblems } from '../oauth/user-claims.js'
import { durationSeconds } from '../config/duration.js'
import { createDebuggerServer, type DebuggerServer } from 'jotjwt-debugger'
import { checkDeployment, ConfigError, debuggerEnabled, debuggerPort, validateConfig } from '../config/load.js'
import { clientRecord, trustEntryRecord, userRecord } from '../config/records.js'
import type { ClientConfig, ServiceConfig, ServiceConfigInput, TrustEntryConfig, UserConfig } from '../config/schema.js'
import { buildApp } from '../http/app.js'
import type { CoreHandlers } from '../http/core.js'
import { serviceKeyManagers } from '../keys/manager.js'
import { startRedisSharing, type RedisSharing } from '../redis/sharing.js'
import { clientChangesOf, keyChangesOf } from '../store/change-notifications.js'
import { withClientCache } from '../store/client-cache.js'
import type { PostgresChangeNotifications } from '../store/postgres-notifications.js'
import { openStore } from '../store/index.js'
import type { Store } from '../store/store.js'
import type { ServiceContext } from './context.js'
import { prepareDevMode, type DevMode } from './dev.js'
import { createLogger, type ServiceLogger } from './logger.js'

/** How often expired revocations and single-use entries are deleted (they are ignored once expired anyway). */
const PURGE_INTERVAL_SECONDS = 600

/** How long the start waits for PostgreSQL's change notification listener before it goes on with the fallback. */
const LISTENER_STARTUP_WAIT_MS = 2000

/** setInterval's longest delay (about 24.8 days); longer check intervals are clamped to it. */
const MAX_TIMER_MS = 2 ** 31 - 1

/** The OAuth core behind the HTTP endpoints. */
const CORE: CoreHandlers = {
  token: handleTokenRequest,
  revocation: handleRevocationRequest,
  introspection: handleIntrospectionRequest,
  userinfo: handleUserinfoRequest,
  authorization: handleAuthorizationRequest,
  login: handleLoginSubmission,
  upstreamLogin: handleUpstreamLogin,
  upstreamCallback: handleUpstreamCallback,
  registration: handleRegistrationRequest,
  metadata: handleMetadataRequest,
}

export interface StartOptions {
  /** A store to use instead of opening the configured one (tests); the caller closes it. */
  store?: Store
  /** The clock in seconds since the epoch (tests). */
  now?: () => number
  /** Where log lines go; default stdout. */
  logStream?: DestinationStream
  /**
   * Who people are: given the built-in provider (the login page over the configured `users`), the
   * one to use: a deployment's own directory or external login, possibly built on the built-in one
   * (`login/provider.ts`). Default: the built-in one.
   */
  login?: (builtIn: LoginProvider) => LoginProvider
}

export interface RunningService {
  /** Where it listens, e.g. `http://127.0.0.1:8080`. */
  url: string
  /** The issuer identifier (every token's `iss`). */
  issuer: string
  ctx: ServiceContext
  /** The RFC 8414 metadata document it serves (endpoint URLs). */
  metadata: Record<string, unknown>
  /** Dev mode only: the demo clients, users and secrets. */
  demo?: DevMode
  /** Where the debugger page is, when it is served (`debugger.enabled`, on by default in dev mode), e.g. `http://127.0.0.1:8081/`. */
  debuggerUrl?: string
  /**
   * Stops accepting connections, lets requests in flight finish (for at most `http.shutdownTimeout`,
   * then closes their connections), stops the timers, closes the store.
   */
  close(): Promise<void>
}

/**
 * The configuration is the list of its clients: each configured client is written to the store (its
 * secret hashed, never stored in the clear), and a stored client of the configuration that is no
 * longer configured is deleted, so removing a compromised client from the file and restarting
 * really removes it. Clients created through the admin API, or that registered themselves
 * (RFC 7591), are kept, unless the configuration now declares one with the same id: the
 * configuration wins.
 */
async function syncClients(store: Store, clients: readonly ClientConfig[], now: number, log: ServiceLogger): Promise<void> {
  for (const client of clients) {
    const existing = await store.getClient(client.clientId)
    if (existing?.source === 'api') log.warn({ client_id: client.clientId }, 'a configured client replaces the one of this id created through the admin API')
    const secretHash = client.clientSecret === undefined ? client.clientSecretHash : await hashSecret(client.clientSecret)
    await store.putClient(clientRecord(client, secretHash, 'config', { createdAt: existing?.createdAt ?? now, updatedAt: now }))
  }
  const configured = new Set(clients.map((client) => client.clientId))
  for (const stored of await store.listClients()) {
    if (configured.has(stored.clientId) || stored.source === 'api' || stored.source === 'registration') continue
    await store.deleteClient(stored.clientId)
    log.info({ client_id: stored.clientId }, 'client deleted: no longer in the configuration')
  }
}

/**
 * The same for the people of the built-in login: each configured user is written to the store
 * (the password hashed), and a stored user of the configuration no longer configured is deleted:
 * their sessions stop counting and their grants stop refreshing (`LoginProvider.user` no longer
 * finds them). Users created through the admin API are kept unless configured users take their
 * subject or username.
 */
async function syncUsers(store: Store, users: readonly UserConfig[], now: number, log: ServiceLogger): Promise<void> {
  const subjects = new Set<string>()
  for (const user of users) {
    const subject = user.subject ?? user.username
    subjects.add(subject)
    const existing = await store.getUser(subject)
    if (existing?.source === 'api') log.warn({ sub: subject }, 'a configured user replaces the one of this subject created through the admin API')
    const passwordHash = user.password === undefined ? user.passwordHash : await hashSecret(user.password)
    const record = userRecord(user, passwordHash, 'config', { createdAt: existing?.createdAt ?? now, updatedAt: now })
    // Configured usernames are unique (checkSettings): a stored holder under another subject is
    // stale, renamed further down this list, no longer configured, or made through the admin API.
    // It is written again if it is configured.
    const holder = await store.findUserByUsername(user.username)
    if (holder && holder.subject !== subject) {
      await store.deleteUser(holder.subject)
      if (holder.source === 'api') log.warn({ sub: holder.subject }, 'user deleted: a configured user has its username')
    }
    await store.putUser(record)
  }
  for (const stored of await store.listUsers()) {
    if (subjects.has(stored.subject) || stored.source === 'api') continue
    await store.deleteUser(stored.subject)
    log.info({ sub: stored.subject }, 'user deleted: no longer in the configuration')
  }
}

/**
 * The trust entries of the JWT-bearer grant, likewise: configured ones are written, stored ones of
 * the configuration no longer configured are deleted, and entries made through the admin API stay
 * unless a configured entry takes their issuer and subject.
 */
async function syncTrustEntries(store: Store, entries: readonly TrustEntryConfig[], now: number, log: ServiceLogger): Promise<void> {
  const records = entries.map((entry) => trustEntryRecord(entry, 'config', { createdAt: now, updatedAt: now }))
  const configured = new Set(records.map((record) => record.id))
  const existing = new Map((await store.listTrustEntries()).map((entry) => [entry.id, entry]))
  for (const stored of existing.values()) {
    const displaced = records.some((record) => record.id !== stored.id && record.issuer === stored.issuer && record.subject === stored.subject)
    if (!displaced && (configured.has(stored.id) || stored.source === 'api')) continue
    await store.deleteTrustEntry(stored.id)
    existing.delete(stored.id)
    log[stored.source === 'api' ? 'warn' : 'info']({ trust_id: stored.id }, displaced ? 'trust entry deleted: a configured entry has its issuer and subject' : 'trust entry deleted: no longer in the configuration')
  }
  for (const record of records) await store.putTrustEntry({ ...record, createdAt: existing.get(record.id)?.createdAt ?? now })
}

async function readTls(tls: NonNullable<ServiceConfig['http']['tls']>): Promise<{ cert: Buffer; key: Buffer }> {
  const read = async (path: string, setting: string) => {
    try {
      return await readFile(path)
    } catch (error) {
      throw new ConfigError([`${setting}: cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? 'error'})`])
    }
  }
  return { cert: await read(tls.cert, 'http.tls.cert'), key: await read(tls.key, 'http.tls.key') }
}

/**
 * Settings only the service can judge, refused at start rather than at the first request: a secret
 * or password hash must be one this service can check; subjects and usernames must be unique; a
 * claim mapping must not produce a registered claim; trust entries must be unique and their keys usable.
 */
function checkSettings(config: ServiceConfig): void {
  const hashProblem = (hash: string | undefined, clear: string | undefined, path: string, flag: string) =>
    clear === undefined && hash !== undefined && !isSecretHash(hash) ? [`${path}: not a secret hash (make one with: jotjwt serve ${flag})`] : []
  const seen = { subject: new Set<string>(), username: new Set<string>() }
  const issues = [
    ...config.clients.flatMap((client, index) => [
      ...hashProblem(client.clientSecretHash, client.clientSecret, `clients.${index}.clientSecretHash`, '--hash-secret'),
      ...claimMappingProblems(client.userClaims, `clients.${index}.userClaims`),
    ]),
    ...claimMappingProblems(config.userClaims, 'userClaims'),
    ...claimMappingProblems(config.accessTokenClaims, 'accessTokenClaims'),
    ...trustProblems(config.trust),
    ...hashProblem(config.registration.initialAccessTokenHash, config.registration.initialAccessToken, 'registration.initialAccessTokenHash', '--hash-secret'),
    ...config.users.flatMap((user, index) => {
      const subject = user.subject ?? user.username
      const problems = [
        ...hashProblem(user.passwordHash, user.password, `users.${index}.passwordHash`, '--hash-password'),
        ...(seen.subject.has(subject) ? [`users.${index}.subject: another user has the subject ${JSON.stringify(subject)}`] : []),
        ...(seen.username.has(user.username) ? [`users.${index}.username: another user has this username`] : []),
      ]
      seen.subject.add(subject)
      seen.username.add(user.username)
      return problems
    }),
  ]
  if (issues.length > 0) throw new ConfigError(issues)
}

/** Trust entries: ids and (issuer, subject) pairs unique. */
function trustProblems(entries: readonly TrustEntryConfig[]): string[] {
  const ids = new Set<string>()
  const pairs = new Set<string>()
  return entries.flatMap((entry, index) => {
    const record = trustEntryRecord(entry, 'config', { createdAt: 0, updatedAt: 0 })
    const pair = JSON.stringify([record.issuer, record.subject ?? null])
    // A derived id repeats exactly when the pair does: one line says it.
    const problems = pairs.has(pair)
      ? [`trust.${index}: another trust entry has this issuer and ${record.subject === undefined ? 'any: true' : 'subject'}`]
      : ids.has(record.id)
        ? [`trust.${index}.id: another trust entry has the id ${JSON.stringify(record.id)}`]
        : []
    ids.add(record.id)
    pairs.add(pair)
    return problems
  })
}

/** Trust entries' keys: public keys usable with their algorithms (importing keys is asynchronous, hence apart from checkSettings). */
async function checkTrustedKeys(entries: readonly TrustEntryConfig[]): Promise<void> {
  const issues: string[] = []
  for (const [index, entry] of entries.entries()) {
    const record = trustEntryRecord(entry, 'config', { createdAt: 0, updatedAt: 0 })
    for (const problem of await registeredKeysProblems(record, record.algorithms)) issues.push(`trust.${index}.${entry.jwk === undefined ? 'jwks' : 'jwk'}: ${problem}`)
  }
  if (issues.length > 0) throw new ConfigError(issues)
}

/**
 * The debugger page on a listener of its own (its own origin), never a route of the service's app.
 * A port that was only defaulted (the one after the service's) and is taken gives way to a free
 * one, so `npm start` does not fail because 8081 is in use; a configured port is kept, or the start
 * fails saying which setting to change.
 */
async function startDebuggerPage(config: ServiceConfig, port: number): Promise<DebuggerServer> {
  const { host } = config.debugger
  try {
    return await createDebuggerServer({ host, port })
  } catch (error) {
    const { code, message } = error as NodeJS.ErrnoException
    if (code === 'EADDRINUSE' && config.debugger.port === undefined && port !== 0) return createDebuggerServer({ host, port: 0 })
    const advice = 'set debugger.port or JOTJWT_DEBUGGER_PORT, or turn the page off with JOTJWT_DEBUGGER=0'
    throw Object.assign(new Error(`the debugger page cannot listen on ${host}:${port}: ${message} (${advice})`, { cause: error }), { code })
  }
}

/** Calls `task` every `periodSeconds` without keeping the process alive; a failure is logged, never thrown. */
function every(periodSeconds: number, task: () => Promise<unknown>, log: ServiceLogger, what: string): NodeJS.Timeout {
  const timer = setInterval(() => {
    task().catch((error: unknown) => log.error({ err: error }, `${what} failed`))
  }, Math.min(MAX_TIMER_MS, Math.max(1, periodSeconds) * 1000))
  return timer.unref()
}

/**
 * Starts the service: validates the configuration (completing it in dev mode), opens and migrates
 * the store, writes the configured clients and users, makes sure every algorithm has a signing key,
 * starts key rotation (every `keys.checkInterval`, at run time, all algorithms on one schedule) and
 * purging, and listens.
 *
 * @example
 * ```ts
 * const service = await startService({ dev: true, listen: { port: 0 } })
 * console.log(service.url)
 * process.once('SIGTERM', () => void service.close())
 * ```
 * @throws {@link ConfigError} for an invalid or unsafe configuration.
 */
export async function startService(input: ServiceConfigInput, options: StartOptions = {}): Promise<RunningService> {
  let config = validateConfig(input)
  // Before dev mode turns a listen port of 0 into a real one: the page then takes a free port too,
  // not the one after the service's, which may be taken.
  const pagePort = debuggerPort(config)
  let demo: DevMode | undefined
  if (config.dev) ({ config, demo } = await prepareDevMode(config))
  checkDeployment(config)
  const { issuer } = config
  // checkDeployment requires it outside dev mode, and prepareDevMode sets it in dev mode.
  if (issuer === undefined) throw new ConfigError(['issuer: required'])
  checkSettings(config)
  await checkTrustedKeys(config.trust)
  const https = config.http.tls === undefined ? undefined : await readTls(config.http.tls)

  const now = options.now ?? (() => Date.now() / 1000)
  const log = createLogger(config.log.level, options.logStream)
  const store = options.store ?? (await openStore(config.store, config.dataDir))
  const ownsStore = options.store === undefined
  let redis: RedisSharing | undefined
  let pgChanges: PostgresChangeNotifications | undefined
  try {
    await store.migrate()
    await syncClients(store, config.clients, Math.floor(now()), log)
    await syncUsers(store, config.users, Math.floor(now()), log)
    await syncTrustEntries(store, config.trust, Math.floor(now()), log)
    // With Redis, the OAuth core sees the store through it (`redis/sharing.ts`): single use in Redis,
    // revocations copied to its denylist, key lists cached and renewed on change notifications.
    if (config.redis) redis = await startRedisSharing(config.redis, store, { log, now })
    // Without Redis, PostgreSQL's LISTEN/NOTIFY carries the same notifications (`store/postgres-notifications.ts`):
    // the key copies are used only while its listener is up, else every token reads the keys' version.
    else if ((pgChanges = store.listenForChanges?.(log)) && !(await pgChanges.waitReady(LISTENER_STARTUP_WAIT_MS))) {
      log.warn({}, 'PostgreSQL: not listening for change notifications yet; every token reads the signing keys\' version until it is')
    }
    const changes = redis ?? (pgChanges && { keyChanges: keyChangesOf(pgChanges, Infinity), clientChanges: clientChangesOf(pgChanges) })
    // Client records: a copy per replica for at most cache.clientMaxAge, dropped on a change.
    const shared = withClientCache(redis?.store ?? store, {
      maxAge: durationSeconds(config.cache.clientMaxAge),
      maxEntries: config.cache.maxClients,
      ...(changes ? { changes: changes.clientChanges } : {}),
    })
    const { keys, keysByAlg } = serviceKeyManagers(config, shared, { now, ...(changes ? { changes: changes.keyChanges } : {}) })
    const oauth = createOAuthRuntime(config, redis ? { rateLimitCounter: redis.rateLimitCounter } : {})
    const builtIn = createStoreLoginProvider(shared, oauth.passwords, config.upstreams)
    const ctx: ServiceContext = { config, store: shared, keys, keysByAlg, now, log, oauth, login: options.login?.(builtIn) ?? builtIn }
    // First boot creates each algorithm's first key (it signs at once: nothing can have cached a
    // JWKS yet) and plans its successor; later boots apply the schedule that passed while the
    // service was down.
    const rotateAll = async () => {
      for (const manager of keyManagers(ctx)) await manager.rotate()
    }
    await rotateAll()

    const app = buildApp(ctx, { core: CORE, logger: log, ...(https ? { https } : {}), ...(demo ? { dev: demo } : {}) })
    await app.listen({ host: config.listen.host, port: config.listen.port })
    const { port } = app.server.address() as { port: number }
    const host = config.listen.host.includes(':') ? `[${config.listen.host}]` : config.listen.host
    const url = `${https ? 'https' : 'http'}://${host}:${port}`

    let page: DebuggerServer | undefined
    try {
      if (debuggerEnabled(config)) page = await startDebuggerPage(config, pagePort)
    } catch (error) {
      await app.close()
      throw error
    }

    const timers = [
      every(durationSeconds(config.keys.checkInterval), rotateAll, log, 'key rotation'),
      every(PURGE_INTERVAL_SECONDS, () => store.purgeExpired(now()), log, 'purging expired entries'),
    ]
    log.info({ url, issuer, store: store.backend, dev: config.dev, debugger: page?.url }, 'jotjwt-server listening')

    let closing: Promise<void> | undefined
    const close = () =>
      (closing ??= (async () => {
        for (const timer of timers) clearInterval(timer)
        log.info({}, 'jotjwt-server stopping: finishing the requests in flight')
        // Stop accepting, let requests in flight finish, but only for http.shutdownTimeout: then
        // their connections are closed, so one stuck request cannot hold the shutdown until the
        // orchestrator kills the process mid-write.
        const deadline = setTimeout(() => {
          log.warn({}, 'requests still in flight at http.shutdownTimeout: closing their connections')
          app.server.closeAllConnections()
        }, durationSeconds(config.http.shutdownTimeout) * 1000)
        try {
          await Promise.all([app.close(), page?.close()])
        } finally {
          clearTimeout(deadline)
        }
        await redis?.close()
        await pgChanges?.close()
        if (ownsStore) await store.close()
        log.info({}, 'jotjwt-server stopped')
      })())
    const metadata = (await CORE.metadata(ctx)).body as Record<string, unknown>
    return { url, issuer, ctx, metadata, ...(demo ? { demo } : {}), ...(page ? { debuggerUrl: page.url } : {}), close }
  } catch (error) {
    await redis?.close()
    await pgChanges?.close()
    if (ownsStore) await store.close()
    throw error
  }
}
