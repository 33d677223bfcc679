/**
 * The browser side of the authorization code flow: the authorization endpoint (GET or POST, OIDC
 * Core §3.1.2.1) and the built-in login form it shows.
 *
 * At the authorization endpoint, after the request is validated (`oauth/authorization-request.ts`):
 * a live session that satisfies `prompt` and `max_age` gets a code at once; `prompt=none` without
 * one gets `login_required`; otherwise the person logs in: through the deployment's external login
 * (`LoginProvider.recognize` / `loginUrl`) or the built-in form.
 *
 * The page also offers the upstream providers (`upstreams`), each a form of its own posting to
 * `upstream/flow.ts`; with `login.passwordForm: false`, only they are offered.
 *
 * The form posts to the login endpoint, which refuses it without a valid CSRF token (403), checks
 * the authorization request again (it travels in hidden fields), applies the login throttle (429),
 * asks the login provider (401 on failure, the form again), then starts a fresh session and sends
 * the browser back to the client with a code (303, RFC 9700 §4.12: never a 307 that would repost
 * the password).
 * @module
 */
import { KdfSaturated, MAX_SECRET_LENGTH } from '../crypto/secret-hash.js'
import { randomToken } from '../crypto/token-hash.js'
import { issueAuthorizationCode } from '../oauth/authorization-code.js'
import { AuthorizationError, authorizationResponseUrl, needsFreshLogin, validateAuthorizationRequest, type AuthorizationRequest } from '../oauth/authorization-request.js'
import { endpointUrl, upstreamLoginUrl } from '../oauth/endpoints.js'
import type { BrowserRequest, BrowserResponse, ServiceContext } from '../service/context.js'
import { cookieNames, setCookie } from './cookies.js'
import { checkCsrfToken, csrfToken } from './csrf.js'
import { errorPage, loginFormPage, PAGE_HEADERS } from './pages.js'
import type { LoginUser } from './provider.js'
import { currentSession, startSession } from './session.js'

/** How long a login form stays usable (its CSRF cookie). */
const CSRF_COOKIE_SECONDS = 3600

/** The login form's own fields; given twice, the submission is refused. */
const LOGIN_FIELDS = ['csrf_token', 'username', 'password']

/** A page of the login, with its headers. */
export function page(status: number, html: string, options: { cookies?: string[]; headers?: Record<string, string> } = {}): BrowserResponse {
  return { status, headers: { ...PAGE_HEADERS, ...options.headers }, cookies: options.cookies ?? [], html }
}

/** A 303 to `location` (RFC 9700 §4.12: never a 307, which would repost a form). */
export function redirect(location: string, cookies: string[] = []): BrowserResponse {
  return { status: 303, headers: { Location: location }, cookies }
}

/** An invalid authorization request: back to the client when it is known good, else a page of ours. */
function failure(error: AuthorizationError, ctx: ServiceContext): BrowserResponse {
  if (error.redirect) {
    const { redirectUri, state } = error.redirect
    return redirect(authorizationResponseUrl(ctx, redirectUri, { error: error.error, error_description: error.description, state }))
  }
  return page(400, errorPage('This sign-in request cannot be completed', `The application sent an invalid request: ${error.description}.`, error.error))
}

/** The authorization request, or the answer to an invalid one (back to the client, or a page). */
export async function validate(request: Pick<BrowserRequest, 'params' | 'resources' | 'repeated'>, ctx: ServiceContext): Promise<AuthorizationRequest | BrowserResponse> {
  try {
    return await validateAuthorizationRequest(request, ctx)
  } catch (error) {
    if (error instanceof AuthorizationError) return failure(error, ctx)
    throw error
  }
}

/**
 * The authorization endpoint.
 *
 * @example
 * ```ts
 * const response = await handleAuthorizationRequest(browserRequest, ctx)
 * ```
 */
export async function handleAuthorizationRequest(request: BrowserRequest, ctx: ServiceContext): Promise<BrowserResponse> {
  const authorization = await validate(request, ctx)
  if (!('client' in authorization)) return authorization
  const current = await currentSession(ctx, request.cookies)
  if (current && !needsFreshLogin(authorization, current.session.authTime, ctx.now())) {
    return redirect(await issueAuthorizationCode(ctx, authorization, current.user, current.session.authTime))
  }
  if (authorization.prompt.has('none')) {
    // OIDC Core §3.1.2.6: no interaction allowed, and a login is needed.
    const description = current ? 'the session does not satisfy max_age or prompt' : 'no one is logged in'
    return redirect(authorizationResponseUrl(ctx, authorization.redirectUri, { error: 'login_required', error_description: description, state: authorization.state }))
  }
  const { login } = ctx
  const recognized = login.recognize && (await login.recognize({ headers: request.headers, cookies: request.cookies }))
  if (recognized) return loggedIn(ctx, authorization, recognized, request.cookies)
  if (login.loginUrl) {
    const returnTo = new URL(endpointUrl(ctx.config, 'authorization'))
    for (const [name, value] of authorization.carried) returnTo.searchParams.append(name, value)
    return redirect(login.loginUrl(returnTo.href))
  }
  return loginForm(ctx, request, authorization, { status: 200 })
}

/**
 * The built-in login form's submission.
 *
 * @example
 * ```ts
 * const response = await handleLoginSubmission(browserRequest, ctx)
 * ```
 */
export async function handleLoginSubmission(request: BrowserRequest, ctx: ServiceContext): Promise<BrowserResponse> {
  const { params } = request
  const refused = refuseForm(request, ctx, LOGIN_FIELDS)
  if (refused) return refused
  if (!ctx.config.login.passwordForm) {
    return page(403, errorPage('Password sign-in is turned off', 'Go back to the application and sign in with one of the offered providers.'))
  }
  const authorization = await validate(request, ctx)
  if (!('client' in authorization)) return authorization

  const username = params.get('username') ?? ''
  const password = params.get('password') ?? ''
  const now = ctx.now()
  const { loginThrottle } = ctx.oauth
  const wait = loginThrottle.wait(username, request.address, now)
  if (wait > 0) {
    return loginForm(ctx, request, authorization, {
      status: 429,
      headers: { 'Retry-After': String(wait) },
      username,
      error: `Too many failed sign-ins. Try again in ${wait} seconds.`,
    })
  }
  let user: LoginUser | undefined
  if (username !== '' && password !== '' && password.length <= MAX_SECRET_LENGTH) {
    try {
      user = await ctx.login.authenticate(username, password)
    } catch (error) {
      if (!(error instanceof KdfSaturated)) throw error
      return page(503, errorPage('Sign-in is busy', 'Too many sign-ins are in progress. Try again in a moment.'), { headers: { 'Retry-After': '1' } })
    }
  }
  if (!user) {
    loginThrottle.fail(username, request.address, now)
    ctx.log.info({ client_id: authorization.client.clientId }, 'login failed')
    return loginForm(ctx, request, authorization, { status: 401, username, error: 'The username or password is incorrect.' })
  }
  return loggedIn(ctx, authorization, user, request.cookies)
}

/**
 * The refusal of a form of the login page posted without its CSRF token (403, before anything
 * else: a form another site made the browser post), or with one of `fields` twice (400).
 */
export function refuseForm(request: BrowserRequest, ctx: ServiceContext, fields: readonly string[]): BrowserResponse | undefined {
  if (!checkCsrfToken(ctx.oauth.csrfKey, request.cookies.get(cookieNames(ctx.config).csrf), request.params.get('csrf_token'))) {
    return page(403, errorPage('The sign-in form has expired', 'This form was not sent by this site, or it is too old. Go back to the application and sign in again.'))
  }
  if (fields.some((name) => request.repeated.has(name))) {
    return page(400, errorPage('This sign-in request cannot be completed', 'The form was sent with a field given twice.', 'invalid_request'))
  }
  return undefined
}

/**
 * A fresh session for `user`, who authenticated at `authTime` (default now), and the code back to
 * the client.
 */
export async function loggedIn(
  ctx: ServiceContext,
  authorization: AuthorizationRequest,
  user: LoginUser,
  cookies: ReadonlyMap<string, string>,
  authTime?: number,
): Promise<BrowserResponse> {
  const { session, cookie } = await startSession(ctx, user, cookies, authTime)
  ctx.log.info({ client_id: authorization.client.clientId, sub: user.subject }, 'login succeeded')
  return redirect(await issueAuthorizationCode(ctx, authorization, user, session.authTime), [cookie])
}

/** The form, with the CSRF cookie it needs (the browser's, if it has a well-formed one). */
function loginForm(
  ctx: ServiceContext,
  request: BrowserRequest,
  authorization: AuthorizationRequest,
  options: { status: number; headers?: Record<string, string>; username?: string; error?: string },
): BrowserResponse {
  const names = cookieNames(ctx.config)
  const existing = request.cookies.get(names.csrf)
  const value = existing !== undefined && /^[A-Za-z0-9_-]{43}$/.test(existing) ? existing : randomToken()
  const html = loginFormPage({
    action: ctx.config.login.passwordForm ? endpointUrl(ctx.config, 'login') : undefined,
    upstreams: ctx.config.upstreams.map((upstream) => ({ action: upstreamLoginUrl(ctx.config, upstream.id), name: upstream.displayName ?? upstream.id })),
    csrfToken: csrfToken(ctx.oauth.csrfKey, value),
    carried: authorization.carried,
    clientName: authorization.client.name ?? authorization.client.clientId,
    username: options.username ?? authorization.loginHint,
    error: options.error,
  })
  return page(options.status, html, {
    cookies: [setCookie(names.csrf, value, { maxAge: CSRF_COOKIE_SECONDS, sameSite: 'Strict', secure: names.secure })],
    ...(options.headers ? { headers: options.headers } : {}),
  })
}
