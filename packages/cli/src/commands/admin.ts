/**
 * `jotjwt admin`: the token service's admin API at the terminal, a thin shell over it: each
 * subcommand is one request (`clients`, `users`, `keys`, `trust`, `audit`), printed as a table or
 * a line for people and as the API's JSON with `--json`. The service's own checks decide; the CLI
 * only turns flags into the request body. The admin token comes from `--token` or
 * JOTJWT_ADMIN_TOKEN (the variable keeps it out of `ps` and shell history), the service's URL from
 * `--url` or JOTJWT_ADMIN_URL. Passwords come from an environment variable, never a flag.
 * @module
 */
import { readFile } from 'node:fs/promises'
import { defineCommand, type Context } from '../cli/command.js'
import { CliError, EXIT_INVALID, EXIT_UNAVAILABLE, UsageError } from '../cli/errors.js'
import { formatKeyTable, type KeyRow } from '../format/key-table.js'
import { formatTable } from '../format/table.js'
import { readEnv, utf8 } from '../io/input.js'
import { adminRequest, type AdminApi } from '../net/admin-api.js'
import { allowHttpFor, durationFlag } from '../net/http-policy.js'

type Values = {
  url?: string | undefined
  token?: string | undefined
  json?: boolean | undefined
  'allow-http'?: boolean | undefined
  timeout?: string | undefined
  name?: string | undefined
  'auth-method'?: string | undefined
  'grant-type'?: string[] | undefined
  scope?: string[] | undefined
  resource?: string[] | undefined
  'redirect-uri'?: string[] | undefined
  'jwks-uri'?: string | undefined
  jwks?: string | undefined
  jwk?: string | undefined
  subject?: string | undefined
  'any-subject'?: boolean | undefined
  email?: string | undefined
  group?: string[] | undefined
  'password-env'?: string | undefined
  issuer?: string | undefined
  alg?: string[] | undefined
  'expires-at'?: string | undefined
  limit?: string | undefined
}

interface Call {
  api: AdminApi
  values: Values
  context: Context
  /** The positional after the action: a client id, username, subject, kid or trust entry id. */
  id: string | undefined
}

type Action = (call: Call) => Promise<void>

const path = (...parts: string[]) => parts.map((part) => `/${encodeURIComponent(part)}`).join('')

function needId(call: Call, what: string): string {
  if (call.id === undefined) throw new UsageError(`name the ${what}`)
  return call.id
}

/** Space-separated or repeated: `--scope 'a b' --scope c` is a, b, c. */
const words = (values: string[] | undefined) => (values ?? []).flatMap((value) => value.split(' ').filter(Boolean))

function print(call: Call, answer: unknown, human: () => string): void {
  call.context.stdout.write(call.values.json ? `${JSON.stringify(answer, null, 2)}\n` : human())
}

const list = (value: unknown) => (Array.isArray(value) ? value.join(' ') : '')
const text = (value: unknown) => (value === undefined || value === null ? '-' : String(value))

/** The members of a client body the flags set; the service validates them. */
function clientBody(values: Values): Record<string, unknown> {
  return {
    ...(values.name === undefined ? {} : { name: values.name }),
    ...(values['auth-method'] === undefined ? {} : { authMethod: values['auth-method'] }),
    ...(values['grant-type'] === undefined ? {} : { grantTypes: values['grant-type'] }),
    ...(values.scope === undefined ? {} : { scopes: words(values.scope) }),
    ...(values.resource === undefined ? {} : { resources: values.resource }),
    ...(values['redirect-uri'] === undefined ? {} : { redirectUris: values['redirect-uri'] }),
    ...(values['jwks-uri'] === undefined ? {} : { jwksUri: values['jwks-uri'] }),
  }
}

/** A JSON file given with --jwks or --jwk. */
async function jsonFile(file: string, flag: string): Promise<unknown> {
  let content: string
  try {
    content = await readFile(file, 'utf8')
  } catch (error) {
    throw new CliError(`cannot read --${flag} "${file}": ${(error as NodeJS.ErrnoException).code ?? 'error'}`, EXIT_UNAVAILABLE, { cause: error })
  }
  try {
    return JSON.parse(content)
  } catch {
    throw new CliError(`--${flag} "${file}" is not JSON`, EXIT_INVALID)
  }
}

/** A new secret is printed once: on stdout alone (for a pipe), with the warning on stderr. */
function printSecret(call: Call, answer: unknown, what: string): void {
  const secret = (answer as { clientSecret?: unknown }).clientSecret
  if (call.values.json) return print(call, answer, () => '')
  call.context.stderr.write(`${what}; its secret is shown this once:\n`)
  if (typeof secret === 'string') call.context.stdout.write(`${secret}\n`)
}

const clientsTable = (clients: Record<string, unknown>[]) =>
  formatTable(
    ['client', 'source', 'auth', 'grants', 'scopes', 'resources'],
    clients.map((client) => [text(client.clientId), text(client.source), text(client.authMethod), list(client.grantTypes), list(client.scopes), list(client.resources)]),
  )

const ACTIONS: Record<string, Record<string, Action>> = {
  clients: {
    list: async (call) => {
      const answer = (await adminRequest(call.api, 'GET', '/clients')) as { clients: Record<string, unknown>[] }
      print(call, answer, () => clientsTable(answer.clients))
    },
    get: async (call) => {
      const answer = (await adminRequest(call.api, 'GET', path('clients', needId(call, 'client')))) as { client: Record<string, unknown> }
      print(call, answer, () => clientsTable([answer.client]))
    },
    create: async (call) => {
      const clientId = needId(call, 'client to create')
      const answer = await adminRequest(call.api, 'POST', '/clients', { clientId, ...clientBody(call.values) })
      printSecret(call, answer, `created client ${clientId}`)
    },
    update: async (call) => {
      const clientId = needId(call, 'client to update')
      const body = clientBody(call.values)
      if (Object.keys(body).length === 0) throw new UsageError('say what to change (--scope, --resource, --grant-type, …)')
      const answer = (await adminRequest(call.api, 'PATCH', path('clients', clientId), body)) as { client: Record<string, unknown>; clientSecret?: string }
      if (answer.clientSecret !== undefined) return printSecret(call, answer, `updated client ${clientId}, which now has a secret`)
      print(call, answer, () => clientsTable([answer.client]))
    },
    'rotate-secret': async (call) => {
      const clientId = needId(call, 'client')
      printSecret(call, await adminRequest(call.api, 'POST', `${path('clients', clientId)}/secret`), `new secret for client ${clientId} (the old one no longer works)`)
    },
    delete: async (call) => {
      const clientId = needId(call, 'client to delete')
      await adminRequest(call.api, 'DELETE', path('clients', clientId))
      print(call, { deleted: clientId }, () => `deleted client ${clientId}\n`)
    },
  },
  users: {
    list: async (call) => {
      const answer = (await adminRequest(call.api, 'GET', '/users')) as { users: Record<string, unknown>[] }
      print(call, answer, () =>
        formatTable(['subject', 'username', 'source', 'name', 'groups', 'password'], answer.users.map((user) => [text(user.subject), text(user.username), text(user.source), text(user.name), list(user.groups), user.hasPassword ? 'yes' : 'no'])),
      )
    },
    create: async (call) => {
      const username = needId(call, 'username')
      const { values } = call
      const password = values['password-env'] === undefined ? undefined : utf8(readEnv(values['password-env'], 'password', call.context.env))
      const answer = await adminRequest(call.api, 'POST', '/users', {
        username,
        ...(values.subject === undefined ? {} : { subject: values.subject }),
        ...(values.name === undefined ? {} : { name: values.name }),
        ...(values.email === undefined ? {} : { email: values.email }),
        ...(values.group === undefined ? {} : { groups: values.group }),
        ...(password === undefined ? {} : { password }),
      })
      print(call, answer, () => `created user ${username}\n`)
    },
    delete: async (call) => {
      const subject = needId(call, 'subject of the user to delete')
      await adminRequest(call.api, 'DELETE', path('users', subject))
      print(call, { deleted: subject }, () => `deleted user ${subject}\n`)
    },
  },
  keys: {
    list: async (call) => {
      const answer = (await adminRequest(call.api, 'GET', '/keys')) as { keys: KeyRow[] }
      print(call, answer, () => formatKeyTable(answer.keys))
    },
    rotate: async (call) => {
      const algs = call.values.alg ?? []
      if (algs.length > 1) throw new UsageError('keys rotate takes one --alg (without it, every algorithm rotates)')
      const answer = (await adminRequest(call.api, 'POST', '/keys/rotate', algs.length === 0 ? {} : { alg: algs[0] })) as { keys: KeyRow[] }
      if (!call.values.json) call.context.stderr.write('published now; each signs once keys.publishAhead has passed:\n')
      print(call, answer, () => formatKeyTable(answer.keys))
    },
    retire: async (call) => keyChange(call, 'retire'),
    revoke: async (call) => keyChange(call, 'revoke'),
  },
  trust: {
    list: async (call) => {
      const answer = (await adminRequest(call.api, 'GET', '/trust')) as { trust: Record<string, unknown>[] }
      print(call, answer, () =>
        formatTable(
          ['id', 'source', 'issuer', 'subject', 'scopes', 'keys', 'expires'],
          answer.trust.map((entry) => [
            text(entry.id),
            text(entry.source),
            text(entry.issuer),
            entry.subject === undefined ? '(any)' : text(entry.subject),
            list(entry.scopes),
            typeof entry.jwksUri === 'string' ? entry.jwksUri : `${((entry.jwks as { keys?: unknown[] } | undefined)?.keys ?? []).length} in the entry`,
            typeof entry.expiresAt === 'number' ? new Date(entry.expiresAt * 1000).toISOString().replace('.000Z', 'Z') : '-',
          ]),
        ),
      )
    },
    add: async (call) => {
      const { values } = call
      if (values.issuer === undefined) throw new UsageError('pass --issuer ISS')
      if ((values.subject === undefined) === (values['any-subject'] !== true)) throw new UsageError('pass --subject SUB or --any-subject')
      const keys = [values['jwks-uri'], values.jwks, values.jwk].filter((given) => given !== undefined)
      if (keys.length !== 1) throw new UsageError('pass one of --jwks-uri URL, --jwks FILE and --jwk FILE')
      const answer = (await adminRequest(call.api, 'POST', '/trust', {
        issuer: values.issuer,
        ...(values.subject === undefined ? { any: true } : { subject: values.subject }),
        scopes: words(values.scope),
        ...(values['jwks-uri'] === undefined ? {} : { jwksUri: values['jwks-uri'] }),
        ...(values.jwks === undefined ? {} : { jwks: await jsonFile(values.jwks, 'jwks') }),
        ...(values.jwk === undefined ? {} : { jwk: await jsonFile(values.jwk, 'jwk') }),
        algorithms: values.alg ?? [],
        ...(values['expires-at'] === undefined ? {} : { expiresAt: values['expires-at'] }),
      })) as { entry: { id: string } }
      print(call, answer, () => `added trust entry ${answer.entry.id}\n`)
    },
    remove: async (call) => {
      const id = needId(call, 'trust entry to remove')
      await adminRequest(call.api, 'DELETE', path('trust', id))
      print(call, { deleted: id }, () => `removed trust entry ${id}\n`)
    },
  },
  audit: {
    list: async (call) => {
      const limit = call.values.limit
      if (limit !== undefined && !/^\d{1,4}$/.test(limit)) throw new UsageError('--limit takes a number of events')
      const answer = (await adminRequest(call.api, 'GET', `/audit${limit === undefined ? '' : `?limit=${limit}`}`)) as { events: Record<string, unknown>[] }
      print(call, answer, () =>
        formatTable(
          ['time', 'client', 'subject', 'action', 'target'],
          answer.events.map((event) => [new Date(Number(event.at) * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z'), text(event.actorClientId), text(event.actorSubject), text(event.action), text(event.target)]),
        ),
      )
    },
  },
}

async function keyChange(call: Call, change: 'retire' | 'revoke'): Promise<void> {
  const kid = needId(call, 'key (its kid)')
  const answer = (await adminRequest(call.api, 'POST', `${path('keys', kid)}/${change}`)) as { key: KeyRow }
  const said = change === 'revoke' ? 'revoked: it is no longer published and signs nothing from now on' : 'retired: it is no longer published'
  if (!call.values.json) call.context.stderr.write(`${kid} ${said}\n`)
  print(call, answer, () => formatKeyTable([answer.key]))
}

/** Which flags each subcommand takes, so a flag that would be ignored is an error instead. */
const FLAGS: Record<string, readonly string[]> = {
  'clients create': ['name', 'auth-method', 'grant-type', 'scope', 'resource', 'redirect-uri', 'jwks-uri'],
  'clients update': ['name', 'auth-method', 'grant-type', 'scope', 'resource', 'redirect-uri', 'jwks-uri'],
  'users create': ['subject', 'name', 'email', 'group', 'password-env'],
  'keys rotate': ['alg'],
  'trust add': ['issuer', 'subject', 'any-subject', 'scope', 'jwks-uri', 'jwks', 'jwk', 'alg', 'expires-at'],
  'audit list': ['limit'],
}
const COMMON_FLAGS = new Set(['url', 'token', 'json', 'allow-http', 'timeout', 'help', 'debug'])

export const admin = defineCommand({
  name: 'admin',
  summary: 'manage a running token service: clients, users, signing keys, trust entries (its admin API)',
  usage: '<clients|users|keys|trust|audit> <action> [ID] --url URL [--token TOKEN] [options]',
  description: [
    'Calls the admin API of a running token service (jotjwt serve) at --url (or JOTJWT_ADMIN_URL)',
    'with an access token that carries its admin scope (jotjwt:admin unless configured otherwise) for',
    'its admin audience (URL/admin): --token, or better JOTJWT_ADMIN_TOKEN, which stays out of ps and',
    'shell history. Get one from a client the service allows that scope:',
    '  JOTJWT_ADMIN_TOKEN=$(jotjwt token --issuer URL --client-id ops --client-secret-env S --resource URL/admin)',
    '',
    '  clients list | get ID | create ID [--scope S] [--resource URI] [--grant-type G] [--auth-method M]',
    '                 [--redirect-uri URI] [--jwks-uri URL] [--name N] | update ID [same flags] |',
    '                 rotate-secret ID | delete ID',
    '  users   list | create USERNAME [--subject S] [--name N] [--email E] [--group G] [--password-env VAR]',
    '                 | delete SUBJECT',
    '  keys    list | rotate [--alg ALG] | retire KID | revoke KID',
    '  trust   list | add --issuer ISS (--subject SUB | --any-subject) --scope S --alg ALG',
    '                 (--jwks-uri URL | --jwks FILE | --jwk FILE) [--expires-at TIME] | remove ID',
    '  audit   list [--limit N]',
    '',
    'An ID that starts with "-" (a kid may: it is base64url) goes after --: jotjwt admin keys revoke -- -Xb3….',
    'A new client secret is printed once, alone on stdout. Clients, users and trust entries of the',
    'service\'s configuration are read-only here (change the file). With --json, the API\'s answer.',
    'Exit status: 0 done, 1 refused (the line says why), 2 usage, 3 the service unreachable or failing.',
    'Plain http: is allowed for loopback hosts, elsewhere only with --allow-http.',
  ].join('\n'),
  options: {
    url: { type: 'string', value: 'URL', description: 'the token service (its issuer URL); default JOTJWT_ADMIN_URL' },
    token: { type: 'string', value: 'TOKEN', description: 'the admin access token; default JOTJWT_ADMIN_TOKEN (preferred: flags show in ps)' },
    json: { type: 'boolean', description: 'print the API\'s JSON answer' },
    name: { type: 'string', value: 'NAME', description: 'clients, users: the display name' },
    'auth-method': { type: 'string', value: 'METHOD', description: 'clients: client_secret_basic (default), client_secret_post, private_key_jwt or none' },
    'grant-type': { type: 'string', multiple: true, value: 'GRANT', description: 'clients: a grant type it may use' },
    scope: { type: 'string', multiple: true, value: 'SCOPE', description: 'clients, trust: scopes it may be granted (space-separated or repeated)' },
    resource: { type: 'string', multiple: true, value: 'URI', description: 'clients: a resource (audience) it may ask for' },
    'redirect-uri': { type: 'string', multiple: true, value: 'URI', description: 'clients: a redirect URI (authorization code grant)' },
    'jwks-uri': { type: 'string', value: 'URL', description: 'clients, trust: where the keys are published' },
    jwks: { type: 'string', value: 'FILE', description: 'trust: the issuer\'s JWK Set (public keys)' },
    jwk: { type: 'string', value: 'FILE', description: 'trust: the issuer\'s public JWK' },
    issuer: { type: 'string', value: 'ISS', description: 'trust: the assertions\' iss' },
    subject: { type: 'string', value: 'SUB', description: 'trust: the one sub accepted; users: the subject (default: the username)' },
    'any-subject': { type: 'boolean', description: 'trust: any sub of the issuer' },
    alg: { type: 'string', multiple: true, value: 'ALG', description: 'trust: an algorithm its assertions use; keys rotate: only this algorithm' },
    'expires-at': { type: 'string', value: 'TIME', description: 'trust: when the trust ends (ISO 8601 with offset)' },
    email: { type: 'string', value: 'EMAIL', description: 'users: the email address' },
    group: { type: 'string', multiple: true, value: 'GROUP', description: 'users: a group' },
    'password-env': { type: 'string', value: 'VAR', description: 'users: read the password from this environment variable' },
    limit: { type: 'string', value: 'N', description: 'audit: how many events (default 100)' },
    'allow-http': { type: 'boolean', description: 'allow an http: URL beyond loopback' },
    timeout: { type: 'string', value: 'SECONDS', description: 'network timeout (default 10)' },
  },
  examples: [
    'JOTJWT_ADMIN_URL=https://auth.example JOTJWT_ADMIN_TOKEN=… jotjwt admin clients list',
    'jotjwt admin clients create billing --scope orders:read --resource https://api.example/orders --url https://auth.example',
    'jotjwt admin clients rotate-secret billing --url https://auth.example',
    'jotjwt admin keys rotate --alg ES256 --url https://auth.example',
    'jotjwt admin keys revoke NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs --url https://auth.example',
    'jotjwt admin trust add --issuer https://ci.example --subject deploy-bot --scope deploy:write --alg ES256 --jwks-uri https://ci.example/jwks.json --url https://auth.example',
    'ADA_PASSWORD=… jotjwt admin users create ada --group admins --password-env ADA_PASSWORD --url http://127.0.0.1:8080',
    'jotjwt admin audit list --limit 20 --json --url https://auth.example',
  ],
  maxPositionals: 3,
  async run({ values, positionals }, context) {
    const [resource, action, id] = positionals
    const actions = resource === undefined ? undefined : ACTIONS[resource]
    if (!actions || !Object.hasOwn(ACTIONS, resource!)) throw new UsageError(`name what to manage: ${Object.keys(ACTIONS).join(', ')}`)
    const run = action === undefined || !Object.hasOwn(actions, action) ? undefined : actions[action]
    if (!run) throw new UsageError(`${resource} takes ${Object.keys(actions).join(', ')}`)
    const allowed = new Set([...COMMON_FLAGS, ...(FLAGS[`${resource} ${action}`] ?? [])])
    const stray = Object.keys(values).filter((flag) => !allowed.has(flag))
    if (stray.length > 0) throw new UsageError(`${resource} ${action} does not take --${stray.join(', --')}`)

    const url = values.url ?? (context.env.JOTJWT_ADMIN_URL || undefined)
    if (url === undefined) throw new UsageError('pass --url URL (the token service) or set JOTJWT_ADMIN_URL')
    let parsed: URL
    try {
      parsed = new URL(url)
    } catch {
      throw new UsageError(`--url is not a URL: "${url}"`)
    }
    if (parsed.protocol !== 'https:' && !(parsed.protocol === 'http:' && allowHttpFor(url, values['allow-http']))) {
      throw new UsageError(`${url} is not https: (the admin token would travel in the clear; --allow-http allows it)`)
    }
    const token = values.token ?? (context.env.JOTJWT_ADMIN_TOKEN || undefined)
    if (token === undefined) throw new UsageError('pass --token TOKEN or set JOTJWT_ADMIN_TOKEN (an access token with the admin scope)')
    const timeout = durationFlag(values.timeout) ?? 10
    if (typeof timeout !== 'number') throw new UsageError('--timeout takes a number of seconds')

    await run({ api: { url, token: token.trim(), timeoutMs: timeout * 1000 }, values: values as Values, context, id })
    return 0
  },
})
