/**
 * The service's one logger: pino, JSON lines, shared by Fastify (one child per request, carrying
 * its request id) and the core. What may be logged is decided here, once:
 *
 * - requests are described by a serializer that keeps method, route and request id only: never
 *   headers (Authorization carries client secrets, RFC 6749 §2.3.1), never the query string or the
 *   body (tokens and secrets travel there);
 * - field names that hold secrets anywhere in the service are censored wherever a log call puts them
 *   (top level or one level down), as a second line of defence for code that logs an object whole.
 *
 * Core code logs `client_id` and `jti`, which identify a client and a token without granting anything.
 * @module
 */
import type { FastifyBaseLogger, FastifyServerOptions } from 'fastify'
import { pino, type DestinationStream, type LogFn, type Logger as PinoLogger } from 'pino'
import type { ServiceConfig } from '../config/schema.js'

export type ServiceLogger = PinoLogger

/** Names of fields whose values are credentials, in the spellings of RFC 6749/7009/7523/7636, OIDC and our config. */
const SECRET_FIELDS = [
  'authorization',
  'client_secret',
  'clientSecret',
  'client_assertion',
  'assertion',
  'access_token',
  'refresh_token',
  'id_token',
  'code_verifier',
  'csrf_token',
  'cookie',
  'token',
  'password',
  'passwordHash',
  'secretHash',
  'secret',
  'encryptionKey',
  'privateKey',
  'body',
  'headers',
  'params',
]

/**
 * A request as logged (Fastify's own error paths log `{ req }`): what it asked for, not what it
 * carried. Not the URL's query: a token may travel there (RFC 6750 §2.3).
 */
function requestFields(request: { method?: unknown; url?: unknown; routeOptions?: { url?: unknown } }): Record<string, unknown> {
  const url = typeof request.url === 'string' ? request.url : ''
  return { method: request.method, route: request.routeOptions?.url ?? url.split('?')[0] }
}

/**
 * Creates the logger. `stream` defaults to stdout; tests pass one to read what would be logged.
 *
 * @example
 * ```ts
 * const log = createLogger('info')
 * log.info({ client_id: 'billing', jti }, 'access token issued')
 * ```
 */
export function createLogger(level: ServiceConfig['log']['level'], stream?: DestinationStream): ServiceLogger {
  return pino(
    {
      level,
      base: { service: 'jotjwt-server' },
      serializers: { req: requestFields, err: pino.stdSerializers.err },
      redact: { paths: SECRET_FIELDS.flatMap((field) => [field, `*.${field}`]), censor: '[redacted]' },
    },
    stream ?? pino.destination({ dest: 1, sync: true }),
  )
}

/** pino's levels, most severe first. */
const LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace'] as const

/**
 * Fastify's `childLoggerFactory`: the logger each request carries (`request.log`, bound to its
 * request id). A pino child costs a bindings serialization and the redaction set-up on every
 * request, paid whether or not anything is logged; so it is made only when it can be used:
 * - at `info` and below (the default), every request logs its line: a child per request, made by
 *   Fastify's own factory (undefined here);
 * - at `warn`, `error` or `fatal`, most requests log nothing: the request gets a stand-in that
 *   makes the child on its first enabled log call (an error still carries the request id);
 * - `silent`: the logger itself (it logs nothing, and the bindings would be thrown away).
 */
export function requestLoggerFactory(logger: ServiceLogger): FastifyServerOptions['childLoggerFactory'] {
  if (logger.isLevelEnabled('info')) return undefined
  const enabled = LEVELS.filter((level) => logger.isLevelEnabled(level))
  if (enabled.length === 0) return (parent) => parent
  return (parent, bindings, options) => {
    let child: FastifyBaseLogger | undefined
    const lazy = Object.create(parent) as FastifyBaseLogger
    // Disabled levels stay the parent's no-ops; the enabled ones make the child once.
    for (const level of enabled) lazy[level] = ((...args: Parameters<LogFn>) => (child ??= parent.child(bindings, options))[level](...args)) as LogFn
    lazy.child = (more, moreOptions) => (child ??= parent.child(bindings, options)).child(more, moreOptions)
    return lazy
  }
}
