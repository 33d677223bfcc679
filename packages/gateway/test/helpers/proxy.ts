// The reverse proxy on free loopback ports, with upstreams that report what reached them, and a log
// collector (every line the proxy writes, for the "no token in any log line" scans).
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { startProxy, validateConfig, type ProxyOptions, type RunningProxy } from 'jotjwt-gateway'

/** What an upstream saw of one request. */
export interface Seen {
  readonly method: string
  readonly url: string
  readonly headers: IncomingHttpHeaders
  readonly body: string
}

export interface TestUpstream {
  readonly url: string
  readonly server: Server
  readonly seen: Seen[]
  close(): Promise<void>
}

/**
 * An upstream answering `{ upstream: name, ... }` with what it received, unless `handler` answers first
 * (returns true).
 */
export async function startUpstream(name: string, handler?: (req: IncomingMessage, res: ServerResponse) => boolean): Promise<TestUpstream> {
  const seen: Seen[] = []
  const server = createServer((req, res) => {
    if (handler?.(req, res)) return
    let body = ''
    req.setEncoding('utf8')
    req.on('data', (chunk: string) => (body += chunk))
    req.on('end', () => {
      seen.push({ method: req.method!, url: req.url!, headers: req.headers, body })
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ upstream: name, url: req.url, headers: req.headers }))
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    server,
    seen,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

/** Every log line the proxy writes. */
export function logCollector(): { destination: { write(line: string): void }; lines: string[]; entries(): Record<string, unknown>[] } {
  const lines: string[] = []
  return { destination: { write: (line: string) => void lines.push(line) }, lines, entries: () => lines.map((line) => JSON.parse(line) as Record<string, unknown>) }
}

/** Starts the proxy on free ports (listen and admin), logging into `logs` (or nowhere). */
export function startTestProxy(config: Record<string, unknown>, options: ProxyOptions = {}): Promise<RunningProxy> {
  const proxy = (config.proxy ?? {}) as Record<string, unknown>
  const validated = validateConfig({ listen: { port: 0 }, ...config, proxy: { admin: { port: 0 }, ...proxy } })
  return startProxy(validated, { logDestination: { write: () => undefined }, ...options })
}

/** A metric's value from the Prometheus text format (0 when absent). */
export async function metric(proxy: RunningProxy, name: string, labels: Record<string, string> = {}): Promise<number> {
  const text = await (await fetch(`${proxy.adminUrl}/metrics`)).text()
  const wanted = Object.entries(labels).map(([key, value]) => `${key}="${value}"`)
  let total = 0
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue
    if (wanted.every((pair) => line.includes(pair))) total += Number(line.slice(line.lastIndexOf(' ') + 1))
  }
  return total
}
