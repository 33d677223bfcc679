/**
 * The forward-auth endpoint on Node's http server: every request is a question "may this request
 * through?", answered 200 with the claim headers for the proxy to copy upstream, or the refusal
 * (401/403/400 with the RFC 6750 challenge) for the proxy to return to the client.
 * @module
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createGateway, type Gateway } from '../engine/gateway.js'
import type { GatewayConfig } from '../config/schema.js'
import { originalRequest, trustedProxyList } from './forwarded.js'
import { openStores } from './stores.js'

/** A running forward-auth service. */
export interface RunningGateway {
  readonly gateway: Gateway
  readonly server: Server
  /** `http://host:port`. */
  readonly url: string
  close(): Promise<void>
}

/** The headers of an answer to a request the gateway could not judge (a bug, never a client's doing). */
const FAILED = { status: 500, headers: { 'content-type': 'text/plain' }, body: 'gateway error\n' }

/**
 * Starts the forward-auth service.
 *
 * @example
 * ```ts
 * const running = await startGateway(await loadConfig('gateway.yaml'))
 * console.log(`forward-auth on ${running.url}`)
 * ```
 */
export async function startGateway(config: GatewayConfig): Promise<RunningGateway> {
  const stores = await openStores(config)
  const gateway = createGateway(config, stores.options)
  const trusted = trustedProxyList(config.trustedProxies ?? [])
  const handle = (message: IncomingMessage, response: ServerResponse) => {
    gateway.decide(originalRequest(message, trusted)).then(
      (decision) => {
        // Decisions depend on the credentials: never cached by anything between the proxy and us
        // (the public metadata document keeps its own Cache-Control).
        // An allowed request's answer headers (DPoP-Nonce) go with the 200, for the proxy to pass on to the client.
        response.writeHead(decision.status, { ...decision.headers, ...decision.responseHeaders, ...(decision.document ? {} : { 'cache-control': 'no-store' }) }).end(decision.body)
      },
      () => response.writeHead(FAILED.status, FAILED.headers).end(FAILED.body),
    )
  }
  const server = createServer(handle)
  const host = config.listen?.host ?? '127.0.0.1'
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(config.listen?.port ?? 8081, host, () => {
      server.off('error', reject)
      resolve()
    })
  })
  const { port } = server.address() as AddressInfo
  return {
    gateway,
    server,
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve(stores.close()))
        server.closeAllConnections()
      }),
  }
}
