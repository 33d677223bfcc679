/**
 * Express adapter (Express 5 and 4): `auth(options)` is middleware that authenticates every request
 * it sees, puts the verified token on `req.auth` (and on `res.locals.auth`, whose type follows the
 * options), and answers refusals itself with the RFC 6750 status and challenge. The scope and claim
 * helpers are middleware too, with express-oauth2-jwt-bearer's names.
 *
 * Body tokens (`tokenLocations.body`) need the form body parsed before the guard runs:
 * `app.use(express.urlencoded({ extended: false }))` first.
 * @module
 */
import type { NextFunction, Request, RequestHandler, Response } from 'express'
import type { AccessTokenClaims, JWTClaims } from 'jotjwt'
import { createGuard, DEFAULT_RESPONSE_SETTINGS, type Guard, type GuardAuth } from '../core/guard.js'
import type { GuardOptions } from '../core/options.js'
import type { RequestReader } from '../core/request.js'
import * as rules from '../authz/rules.js'
import type { AuthorizationRule, JSONPrimitive, ScopeRuleOptions } from '../authz/rules.js'
import type { ClaimPath } from '../authz/path.js'
import { GuardError, UnauthorizedError } from '../errors/errors.js'
import { errorResponse, type ErrorResponse } from '../errors/response.js'
import { authorizationOf } from './node.js'

declare global {
  // Express's own augmentation point for request properties.
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      /** The verified token (jot guard); undefined without a token when `authRequired` is false. */
      auth?: GuardAuth<JWTClaims> | undefined
    }
  }
}

/** Where the guard that authenticated a request is kept, for the rule middleware after it. */
const GUARD = Symbol.for('jotjwt-guard.guard')

type GuardedRequest = Request & { [GUARD]?: Guard }

/** Middleware whose `res.locals.auth` has the claims type `C`. */
export type AuthMiddleware<C, Locals extends Record<string, unknown> = { auth: GuardAuth<C> }> = RequestHandler<
  Record<string, string>,
  unknown,
  unknown,
  Record<string, unknown>,
  Locals
> & { readonly guard: Guard<C> }

const reader: RequestReader<Request> = {
  authorization: authorizationOf,
  method: (req) => req.method,
  url: (req) => req.originalUrl ?? req.url,
  cookie: (req) => req.headers.cookie,
  contentType: (req) => req.headers['content-type'],
  body: (req) => req.body,
  dpop: (req) => req.headers.dpop,
  // Express's protocol and host follow its `trust proxy` setting; `dpopSettings.publicOrigin` overrides both.
  origin: (req) => `${req.protocol}://${req.get('host')}`,
}

function send(res: Response, answer: ErrorResponse): void {
  res.statusCode = answer.status
  for (const name in answer.headers) res.setHeader(name, answer.headers[name]!)
  res.end(answer.body)
}

/**
 * Authentication middleware.
 *
 * @example
 * ```ts
 * import express from 'express'
 * import { auth, requiredScopes } from 'jotjwt-guard/express'
 * const app = express()
 * app.use(auth({ issuer: 'https://as.example', jwksUri: 'https://as.example/jwks.json', audience: 'https://api.example', algorithms: ['ES256'], profile: 'rfc9068' }))
 * app.get('/orders', requiredScopes('orders:read'), (req, res) => res.json({ client: res.locals.auth.claims.client_id }))
 * ```
 */
export function auth<C extends object = JWTClaims>(options: GuardOptions & { profile: 'rfc9068'; authRequired: false }): AuthMiddleware<C & AccessTokenClaims, { auth?: GuardAuth<C & AccessTokenClaims> }>
export function auth<C extends object = JWTClaims>(options: GuardOptions & { profile: 'rfc9068' }): AuthMiddleware<C & AccessTokenClaims>
export function auth<C extends object = JWTClaims>(options: GuardOptions & { authRequired: false }): AuthMiddleware<C & JWTClaims, { auth?: GuardAuth<C & JWTClaims> }>
export function auth<C extends object = JWTClaims>(options: GuardOptions | Guard<C>): AuthMiddleware<C & JWTClaims>
export function auth(options: GuardOptions | Guard): AuthMiddleware<JWTClaims> {
  const guard: Guard = isGuard(options) ? options : createGuard(options)
  const middleware = (req: GuardedRequest, res: Response, next: NextFunction): void => {
    req[GUARD] = guard
    // RFC 9728 §3: the metadata document is public; it is answered before any authentication.
    const metadata = guard.metadataResponse(req, reader)
    if (metadata !== undefined) return send(res, metadata)
    guard.authenticate(req, reader).then((result) => {
      if (result instanceof GuardError) {
        guard.report(result, req)
        send(res, guard.errorResponse(result))
        return
      }
      req.auth = result
      res.locals.auth = result
      // RFC 6750 §2.3: success responses to query-token requests SHOULD be Cache-Control: private.
      if (result?.location === 'query') res.setHeader('cache-control', 'private')
      const headers = guard.responseHeaders(result)
      for (const name in headers) res.setHeader(name, headers[name]!)
      next()
    }, next)
  }
  return Object.assign(middleware, { guard }) as unknown as AuthMiddleware<JWTClaims>
}

/**
 * Middleware answering a GET of the protected resource metadata (RFC 9728) of a guard, and passing
 * every other request on. `auth()` answers it itself wherever it sees it; use this one when the
 * guard is mounted under a path and the well-known URI is at the root.
 *
 * @example
 * ```ts
 * const guard = auth({ ..., audience: 'https://api.example/orders', resourceMetadata: true })
 * app.use(resourceMetadata(guard))   // GET /.well-known/oauth-protected-resource/orders
 * app.use('/orders', guard)
 * ```
 */
export function resourceMetadata(guardOrMiddleware: Guard | { readonly guard: Guard }): RequestHandler {
  const guard = 'guard' in guardOrMiddleware ? guardOrMiddleware.guard : guardOrMiddleware
  if (guard.resourceMetadata === undefined) throw new TypeError('the guard publishes no resource metadata (set resourceMetadata)')
  return (req, res, next) => {
    const answer = guard.metadataResponse(req, reader)
    if (answer === undefined) return next()
    send(res, answer)
  }
}

function isGuard(value: GuardOptions | Guard): value is Guard {
  return typeof (value as Guard).authenticate === 'function'
}

/** Middleware running one rule against `req.auth`. */
function ruleMiddleware(rule: AuthorizationRule): RequestHandler {
  return (req: GuardedRequest, res, next) => {
    const guard = req[GUARD]
    const refusal = guard ? guard.authorize(req.auth, rule) : new UnauthorizedError('no access token')
    if (refusal === undefined) return next()
    guard?.report(refusal, req)
    send(res, guard ? guard.errorResponse(refusal) : errorResponse(refusal, DEFAULT_RESPONSE_SETTINGS))
  }
}

/** Requires every one of `scopes` (403 `insufficient_scope` otherwise). See {@link rules.requiredScopes}. */
export function requiredScopes(scopes: string | readonly string[], options?: ScopeRuleOptions): RequestHandler {
  return ruleMiddleware(rules.requiredScopes(scopes, options))
}

/** Requires at least one of `scopes`. See {@link rules.scopeIncludesAny}. */
export function scopeIncludesAny(scopes: string | readonly string[], options?: ScopeRuleOptions): RequestHandler {
  return ruleMiddleware(rules.scopeIncludesAny(scopes, options))
}

/** Requires the claim at `path` to equal `expected`. See {@link rules.claimEquals}. */
export function claimEquals(path: ClaimPath, expected: JSONPrimitive): RequestHandler {
  return ruleMiddleware(rules.claimEquals(path, expected))
}

/** Requires the claim at `path` to include every one of `expected`. See {@link rules.claimIncludes}. */
export function claimIncludes(path: ClaimPath, ...expected: JSONPrimitive[]): RequestHandler {
  return ruleMiddleware(rules.claimIncludes(path, ...expected))
}

/** Requires `check(claims)` to be true. See {@link rules.claimCheck}. */
export function claimCheck<C extends JWTClaims = JWTClaims>(check: (claims: C) => boolean, description?: string): RequestHandler {
  return ruleMiddleware(rules.claimCheck(check, description))
}

export { GuardError, InsufficientScopeError, InvalidRequestError, InvalidTokenError, ServiceUnavailableError, UnauthorizedError } from '../errors/errors.js'
export type { GuardAuth, Guard } from '../core/guard.js'
export type { GuardOptions } from '../core/options.js'
