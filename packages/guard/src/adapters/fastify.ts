/**
 * Fastify 5 plugin: `app.register(fastifyGuard, options)` decorates `request.auth` and adds a hook
 * that authenticates every route registered after it in that scope (the plugin is not encapsulated,
 * like plugins wrapped with fastify-plugin). Refusals are answered by the hook with the RFC 6750
 * status and challenge. The scope and claim helpers are `preHandler` hooks.
 *
 * The hook is `onRequest` (before the body is read: a refused request costs no body parsing). With
 * body tokens enabled it is `preValidation` instead, the first hook after Fastify has parsed the
 * body; form bodies need a parser such as `@fastify/formbody`. `hook: false` adds no hook: use
 * `app.jotGuard` / {@link authenticate} per route.
 *
 * `request.auth.claims` is typed by {@link FastifyGuardClaims}, which you can extend:
 * `declare module 'jotjwt-guard/fastify' { interface FastifyGuardClaims { tenant: string } }`.
 * @module
 */
import type { FastifyInstance, FastifyPluginCallback, FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify'
import type { JWTClaims } from 'jotjwt'
import { createGuard, DEFAULT_RESPONSE_SETTINGS, type Guard, type GuardAuth } from '../core/guard.js'
import type { GuardOptions } from '../core/options.js'
import type { RequestReader } from '../core/request.js'
import * as rules from '../authz/rules.js'
import type { AuthorizationRule, JSONPrimitive, ScopeRuleOptions } from '../authz/rules.js'
import type { ClaimPath } from '../authz/path.js'
import { GuardError, UnauthorizedError } from '../errors/errors.js'
import { errorResponse, type ErrorResponse } from '../errors/response.js'
import { authorizationOf, headerText } from './node.js'

/** The claims type of `request.auth`; extend it by declaration merging. */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface FastifyGuardClaims extends JWTClaims {}

declare module 'fastify' {
  interface FastifyRequest {
    /** The verified token (jot guard); undefined until authenticated, or without a token when `authRequired` is false. */
    auth: GuardAuth<FastifyGuardClaims> | undefined
  }
  interface FastifyInstance {
    /** The guard of the nearest registered `fastifyGuard`. */
    jotGuard: Guard<FastifyGuardClaims>
  }
}

/** Plugin options: the guard's, or a guard built elsewhere, plus where to hook. */
export type FastifyGuardOptions = (GuardOptions | { guard: Guard }) & {
  /** The hook that authenticates: default `onRequest`, or `preValidation` when body tokens are enabled; false for none. */
  hook?: 'onRequest' | 'preParsing' | 'preValidation' | 'preHandler' | false
}

/** Where the guard that authenticated a request is kept, for the rule hooks after it. */
const GUARD = Symbol.for('jotjwt-guard.guard')

type GuardedRequest = FastifyRequest & { [GUARD]?: Guard }

const reader: RequestReader<FastifyRequest> = {
  authorization: (request) => authorizationOf(request.raw),
  method: (request) => request.method,
  url: (request) => request.url,
  cookie: (request) => headerText(request.headers.cookie),
  contentType: (request) => headerText(request.headers['content-type']),
  body: (request) => request.body,
  dpop: (request) => request.headers.dpop,
  // Fastify's protocol and host follow its `trustProxy` setting; `dpopSettings.publicOrigin` overrides both.
  origin: (request) => `${request.protocol}://${request.host}`,
}

function send(reply: FastifyReply, answer: ErrorResponse): void {
  // Bytes, not a string: Fastify would append "; charset=utf-8" to the content type of a string, and
  // every adapter answers alike (application/json types take no charset, RFC 8259 §11).
  reply.code(answer.status).headers(answer.headers).send(answer.body === undefined ? undefined : Buffer.from(answer.body))
}

/**
 * A hook (for `onRequest`, `preValidation`, `preHandler` …) that authenticates with `guard`.
 *
 * @example
 * ```ts
 * app.get('/orders', { onRequest: authenticate(guard) }, handler)
 * ```
 */
export function authenticate(guard: Guard) {
  return function jotGuard(request: GuardedRequest, reply: FastifyReply, done: HookHandlerDoneFunction): void {
    request[GUARD] = guard as Guard
    // RFC 9728 §3: the metadata document is public; it is answered before any authentication.
    const metadata = guard.metadataResponse(request, reader)
    if (metadata !== undefined) return send(reply, metadata)
    guard.authenticate(request, reader).then((result) => {
      if (result instanceof GuardError) {
        guard.report(result, request)
        send(reply, guard.errorResponse(result))
        return
      }
      request.auth = result as GuardAuth<FastifyGuardClaims> | undefined
      // RFC 6750 §2.3: success responses to query-token requests SHOULD be Cache-Control: private.
      if (result?.location === 'query') reply.header('cache-control', 'private')
      reply.headers(guard.responseHeaders(result))
      done()
    }, done)
  }
}

function plugin(fastify: FastifyInstance, options: FastifyGuardOptions, done: (error?: Error) => void): void {
  let guard: Guard
  try {
    const { hook: _hook, ...rest } = options as FastifyGuardOptions & { guard?: Guard }
    guard = rest.guard ?? createGuard(rest as GuardOptions)
  } catch (error) {
    done(error as Error)
    return
  }
  if (!fastify.hasRequestDecorator('auth')) fastify.decorateRequest('auth', undefined)
  if (fastify.hasDecorator('jotGuard')) fastify.jotGuard = guard as Guard<FastifyGuardClaims>
  else fastify.decorate('jotGuard', guard)
  const hook = options.hook ?? (guard.locations.body ? 'preValidation' : 'onRequest')
  if (hook !== false) fastify.addHook(hook, authenticate(guard))
  // The well-known route, so the document is served with `hook: false` too (the hook, when there
  // is one, answers it first).
  const metadata = guard.resourceMetadata
  if (metadata !== undefined) fastify.get(metadata.path, (_request, reply) => send(reply, metadata.response))
  done()
}

/**
 * The plugin.
 *
 * @example
 * ```ts
 * import Fastify from 'fastify'
 * import { fastifyGuard, requiredScopes } from 'jotjwt-guard/fastify'
 * const app = Fastify()
 * await app.register(fastifyGuard, { issuer: 'https://as.example', jwksUri: 'https://as.example/jwks.json', audience: 'https://api.example', algorithms: ['ES256'], profile: 'rfc9068' })
 * app.get('/orders', { preHandler: requiredScopes('orders:read') }, async (request) => ({ client: request.auth?.claims.client_id }))
 * ```
 */
export const fastifyGuard: FastifyPluginCallback<FastifyGuardOptions> = Object.assign(plugin, {
  // What fastify-plugin sets: the hook and decorators apply to the registering scope, not a child one.
  [Symbol.for('skip-override')]: true,
  [Symbol.for('fastify.display-name')]: 'jotjwt-guard',
  [Symbol.for('plugin-meta')]: { name: 'jotjwt-guard', fastify: '5.x' },
})

/** A `preHandler` hook running one rule against `request.auth`. */
function ruleHook(rule: AuthorizationRule) {
  return function jotGuardRule(request: GuardedRequest, reply: FastifyReply, done: HookHandlerDoneFunction): void {
    const guard = request[GUARD]
    const refusal = guard ? guard.authorize(request.auth, rule) : new UnauthorizedError('no access token')
    if (refusal === undefined) return done()
    guard?.report(refusal, request)
    send(reply, guard ? guard.errorResponse(refusal) : errorResponse(refusal, DEFAULT_RESPONSE_SETTINGS))
  }
}

/** Requires every one of `scopes` (403 `insufficient_scope` otherwise). */
export function requiredScopes(scopes: string | readonly string[], options?: ScopeRuleOptions) {
  return ruleHook(rules.requiredScopes(scopes, options))
}

/** Requires at least one of `scopes`. */
export function scopeIncludesAny(scopes: string | readonly string[], options?: ScopeRuleOptions) {
  return ruleHook(rules.scopeIncludesAny(scopes, options))
}

/** Requires the claim at `path` to equal `expected`. */
export function claimEquals(path: ClaimPath, expected: JSONPrimitive) {
  return ruleHook(rules.claimEquals(path, expected))
}

/** Requires the claim at `path` to include every one of `expected`. */
export function claimIncludes(path: ClaimPath, ...expected: JSONPrimitive[]) {
  return ruleHook(rules.claimIncludes(path, ...expected))
}

/** Requires `check(claims)` to be true. */
export function claimCheck<C extends JWTClaims = FastifyGuardClaims>(check: (claims: C) => boolean, description?: string) {
  return ruleHook(rules.claimCheck(check, description))
}

export { GuardError, InsufficientScopeError, InvalidRequestError, InvalidTokenError, ServiceUnavailableError, UnauthorizedError } from '../errors/errors.js'
export { createGuard } from '../core/guard.js'
export type { GuardAuth, Guard } from '../core/guard.js'
export type { GuardOptions } from '../core/options.js'
