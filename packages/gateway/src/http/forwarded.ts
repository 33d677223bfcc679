/**
 * The original request behind a forward-auth subrequest. Proxies send the client's method and URI in
 * `X-Forwarded-Method` / `X-Forwarded-Uri` (Caddy, Traefik) or `X-Original-Method` /
 * `X-Original-URI` (the nginx convention) and the host in `X-Forwarded-Host`. Anyone can send these
 * headers, so they are believed only from a configured trusted proxy address; from anyone else the
 * request itself is judged (a client cannot pick a laxer rule by naming another path).
 * @module
 */
import { BlockList, isIPv6 } from 'node:net'
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http'
import { authorizationOf } from 'jotjwt-guard'
import type { GatewayRequest } from '../engine/gateway.js'

/** Addresses and CIDR ranges, compiled. */
export function trustedProxyList(entries: readonly string[]): BlockList {
  const list = new BlockList()
  for (const entry of entries) {
    const [address, prefix] = entry.split('/')
    const type = isIPv6(address!) ? 'ipv6' : 'ipv4'
    if (prefix === undefined) list.addAddress(address!, type)
    else list.addSubnet(address!, Number(prefix), type)
  }
  return list
}

function first(value: string | string[] | undefined): string | undefined {
  const text = Array.isArray(value) ? value[0] : value
  // A list (several proxies appended) is ambiguous; the nearest trusted proxy sets a single value.
  return text === undefined || text.includes(',') ? undefined : text.trim()
}

/**
 * Verdicts by list and connection: a connection's peer address never changes, and `BlockList.check`
 * builds a SocketAddress on every call (measurable per request on keep-alive connections).
 */
const verdicts = new WeakMap<BlockList, WeakMap<object, boolean>>()

/** True when the peer's address is in `trusted`. */
export function isTrusted(message: IncomingMessage, trusted: BlockList): boolean {
  const { socket } = message
  if (typeof socket !== 'object' || socket === null) return false
  let known = verdicts.get(trusted)
  if (known === undefined) verdicts.set(trusted, (known = new WeakMap()))
  let verdict = known.get(socket)
  if (verdict === undefined) known.set(socket, (verdict = peerIsTrusted(socket.remoteAddress, trusted)))
  return verdict
}

function peerIsTrusted(peer: string | undefined, trusted: BlockList): boolean {
  let address = peer
  if (address === undefined) return false
  // An IPv4 client on a dual-stack socket appears as ::ffff:a.b.c.d.
  if (address.startsWith('::ffff:') && !address.slice(7).includes(':')) address = address.slice(7)
  return trusted.check(address, isIPv6(address) ? 'ipv6' : 'ipv4')
}

/** The request to judge: the forwarded original from a trusted proxy, otherwise the request as received. */
export function originalRequest(message: IncomingMessage, trusted: BlockList): GatewayRequest {
  const own = ownRequest(message)
  const { headers } = own
  if (!isTrusted(message, trusted)) return own
  const method = first(headers['x-forwarded-method']) ?? first(headers['x-original-method'])
  const uri = first(headers['x-forwarded-uri']) ?? first(headers['x-original-uri'])
  const host = first(headers['x-forwarded-host'])
  return {
    method: method?.toUpperCase() ?? own.method,
    host: host ?? own.host,
    uri: uri !== undefined && uri.startsWith('/') ? uri : own.uri,
    headers,
  }
}

/** The request exactly as received (what a reverse proxy judges: it forwards this very request). */
export function ownRequest(message: IncomingMessage): GatewayRequest & { headers: IncomingHttpHeaders } {
  // Node keeps only the first Authorization header; the guard must see every copy (RFC 6750 §2: one
  // token), so a repeated header is passed on as an array (IncomingHttpHeaders types it as a string).
  const authorization = authorizationOf(message)
  // One copy (the common case): Node's own headers object already holds it; no per-request copy.
  const headers: IncomingHttpHeaders = authorization === message.headers.authorization ? message.headers : { ...message.headers, authorization: authorization as string | undefined }
  return { method: message.method ?? 'GET', host: headers.host, uri: message.url ?? '/', headers }
}
