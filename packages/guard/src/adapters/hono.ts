/**
 * Hono 4 adapter: `auth(options)` is middleware that sets `c.get('auth')` (typed from the options
 * and the claims type you pass) and answers refusals with the RFC 6750 status and challenge. It uses
 * only Web APIs (and jot picks its WebCrypto build on edge runtimes), so it runs on Node, Bun, Deno,
 * Cloudflare Workers and other workerd hosts alike. Body tokens are read with `c.req.parseBody()`.
 * @module
 */
import type { Context, MiddlewareHandler } from 'hono'
import type { AccessTokenClaims, JWTClaims } from 'jotjwt'
import { createGuard, DEFAULT_RESPONSE_SETTINGS, type Guard, type GuardAuth } from '../core/guard.js'
import type { GuardOptions } from '../core/options.js'
import type { RequestReader } from '../core/request.js'
import * as rules from '../authz/rules.js'
import type { AuthorizationRule, JSONPrimitive, ScopeRuleOptions } from '../authz/rules.js'
import type { ClaimPath } from '../authz/path.js'
import { GuardError, UnauthorizedError } from '../errors/errors.js'
import { errorResponse, type ErrorResponse } from '../errors/response.js'

/** The context variables the middleware sets. */
export interface GuardVariables<A> {
  /** The verified token. */
  auth: A
  /** The guard that authenticated the request (read by the rule middleware). */
  jotGuard: Guard
}

/** Middleware typing `c.get('auth')` as `A`. */
export type AuthMiddleware<A> = MiddlewareHandler<{ Variables: GuardVariables<A> }> & { readonly guard: Guard }

/** Parsed form bodies, read before the (synchronous) reader runs. */
const bodies = new WeakMap<Context, unknown>()

const reader: RequestReader<Context> = {
  authorization: (c) => c.req.header('authorization'),
  method: (c) => c.req.method,
  url: (c) => c.req.url,
  cookie: (c) => c.req.header('cookie'),
  contentType: (c) => c.req.header('content-type'),
  body: (c) => bodies.get(c),
  dpop: (c) => c.req.header('dpop'),
  origin: (c) => new URL(c.req.url).origin,
}

function respond(c: Context, answer: ErrorResponse): Response {
  return new Response(answer.body ?? null, { status: answer.status, headers: answer.headers })
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
function isGuard(value: GuardOptions | Guard<any>): value is Guard {
  return typeof (value as Guard).authenticate === 'function'
}

/**
 * Authentication middleware.
 *
 * @example
 * ```ts
 * import { Hono } from 'hono'
 * import { auth, requiredScopes } from 'jotjwt-guard/hono'
 * const app = new Hono()
 * app.use('/api/*', auth({ issuer: 'https://as.example', jwksUri: 'https://as.example/jwks.json', audience: 'https://api.example', algorithms: ['ES256'], profile: 'rfc9068' }))
 * app.get('/api/orders', requiredScopes('orders:read'), (c) => c.json({ client: c.get('auth').claims.client_id }))
 * ```
 */
export function auth<C extends object = JWTClaims>(options: GuardOptions & { profile: 'rfc9068'; authRequired: false }): AuthMiddleware<GuardAuth<C & AccessTokenClaims> | undefined>
export function auth<C extends object = JWTClaims>(options: GuardOptions & { profile: 'rfc9068' }): AuthMiddleware<GuardAuth<C & AccessTokenClaims>>
export function auth<C extends object = JWTClaims>(options: GuardOptions & { authRequired: false }): AuthMiddleware<GuardAuth<C & JWTClaims> | undefined>
export function auth<C extends object = JWTClaims>(options: GuardOptions | Guard<C>): AuthMiddleware<GuardAuth<C & JWTClaims>>
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the overloads above carry the types
export function auth(options: GuardOptions | Guard<any>): AuthMiddleware<any> {
  const guard: Guard = isGuard(options) ? options : createGuard(options as GuardOptions)
  const readsBody = guard.locations.body
  const middleware: MiddlewareHandler<{ Variables: GuardVariables<GuardAuth | undefined> }> = async (c, next) => {
    c.set('jotGuard', guard)
    // RFC 9728 §3: the metadata document is public; it is answered before any authentication.
    const metadata = guard.metadataResponse(c as Context, reader)
    if (metadata !== undefined) return respond(c as Context, metadata)
    if (readsBody && c.req.method !== 'GET' && c.req.method !== 'HEAD') {
      // Hono caches the parsed body, so handlers can still read it.
      bodies.set(c, await c.req.parseBody({ all: true }).catch(() => undefined))
    }
    const result = await guard.authenticate(c as Context, reader)
    if (result instanceof GuardError) {
      guard.report(result, c)
      return respond(c as Context, guard.errorResponse(result))
    }
    c.set('auth', result)
    await next()
    // RFC 6750 §2.3: success responses to query-token requests SHOULD be Cache-Control: private.
    if (result?.location === 'query' && !c.res.headers.has('cache-control')) c.res.headers.set('cache-control', 'private')
    const headers = guard.responseHeaders(result)
    for (const name in headers) c.res.headers.set(name, headers[name]!)
  }
  return Object.assign(middleware, { guard })
}

/**
 * A handler answering a GET of the protected resource metadata (RFC 9728) of a guard (`auth()`
 * answers it itself wherever it runs; use this when the guard covers only some paths).
 *
 * @example
 * ```ts
 * const guard = auth({ ..., audience: 'https://api.example/orders', resourceMetadata: true })
 * app.use('/orders/*', guard).get(guard.guard.resourceMetadata!.path, resourceMetadata(guard))
 * ```
 */
export function resourceMetadata(guardOrMiddleware: Guard | { readonly guard: Guard }): MiddlewareHandler {
  const guard = 'guard' in guardOrMiddleware ? guardOrMiddleware.guard : guardOrMiddleware
  if (guard.resourceMetadata === undefined) throw new TypeError('the guard publishes no resource metadata (set resourceMetadata)')
  return async (c, next) => {
    const answer = guard.metadataResponse(c, reader)
    if (answer === undefined) return next()
    return respond(c, answer)
  }
}

/** Middleware running one rule against `c.get('auth')`. */
function ruleMiddleware(rule: AuthorizationRule): MiddlewareHandler {
  return async (c, next) => {
    const guard = c.get('jotGuard') as Guard | undefined
    const authenticated = c.get('auth') as GuardAuth | undefined
    const refusal = guard ? guard.authorize(authenticated, rule) : new UnauthorizedError('no access token')
    if (refusal === undefined) return next()
    guard?.report(refusal, c)
    return respond(c, guard ? guard.errorResponse(refusal) : errorResponse(refusal, DEFAULT_RESPONSE_SETTINGS))
  }
}

/** Requires every one of `scopes` (403 `insufficient_scope` otherwise). */
export function requiredScopes(scopes: string | readonly string[], options?: ScopeRuleOptions): MiddlewareHandler {
  return ruleMiddleware(rules.requiredScopes(scopes, options))
}

/** Requires at least one of `scopes`. */
export function scopeIncludesAny(scopes: string | readonly string[], options?: ScopeRuleOptions): MiddlewareHandler {
  return ruleMiddleware(rules.scopeIncludesAny(scopes, options))
}

/** Requires the claim at `path` to equal `expected`. */
export function claimEquals(path: ClaimPath, expected: JSONPrimitive): MiddlewareHandler {
  return ruleMiddleware(rules.claimEquals(path, expected))
}

/** Requires the claim at `path` to include every one of `expected`. */
export function claimIncludes(path: ClaimPath, ...expected: JSONPrimitive[]): MiddlewareHandler {
  return ruleMiddleware(rules.claimIncludes(path, ...expected))
}

/** Requires `check(claims)` to be true. */
export function claimCheck<C extends JWTClaims = JWTClaims>(check: (claims: C) => boolean, description?: string): MiddlewareHandler {
  return ruleMiddleware(rules.claimCheck(check, description))
}

export { GuardError, InsufficientScopeError, InvalidRequestError, InvalidTokenError, ServiceUnavailableError, UnauthorizedError } from '../errors/errors.js'
export { createGuard } from '../core/guard.js'
export type { GuardAuth, Guard } from '../core/guard.js'
export type { GuardOptions } from '../core/options.js'
