/**
 * What a reverse proxy passes on, in each direction. Hop-by-hop fields (RFC 9110 §7.6.1: Connection
 * and every name it lists, Keep-Alive, Proxy-Connection, TE, Trailer, Transfer-Encoding, Upgrade)
 * describe one connection and are never forwarded; `Proxy-*` fields are addressed to this proxy
 * (RFC 9110 §11.7). Client copies of the headers the gateway sets from verified claims are removed in
 * every spelling (part 1's hygiene: {@link separatorVariants}), and `X-Forwarded-*` is written here,
 * extended only when the peer is a trusted proxy.
 * @module
 */
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http'
import type { BlockList } from 'node:net'
import type { TLSSocket } from 'node:tls'
import { isTrusted } from '../http/forwarded.js'
import { separatorVariants } from '../proxies/snippets.js'

/** Header values as undici takes them. */
export type OutgoingHeaders = Record<string, string | string[]>

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'http2-settings'])

/**
 * Written by this proxy only (never a client's word): `X-Forwarded-*` and `Forwarded` (RFC 7239), plus
 * `X-Real-IP` and the forward-auth hints `X-Original-*`, which some upstreams also believe.
 */
function isForwardingHeader(name: string): boolean {
  return name.startsWith('x-forwarded-') || name.startsWith('x-original-') || name === 'forwarded' || name === 'x-real-ip'
}

/** The lower-case names a `Connection` header lists (RFC 9110 §7.6.1: all of them are hop-by-hop). */
const NONE_LISTED: ReadonlySet<string> = new Set()

function connectionListed(value: string | string[] | undefined): ReadonlySet<string> {
  // `keep-alive` and `close` (what clients send) list no field beyond the fixed hop-by-hop ones.
  if (value === undefined || value === 'keep-alive' || value === 'close') return NONE_LISTED
  const text = Array.isArray(value) ? value.join(',') : value
  return new Set(text.split(',').map((name) => name.trim().toLowerCase()).filter((name) => name !== ''))
}

function isHopByHop(name: string, listed: ReadonlySet<string>): boolean {
  return HOP_BY_HOP.has(name) || listed.has(name) || name.startsWith('proxy-')
}

/** Every spelling of every managed header: `x-org-id`, `x_org_id`, `x-org_id`, … (lower case; Node lowercases names). */
export function managedSpellings(managed: readonly string[]): ReadonlySet<string> {
  return new Set(managed.flatMap((name) => separatorVariants(name.toLowerCase())))
}

/** Where a rule's token is removed before the request goes upstream (`forwardToken` unset). */
export interface TokenStrip {
  readonly header: boolean
  readonly query: boolean
  readonly cookies: readonly string[]
}

export const STRIP_NOTHING: TokenStrip = { header: false, query: false, cookies: [] }

/** True for a query pair `access_token=…` (RFC 6750 §2.3), its name percent-encoded or not. */
export function isQueryToken(pair: string): boolean {
  const name = pair.split('=', 1)[0]!
  return name === 'access_token' || safeDecode(name) === 'access_token'
}

/** The request target without `access_token` parameters; every other byte kept. */
export function withoutQueryToken(target: string): string {
  const mark = target.indexOf('?')
  if (mark < 0) return target
  const kept = target
    .slice(mark + 1)
    .split('&')
    .filter((pair) => !isQueryToken(pair))
  return kept.length === 0 ? target.slice(0, mark) : `${target.slice(0, mark)}?${kept.join('&')}`
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '))
  } catch {
    return text
  }
}

function withoutCookies(value: string, names: readonly string[]): string {
  return value
    .split(';')
    .map((pair) => pair.trim())
    .filter((pair) => pair !== '' && !names.includes(pair.split('=', 1)[0]!.trim()))
    .join('; ')
}

/** The peer's address, with an IPv4 client on a dual-stack socket written as IPv4. */
function peerAddress(message: IncomingMessage): string {
  const address = message.socket.remoteAddress ?? ''
  return address.startsWith('::ffff:') && !address.slice(7).includes(':') ? address.slice(7) : address
}

function joined(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(', ') : value
}

/** What {@link upstreamRequestHeaders} needs to know about the request. */
export interface UpstreamHeaderPlan {
  /** Every spelling of every claim and payload header (client copies are dropped). */
  readonly managed: ReadonlySet<string>
  readonly trusted: BlockList
  readonly strip: TokenStrip
  /** The claim headers of the decision; empty values are not sent. */
  readonly claims: Readonly<Record<string, string>>
  /** Send the client's `Host` on (the upstream's `preserveHost`) instead of the upstream's own. */
  readonly preserveHost?: boolean
}

/**
 * The headers for the upstream request. `Host` is left to the client library (the upstream's own
 * authority) unless `preserveHost`, which passes the client's on; either way the client's is in
 * `X-Forwarded-Host`. A WebSocket handshake's `Upgrade` is not
 * copied either: undici writes `Upgrade` and `Connection` for the protocol it is asked to upgrade to.
 */
export function upstreamRequestHeaders(message: IncomingMessage, plan: UpstreamHeaderPlan): OutgoingHeaders {
  const source: IncomingHttpHeaders = message.headers
  const listed = connectionListed(source.connection)
  const trusted = isTrusted(message, plan.trusted)
  const out: OutgoingHeaders = {}
  for (const name of Object.keys(source)) {
    const value = source[name]
    if (value === undefined || name === 'host' || name === 'expect') continue
    if (isHopByHop(name, listed) || plan.managed.has(name)) continue
    if (!trusted && isForwardingHeader(name)) continue
    out[name] = value
  }
  const { strip } = plan
  if (strip.header) {
    const scheme = /^\s*(bearer|dpop)\s/i.exec(joined(out.authorization) ?? '')?.[1]?.toLowerCase()
    if (scheme !== undefined) delete out.authorization
    if (scheme === 'dpop') delete out.dpop
  }
  if (strip.cookies.length > 0 && out.cookie !== undefined) {
    const rest = withoutCookies(joined(out.cookie)!, strip.cookies)
    if (rest === '') delete out.cookie
    else out.cookie = rest
  }
  // Appended to only when the peer is a proxy we trust; anyone else starts the chain afresh.
  const peer = peerAddress(message)
  const previous = trusted ? joined(source['x-forwarded-for']) : undefined
  out['x-forwarded-for'] = previous ? `${previous}, ${peer}` : peer
  const proto = (message.socket as TLSSocket).encrypted ? 'https' : 'http'
  out['x-forwarded-proto'] = (trusted && joined(source['x-forwarded-proto'])) || proto
  const host = (trusted && joined(source['x-forwarded-host'])) || source.host
  if (host !== undefined) out['x-forwarded-host'] = host
  // RFC 9110 §7.2: the Host the client sent, as it sent it (Node refuses a request with several).
  if (plan.preserveHost === true && typeof source.host === 'string') out.host = source.host
  for (const [name, value] of Object.entries(plan.claims)) if (value !== '') out[name] = value
  return out
}

/** The upstream's response headers for the client, hop-by-hop fields removed. */
export function clientResponseHeaders(headers: IncomingHttpHeaders): OutgoingHeaders {
  const listed = connectionListed(headers.connection)
  const out: OutgoingHeaders = {}
  for (const name of Object.keys(headers)) {
    const value = headers[name]
    if (value !== undefined && !isHopByHop(name, listed)) out[name] = value
  }
  return out
}
