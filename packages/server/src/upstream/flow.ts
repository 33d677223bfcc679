/**
 * Logging in through an upstream OpenID provider: jot is the provider's client (OIDC Core §3.1, the
 * authorization code flow), then continues the client's authorization request as after a password
 * login (`login/flow.ts`).
 *
 * 1. The login page's button of the upstream posts the page's CSRF token and the client's
 *    authorization request to {@link handleUpstreamLogin}: checked like the password form, then a
 *    login transaction (`transaction.ts`) with fresh `state`, `nonce` and PKCE verifier goes into a
 *    sealed cookie, and the browser to the provider's authorization endpoint (PKCE S256, RFC 7636;
 *    `nonce`, OIDC Core §3.1.2.1; the client's `prompt=login`, `max_age` and `login_hint` passed on).
 * 2. The provider sends the browser back to {@link handleUpstreamCallback}: the response must carry
 *    the transaction's `state` (else it belongs to another browser or login), its `iss`, when
 *    present, must be the provider's (RFC 9207 §2.4); then the code is redeemed (`http.ts`), the ID
 *    token validated by jot's OIDC validator (the library's, OIDC Core §3.1.3.7: signature against the
 *    provider's JWKS with the configured algorithms, `iss`, `aud` = jot's client id, `azp`, `exp`,
 *    `iat`, `nonce`, `at_hash`, `auth_time` against `max_age`), userinfo read when the provider has
 *    it (its `sub` must be the ID token's, §5.3.2), the claims mapped (`claims.ts`) and the account of
 *    (`iss`, `sub`) saved with them (`accounts.ts`).
 *
 * Every failure ends on a page of ours saying what failed (400 for the browser's request, 502 for
 * the provider's answers) and a warning in the log with the upstream and the reason (the library's
 * error code and claim for an ID token), never a code, token or secret.
 * @module
 */
import { timingSafeEqual } from 'node:crypto'
import { isJotError, JWTClaimError, type IdTokenClaims } from 'jotjwt'
import type { UpstreamConfig } from '../config/schema.js'
import { randomToken } from '../crypto/token-hash.js'
import { loggedIn, page, redirect, refuseForm, validate } from '../login/flow.js'
import { errorPage } from '../login/pages.js'
import { upstreamCallbackUrl } from '../oauth/endpoints.js'
import { s256Challenge } from '../oauth/pkce.js'
import type { BrowserRequest, BrowserResponse, ServiceContext } from '../service/context.js'
import { recordUpstreamLogin } from './accounts.js'
import { mapUpstreamClaims } from './claims.js'
import { UpstreamError } from './errors.js'
import { fetchUserinfo, redeemCode } from './http.js'
import type { ResolvedUpstream } from './providers.js'
import { clearTransactionCookie, readTransaction, TRANSACTION_SECONDS, transactionCookie, type UpstreamTransaction } from './transaction.js'

/** The only field of the upstream button's form besides the authorization request. */
const BUTTON_FIELDS = ['csrf_token']

const nameOf = (upstream: UpstreamConfig) => upstream.displayName ?? upstream.id

function unknownUpstream(cookies: string[] = []): BrowserResponse {
  return page(404, errorPage('This sign-in option does not exist', 'Go back to the application and sign in again.'), { cookies })
}

/**
 * The upstream's button: starts the login at the provider.
 *
 * @example
 * ```ts
 * const response = await handleUpstreamLogin(browserRequest, ctx, 'corp')
 * ```
 */
export async function handleUpstreamLogin(request: BrowserRequest, ctx: ServiceContext, id: string): Promise<BrowserResponse> {
  const refused = refuseForm(request, ctx, BUTTON_FIELDS)
  if (refused) return refused
  const upstream = ctx.config.upstreams.find((candidate) => candidate.id === id)
  if (!upstream) return unknownUpstream()
  const authorization = await validate(request, ctx)
  if (!('client' in authorization)) return authorization
  let provider: ResolvedUpstream
  try {
    provider = await ctx.oauth.upstreams.resolve(upstream, ctx)
  } catch (error) {
    if (!(error instanceof UpstreamError)) throw error
    return failed(ctx, upstream, error, [])
  }
  const transaction: UpstreamTransaction = {
    upstream: upstream.id,
    state: randomToken(),
    nonce: randomToken(),
    verifier: randomToken(),
    carried: authorization.carried,
    maxAge: authorization.maxAge,
    expiresAt: ctx.now() + TRANSACTION_SECONDS,
  }
  const cookie = transactionCookie(ctx, transaction)
  if (cookie === undefined) {
    return page(400, errorPage('This sign-in request cannot be completed', `The application's request is too large to continue at ${nameOf(upstream)}.`, 'invalid_request'))
  }
  const url = new URL(provider.authorizationEndpoint)
  const parameters: Record<string, string | undefined> = {
    response_type: 'code',
    client_id: upstream.clientId,
    redirect_uri: upstreamCallbackUrl(ctx.config, upstream.id),
    scope: upstream.scopes.join(' '),
    state: transaction.state,
    nonce: transaction.nonce,
    code_challenge: s256Challenge(transaction.verifier),
    code_challenge_method: 'S256',
    // The client asked for a fresh login: the provider's session must not answer for the person.
    prompt: [...authorization.prompt].filter((value) => value === 'login' || value === 'select_account').join(' ') || undefined,
    max_age: authorization.maxAge === undefined ? undefined : String(authorization.maxAge),
    login_hint: authorization.loginHint,
  }
  for (const [name, value] of Object.entries(parameters)) if (value !== undefined) url.searchParams.set(name, value)
  return redirect(url.href, [cookie])
}

/** The authorization request a transaction carries, as the login form would post it. */
function carriedRequest(carried: readonly (readonly [string, string])[]): Pick<BrowserRequest, 'params' | 'resources' | 'repeated'> {
  return {
    params: new Map(carried.filter(([name]) => name !== 'resource')),
    resources: carried.filter(([name]) => name === 'resource').map(([, value]) => value),
    repeated: new Set(),
  }
}

/** `a === b` in time independent of where they differ. */
function sameText(a: string, b: string): boolean {
  const [x, y] = [Buffer.from(a), Buffer.from(b)]
  return x.length === y.length && timingSafeEqual(x, y)
}

/**
 * The upstream's redirect URI: finishes the login and continues the client's authorization request.
 *
 * @example
 * ```ts
 * const response = await handleUpstreamCallback(browserRequest, ctx, 'corp')
 * ```
 */
export async function handleUpstreamCallback(request: BrowserRequest, ctx: ServiceContext, id: string): Promise<BrowserResponse> {
  // Whatever happens, the transaction is used up: a callback URL cannot be replayed in this browser.
  const cookies = [clearTransactionCookie(ctx)]
  const upstream = ctx.config.upstreams.find((candidate) => candidate.id === id)
  if (!upstream) return unknownUpstream(cookies)
  const { params } = request
  const transaction = readTransaction(ctx, request.cookies)
  const state = params.get('state')
  if (!transaction || transaction.upstream !== upstream.id || state === undefined || request.repeated.has('state') || !sameText(state, transaction.state)) {
    ctx.log.warn({ upstream: upstream.id, reason: transaction ? 'state mismatch' : 'no login transaction' }, 'upstream login refused')
    return page(
      400,
      errorPage('This sign-in has expired', `This answer from ${nameOf(upstream)} does not belong to a sign-in started in this browser, or it took too long. Go back to the application and sign in again.`, 'invalid_request'),
      { cookies },
    )
  }
  const iss = params.get('iss')
  // RFC 9207 §2.4: an `iss` other than the provider's means the response is another provider's (mix-up).
  if (iss !== undefined && iss !== upstream.issuer) return refusedResponse(ctx, upstream, 'the response names another issuer (RFC 9207)', cookies)
  const error = params.get('error')
  if (error !== undefined) {
    const errorCode = /^[\x20\x21\x23-\x5b\x5d-\x7e]{1,64}$/.test(error) ? error : 'invalid'
    ctx.log.warn({ upstream: upstream.id, reason: 'error response', error: errorCode }, 'upstream login refused')
    return page(400, errorPage(`${nameOf(upstream)} did not sign you in`, `${nameOf(upstream)} answered with an error. Go back to the application and try again.`, errorCode), { cookies })
  }
  const code = params.get('code')
  if (code === undefined || request.repeated.has('code')) return refusedResponse(ctx, upstream, 'the response has no code', cookies)

  // The client's request again: the client may have been removed or changed meanwhile.
  const authorization = await validate(carriedRequest(transaction.carried), ctx)
  if (!('client' in authorization)) return { ...authorization, cookies: [...authorization.cookies, ...cookies] }
  try {
    const provider = await ctx.oauth.upstreams.resolve(upstream, ctx)
    if (iss === undefined && provider.sendsIssuer) return refusedResponse(ctx, upstream, 'the response has no iss, which the provider sends (RFC 9207)', cookies)
    const tokens = await redeemCode(upstream, provider.tokenEndpoint, { code, redirectUri: upstreamCallbackUrl(ctx.config, upstream.id), verifier: transaction.verifier })
    const claims = await verifiedClaims(ctx, upstream, provider, tokens, transaction)
    const user = await recordUpstreamLogin(ctx, upstream, { issuer: claims.iss, upstreamSubject: claims.sub }, mapUpstreamClaims(upstream, claims))
    // OIDC Core §2 auth_time: when the person authenticated at the provider, which may be earlier than now.
    const authTime = typeof claims.auth_time === 'number' ? Math.min(claims.auth_time, ctx.now()) : undefined
    ctx.log.info({ upstream: upstream.id, client_id: authorization.client.clientId, sub: user.subject }, 'upstream login succeeded')
    const response = await loggedIn(ctx, authorization, user, request.cookies, authTime)
    return { ...response, cookies: [...response.cookies, ...cookies] }
  } catch (error) {
    if (!(error instanceof UpstreamError)) throw error
    return failed(ctx, upstream, error, cookies)
  }
}

/**
 * The ID token's claims after jot's validator accepted it, with the userinfo response's claims for
 * what the ID token does not say (the ID token's own claims, signed, win).
 */
async function verifiedClaims(
  ctx: ServiceContext,
  upstream: UpstreamConfig,
  provider: ResolvedUpstream,
  tokens: { idToken: string; accessToken: string },
  transaction: UpstreamTransaction,
): Promise<IdTokenClaims> {
  let payload: IdTokenClaims
  try {
    ;({ payload } = await provider.verifyIdToken(tokens.idToken, {
      nonce: transaction.nonce,
      accessToken: tokens.accessToken,
      ...(transaction.maxAge === undefined ? {} : { maxAge: transaction.maxAge }),
    }))
  } catch (error) {
    if (!isJotError(error)) throw error
    throw new UpstreamError('invalid_id_token', `the ID token was refused: ${error.message}`, { cause: error })
  }
  if (!upstream.userinfo || provider.userinfoEndpoint === undefined) return payload
  const userinfo = await fetchUserinfo(provider.userinfoEndpoint, tokens.accessToken)
  // OIDC Core §5.3.2: the userinfo response's `sub` must be the ID token's, or it is about someone else.
  if (userinfo.sub !== payload.sub) throw new UpstreamError('userinfo_failed', 'the userinfo response is about another subject than the ID token')
  return { ...userinfo, ...payload }
}

/** The provider's response cannot be used (400): logged, and a page that says so. */
function refusedResponse(ctx: ServiceContext, upstream: UpstreamConfig, reason: string, cookies: string[]): BrowserResponse {
  ctx.log.warn({ upstream: upstream.id, reason }, 'upstream login refused')
  return page(400, errorPage('This sign-in cannot be completed', `The answer from ${nameOf(upstream)} cannot be used: ${reason}. Go back to the application and sign in again.`, 'invalid_request'), { cookies })
}

/** The provider failed (502): logged with the reason (and the library's error code and claim), and a page that says what failed. */
function failed(ctx: ServiceContext, upstream: UpstreamConfig, error: UpstreamError, cookies: string[]): BrowserResponse {
  const { cause } = error
  const library = isJotError(cause) ? { error_code: cause.code, ...(cause instanceof JWTClaimError ? { claim: cause.claim } : {}) } : {}
  ctx.log.warn({ upstream: upstream.id, reason: error.failure, ...library, detail: error.message }, 'upstream login failed')
  return page(
    502,
    errorPage(`Sign-in with ${nameOf(upstream)} failed`, `The sign-in at ${nameOf(upstream)} cannot be completed: ${error.message}. Go back to the application and try again.`, error.failure),
    { cookies },
  )
}
