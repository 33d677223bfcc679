// A plain undici load driver for the scale suite: named request loops ("endpoints") run against
// their replica until a deadline, each request timed and its status counted, so the suite can
// assert on every answer (not a sample) and print req/s, p50 and p99 per endpoint and replica.
// Each loop sends its next request when the last answer arrived (a closed loop: the load is as
// much as the replicas can take with this many requests in flight, never an unbounded queue).
import { Pool } from 'undici'

/** A request timed out or its connection failed: counted, never thrown. */
const REQUEST_TIMEOUT_MS = 10_000

export interface LoadRequest {
  method: 'GET' | 'POST'
  path: string
  headers?: Record<string, string>
  body?: string
}

export interface Endpoint {
  name: string
  /** The replica's base URL. */
  url: string
  replica: string
  /** Loops sending this request concurrently. */
  concurrency: number
  /** The next request, or undefined to wait a little (e.g. no refresh token free). */
  next(): LoadRequest | undefined
  /** Sees every answer (status and body text). */
  answered(status: number, body: string, request: LoadRequest): void
}

export interface EndpointStats {
  name: string
  replica: string
  requests: number
  /** Answers by status. */
  statuses: Record<number, number>
  /** Timeouts and connection errors, by message. */
  failures: Record<string, number>
  perSecond: number
  p50: number
  p99: number
  max: number
}

const percentile = (sorted: readonly number[], p: number) => (sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!)

/** Runs every endpoint's loops for `seconds`; resolves with their statistics when all loops ended. */
export async function runLoad(endpoints: readonly Endpoint[], seconds: number): Promise<EndpointStats[]> {
  const pools = new Map<string, Pool>()
  for (const endpoint of endpoints) {
    const connections = endpoints.filter((other) => other.url === endpoint.url).reduce((sum, other) => sum + other.concurrency, 0)
    if (!pools.has(endpoint.url)) pools.set(endpoint.url, new Pool(endpoint.url, { connections, headersTimeout: REQUEST_TIMEOUT_MS, bodyTimeout: REQUEST_TIMEOUT_MS }))
  }
  const started = performance.now()
  const deadline = started + seconds * 1000
  try {
    return await Promise.all(
      endpoints.map(async (endpoint) => {
        const pool = pools.get(endpoint.url)!
        const latencies: number[] = []
        const statuses: Record<number, number> = {}
        const failures: Record<string, number> = {}
        const loop = async () => {
          while (performance.now() < deadline) {
            const request = endpoint.next()
            if (request === undefined) {
              await new Promise((resolve) => setTimeout(resolve, 5))
              continue
            }
            const sent = performance.now()
            try {
              const response = await pool.request({ method: request.method, path: request.path, headers: request.headers ?? {}, body: request.body ?? null })
              const body = await response.body.text()
              latencies.push(performance.now() - sent)
              statuses[response.statusCode] = (statuses[response.statusCode] ?? 0) + 1
              endpoint.answered(response.statusCode, body, request)
            } catch (error) {
              const message = (error as Error).message
              failures[message] = (failures[message] ?? 0) + 1
              endpoint.answered(0, '', request)
            }
          }
        }
        await Promise.all(Array.from({ length: endpoint.concurrency }, loop))
        const elapsed = (performance.now() - started) / 1000
        latencies.sort((x, y) => x - y)
        return {
          name: endpoint.name,
          replica: endpoint.replica,
          requests: latencies.length + Object.values(failures).reduce((sum, n) => sum + n, 0),
          statuses,
          failures,
          perSecond: latencies.length / elapsed,
          p50: percentile(latencies, 50),
          p99: percentile(latencies, 99),
          max: latencies.at(-1) ?? 0,
        }
      }),
    )
  } finally {
    await Promise.all([...pools.values()].map((pool) => pool.close()))
  }
}

/** The statistics as a table for the log: one row per endpoint and replica. */
export function formatStats(stats: readonly EndpointStats[]): string {
  const rows = stats.map((s) => [
    s.name,
    s.replica,
    String(s.requests),
    s.perSecond.toFixed(0),
    s.p50.toFixed(1),
    s.p99.toFixed(1),
    s.max.toFixed(0),
    Object.entries(s.statuses).map(([status, n]) => `${status}×${n}`).join(' '),
    String(Object.values(s.failures).reduce((sum, n) => sum + n, 0)),
  ])
  const header = ['endpoint', 'replica', 'requests', 'req/s', 'p50 ms', 'p99 ms', 'max ms', 'statuses', 'failed']
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column]!.length)))
  return [header, ...rows].map((row) => row.map((cell, column) => cell.padEnd(widths[column]!)).join('  ')).join('\n')
}
