/**
 * `jotjwt serve`: run the token service (the `jotjwt-server` package). The service is an optional
 * peer of the CLI, imported only here and only when this command runs: decoding and verifying
 * tokens must not pull in an HTTP server and database drivers (better-sqlite3 compiles native code
 * at install). Without it, the command says how to install it.
 * @module
 */
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import type * as Server from 'jotjwt-server'
import { defineCommand, type Context } from '../cli/command.js'
import { CliError, EXIT_INVALID, EXIT_UNAVAILABLE, EXIT_USAGE, UsageError } from '../cli/errors.js'
import { formatKeyTable } from '../format/key-table.js'
import { utf8 } from '../io/input.js'

const SERVER_PACKAGE = 'jotjwt-server'

async function loadServer(): Promise<typeof Server> {
  try {
    return (await import(SERVER_PACKAGE)) as typeof Server
  } catch (error) {
    const { code, message } = error as NodeJS.ErrnoException
    if (code === 'ERR_MODULE_NOT_FOUND' && message.includes(`'${SERVER_PACKAGE}'`)) {
      throw new CliError(
        `the token service is a separate package: install ${SERVER_PACKAGE} where jotjwt-cli is installed (npm install -g ${SERVER_PACKAGE}, or npm install ${SERVER_PACKAGE} in this project), then run jotjwt serve again`,
        EXIT_UNAVAILABLE,
      )
    }
    throw error
  }
}

export function portFlag(text: string | undefined): number | undefined {
  if (text === undefined) return undefined
  if (!/^\d{1,5}$/.test(text) || Number(text) > 65535) throw new UsageError(`--port takes a port number (0-65535; 0 picks a free one), not "${text}"`)
  return Number(text)
}

/** Resolves on the first SIGINT or SIGTERM; a second one ends the process at once (Node's default). */
export function stopSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const stop = (signal: NodeJS.Signals) => {
      process.off('SIGINT', stop)
      process.off('SIGTERM', stop)
      resolve(signal)
    }
    process.on('SIGINT', stop)
    process.on('SIGTERM', stop)
  })
}

/** `--keys` / `--revoke-key`: the signing keys of the configured deployment, listed after any revocation. */
async function administerKeys(server: typeof Server, config: Server.ServiceConfigInput, revoke: string | undefined, json: boolean, context: Context): Promise<number> {
  const admin = await server.openKeyAdministration(config)
  try {
    if (revoke !== undefined) {
      const known = await admin.list()
      if (!known.some((key) => key.kid === revoke)) throw new CliError(`no signing key has kid "${revoke}"; jotjwt serve --keys lists them`, EXIT_INVALID)
      await admin.revoke(revoke)
      context.stderr.write(`revoked ${revoke}: it is no longer published, and it signs nothing from now on\n`)
    }
    const keys = await admin.list()
    if (json) context.stdout.write(`${JSON.stringify(keys, null, 2)}\n`)
    else context.stdout.write(formatKeyTable(keys))
    return 0
  } finally {
    await admin.close()
  }
}

export const serve = defineCommand({
  name: 'serve',
  summary: 'run the token service: OAuth 2.0 token, revocation, introspection and JWKS endpoints',
  usage: '[--config FILE] [--dev] [--port N] | [--config FILE] [--dev] (--keys | --revoke-key KID) | --hash-secret < SECRET | --hash-password < PASSWORD',
  description: [
    'Runs jot\'s token service (the jotjwt-server package, installed separately). Settings come from',
    'the configuration file (YAML or JSON), then the JOTJWT_* environment variables, then these flags.',
    'With --dev it needs no configuration: it listens on 127.0.0.1, keeps keys and a demo client in the',
    'data directory (.jotjwt unless JOTJWT_DATA_DIR is set), and prints commands that get a token.',
    'Ctrl-C (SIGINT) or SIGTERM stops it after the requests in progress. Exit status: 0 after a clean',
    'stop, 2 for an invalid configuration (every problem is listed), 3 when the store, port or',
    'package is unavailable.',
    'With --hash-secret it starts nothing: it reads a client secret on stdin and prints its hash, for',
    'a client\'s clientSecretHash (the configuration then holds no secret); --hash-password does the',
    'same for a user\'s passwordHash.',
    'With --keys it starts nothing either: it lists the deployment\'s signing keys (from the store the',
    'configuration names) with their states. --revoke-key KID revokes one in an emergency, also while',
    'the service runs: every replica stops publishing it at once and, if it was signing, its successor',
    'signs from then on.',
  ].join('\n'),
  options: {
    config: { type: 'string', short: 'c', value: 'FILE', description: 'the configuration file (YAML or JSON)' },
    dev: { type: 'boolean', description: 'dev mode: loopback only, generated keys and a demo client, nothing to configure' },
    port: { type: 'string', short: 'p', value: 'N', description: 'the port to listen on (overrides JOTJWT_PORT and the file; 0 picks a free one)' },
    'hash-secret': { type: 'boolean', description: 'read a client secret on stdin, print its hash (for clientSecretHash) and exit' },
    'hash-password': { type: 'boolean', description: 'read a user\'s password on stdin, print its hash (for passwordHash) and exit' },
    keys: { type: 'boolean', description: 'list the signing keys and their states (next, active, retiring, retired) and exit' },
    'revoke-key': { type: 'string', value: 'KID', description: 'emergency: revoke the signing key with this kid, then list the keys and exit' },
    json: { type: 'boolean', description: 'with --keys or --revoke-key: the key list as JSON' },
  },
  examples: [
    'jotjwt serve --dev',
    'JOTJWT_PORT=9000 jotjwt serve --dev',
    'jotjwt serve --config /etc/jotjwt/server.yaml',
    'printf %s "$BILLING_SECRET" | jotjwt serve --hash-secret',
    'printf %s "$ADA_PASSWORD" | jotjwt serve --hash-password',
    'jotjwt serve --config /etc/jotjwt/server.yaml --keys',
    'jotjwt serve --config /etc/jotjwt/server.yaml --revoke-key NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs',
  ],
  maxPositionals: 0,
  async run({ values }, context) {
    const port = portFlag(values.port)
    const server = await loadServer()
    // Client secrets and passwords are hashed alike (scrypt); they differ in the shortest accepted,
    // as the configuration schema has it.
    const hashing = values['hash-secret'] ? { flag: '--hash-secret', what: 'client secret', min: 16 } : values['hash-password'] ? { flag: '--hash-password', what: 'password', min: 8 } : undefined
    if (hashing) {
      if (values.config !== undefined || values.dev || port !== undefined || (values['hash-secret'] && values['hash-password'])) throw new UsageError(`${hashing.flag} takes no other options`)
      // On stdin, not as an argument: arguments show in `ps` and shell history.
      if (context.stdin.isTTY) throw new UsageError(`pipe the ${hashing.what} in: printf %s "$SECRET" | jotjwt serve ${hashing.flag}`)
      const secret = utf8(await context.stdin.read(hashing.what)).replace(/\r?\n$/, '')
      if (secret.length < hashing.min || secret.length > 512) throw new UsageError(`a ${hashing.what} is ${hashing.min} to 512 characters`)
      context.stdout.write(`${await server.hashSecret(secret)}\n`)
      return 0
    }
    const administering = values.keys || values['revoke-key'] !== undefined
    if (administering && port !== undefined) throw new UsageError('--keys and --revoke-key start no service: --port does not apply')
    if (values.json && !administering) throw new UsageError('--json applies to --keys and --revoke-key')
    let service: Server.RunningService
    try {
      const config = await server.loadConfig({
        ...(values.config === undefined ? {} : { file: values.config }),
        env: context.env,
        overrides: { ...(values.dev ? { dev: true } : {}), ...(port === undefined ? {} : { port }) },
      })
      if (administering) return await administerKeys(server, config, values['revoke-key'], Boolean(values.json), context)
      service = await server.startService(config)
    } catch (error) {
      if (error instanceof server.ConfigError) throw new CliError(`invalid configuration: ${error.message}`, EXIT_USAGE)
      const { code, message } = error as NodeJS.ErrnoException
      if (code === 'ERR_STORE_UNAVAILABLE') throw new CliError(`the store is unavailable: ${message}`, EXIT_UNAVAILABLE, { cause: error })
      if (code === 'EADDRINUSE' || code === 'EACCES' || code === 'EADDRNOTAVAIL') {
        throw new CliError(`cannot listen: ${message} (choose another port with --port or JOTJWT_PORT)`, EXIT_UNAVAILABLE, { cause: error })
      }
      throw error
    }
    // In a checkout (or a project with the CLI installed locally) the command is run through npx.
    const cli = existsSync(join(process.cwd(), 'node_modules', '.bin', 'jotjwt')) ? 'npx jotjwt' : 'jotjwt'
    context.stdout.write(server.startupBanner(service, { cli }))
    const signal = await stopSignal()
    context.stderr.write(`jotjwt serve: ${signal}: stopping after the requests in progress\n`)
    await service.close()
    return 0
  },
})
