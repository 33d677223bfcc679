/**
 * Loading the configuration: a YAML or JSON file, then environment overrides, then command-line
 * overrides, validated by `configSchema`. Every problem is reported at once, each line naming the
 * setting (`keys.publishAhead: …`) and, for an override, where the value came from
 * (`listen.port (from JOTJWT_PORT): …`). Outside dev mode, {@link checkDeployment} refuses settings
 * that would hand out tokens or secrets insecurely.
 * @module
 */
import { readFile } from 'node:fs/promises'
import { parse as parseYAML, YAMLParseError } from 'yaml'
import type { $ZodIssue } from 'zod/v4/core'
import { configSchema, type ClientConfig, type ServiceConfig, type TrustEntryConfig } from './schema.js'

/** An invalid configuration; `issues` has one line per problem. The CLI exits with status 2. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError'
  readonly code = 'ERR_CONFIG_INVALID'
  constructor(readonly issues: readonly string[]) {
    super(issues.length === 1 ? issues[0] : `the configuration has ${issues.length} problems:\n  ${issues.join('\n  ')}`)
  }
}

type Doc = Record<string, unknown>
/** Where an override came from, by setting path (`listen.port` → `JOTJWT_PORT`). */
type Sources = Map<string, string>

const isObject = (value: unknown): value is Doc => typeof value === 'object' && value !== null && !Array.isArray(value)

/**
 * Reads a configuration file. YAML 1.2 is a superset of JSON, so one parser reads both, and it
 * refuses duplicate keys in either (JSON.parse would silently keep the last one).
 */
export async function readConfigFile(path: string): Promise<Doc> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    throw new ConfigError([`${path}: cannot read the configuration file (${code === 'ENOENT' ? 'no such file' : (code ?? 'error')})`])
  }
  let doc: unknown
  try {
    doc = parseYAML(text, { uniqueKeys: true, prettyErrors: false })
  } catch (error) {
    if (!(error instanceof YAMLParseError)) throw error
    // The position only: the parser's own "pretty" message quotes the line, which may hold a secret.
    const before = text.slice(0, error.pos[0])
    const line = before.split('\n').length
    throw new ConfigError([`${path}:${line}:${before.length - before.lastIndexOf('\n')}: ${error.message}`])
  }
  if (doc === null || doc === undefined) return {}
  if (!isObject(doc)) throw new ConfigError([`${path}: the configuration must be a mapping of settings`])
  return doc
}

/** Sets `path` in `doc`, creating missing levels; a level that is not a mapping is left for validation to report. */
function setPath(doc: Doc, path: readonly string[], value: unknown): void {
  let level = doc
  for (const name of path.slice(0, -1)) {
    if (level[name] === undefined) level[name] = {}
    const next = level[name]
    if (!isObject(next)) return
    level = next
  }
  level[path[path.length - 1]!] = value
}

/** A decimal integer becomes a number; anything else stays text, for the schema to refuse by name. */
const integer = (text: string): unknown => (/^\d{1,5}$/.test(text) ? Number(text) : text)
const boolean = (text: string): unknown => {
  if (/^(1|true|yes|on)$/i.test(text)) return true
  if (/^(0|false|no|off)$/i.test(text)) return false
  return text
}
const text = (value: string): unknown => value

/** The plain environment overrides: variable, setting path, conversion. */
const ENVIRONMENT: readonly (readonly [string, readonly string[], (value: string) => unknown])[] = [
  ['JOTJWT_ISSUER', ['issuer'], text],
  ['JOTJWT_HOST', ['listen', 'host'], text],
  ['JOTJWT_PORT', ['listen', 'port'], integer],
  ['JOTJWT_DATA_DIR', ['dataDir'], text],
  ['JOTJWT_KEY_ENCRYPTION_KEY', ['keys', 'encryptionKey'], text],
  ['JOTJWT_LOG_LEVEL', ['log', 'level'], text],
  ['JOTJWT_REDIS_URL', ['redis', 'url'], text],
  ['JOTJWT_DEV', ['dev'], boolean],
  ['JOTJWT_DEBUGGER', ['debugger', 'enabled'], boolean],
  ['JOTJWT_DEBUGGER_PORT', ['debugger', 'port'], integer],
  ['JOTJWT_REGISTRATION', ['registration', 'enabled'], boolean],
]

const CLIENT_SECRET_PREFIX = 'JOTJWT_CLIENT_SECRET_'
const UPSTREAM_SECRET_PREFIX = 'JOTJWT_UPSTREAM_SECRET_'

const variableSuffix = (id: string) => id.toUpperCase().replace(/[^A-Z0-9]/g, '_')

/** The variable holding a client's secret: `JOTJWT_CLIENT_SECRET_` + the id uppercased, other characters than A-Z and 0-9 as `_`. */
export function clientSecretVariable(clientId: string): string {
  return CLIENT_SECRET_PREFIX + variableSuffix(clientId)
}

/** The variable holding jot's client secret at an upstream provider: `JOTJWT_UPSTREAM_SECRET_` + the upstream's id, as for clients. */
export function upstreamSecretVariable(id: string): string {
  return UPSTREAM_SECRET_PREFIX + variableSuffix(id)
}

/** The secrets the environment may set: which list of the document, the member naming an entry, the variable of an entry. */
const SECRET_VARIABLES = [
  { prefix: CLIENT_SECRET_PREFIX, list: 'clients', id: 'clientId', what: 'client', variable: clientSecretVariable, replaces: ['clientSecretHash'] },
  { prefix: UPSTREAM_SECRET_PREFIX, list: 'upstreams', id: 'id', what: 'upstream', variable: upstreamSecretVariable, replaces: [] },
] as const

/**
 * Applies the `JOTJWT_*` variables to a copy of `doc`. An empty variable counts as unset. A client
 * or upstream secret variable that names no configured client or upstream (or several) is an error,
 * since a typo would otherwise leave it with a secret the operator believes replaced.
 */
export function applyEnvironment(doc: Doc, env: NodeJS.ProcessEnv, sources: Sources = new Map()): Doc {
  const result = structuredClone(doc)
  const issues: string[] = []
  for (const [name, path, convert] of ENVIRONMENT) {
    const value = env[name]
    if (value === undefined || value === '') continue
    setPath(result, path, convert(value))
    sources.set(path.join('.'), name)
  }
  const databaseUrl = env.JOTJWT_DATABASE_URL
  if (databaseUrl !== undefined && databaseUrl !== '') {
    if (!/^postgres(ql)?:\/\//.test(databaseUrl)) {
      issues.push('JOTJWT_DATABASE_URL: a postgres:// URL (the embedded SQLite store is the default and is configured with store.path)')
    } else {
      const previous = isObject(result.store) && result.store.type === 'postgres' ? result.store : {}
      result.store = { ...previous, type: 'postgres', url: databaseUrl }
      sources.set('store.url', 'JOTJWT_DATABASE_URL')
    }
  }
  const registrationToken = env.JOTJWT_REGISTRATION_TOKEN
  if (registrationToken !== undefined && registrationToken !== '') {
    setPath(result, ['registration', 'initialAccessToken'], registrationToken)
    // The variable replaces whatever the file declared, hashed or not.
    if (isObject(result.registration)) delete result.registration.initialAccessTokenHash
    sources.set('registration.initialAccessToken', 'JOTJWT_REGISTRATION_TOKEN')
  }
  for (const { prefix, list, id, what, variable, replaces } of SECRET_VARIABLES) {
    const entries = Array.isArray(result[list]) ? (result[list] as unknown[]) : []
    for (const [name, secret] of Object.entries(env)) {
      if (!name.startsWith(prefix) || secret === undefined || secret === '') continue
      const matches = entries.flatMap((entry, index) => (isObject(entry) && typeof entry[id] === 'string' && variable(entry[id]) === name ? [index] : []))
      if (matches.length !== 1) {
        issues.push(`${name}: ${matches.length === 0 ? `no configured ${what}` : `more than one configured ${what}`} has this id (ids are matched uppercased, with characters other than A-Z and 0-9 as _)`)
        continue
      }
      const entry = entries[matches[0]!] as Doc
      entry.clientSecret = secret
      // The variable replaces whatever secret the file declared, hashed or not.
      for (const member of replaces) delete entry[member]
      sources.set(`${list}.${matches[0]}.clientSecret`, name)
    }
  }
  if (issues.length > 0) throw new ConfigError(issues)
  return result
}

function pathText(path: readonly PropertyKey[]): string {
  return path.map(String).join('.') || '(configuration)'
}

function issueLines(issue: $ZodIssue, sources: Sources): string[] {
  const path = pathText(issue.path)
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((key) => `${issue.path.length ? `${path}.` : ''}${key}: unknown setting`)
  }
  const source = sources.get(path)
  return [`${path}${source ? ` (from ${source})` : ''}: ${issue.message.replace(/^Invalid input: /, '')}`]
}

/**
 * Schema issues as lines naming each setting (`scopes.0: a scope token …`), the way configuration
 * errors are reported; the admin API reports invalid bodies with them too.
 */
export function describeIssues(issues: readonly $ZodIssue[]): string[] {
  return issues.flatMap((issue) => issueLines(issue, new Map()))
}

/** Validates a configuration document (defaults applied), or throws a {@link ConfigError} naming every bad setting. */
export function validateConfig(doc: unknown, sources: Sources = new Map()): ServiceConfig {
  const result = configSchema.safeParse(doc)
  if (!result.success) throw new ConfigError(result.error.issues.flatMap((issue) => issueLines(issue, sources)))
  return result.data
}

/** Hosts where no network is crossed. Not `*.localhost`: such names go to the resolver. */
export function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || host === '::1' || host === '[::1]' || /^127(\.\d{1,3}){3}$/.test(host)
}

/**
 * Refuses a configuration that would run insecurely. In every mode the issuer has no query or
 * fragment (RFC 8414 §2). Dev mode listens on loopback only (it prints a working client secret).
 * Outside dev mode: private keys are encrypted at rest, so `keys.encryptionKey` is required; the
 * issuer is explicit (it is every token's `iss` and must be the URL clients use); plain HTTP only
 * where nothing crosses a network; an https: issuer with TLS here or at a proxy in front of us.
 */
export function checkDeployment(config: ServiceConfig): void {
  const issues: string[] = []
  const issuer = config.issuer === undefined ? undefined : new URL(config.issuer)
  if (config.issuer !== undefined && /[?#]/.test(config.issuer)) issues.push('issuer: must not have a query or fragment (RFC 8414 §2)')
  const pagePort = debuggerPort(config)
  if (debuggerEnabled(config) && pagePort !== 0 && pagePort === config.listen.port && config.debugger.host === config.listen.host) {
    issues.push('debugger.port: the debugger page needs an origin of its own, apart from the issuer\'s endpoints (another port or host than listen)')
  }
  if (config.dev) {
    if (!isLoopbackHost(config.listen.host)) {
      issues.push('listen.host: dev mode listens on loopback only (127.0.0.1, ::1 or localhost): its demo client secret is printed at start')
    }
  } else {
    if (config.keys.encryptionKey === undefined) {
      issues.push('keys.encryptionKey: required outside dev mode, to encrypt the signing keys at rest (32 random bytes, base64url; or set JOTJWT_KEY_ENCRYPTION_KEY)')
    }
    if (issuer === undefined) {
      issues.push('issuer: required outside dev mode: the exact URL clients and verifiers use, every token\'s "iss" (or set JOTJWT_ISSUER)')
    } else if (issuer.protocol === 'http:') {
      if (!isLoopbackHost(issuer.hostname) || !isLoopbackHost(config.listen.host)) {
        issues.push('issuer: plain http: is allowed only on loopback (client secrets and tokens would cross the network in the clear); use https: with http.tls, or with http.trustProxy behind a proxy that terminates TLS')
      }
    } else if (issuer.protocol !== 'https:') {
      issues.push('issuer: must be an https: URL')
    } else if (config.http.tls === undefined && config.http.trustProxy === false) {
      issues.push('issuer: an https: issuer needs http.tls (certificate and key files) or http.trustProxy (a proxy in front terminates TLS)')
    }
    config.upstreams.forEach((upstream, index) => {
      if (!upstream.issuer.startsWith('https:')) {
        issues.push(`upstreams.${index}.issuer: must be an https: URL outside dev mode (its keys, and the person's claims, would cross the network unprotected)`)
      }
    })
    config.clients.forEach((client, index) => issues.push(...clientDeploymentProblems(client, `clients.${index}`)))
    config.trust.forEach((entry, index) => issues.push(...trustDeploymentProblems(entry, `trust.${index}`)))
  }
  if (issues.length > 0) throw new ConfigError(issues)
}

/**
 * Outside dev mode, what a client's registration must not do: fetch its keys over plain HTTP, or
 * send authorization codes over the network in the clear. Each line starts with `path`. The
 * configuration and the admin API apply the same rules.
 *
 * @example
 * ```ts
 * clientDeploymentProblems(client, 'clients.0') // ['clients.0.jwksUri: must be an https: URL …']
 * ```
 */
export function clientDeploymentProblems(client: ClientConfig, path: string): string[] {
  const issues: string[] = []
  if (client.jwksUri !== undefined && !client.jwksUri.startsWith('https:')) {
    issues.push(`${path}.jwksUri: must be an https: URL outside dev mode (keys fetched over http: can be swapped on the way)`)
  }
  client.redirectUris.forEach((uri, position) => {
    // RFC 9700 §4.1.1 / RFC 8252 §7.3: codes cross the network over TLS, or stay on the machine
    // (a loopback http: URI for a native app). Private-use schemes (com.example.app:/cb) are native apps'.
    const url = new URL(uri)
    if (url.protocol === 'http:' && !isLoopbackHost(url.hostname)) {
      issues.push(`${path}.redirectUris.${position}: an http: redirect URI is allowed only on loopback (127.0.0.1, [::1]) outside dev mode; authorization codes would cross the network in the clear`)
    }
  })
  return issues
}

/** Outside dev mode, a trusted issuer's keys are fetched over https: only (as a client's). */
export function trustDeploymentProblems(entry: TrustEntryConfig, path: string): string[] {
  return entry.jwksUri !== undefined && !entry.jwksUri.startsWith('https:')
    ? [`${path}.jwksUri: must be an https: URL outside dev mode (keys fetched over http: can be swapped on the way)`]
    : []
}

/** Whether the service serves the debugger page: as configured, else in dev mode only. */
export function debuggerEnabled(config: ServiceConfig): boolean {
  return config.debugger.enabled ?? config.dev
}

/** The debugger page's port: as configured, else the one after the service's (a free one when the service's is 0 or the last). */
export function debuggerPort(config: ServiceConfig): number {
  const next = config.listen.port === 0 || config.listen.port === 65535 ? 0 : config.listen.port + 1
  return config.debugger.port ?? next
}

/** Command-line overrides (`jotjwt serve --dev --port N`), applied after the environment. */
export interface ConfigOverrides {
  dev?: boolean
  port?: number
}

export interface LoadConfigOptions {
  /** A YAML or JSON file; without one, the defaults (and the environment) make the configuration. */
  file?: string
  env?: NodeJS.ProcessEnv
  overrides?: ConfigOverrides
}

/**
 * The configuration the service runs with: file, environment, overrides, validated and checked.
 *
 * @example
 * ```ts
 * const config = await loadConfig({ file: 'jotjwt.yaml', env: process.env })
 * const service = await startService(config)
 * ```
 * @throws {@link ConfigError} listing every problem.
 */
export async function loadConfig(options: LoadConfigOptions = {}): Promise<ServiceConfig> {
  const sources: Sources = new Map()
  const doc = applyEnvironment(options.file === undefined ? {} : await readConfigFile(options.file), options.env ?? {}, sources)
  const { dev, port } = options.overrides ?? {}
  if (dev !== undefined) {
    doc.dev = dev
    sources.set('dev', '--dev')
  }
  if (port !== undefined) {
    setPath(doc, ['listen', 'port'], port)
    sources.set('listen.port', '--port')
  }
  const config = validateConfig(doc, sources)
  checkDeployment(config)
  return config
}
