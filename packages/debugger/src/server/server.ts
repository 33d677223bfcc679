/**
 * Serving the built page: a small static server with no framework. The files are read once at start
 * into memory, and only those exact paths are served (`/` is index.html), so no request path ever
 * reaches the file system. GET and HEAD only; every response carries the security headers.
 * @module
 */
import { readdir, readFile } from 'node:fs/promises'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { extname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { SECURITY_HEADERS } from './headers.js'

/** The built page, next to this module in the package's dist directory. */
export const PUBLIC_DIR = fileURLToPath(new URL('../public/', import.meta.url))

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
}

export interface DebuggerServerOptions {
  /** Interface to listen on. Default `127.0.0.1`: the page is for this machine unless you say otherwise. */
  host?: string
  /** Port; `0` picks a free one. Default 0. */
  port?: number
  /** The built page directory. Default: the package's own `dist/public`. */
  root?: string
}

export interface DebuggerServer {
  /** Where the page is, e.g. `http://127.0.0.1:8081/`. */
  readonly url: string
  close(): Promise<void>
}

interface StaticFile {
  readonly body: Buffer
  readonly contentType: string
}

async function loadFiles(root: string): Promise<Map<string, StaticFile>> {
  let names: string[]
  try {
    names = await readdir(root)
  } catch (cause) {
    throw new Error(`the debugger page is not built (${root} is missing): run npm run build in packages/debugger`, { cause })
  }
  const files = new Map<string, StaticFile>()
  for (const name of names) {
    const contentType = CONTENT_TYPES[extname(name)]
    if (contentType !== undefined) files.set(`/${name}`, { body: await readFile(join(root, name)), contentType })
  }
  const index = files.get('/index.html')
  if (index === undefined) throw new Error(`the debugger page is not built (${root} has no index.html): run npm run build in packages/debugger`)
  files.set('/', index)
  return files
}

function respond(files: ReadonlyMap<string, StaticFile>, request: IncomingMessage, response: ServerResponse): void {
  for (const [name, value] of Object.entries(SECURITY_HEADERS)) response.setHeader(name, value)
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    response.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain; charset=utf-8' }).end('method not allowed\n')
    return
  }
  // The query and fragment name no file; a fragment never arrives, a query is ignored.
  const path = (request.url ?? '/').split('?')[0]!
  const file = files.get(path)
  if (file === undefined) {
    response.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('not found\n')
    return
  }
  response.writeHead(200, { 'content-type': file.contentType, 'content-length': String(file.body.length) })
  response.end(request.method === 'HEAD' ? undefined : file.body)
}

/**
 * Serves the debugger page on its own origin. Run it on a port or host of its own, apart from any
 * issuer's login pages and cookies: a page that renders attacker-chosen token text should never
 * share an origin with them.
 *
 * @example
 * ```ts
 * import { createDebuggerServer } from 'jotjwt-debugger'
 * const page = await createDebuggerServer({ port: 8081 })
 * console.log(`JWT debugger: ${page.url}`)
 * ```
 */
export async function createDebuggerServer(options: DebuggerServerOptions = {}): Promise<DebuggerServer> {
  const { host = '127.0.0.1', port = 0, root = PUBLIC_DIR } = options
  const files = await loadFiles(root)
  const server = createServer((request, response) => respond(files, request, response))
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, host, () => {
      server.off('error', reject)
      resolve()
    })
  })
  const address = server.address() as AddressInfo
  const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address
  return {
    url: `http://${shownHost}:${address.port}/`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()))
        server.closeAllConnections()
      }),
  }
}
