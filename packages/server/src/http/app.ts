/**
 * The HTTP layer: a Fastify app whose routes are thin shells over the framework-free core. Decided
 * here, once for every route:
 *
 * - bodies: one parser for every content type that keeps the raw bytes (within `http.bodyLimit`);
 *   the OAuth routes then accept only `application/x-www-form-urlencoded` (`http/form.ts`). A wrong
 *   content type is 400 `invalid_request`, not 415: OAuth clients read the RFC 6749 §5.2 error body;
 * - errors: always RFC 6749 §5.2 JSON (`http/errors.ts`); unknown paths are 404 JSON, a known path
 *   with another method is 405 with `Allow`;
 * - headers on every response: `X-Content-Type-Options: nosniff`, `Referrer-Policy: no-referrer`,
 *   a `Content-Security-Policy` that lets a browser render nothing (the login's pages set their own,
 *   as strict but for their stylesheet), `X-Request-Id`, and
 *   `Cache-Control: no-store` (RFC 6749 §5.1, with `Pragma: no-cache`) unless the route says the
 *   response is public (JWKS, discovery);
 * - logging: one line per request (method, route, status, duration, request id), never headers or
 *   bodies (`service/logger.ts`).
 * @module
 */
import { randomUUID } from 'node:crypto'
import { fastify, LogController, type FastifyInstance } from 'fastify'
import type { ServiceContext } from '../service/context.js'
import type { DevMode } from '../service/dev.js'
import type { CoreHandlers } from './core.js'
import { requestLoggerFactory, type ServiceLogger } from '../service/logger.js'
import { errorResponse } from './errors.js'
import { sendResponse } from './respond.js'
import { adminRoutes } from './routes/admin.js'
import { discoveryRoutes } from './routes/discovery.js'
import { healthRoutes } from './routes/health.js'
import { jwksRoutes } from './routes/jwks.js'
import { browserRoutes } from './routes/browser.js'
import { devRoutes } from './routes/dev.js'
import { oauthRoutes } from './routes/oauth.js'
import { userinfoRoutes } from './routes/userinfo.js'

export interface AppOptions {
  /** The OAuth core's endpoint functions. */
  core: CoreHandlers
  /** The service logger; without one nothing is logged (tests). */
  logger?: ServiceLogger
  /** TLS certificate and key (PEM): the app serves HTTPS. */
  https?: { cert: Buffer; key: Buffer }
  /** Dev mode: what it made, for its callback page (`routes/dev.ts`). */
  dev?: DevMode
}

const SECURITY_HEADERS = Object.entries({
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
})

/**
 * Builds the app for `ctx` (not listening yet).
 *
 * @example
 * ```ts
 * const app = buildApp(ctx, { core })
 * const response = await app.inject({ method: 'GET', url: '/health' })
 * ```
 */
export function buildApp(ctx: ServiceContext, options: AppOptions): FastifyInstance {
  const { bodyLimit, trustProxy } = ctx.config.http
  const childLoggerFactory = options.logger && requestLoggerFactory(options.logger)
  const app = fastify({
    ...(options.logger ? { loggerInstance: options.logger } : {}),
    ...(childLoggerFactory ? { childLoggerFactory } : {}),
    ...(options.https ? { https: options.https } : {}),
    // Fastify's own request lines would log the URL with its query; ours (onResponse) logs the route.
    logController: new LogController({ disableRequestLogging: true }),
    genReqId: () => randomUUID(),
    bodyLimit,
    trustProxy,
    // While it closes, a request that still arrives on an open connection is served (its answer
    // closes the connection, below) rather than answered with Fastify's own 503 body, which is
    // not an OAuth error.
    return503OnClosing: false,
    // The logger and https options change Fastify's generic parameters; routes use only the common surface.
  }) as unknown as FastifyInstance

  let stopping = false
  app.addHook('preClose', async () => {
    stopping = true
  })

  app.removeAllContentTypeParsers()
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body))

  const methods = new Map<string, Set<string>>()
  app.addHook('onRoute', (route) => {
    const allowed = methods.get(route.url) ?? new Set<string>()
    for (const method of [route.method].flat()) allowed.add(method)
    methods.set(route.url, allowed)
  })

  // Callback style (not async): no promise and no extra turn of the event loop per response.
  app.addHook('onSend', (request, reply, payload, done) => {
    // A page of the login sets a policy of its own (one that lets its stylesheet load).
    for (const [name, value] of SECURITY_HEADERS) if (!reply.hasHeader(name)) reply.header(name, value)
    reply.header('x-request-id', request.id)
    // Stopping: the connection closes after this answer. Node's server.close() closes only the
    // connections idle at that moment; one whose request is in flight would otherwise stay open
    // (keep-alive) after its answer, and hold the shutdown until the keep-alive timeout.
    if (stopping) reply.header('connection', 'close')
    if (!reply.hasHeader('cache-control')) reply.header('cache-control', 'no-store')
    if (reply.getHeader('cache-control') === 'no-store' && !reply.hasHeader('pragma')) reply.header('pragma', 'no-cache')
    done(null, payload)
  })
  // The request line, only where it can be written (the level is fixed at start).
  if (options.logger?.isLevelEnabled('info') === true) {
    app.addHook('onResponse', (request, reply, done) => {
      request.log.info(
        { method: request.method, route: request.routeOptions.url ?? null, status: reply.statusCode, duration_ms: Math.round(reply.elapsedTime) },
        'request completed',
      )
      done()
    })
  }

  app.setErrorHandler((error, request, reply) => {
    const { severity, ...response } = errorResponse(error, { bodyLimit, requestId: request.id })
    if (severity !== 'none') request.log[severity]({ err: error }, severity === 'error' ? 'request failed' : 'store unavailable')
    return sendResponse(reply, response)
  })
  app.setNotFoundHandler((request, reply) => {
    const allowed = methods.get(request.url.split('?')[0]!)
    if (allowed) {
      const list = [...allowed].join(', ')
      return reply.code(405).header('allow', list).send({ error: 'invalid_request', error_description: `this endpoint accepts ${list}` })
    }
    return reply.code(404).send({ error: 'not_found', error_description: 'no such endpoint' })
  })

  discoveryRoutes(app, ctx, options.core)
  jwksRoutes(app, ctx)
  oauthRoutes(app, ctx, options.core)
  userinfoRoutes(app, ctx, options.core)
  browserRoutes(app, ctx, options.core)
  healthRoutes(app, ctx)
  adminRoutes(app, ctx)
  if (options.dev) devRoutes(app, ctx, options.dev)
  return app
}
