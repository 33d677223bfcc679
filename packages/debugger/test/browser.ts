/**
 * Driving the built page in Debian's Chromium (playwright-core, the library's browser-test settings),
 * with every request of every browser context recorded: page loads, fetches, workers, beacons and
 * WebSockets, to any host. `assertPrivate` then searches each recorded URL, header and body for the
 * given secrets (token segments, key canaries) and checks that nothing but the page's own files and
 * the URLs the test typed was requested.
 * @module
 */
import assert from 'node:assert/strict'
import { mkdirSync } from 'node:fs'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { fileURLToPath } from 'node:url'
import { chromium, type Browser, type BrowserContext, type BrowserContextOptions, type Page } from 'playwright-core'
import { createDebuggerServer, type DebuggerServer } from 'jotjwt-debugger'
import { CHROMIUM, CHROMIUM_ARGS, chromiumInstalled } from '../../jot/test/browser/chromium-launch.js'

export const MISSING_CHROMIUM = `Chromium is not installed at ${CHROMIUM}: as root, run \`bash packages/jot/scripts/install-chromium.sh\` (npm test runs it when it can)`

/** Screenshots and other evidence a run leaves behind (gitignored). */
export const ARTIFACTS = fileURLToPath(new URL('../test-artifacts/', import.meta.url))

export interface RecordedRequest {
  readonly method: string
  readonly url: string
  readonly headers: Readonly<Record<string, string>>
  readonly body: string
  readonly kind: string
}

export interface Session {
  readonly browser: Browser
  readonly debuggerServer: DebuggerServer
  /** The page's origin, e.g. `http://127.0.0.1:41234`. */
  readonly origin: string
  close(): Promise<void>
}

export async function startSession(): Promise<Session> {
  assert.ok(chromiumInstalled(), MISSING_CHROMIUM)
  mkdirSync(ARTIFACTS, { recursive: true })
  const debuggerServer = await createDebuggerServer()
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, chromiumSandbox: false, args: CHROMIUM_ARGS })
  return {
    browser,
    debuggerServer,
    origin: new URL(debuggerServer.url).origin,
    async close() {
      await browser.close()
      await debuggerServer.close()
    },
  }
}

export interface RecordedPage {
  readonly context: BrowserContext
  readonly page: Page
  readonly requests: RecordedRequest[]
  /** Errors thrown in the page, and console errors (a CSP violation is one). */
  readonly pageErrors: string[]
  /** Fails unless no request carries a secret and every request is to the page's origin or an allowed URL. */
  assertPrivate(secrets: readonly string[], allowedURLs?: readonly string[]): Promise<void>
}

export interface OpenOptions extends BrowserContextOptions {
  /** Where to go, relative to the page (e.g. `#token=…`). */
  readonly path?: string
  /** The page to open, when not the session's own debugger server (e.g. one `jotjwt serve` started). */
  readonly pageUrl?: string
}

/**
 * A fresh context (no shared cookies or cache) on the page, in a fixed locale and time zone so the
 * human times are the same on every machine.
 */
export async function openPage(session: Session, options: OpenOptions = {}): Promise<RecordedPage> {
  const { path = '', pageUrl = session.debuggerServer.url, ...contextOptions } = options
  const origin = new URL(pageUrl).origin
  const context = await session.browser.newContext({ locale: 'en-GB', timezoneId: 'Europe/Paris', ...contextOptions })
  const requests: RecordedRequest[] = []
  const pending: Promise<void>[] = []
  const pageErrors: string[] = []

  // Routing every URL sees every request the context makes, beacons and worker fetches included.
  await context.route('**/*', async (route) => {
    const request = route.request()
    requests.push({ method: request.method(), url: request.url(), headers: await request.allHeaders(), body: request.postDataBuffer()?.toString('latin1') ?? '', kind: `route:${request.resourceType()}` })
    await route.continue()
  })
  // And what routing might not see: requests reported by the context itself, service workers, WebSockets.
  context.on('request', (request) => {
    pending.push(
      request.allHeaders().then((headers) => {
        requests.push({ method: request.method(), url: request.url(), headers, body: request.postDataBuffer()?.toString('latin1') ?? '', kind: `event:${request.resourceType()}` })
      }, () => undefined),
    )
  })
  context.on('serviceworker', (worker) => requests.push({ method: 'SERVICE-WORKER', url: worker.url(), headers: {}, body: '', kind: 'serviceworker' }))
  const watch = (page: Page) => {
    page.on('pageerror', (error) => pageErrors.push(error.message))
    page.on('console', (message) => {
      // A key set URL answering 404 is a case under test, which Chromium also logs; anything else
      // logged as an error (a CSP or Trusted Types violation, an exception) fails the test.
      if (message.type() === 'error' && !message.text().startsWith('Failed to load resource: the server responded with a status of')) pageErrors.push(message.text())
    })
    page.on('websocket', (socket) => {
      requests.push({ method: 'WEBSOCKET', url: socket.url(), headers: {}, body: '', kind: 'websocket' })
      socket.on('framesent', (frame) => requests.push({ method: 'WEBSOCKET-FRAME', url: socket.url(), headers: {}, body: String(frame.payload), kind: 'websocket' }))
    })
    page.on('worker', (worker) => requests.push({ method: 'WORKER', url: worker.url(), headers: {}, body: '', kind: 'worker' }))
  }
  context.on('page', watch)
  const page = await context.newPage()
  await page.goto(`${pageUrl}${path}`)
  await page.waitForSelector('#tab-decode')

  return {
    context,
    page,
    requests,
    pageErrors,
    async assertPrivate(secrets, allowedURLs = []) {
      await Promise.all(pending)
      assert.ok(requests.length > 0, 'no request was recorded at all: the recorder is broken')
      for (const request of requests) {
        const sent = [request.method, request.url, ...Object.entries(request.headers).flat(), request.body].join('\n')
        // Also without whitespace and percent-encoding: a token sent as pasted (wrapped over lines)
        // or in a query string is still the token.
        const forms = [sent, sent.replace(/\s+/g, ''), percentDecoded(sent).replace(/\s+/g, '')]
        for (const secret of secrets) {
          assert.ok(!forms.some((form) => form.includes(secret)), `a ${request.kind} request (${request.method} ${new URL(request.url).origin}) carries a secret (${secret.slice(0, 12)}…)`)
        }
        const sameOrigin = request.url.startsWith(`${origin}/`)
        const allowed = allowedURLs.includes(request.url)
        assert.ok(sameOrigin || allowed, `the page requested ${request.method} ${request.url}, which is neither its own file nor a URL the test typed`)
        if (!sameOrigin) {
          assert.equal(request.method, 'GET', `a request to ${request.url} is ${request.method}`)
          assert.equal(request.headers.cookie, undefined, `the request to ${request.url} sent cookies`)
          assert.equal(request.headers.referer, undefined, `the request to ${request.url} sent a referrer`)
        }
      }
      assert.deepEqual(pageErrors, [], 'errors in the page')
    },
  }
}

function percentDecoded(text: string): string {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '))
  } catch {
    return text
  }
}

/** Every token segment, for {@link RecordedPage.assertPrivate}. */
export const segmentsOf = (...tokens: string[]) => tokens.flatMap((token) => token.split('.')).filter((segment) => segment.length >= 8)

export interface KeyServer {
  /** The server's origin, e.g. `http://127.0.0.1:40000`: also the issuer identifier it publishes. */
  readonly url: string
  readonly jwksURL: string
  /** Request paths the server received (what actually crossed the network). */
  readonly received: string[]
  setJWKS(jwks: unknown): void
  close(): Promise<void>
}

/**
 * A stand-in issuer on 127.0.0.1: a JWK Set and an OpenID configuration, readable cross-origin
 * (CORS), as a real issuer would have to publish them for the page. It even allows credentialed
 * reads (the most permissive CORS there is), so only the page's own `credentials: 'omit'` keeps
 * cookies out of its requests, and the tests can see that it does.
 */
export async function startKeyServer(initial: unknown): Promise<KeyServer> {
  let jwks = initial
  const received: string[] = []
  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    received.push(`${request.method} ${request.url} ${JSON.stringify(request.headers)}`)
    const cors = { 'access-control-allow-origin': request.headers.origin ?? '*', 'access-control-allow-credentials': 'true', vary: 'origin' }
    const json = (body: unknown) => {
      response.writeHead(200, { 'content-type': 'application/json', ...cors })
      response.end(JSON.stringify(body))
    }
    if (request.url === '/jwks.json') json(jwks)
    else if (request.url === '/.well-known/openid-configuration') json({ issuer: url, jwks_uri: `${url}/jwks.json` })
    else response.writeHead(404, cors).end()
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  return {
    url,
    jwksURL: `${url}/jwks.json`,
    received,
    setJWKS: (value) => {
      jwks = value
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      }),
  }
}
