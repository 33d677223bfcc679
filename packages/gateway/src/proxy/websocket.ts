/**
 * WebSocket through the proxy (RFC 6455). The handshake is an HTTP request, so it is decided like any
 * other: a refusal is written on the socket as the HTTP answer (401 with its challenge, 403, …) and
 * the connection closed; an allowed handshake goes to the upstream through undici's upgrade, and
 * after the upstream's 101 the two sockets are piped to each other: frames are not looked at (the
 * authorization happened at the upgrade; a token that expires later does not end the connection).
 * @module
 */
import { STATUS_CODES } from 'node:http'
import type { Duplex } from 'node:stream'
import { clientResponseHeaders, type OutgoingHeaders } from './headers.js'
import type { Upstream } from './upstreams.js'

function headerLines(headers: Record<string, string | string[] | undefined>): string {
  let text = ''
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue
    for (const item of Array.isArray(value) ? value : [value]) text += `${name}: ${item}\r\n`
  }
  return text
}

/** Answers a handshake with a plain HTTP response and closes the connection. */
export function answerUpgrade(socket: Duplex, status: number, headers: Record<string, string>, body = ''): void {
  if (socket.destroyed) return
  const head = `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\n${headerLines({ ...headers, 'cache-control': 'no-store', connection: 'close', 'content-length': String(Buffer.byteLength(body)) })}\r\n`
  socket.end(head + body)
}

/** The outcome of a tunnelled handshake, for logs and metrics. */
export interface TunnelResult {
  readonly status: number
  readonly failure?: 'timeout' | 'unreachable' | 'aborted'
}

/**
 * Opens the upstream side of an allowed handshake and pipes the two sockets. Resolves once the
 * tunnel is up (or refused); `onClosed` runs when it ends.
 */
export async function tunnel(
  socket: Duplex,
  head: Buffer,
  upstream: Upstream,
  path: string,
  headers: OutgoingHeaders,
  onClosed: () => void,
  answerHeaders?: Record<string, string>,
): Promise<TunnelResult> {
  let upgraded: Awaited<ReturnType<Upstream['upgrade']>>
  try {
    upgraded = await upstream.upgrade(path, headers)
  } catch (error) {
    // A non-101 answer from the upstream is "bad upgrade" in undici: the upstream refused or failed.
    const timeout = /TIMEOUT/.test(String((error as { code?: unknown }).code))
    answerUpgrade(socket, timeout ? 504 : 502, { 'content-type': 'text/plain' }, timeout ? 'upstream timed out\n' : 'upstream unavailable\n')
    onClosed()
    return { status: timeout ? 504 : 502, failure: timeout ? 'timeout' : 'unreachable' }
  }
  const upstreamSocket = upgraded.socket
  if (socket.destroyed) {
    upstreamSocket.destroy()
    onClosed()
    return { status: 101, failure: 'aborted' }
  }
  // The gateway's own answer headers (DPoP-Nonce, RFC 9449 §8.2) on the 101 too.
  const responseHeaders = { ...clientResponseHeaders(upgraded.headers), ...answerHeaders }
  socket.write(`HTTP/1.1 101 Switching Protocols\r\nupgrade: websocket\r\nconnection: Upgrade\r\n${headerLines(responseHeaders)}\r\n`)
  if (head.length > 0) upstreamSocket.write(head)
  let closed = false
  const close = () => {
    if (closed) return
    closed = true
    socket.destroy()
    upstreamSocket.destroy()
    onClosed()
  }
  for (const side of [socket, upstreamSocket]) {
    side.on('error', close)
    side.on('close', close)
  }
  socket.pipe(upstreamSocket).pipe(socket)
  return { status: 101 }
}
