/**
 * A real JWKS (and OpenID configuration) server on 127.0.0.1, port 0, whose behaviour each test
 * scripts: serve documents, answer 500, garbage, an oversize body, redirect, hang, go down, or hold
 * its answer until the test lets it go (a slow endpoint). It counts requests per path, which is what
 * the fetch-budget tests assert on.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

export type Mode = 'ok' | 'status-500' | 'garbage' | 'oversize' | 'redirect' | 'hang' | 'hang-body' | 'down'

export interface TestServer {
  readonly origin: string
  /** Documents by path, served as JSON with `cacheControl` (if set). */
  readonly documents: Map<string, unknown>
  mode: Mode
  cacheControl: string | undefined
  age: number | undefined
  /** While set, each request is answered (per `mode` when it arrived) only once this settles. */
  gate: Promise<void> | undefined
  readonly requests: Map<string, number>
  readonly lastHeaders: Map<string, IncomingMessage['headers']>
  count(path: string): number
  close(): Promise<void>
}

export async function startServer(): Promise<TestServer> {
  const hanging = new Set<ServerResponse>()
  const state = {
    mode: 'ok' as Mode,
    cacheControl: undefined as string | undefined,
    age: undefined as number | undefined,
    gate: undefined as Promise<void> | undefined,
  }
  const documents = new Map<string, unknown>()
  const requests = new Map<string, number>()
  const lastHeaders = new Map<string, IncomingMessage['headers']>()
  const answer = (request: IncomingMessage, response: ServerResponse, path: string, mode: Mode) => {
    switch (mode) {
      case 'down':
        request.socket.destroy()
        return
      case 'status-500':
        response.writeHead(500).end('{"error":"oops"}')
        return
      case 'garbage':
        response.writeHead(200, { 'content-type': 'application/json' }).end('<html>not json')
        return
      case 'oversize':
        // No Content-Length: the cap must be enforced while streaming.
        response.writeHead(200, { 'content-type': 'application/json' })
        response.write('{"keys":[' + '{"kty":"EC"},'.repeat(100_000))
        response.end('{}]}')
        return
      case 'redirect':
        response.writeHead(302, { location: 'https://elsewhere.example/jwks.json' }).end()
        return
      case 'hang':
        hanging.add(response)
        return
      case 'hang-body':
        response.writeHead(200, { 'content-type': 'application/json' })
        response.write('{"keys":[')
        hanging.add(response)
        return
      case 'ok': {
        const document = documents.get(path)
        if (document === undefined) {
          response.writeHead(404).end()
          return
        }
        const headers: Record<string, string> = { 'content-type': 'application/json' }
        if (state.cacheControl !== undefined) headers['cache-control'] = state.cacheControl
        if (state.age !== undefined) headers.age = String(state.age)
        response.writeHead(200, headers).end(JSON.stringify(document))
      }
    }
  }
  const server: Server = createServer((request, response) => {
    const path = new URL(request.url ?? '/', 'http://localhost').pathname
    requests.set(path, (requests.get(path) ?? 0) + 1)
    lastHeaders.set(path, request.headers)
    const mode = state.mode
    if (state.gate) void state.gate.then(() => answer(request, response, path, mode))
    else answer(request, response, path, mode)
  })
  server.keepAliveTimeout = 100
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    origin: `http://127.0.0.1:${port}`,
    documents,
    get mode() {
      return state.mode
    },
    set mode(mode: Mode) {
      state.mode = mode
    },
    get cacheControl() {
      return state.cacheControl
    },
    set cacheControl(value: string | undefined) {
      state.cacheControl = value
    },
    get age() {
      return state.age
    },
    set age(value: number | undefined) {
      state.age = value
    },
    get gate() {
      return state.gate
    },
    set gate(value: Promise<void> | undefined) {
      state.gate = value
    },
    requests,
    lastHeaders,
    count: (path) => requests.get(path) ?? 0,
    close: async () => {
      for (const response of hanging) response.destroy()
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}

/**
 * A settable clock for the key sets' and verifiers' `currentTime`, kept in whole milliseconds: `now`
 * is seconds since the epoch with the milliseconds as a fraction (verifiers round it down to claim
 * seconds; key sets time their cooldown and cache with it to the millisecond).
 */
export function fakeClock(start = 1_800_000_000): {
  readonly now: number
  currentTime: () => number
  advance(seconds: number): void
  advanceMs(milliseconds: number): void
} {
  let ms = Math.round(start * 1000)
  return {
    get now() {
      return ms / 1000
    },
    currentTime: () => ms / 1000,
    advance(seconds: number) {
      ms += Math.round(seconds * 1000)
    },
    advanceMs(milliseconds: number) {
      ms += milliseconds
    },
  }
}

/** Fails the test run on any unhandled rejection while `body` runs (and shortly after). */
export async function withoutUnhandledRejections(body: () => Promise<void>): Promise<void> {
  const seen: unknown[] = []
  const listener = (reason: unknown) => seen.push(reason)
  process.on('unhandledRejection', listener)
  try {
    await body()
    await new Promise((resolve) => setTimeout(resolve, 20))
  } finally {
    process.off('unhandledRejection', listener)
  }
  if (seen.length > 0) throw new Error(`unhandled rejection(s): ${seen.map(String).join('; ')}`)
}

/** Resolves once `condition()` holds; fails after `ms` (background work has no promise to await). */
export async function eventually(condition: () => boolean, ms = 3000, what = 'condition'): Promise<void> {
  const deadline = performance.now() + ms
  while (!condition()) {
    if (performance.now() > deadline) throw new Error(`${what} did not hold within ${ms} ms`)
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
}

/** `promise`, or a failure after `ms`: a test of a timeout must not hang when the timeout is broken. */
export function within<T>(ms: number, promise: Promise<T>): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`still pending after ${ms} ms`)), ms)
  })
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer))
}
