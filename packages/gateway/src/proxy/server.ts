/**
 * jot's reverse proxy: every request is decided by the same engine as forward-auth (rules →
 * providers → authorize), then sent to the upstream its rule and verified claims choose, with the
 * claim headers added and the client's copies, hop-by-hop fields and (unless `forwardToken`) the
 * token removed. Operations: Prometheus metrics, `/ready` and `/live` on a separate admin listener,
 * JSON access logs, hot reload (file change or {@link RunningProxy.reload}; an invalid configuration
 * keeps the running one), graceful shutdown.
 * @module
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Duplex } from 'node:stream'
import { setTimeout as sleep } from 'node:timers/promises'
import type { DestinationStream, Logger } from 'pino'
import { GatewayConfigError, loadConfig } from '../config/load.js'
import type { GatewayConfig } from '../config/schema.js'
import type { Decision } from '../engine/gateway.js'
import { ownRequest } from '../http/forwarded.js'
import { callerFields, createLogger, failureFields, redactTarget } from '../ops/log.js'
import { createMetrics, type GatewayMetrics } from '../ops/metrics.js'
import { watchFile } from '../ops/watch.js'
import { upstreamRequestHeaders, withoutQueryToken } from './headers.js'
import { buildState, retireState, type ProxyState } from './state.js'
import { answerUpgrade, tunnel } from './websocket.js'

/** Settings of {@link startProxy}. */
export interface ProxyOptions {
  /** The configuration's file: {@link RunningProxy.reload} re-reads it, and changes to it reload. */
  configFile?: string
  /** Reload when `configFile` changes. Default true. */
  watch?: boolean
  /** Where log lines go (pino destination). Default stdout. */
  logDestination?: DestinationStream
}

/** What a reload did. */
export type ReloadResult = { readonly ok: true } | { readonly ok: false; readonly problems: readonly string[] }

/** A running reverse proxy. */
export interface RunningProxy {
  readonly server: Server
  readonly admin: Server
  /** `http://host:port` of the proxy. */
  readonly url: string
  /** `http://host:port` of `/metrics`, `/ready`, `/live`. */
  readonly adminUrl: string
  readonly metrics: GatewayMetrics
  readonly logger: Logger
  /** Loads `config` (or re-reads the configuration file) and swaps it in; an invalid one changes nothing. */
  reload(config?: GatewayConfig): Promise<ReloadResult>
  /** True once every remote provider's keys were fetched for the running configuration. */
  isReady(): boolean
  /** Stops accepting, lets in-flight requests finish (at most `proxy.shutdownTimeout`), then closes. */
  close(): Promise<void>
}

/** Time a reload waits for the new configuration's keys before swapping it in anyway. */
const RELOAD_WARMUP_MS = 5_000

/** RFC 3986 §3.3 dot segments (also percent-encoded) and `//`: an upstream may resolve them after the rule matched the raw path. */
function isAmbiguousPath(target: string): boolean {
  const path = target.split('?', 1)[0]!
  let decoded: string
  try {
    decoded = decodeURIComponent(path)
  } catch {
    return true
  }
  return decoded.includes('\\') || decoded.includes('//') || decoded.split('/').some((segment) => segment === '.' || segment === '..')
}

function listen(server: Server, port: number, host: string): Promise<string> {
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, host, () => {
      server.off('error', reject)
      const address = server.address() as AddressInfo
      resolve(`http://${host.includes(':') ? `[${host}]` : host}:${address.port}`)
    })
  })
}

/**
 * Starts the reverse proxy (the configuration needs a `proxy` section).
 *
 * @example
 * ```ts
 * const running = await startProxy(await loadConfig('gateway.yaml'), { configFile: 'gateway.yaml' })
 * console.log(`proxy on ${running.url}, metrics on ${running.adminUrl}/metrics`)
 * ```
 */
export async function startProxy(config: GatewayConfig, options: ProxyOptions = {}): Promise<RunningProxy> {
  if (config.proxy === undefined) throw new GatewayConfigError(['proxy: the reverse proxy needs a proxy section (upstreams)'])
  const logger = createLogger(options.logDestination)
  // The gauges read the running configuration's cache at each scrape (`current` is set just below).
  const metrics = createMetrics(() => current.gateway.cache)
  const accessLog = () => current.config.proxy?.accessLog !== false
  let current = await buildState(config, metrics)
  let ready = false
  let draining = false
  let inFlight = 0
  const tunnels = new Set<Duplex>()
  let idle: (() => void) | undefined

  /** Waits for the state's keys (readiness), retrying with backoff while it is the running one. */
  function probe(state: ProxyState): void {
    let delay = 1_000
    const attempt = () =>
      state.gateway.ready().then(
        () => {
          if (state === current) ready = true
        },
        (error: unknown) => {
          if (state !== current || draining) return
          logger.warn({ error: (error as Error).message }, 'keys not loaded yet: not ready')
          setTimeout(attempt, delay).unref()
          delay = Math.min(delay * 2, 30_000)
        },
      )
    void attempt()
  }
  probe(current)

  function finished(): void {
    inFlight--
    if (inFlight === 0 && tunnels.size === 0) idle?.()
  }

  function log(message: IncomingMessage, client: string | undefined, decision: Decision, fields: Record<string, unknown>, started: number): void {
    if (!accessLog()) return
    logger.info(
      {
        method: message.method,
        target: redactTarget(message.url ?? '/'),
        client,
        rule: decision.rule,
        decision: decision.status === 200 ? 'allowed' : 'denied',
        ...failureFields(decision),
        ...callerFields(decision, message.headers),
        ...fields,
        ms: Math.round((performance.now() - started) * 1000) / 1000,
      },
      'request',
    )
  }

  function record(decision: Decision): void {
    const failure = failureFields(decision).failure
    metrics.decision(decision.status === 200, decision.status === 200 ? '' : (failure ?? 'forbidden'))
  }

  /** `expectsContinue`: the client waits for 100 Continue before sending its body (RFC 9110 §10.1.1). */
  async function handle(message: IncomingMessage, response: ServerResponse, expectsContinue = false): Promise<void> {
    const started = performance.now()
    const state = current
    const client = message.socket.remoteAddress
    inFlight++
    response.once('close', finished)
    if (draining) response.shouldKeepAlive = false
    const target = message.url ?? '/'
    if (!target.startsWith('/') || isAmbiguousPath(target)) {
      response.writeHead(400, { 'content-type': 'text/plain', 'cache-control': 'no-store' }).end('bad request target\n')
      return
    }
    let decision: Decision
    try {
      decision = await state.gateway.decide(ownRequest(message))
    } catch (error) {
      logger.error({ error: (error as Error).name, target: redactTarget(target) }, 'decision failed')
      response.writeHead(500, { 'content-type': 'text/plain', 'cache-control': 'no-store' }).end('gateway error\n')
      return
    }
    record(decision)
    if (decision.status !== 200 || decision.document) {
      // Refusals depend on the credentials: never stored by a cache on the way back (the public
      // metadata document keeps its own Cache-Control). A body the client held back
      // (Expect: 100-continue) is never read: the connection closes after the answer.
      const close = expectsContinue ? { connection: 'close' } : {}
      const caching = decision.document ? {} : { 'cache-control': 'no-store' }
      response.writeHead(decision.status, { ...decision.headers, ...caching, ...close }).end(decision.body)
      log(message, client, decision, { status: decision.status }, started)
      return
    }
    const name = state.route(decision.rule!, decision.verified?.[0]?.auth.claims)
    const upstream = name === undefined ? undefined : state.upstreams.get(name)
    if (upstream === undefined) {
      response.writeHead(502, { 'content-type': 'text/plain', 'cache-control': 'no-store' }).end('no upstream\n')
      log(message, client, decision, { status: 502 }, started)
      return
    }
    const strip = state.tokenStrip(decision)
    const headers = upstreamRequestHeaders(message, { managed: state.managed, trusted: state.trusted, strip, claims: decision.headers, preserveHost: upstream.preserveHost })
    // Only an allowed request is asked for its body; a refused one never uploads it.
    if (expectsContinue) response.writeContinue()
    // RFC 9449 §8.2: the current DPoP-Nonce rides on the proxied response.
    const result = await upstream.forward(message, response, strip.query ? withoutQueryToken(target) : target, headers, decision.responseHeaders)
    metrics.upstream(upstream.name, result.status, result.upstreamSeconds, result.failure)
    log(message, client, decision, { status: result.status, upstream: upstream.name, upstreamMs: result.upstreamSeconds === undefined ? undefined : Math.round(result.upstreamSeconds * 1e6) / 1000, upstreamFailure: result.failure }, started)
  }

  async function upgrade(message: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const started = performance.now()
    const state = current
    const client = message.socket.remoteAddress
    socket.on('error', () => undefined)
    const target = message.url ?? '/'
    const websocket = String(message.headers.upgrade ?? '').toLowerCase().split(',').some((token) => token.trim() === 'websocket')
    if (draining || !websocket || !target.startsWith('/') || isAmbiguousPath(target)) {
      answerUpgrade(socket, draining ? 503 : 400, { 'content-type': 'text/plain' }, draining ? 'shutting down\n' : 'only WebSocket upgrades are proxied\n')
      return
    }
    let decision: Decision
    try {
      decision = await state.gateway.decide(ownRequest(message))
    } catch {
      answerUpgrade(socket, 500, { 'content-type': 'text/plain' }, 'gateway error\n')
      return
    }
    record(decision)
    if (decision.status !== 200) {
      // Authorized at the upgrade: a refused handshake gets the HTTP refusal and never reaches the upstream.
      answerUpgrade(socket, decision.status, decision.headers, decision.body)
      log(message, client, decision, { status: decision.status, websocket: true }, started)
      return
    }
    const name = state.route(decision.rule!, decision.verified?.[0]?.auth.claims)
    const upstream = name === undefined ? undefined : state.upstreams.get(name)
    if (upstream === undefined) {
      answerUpgrade(socket, 502, { 'content-type': 'text/plain' }, 'no upstream\n')
      return
    }
    const strip = state.tokenStrip(decision)
    const headers = upstreamRequestHeaders(message, { managed: state.managed, trusted: state.trusted, strip, claims: decision.headers, preserveHost: upstream.preserveHost })
    tunnels.add(socket)
    const result = await tunnel(
      socket,
      head,
      upstream,
      strip.query ? withoutQueryToken(target) : target,
      headers,
      () => {
        tunnels.delete(socket)
        if (inFlight === 0 && tunnels.size === 0) idle?.()
      },
      decision.responseHeaders,
    )
    log(message, client, decision, { status: result.status, upstream: upstream.name, websocket: true, upstreamFailure: result.failure }, started)
  }

  const server = createServer((message, response) => void handle(message, response))
  server.on('checkContinue', (message: IncomingMessage, response: ServerResponse) => void handle(message, response, true))
  server.on('upgrade', (message: IncomingMessage, socket: Duplex, head: Buffer) => void upgrade(message, socket, head))
  const admin = createServer((message, response) => {
    const path = (message.url ?? '/').split('?', 1)[0]
    if (path === '/metrics') {
      metrics.registry.metrics().then(
        (text) => response.writeHead(200, { 'content-type': metrics.registry.contentType }).end(text),
        () => response.writeHead(500).end(),
      )
    } else if (path === '/ready') {
      const isReady = ready && !draining
      response.writeHead(isReady ? 200 : 503, { 'content-type': 'text/plain' }).end(isReady ? 'ready\n' : 'not ready\n')
    } else if (path === '/live') {
      response.writeHead(200, { 'content-type': 'text/plain' }).end('live\n')
    } else {
      response.writeHead(404).end()
    }
  })

  let reloading: Promise<ReloadResult> = Promise.resolve({ ok: true })
  async function swap(next: GatewayConfig | undefined): Promise<ReloadResult> {
    let state: ProxyState
    try {
      const config = next ?? (await loadConfig(options.configFile ?? ''))
      if (config.proxy === undefined) throw new GatewayConfigError(['proxy: the reverse proxy needs a proxy section (upstreams)'])
      state = await buildState(config, metrics, current)
    } catch (error) {
      const problems = error instanceof GatewayConfigError ? error.problems : [(error as Error).message]
      metrics.reload('invalid')
      logger.error({ problems }, 'configuration refused: the running configuration stays')
      return { ok: false, problems }
    }
    // listen and proxy.admin are read at start only (the sockets stay).
    await Promise.race([state.gateway.ready().catch(() => undefined), sleep(RELOAD_WARMUP_MS, undefined, { ref: false })])
    const previous = current
    current = state
    ready = false
    probe(state)
    void retireState(previous, state)
    metrics.reload('ok')
    logger.info('configuration reloaded')
    return { ok: true }
  }
  const reload = (next?: GatewayConfig) => (reloading = reloading.then(() => swap(next)))

  const host = config.listen?.host ?? '127.0.0.1'
  const url = await listen(server, config.listen?.port ?? 8080, host)
  const adminHost = config.proxy.admin?.host ?? '127.0.0.1'
  const adminUrl = await listen(admin, config.proxy.admin?.port ?? 9092, adminHost)
  const stopWatching = options.configFile !== undefined && options.watch !== false ? watchFile(options.configFile, () => void reload()) : () => undefined
  logger.info({ url, adminUrl }, 'reverse proxy listening')

  let closing: Promise<void> | undefined
  async function close(): Promise<void> {
    draining = true
    stopWatching()
    server.close()
    server.closeIdleConnections()
    const drained = new Promise<void>((resolve) => {
      idle = resolve
      if (inFlight === 0 && tunnels.size === 0) resolve()
    })
    // Connections that finish a response while draining go idle: close them as they do.
    const sweep = setInterval(() => server.closeIdleConnections(), 50)
    await Promise.race([drained, sleep((current.config.proxy?.shutdownTimeout ?? 10) * 1000, undefined, { ref: false })])
    clearInterval(sweep)
    server.closeAllConnections()
    for (const socket of tunnels) socket.destroy()
    admin.close()
    admin.closeAllConnections()
    await reloading
    await retireState(current, undefined)
    logger.info({ abandoned: inFlight }, 'reverse proxy stopped')
  }

  return {
    server,
    admin,
    url,
    adminUrl,
    metrics,
    logger,
    reload,
    isReady: () => ready && !draining,
    close: () => (closing ??= close()),
  }
}
