/**
 * Requests to URLs that a client chose: a registered client's `jwks_uri` (RFC 7591 §2). The service
 * fetches it from inside the operator's network, so without a guard anyone who may register could
 * make it read the cloud metadata service (169.254.169.254), an admin interface on loopback or a
 * host on the private network (server-side request forgery, RFC 7591 §5 and RFC 9700 §4.x).
 *
 * The guard, decided here once:
 * - resolve first: the host name is resolved once and **every** address it resolves to is checked
 *   (a name resolving to one public and one private address is refused);
 * - refused unless listed in `allowedNetworks`: the special-purpose ranges of the IANA IPv4 and IPv6
 *   Special-Purpose Address Registries (RFC 6890): "this network", private (RFC 1918), shared
 *   address space / CGNAT (RFC 6598), loopback, link-local, unique-local (RFC 4193), site-local,
 *   documentation, benchmarking, multicast, reserved; IPv6 forms that embed an IPv4 address
 *   (IPv4-mapped, NAT64 RFC 6052) are judged by that address, and 6to4 and Teredo, which tunnel to
 *   addresses nobody checked, are refused;
 * - connect to the checked address: the connection is pinned to the address that was checked (no
 *   second resolution that a rebinding DNS server could answer differently), while the URL's host
 *   stays the TLS server name and `Host` header;
 * - no redirects: the caller (the library's bounded fetch) refuses any answer but 200.
 *
 * The resolver and the connection are parameters, so tests can record attempts without a socket.
 * @module
 */
import { lookup } from 'node:dns/promises'
import { request as httpRequest, type IncomingMessage } from 'node:http'
import { request as httpsRequest } from 'node:https'
import { BlockList, isIP } from 'node:net'
import { Readable } from 'node:stream'

/** One address a host name resolved to. */
export interface ResolvedAddress {
  address: string
  family: 4 | 6
}

/** Resolves a host name to all its addresses (default: the system resolver, `getaddrinfo`). */
export type Resolver = (hostname: string) => Promise<ResolvedAddress[]>

/** A request to send to an address that has been checked. */
export interface PinnedRequest {
  url: URL
  address: ResolvedAddress
  method: string
  headers: Record<string, string>
  signal?: AbortSignal | undefined
}

/** Sends a request over a connection to `address` (never resolving the host again). */
export type Connector = (request: PinnedRequest) => Promise<Response>

export interface OutboundPolicyOptions {
  /** Addresses and CIDR ranges allowed although special-purpose (an internal key server). */
  allowedNetworks?: readonly string[]
  resolve?: Resolver
  connect?: Connector
}

/** The URL's host is, or resolves to, an address the policy refuses; or it cannot be resolved. */
export class OutboundAddressRefused extends Error {
  override readonly name = 'OutboundAddressRefused'
  readonly code = 'ERR_OUTBOUND_ADDRESS_REFUSED'
}

export interface OutboundPolicy {
  /**
   * Resolves the URL's host and checks every address; returns the one to connect to.
   * @throws {@link OutboundAddressRefused}
   */
  check(url: URL): Promise<ResolvedAddress>
  /** A `fetch` for the library's remote key set: {@link check}, then connect to the checked address only. */
  readonly fetch: typeof fetch
}

/** IANA special-purpose ranges (RFC 6890 and its updates) refused by default. */
const SPECIAL_IPV4 = [
  '0.0.0.0/8', '10.0.0.0/8', '100.64.0.0/10', '127.0.0.0/8', '169.254.0.0/16', '172.16.0.0/12', '192.0.0.0/24', '192.0.2.0/24',
  '192.88.99.0/24', '192.168.0.0/16', '198.18.0.0/15', '198.51.100.0/24', '203.0.113.0/24', '224.0.0.0/4', '240.0.0.0/4',
]
const SPECIAL_IPV6 = [
  '::/128', '::1/128', '64:ff9b:1::/48', '100::/64', '2001::/23', '2001:db8::/32', '2002::/16', 'fc00::/7', 'fe80::/10', 'fec0::/10', 'ff00::/8',
]
/** IPv6 prefixes whose last 32 bits are an IPv4 address that decides (IPv4-mapped, NAT64 well-known prefix). */
const EMBEDDING_IPV4 = ['::ffff:0:0/96', '64:ff9b::/96']

function blockList(entries: readonly string[]): BlockList {
  const list = new BlockList()
  for (const entry of entries) {
    const [address, prefix] = entry.split('/') as [string, string | undefined]
    const type = isIP(address) === 6 ? 'ipv6' : 'ipv4'
    if (prefix === undefined) list.addAddress(address, type)
    else list.addSubnet(address, Number(prefix), type)
  }
  return list
}

/** True for an IP address or a CIDR range (`10.0.0.0/8`, `fd00::/8`), the form `allowedNetworks` takes. */
export function isNetwork(value: string): boolean {
  const [address, prefix, extra] = value.split('/')
  const family = isIP(address ?? '')
  if (family === 0 || extra !== undefined) return false
  return prefix === undefined || (/^\d{1,3}$/.test(prefix) && Number(prefix) <= (family === 4 ? 32 : 128))
}

const special = { ipv4: blockList(SPECIAL_IPV4), ipv6: blockList(SPECIAL_IPV6), embedding: blockList(EMBEDDING_IPV4) }

/** The IPv4 address in the last 32 bits of an IPv6 address (`::ffff:7f00:1` → `127.0.0.1`). */
function embeddedIPv4(address: string): string {
  // The WHATWG serialization is the compressed hex form; expanding it gives eight groups.
  const host = new URL(`http://[${address}]/`).hostname.slice(1, -1)
  const [head, tail = ''] = host.split('::') as [string, string | undefined]
  const left = head === '' ? [] : head.split(':')
  const right = tail === '' ? [] : tail.split(':')
  const groups = [...left, ...Array(8 - left.length - right.length).fill('0'), ...right].map((group) => parseInt(group, 16))
  const [high, low] = [groups[6]!, groups[7]!]
  return [high >> 8, high & 255, low >> 8, low & 255].join('.')
}

/** True when `address` is in a special-purpose range (see the module notes). */
export function isSpecialPurposeAddress(address: string): boolean {
  const family = isIP(address)
  if (family === 4) return special.ipv4.check(address, 'ipv4')
  if (family !== 6) return true
  if (special.embedding.check(address, 'ipv6')) return isSpecialPurposeAddress(embeddedIPv4(address))
  return special.ipv6.check(address, 'ipv6')
}

const systemResolver: Resolver = async (hostname) => (await lookup(hostname, { all: true, verbatim: true })) as ResolvedAddress[]

/** The response of a Node HTTP response, its body streamed (statuses without a body get none, as the Fetch standard requires). */
function toResponse(message: IncomingMessage): Response {
  const headers = new Headers()
  for (const [name, value] of Object.entries(message.headers)) {
    if (value === undefined) continue
    for (const item of Array.isArray(value) ? value : [value]) headers.append(name, item)
  }
  const status = message.statusCode ?? 502
  const bodyless = status === 204 || status === 205 || status === 304
  if (bodyless) message.resume()
  return new Response(bodyless ? null : (Readable.toWeb(message) as ReadableStream<Uint8Array>), { status, headers })
}

/** Node's http(s) client with its host lookup answered by the checked address. */
const pinnedConnector: Connector = ({ url, address, method, headers, signal }) =>
  new Promise((resolve, reject) => {
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest
    const request = send(url, {
      method,
      headers,
      agent: false,
      ...(signal === undefined ? {} : { signal }),
      // Both callback forms: Node asks for every address when it may try several (autoSelectFamily).
      lookup: (_hostname, options, callback) =>
        (options as { all?: boolean }).all === true
          ? (callback as (error: null, addresses: ResolvedAddress[]) => void)(null, [address])
          : callback(null, address.address, address.family),
    })
    request.once('response', (message) => {
      try {
        resolve(toResponse(message))
      } catch (error) {
        message.destroy()
        reject(error)
      }
    })
    request.once('error', reject)
    request.end()
  })

function headerRecord(headers: ConstructorParameters<typeof Headers>[0]): Record<string, string> {
  const record: Record<string, string> = {}
  new Headers(headers).forEach((value, name) => (record[name] = value))
  return record
}

/**
 * The guard for requests to client-chosen URLs.
 *
 * @example
 * ```ts
 * const outbound = createOutboundPolicy({ allowedNetworks: ['10.20.0.0/16'] })
 * const keys = createRemoteKeySet(client.jwksUri, { fetch: outbound.fetch })
 * ```
 */
export function createOutboundPolicy(options: OutboundPolicyOptions = {}): OutboundPolicy {
  const allowed = blockList(options.allowedNetworks ?? [])
  const resolve = options.resolve ?? systemResolver
  const connect = options.connect ?? pinnedConnector
  const permitted = (address: string) => allowed.check(address, isIP(address) === 6 ? 'ipv6' : 'ipv4') || !isSpecialPurposeAddress(address)

  async function check(url: URL): Promise<ResolvedAddress> {
    if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new OutboundAddressRefused('only http(s) URLs are fetched')
    // The WHATWG parser brackets IPv6 literals and normalizes IPv4 ones (0x7f.1 → 127.0.0.1).
    const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname
    const literal = isIP(host)
    let addresses: ResolvedAddress[]
    if (literal !== 0) addresses = [{ address: host, family: literal as 4 | 6 }]
    else {
      try {
        addresses = await resolve(host)
      } catch (error) {
        throw new OutboundAddressRefused('the host name does not resolve', { cause: error })
      }
    }
    if (addresses.length === 0) throw new OutboundAddressRefused('the host name does not resolve')
    if (!addresses.every(({ address }) => permitted(address))) {
      throw new OutboundAddressRefused('the host is or resolves to a private, loopback, link-local or otherwise special-purpose address')
    }
    return addresses[0]!
  }

  const guardedFetch = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const url = new URL(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url)
    const address = await check(url)
    return connect({ url, address, method: init?.method ?? 'GET', headers: headerRecord(init?.headers), signal: init?.signal ?? undefined })
  }
  return { check, fetch: guardedFetch as typeof fetch }
}
