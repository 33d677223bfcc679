/**
 * `jotjwt gateway`: run the forward-auth service (the `jotjwt-gateway` package) that nginx
 * (`auth_request`), Caddy (`forward_auth`) and other proxies ask before passing a request on. Like
 * `serve`, the package is an optional peer imported only when this command runs.
 * @module
 */
import type * as Gateway from 'jotjwt-gateway'
import { defineCommand } from '../cli/command.js'
import { CliError, EXIT_UNAVAILABLE, EXIT_USAGE, UsageError } from '../cli/errors.js'
import { portFlag, stopSignal } from './serve.js'

const GATEWAY_PACKAGE = 'jotjwt-gateway'

async function loadGateway(): Promise<typeof Gateway> {
  try {
    return (await import(GATEWAY_PACKAGE)) as typeof Gateway
  } catch (error) {
    const { code, message } = error as NodeJS.ErrnoException
    if (code === 'ERR_MODULE_NOT_FOUND' && message.includes(`'${GATEWAY_PACKAGE}'`)) {
      throw new CliError(
        `the gateway is a separate package: install ${GATEWAY_PACKAGE} where jotjwt-cli is installed (npm install -g ${GATEWAY_PACKAGE}, or npm install ${GATEWAY_PACKAGE} in this project), then run jotjwt gateway again`,
        EXIT_UNAVAILABLE,
      )
    }
    throw error
  }
}

export const gateway = defineCommand({
  name: 'gateway',
  summary: 'run the forward-auth service for nginx, Caddy and other proxies, or jot\'s reverse proxy',
  usage: '--config FILE [--port N]',
  description: [
    'Runs jot\'s forward-auth service (the jotjwt-gateway package, installed separately). The proxy',
    'asks it about every request: it answers 200 with the verified claims as headers, or 401/403/400',
    'with the RFC 6750 challenge. The configuration file (YAML or JSON) names the providers, the rules',
    'and what each rule authorizes. With a proxy section it is a reverse proxy instead: requests go to',
    'the upstreams the rules choose, JSON access logs on stdout, /metrics and /ready on proxy.admin, and',
    'the file is reloaded when it changes or on SIGHUP (an invalid file keeps the running configuration).',
    'Ctrl-C (SIGINT) or SIGTERM stops it (the proxy drains in-flight requests first). Exit status: 0 after a clean',
    'stop, 2 for an invalid configuration (every problem is listed by path), 3 when the port or the',
    'package is unavailable.',
  ].join('\n'),
  options: {
    config: { type: 'string', short: 'c', value: 'FILE', description: 'the configuration file (YAML or JSON)' },
    port: { type: 'string', short: 'p', value: 'N', description: 'the port to listen on (overrides listen.port; 0 picks a free one)' },
  },
  examples: ['jotjwt gateway --config /etc/jotjwt/gateway.yaml', 'jotjwt gateway --config gateway.yaml --port 9091'],
  maxPositionals: 0,
  async run({ values }, context) {
    if (values.config === undefined) throw new UsageError('--config FILE is required')
    const port = portFlag(values.port)
    const module = await loadGateway()
    let running: Gateway.RunningGateway | Gateway.RunningProxy
    try {
      const loaded = await module.loadConfig(values.config)
      const config = port === undefined ? loaded : { ...loaded, listen: { ...loaded.listen, port } }
      // With a proxy section it is the reverse proxy: it logs JSON lines on stdout, reloads the file
      // when it changes or on SIGHUP.
      running = config.proxy === undefined ? await module.startGateway(config) : await module.startProxy(config, { configFile: values.config })
    } catch (error) {
      if (error instanceof module.GatewayConfigError) throw new CliError(`invalid configuration:\n  ${error.problems.join('\n  ')}`, EXIT_USAGE)
      const { code, message } = error as NodeJS.ErrnoException
      if (code === 'ENOENT') throw new CliError(`cannot read the configuration: ${message}`, EXIT_USAGE)
      if (code === 'EADDRINUSE' || code === 'EACCES' || code === 'EADDRNOTAVAIL') {
        throw new CliError(`cannot listen: ${message} (choose another port with --port)`, EXIT_UNAVAILABLE, { cause: error })
      }
      throw error
    }
    if ('reload' in running) {
      const proxy = running
      const reload = () => void proxy.reload()
      process.on('SIGHUP', reload)
      context.stderr.write(`jotjwt gateway: reverse proxy on ${proxy.url}, metrics and readiness on ${proxy.adminUrl}\n`)
      const signal = await stopSignal()
      process.off('SIGHUP', reload)
      context.stderr.write(`jotjwt gateway: ${signal}: draining\n`)
      await proxy.close()
      return 0
    }
    context.stdout.write(`jotjwt gateway: forward-auth on ${running.url}\n`)
    const signal = await stopSignal()
    context.stderr.write(`jotjwt gateway: ${signal}: stopping\n`)
    await running.close()
    return 0
  },
})
