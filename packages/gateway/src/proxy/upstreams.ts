/**
 * Upstreams on undici, Node's own HTTP/1.1 client: one keep-alive pool per upstream, request and
 * response bodies streamed in both directions with backpressure (`Dispatcher.stream` writes the
 * upstream's body straight into the client's response), WebSocket handshakes through
 * `Dispatcher.upgrade`. Upstream failures become 502/504 with a fixed text, never a stack.
 * @module
 */
import { EventEmitter } from 'node:events'
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Duplex } from 'node:stream'
import { Pool } from 'undici'
import type { UpstreamConfig } from '../config/schema.js'
import { clientResponseHeaders, type OutgoingHeaders } from './headers.js'

/** How an exchange with the upstream ended, for logs and metrics. */
export interface ForwardResult {
  /** The status the client got (the upstream's, or 502/504). */
  readonly status: number
  /** Seconds until the upstream's response headers; undefined when there were none. */
  readonly upstreamSeconds: number | undefined
  /** `timeout`, `unreachable`, `aborted` (the client left) or `broken` (failed mid-response). */
  readonly failure?: 'timeout' | 'unreachable' | 'aborted' | 'broken'
}

/** One upstream: its pool and the settings it was built from (a reload keeps an unchanged pool). */
export interface Upstream {
  readonly name: string
  readonly settings: string
  /** The client's Host goes to this upstream (`preserveHost`). */
  readonly preserveHost: boolean
  /** `answerHeaders` are added to the upstream's response (the gateway's DPoP-Nonce), replacing the upstream's own. */
  forward(message: IncomingMessage, response: ServerResponse, path: string, headers: OutgoingHeaders, answerHeaders?: Record<string, string>): Promise<ForwardResult>
  /** A WebSocket handshake; resolves with the upstream's 101 headers and its socket. */
  upgrade(path: string, headers: OutgoingHeaders): Promise<{ headers: Record<string, string | string[] | undefined>; socket: Duplex }>
  /** Lets queued and in-flight requests finish, then closes the pool's connections. */
  close(): Promise<void>
}

const TIMEOUT_CODES = new Set(['UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT'])

function failureOf(error: unknown): 'timeout' | 'unreachable' | 'aborted' {
  const code = (error as { code?: unknown }).code
  if (typeof code === 'string' && TIMEOUT_CODES.has(code)) return 'timeout'
  if (code === 'UND_ERR_ABORTED' || code === 'UND_ERR_ABORT' || (error as Error).name === 'AbortError') return 'aborted'
  return 'unreachable'
}

/** The answer to a failed upstream: 504 for a timeout (RFC 9110 §15.6.5), 502 otherwise (§15.6.3). */
function gatewayFailure(response: ServerResponse, failure: 'timeout' | 'unreachable'): number {
  const status = failure === 'timeout' ? 504 : 502
  response.writeHead(status, { 'content-type': 'text/plain', 'cache-control': 'no-store', connection: 'close' }).end(status === 504 ? 'upstream timed out\n' : 'upstream unavailable\n')
  return status
}

/** Builds an upstream's pool. */
export function createUpstream(name: string, config: UpstreamConfig): Upstream {
  const ms = (seconds: number | undefined, fallback: number) => Math.round((seconds ?? fallback) * 1000)
  const pool = new Pool(config.url, {
    connections: config.connections ?? 128,
    connect: { timeout: ms(config.connectTimeout, 5) },
    headersTimeout: ms(config.timeout, 30),
    bodyTimeout: ms(config.idleTimeout, 60),
    keepAliveTimeout: ms(config.keepAlive, 4),
  })
  // undici derives the TLS server name from a Host header it is given; with preserveHost, TLS must
  // still name the upstream (and one name for every request keeps pooled connections: a changed
  // name reconnects). The schema refuses an IP-literal https origin with preserveHost.
  const tlsName = config.preserveHost === true && config.url.startsWith('https:') ? { servername: new URL(config.url).hostname } : {}

  async function forward(message: IncomingMessage, response: ServerResponse, path: string, headers: OutgoingHeaders, answerHeaders?: Record<string, string>): Promise<ForwardResult> {
    const started = performance.now()
    let upstreamSeconds: number | undefined
    // The client leaving aborts the upstream exchange (and frees its pooled connection). undici takes
    // an EventEmitter emitting 'abort' as the signal: a fraction of an AbortController's cost, per request.
    const signal = new EventEmitter()
    let aborted = false
    const onClose = () => {
      if (response.writableFinished) return
      aborted = true
      signal.emit('abort')
    }
    response.once('close', onClose)
    // RFC 9112 §6.3: a request has a body when it says so with Content-Length or Transfer-Encoding.
    const length = message.headers['content-length']
    const hasBody = (length !== undefined && length !== '0') || message.headers['transfer-encoding'] !== undefined
    try {
      await pool.stream(
        { path, method: message.method as 'GET', headers, body: hasBody ? message : null, signal, opaque: response, ...tlsName },
        ({ statusCode, headers: upstreamHeaders, opaque }) => {
          upstreamSeconds = (performance.now() - started) / 1000
          opaque.writeHead(statusCode, { ...clientResponseHeaders(upstreamHeaders), ...answerHeaders })
          return opaque
        },
      )
      return { status: response.statusCode, upstreamSeconds }
    } catch (error) {
      const failure = aborted ? 'aborted' : failureOf(error)
      if (failure === 'aborted') return { status: response.headersSent ? response.statusCode : 499, upstreamSeconds, failure }
      if (response.headersSent) {
        // Too late for a status: cut the client's connection so it sees a truncated response.
        response.destroy()
        return { status: response.statusCode, upstreamSeconds, failure: 'broken' }
      }
      return { status: gatewayFailure(response, failure), upstreamSeconds, failure }
    } finally {
      response.off('close', onClose)
    }
  }

  return {
    name,
    settings: JSON.stringify(config),
    preserveHost: config.preserveHost === true,
    forward,
    upgrade: (path, headers) => pool.upgrade({ path, method: 'GET', headers, protocol: 'websocket', ...tlsName }),
    close: () => pool.close(),
  }
}
