/**
 * The authorization request (RFC 6749 §4.1.1, OIDC Core §3.1.2.1) with PKCE (RFC 7636), checked in
 * the order that decides where an error may go (RFC 6749 §4.1.2.1):
 *
 * 1. the client and the `redirect_uri`: until both are known good, an error is shown to the person
 *    on a page of ours and never redirected, so the endpoint cannot be used as an open redirector
 *    (RFC 6749 §3.1.2.4, RFC 9700 §4.11). The `redirect_uri` must equal a registered one exactly,
 *    character for character (RFC 9700 §2.1, §4.1.3): no prefix, path or query variations;
 * 2. everything else: an error is sent back to the client's `redirect_uri` with `error`, `state`
 *    and `iss` (RFC 9207).
 *
 * Unrecognized parameters are ignored (RFC 6749 §3.1); a recognized one given twice is an error.
 * @module
 */
import type { BrowserRequest, ServiceContext } from '../service/context.js'
import type { ClientRecord } from '../store/store.js'
import { issuerOf } from './endpoints.js'
import { OAuthError } from './errors.js'
import { isS256Challenge } from './pkce.js'
import { grantedAudiences, mayRequestInLogin, requestedScopes } from './scopes-and-resources.js'

/** Error codes of the authorization endpoint: RFC 6749 §4.1.2.1, OIDC Core §3.1.2.6, RFC 8707 §2. */
export type AuthorizationErrorCode =
  | 'invalid_request'
  | 'unauthorized_client'
  | 'access_denied'
  | 'unsupported_response_type'
  | 'invalid_scope'
  | 'invalid_target'
  | 'server_error'
  | 'temporarily_unavailable'
  | 'login_required'
  | 'request_not_supported'
  | 'request_uri_not_supported'

/**
 * An authorization request that failed. With `redirect`, the client and redirect URI are known good
 * and the error goes back to the client; without, it is shown on a page and never redirected.
 */
export class AuthorizationError extends Error {
  override readonly name = 'AuthorizationError'
  constructor(
    readonly error: AuthorizationErrorCode,
    readonly description: string,
    readonly redirect?: { redirectUri: string; state: string | undefined },
  ) {
    super(`${error}: ${description}`)
  }
}

/** The OIDC Core §3.1.2.1 `prompt` values understood; `consent` and `select_account` need no screen of their own here. */
const PROMPTS = new Set(['none', 'login', 'consent', 'select_account'])

/** The parameters an authorization request is made of: carried through the login form, and checked for repetition. */
const RECOGNIZED = [
  'client_id',
  'redirect_uri',
  'response_type',
  'response_mode',
  'scope',
  'state',
  'nonce',
  'code_challenge',
  'code_challenge_method',
  'prompt',
  'max_age',
  'login_hint',
  'dpop_jkt',
] as const

/** Bounds on values echoed back or kept with the code, so a request cannot make them arbitrarily large. */
const MAX_STATE = 2048
const MAX_NONCE = 512
const MAX_LOGIN_HINT = 255

/** A validated authorization request. */
export interface AuthorizationRequest {
  client: ClientRecord
  redirectUri: string
  state: string | undefined
  scopes: string[]
  /** The access tokens' audiences (RFC 8707), decided now. */
  audiences: string[]
  /** RFC 7636 S256 challenge. */
  codeChallenge: string
  nonce: string | undefined
  /** RFC 9449 §10 `dpop_jkt`: the thumbprint of the key the code's token request must prove. */
  dpopJkt: string | undefined
  prompt: ReadonlySet<string>
  /** OIDC Core §3.1.2.1 `max_age` in seconds. */
  maxAge: number | undefined
  loginHint: string | undefined
  /** The request's own parameters (name, value; `resource` may repeat), to carry through the login form. */
  carried: [string, string][]
}

/**
 * Validates an authorization request.
 *
 * @example
 * ```ts
 * const request = await validateAuthorizationRequest(browserRequest, ctx)
 * ```
 * @throws {@link AuthorizationError}; `StoreUnavailable` from the store.
 */
export async function validateAuthorizationRequest(request: Pick<BrowserRequest, 'params' | 'resources' | 'repeated'>, ctx: ServiceContext): Promise<AuthorizationRequest> {
  const { params, repeated } = request
  const page = (description: string, error: AuthorizationErrorCode = 'invalid_request') => new AuthorizationError(error, description)

  const clientId = params.get('client_id')
  if (clientId === undefined || repeated.has('client_id')) throw page('client_id is missing or repeated')
  const client = await ctx.store.getClient(clientId)
  if (!client) throw page('the client_id is not a registered client')
  if (!client.grantTypes.includes('authorization_code')) throw page('this client may not use the authorization code flow', 'unauthorized_client')
  const redirectUri = params.get('redirect_uri')
  if (redirectUri === undefined || repeated.has('redirect_uri')) throw page('redirect_uri is missing or repeated')
  if (!(client.redirectUris ?? []).includes(redirectUri)) throw page('the redirect_uri is not registered for this client (it must match exactly)')

  const state = repeated.has('state') ? undefined : params.get('state')
  const fail = (error: AuthorizationErrorCode, description: string) =>
    new AuthorizationError(error, description, { redirectUri, state: state !== undefined && state.length <= MAX_STATE ? state : undefined })

  for (const name of RECOGNIZED) if (repeated.has(name)) throw fail('invalid_request', `the ${name} parameter is included more than once (RFC 6749 section 3.1)`)
  // OIDC Core §6: request objects are not supported (request_parameter_supported: false).
  if (params.has('request')) throw fail('request_not_supported', 'request objects are not supported')
  if (params.has('request_uri')) throw fail('request_uri_not_supported', 'request_uri is not supported')
  if (state !== undefined && state.length > MAX_STATE) throw fail('invalid_request', `state is longer than ${MAX_STATE} characters`)

  const responseType = params.get('response_type')
  if (responseType === undefined) throw fail('invalid_request', 'response_type is required')
  if (responseType !== 'code') throw fail('unsupported_response_type', 'only response_type=code is supported')
  const responseMode = params.get('response_mode')
  if (responseMode !== undefined && responseMode !== 'query') throw fail('invalid_request', 'only response_mode=query is supported')

  // RFC 7636 §4.4.1: a challenge that is missing, or of a method the server does not support, is
  // invalid_request. Without code_challenge_method the method is "plain" (§4.3), which is refused.
  const codeChallenge = params.get('code_challenge')
  if (codeChallenge === undefined) throw fail('invalid_request', 'code_challenge is required (PKCE, RFC 7636)')
  const method = params.get('code_challenge_method') ?? 'plain'
  if (method !== 'S256') throw fail('invalid_request', 'code_challenge_method must be S256 (plain is not supported)')
  if (!isS256Challenge(codeChallenge)) throw fail('invalid_request', 'code_challenge must be the base64url SHA-256 of the code_verifier (43 characters)')

  let scopes: string[]
  let audiences: string[]
  try {
    const scope = params.get('scope')
    scopes = scope === undefined ? [] : requestedScopes(scope, mayRequestInLogin(client))
    audiences = grantedAudiences(request.resources, client)
  } catch (error) {
    if (error instanceof OAuthError && (error.error === 'invalid_scope' || error.error === 'invalid_target')) throw fail(error.error, error.description)
    throw error
  }

  const nonce = params.get('nonce')
  if (nonce !== undefined && nonce.length > MAX_NONCE) throw fail('invalid_request', `nonce is longer than ${MAX_NONCE} characters`)
  const dpopJkt = params.get('dpop_jkt')
  // RFC 9449 §10: a JWK SHA-256 thumbprint (RFC 7638), base64url: 43 characters.
  if (dpopJkt !== undefined && !/^[A-Za-z0-9_-]{43}$/.test(dpopJkt)) throw fail('invalid_request', 'dpop_jkt must be a base64url SHA-256 JWK thumbprint (RFC 9449 section 10)')
  const prompt = new Set((params.get('prompt') ?? '').split(' ').filter((value) => value !== ''))
  for (const value of prompt) if (!PROMPTS.has(value)) throw fail('invalid_request', 'prompt has an unknown value')
  // OIDC Core §3.1.2.1: "none" with any other value is an error.
  if (prompt.has('none') && prompt.size > 1) throw fail('invalid_request', 'prompt=none cannot be combined with other values')
  const maxAgeText = params.get('max_age')
  if (maxAgeText !== undefined && !/^\d{1,10}$/.test(maxAgeText)) throw fail('invalid_request', 'max_age must be a number of seconds')
  const loginHint = params.get('login_hint')
  if (loginHint !== undefined && loginHint.length > MAX_LOGIN_HINT) throw fail('invalid_request', 'login_hint is too long')

  const carried: [string, string][] = RECOGNIZED.flatMap((name) => {
    const value = params.get(name)
    return value === undefined ? [] : [[name, value] as [string, string]]
  })
  for (const resource of request.resources) carried.push(['resource', resource])
  return {
    client,
    redirectUri,
    state,
    scopes,
    audiences,
    codeChallenge,
    nonce,
    dpopJkt,
    prompt,
    maxAge: maxAgeText === undefined ? undefined : Number(maxAgeText),
    loginHint,
    carried,
  }
}

/**
 * The authorization response URL (RFC 6749 §4.1.2, §4.1.2.1): the parameters added to the
 * redirect URI's query, which is kept (§3.1.2), and `iss` (RFC 9207 §2) so the client can tell
 * which authorization server answered (mix-up attacks).
 *
 * @example
 * ```ts
 * authorizationResponseUrl(ctx, request.redirectUri, { code, state: request.state })
 * ```
 */
export function authorizationResponseUrl(ctx: ServiceContext, redirectUri: string, parameters: Record<string, string | undefined>): string {
  const url = new URL(redirectUri)
  for (const [name, value] of Object.entries(parameters)) if (value !== undefined) url.searchParams.append(name, value)
  url.searchParams.append('iss', issuerOf(ctx.config))
  return url.href
}

/**
 * Whether the person must log in again although a session exists: `prompt=login` or
 * `select_account`, or a session older than `max_age` (OIDC Core §3.1.2.1, "actively
 * re-authenticate"). No clock tolerance: the client checks `auth_time` against `max_age` too.
 */
export function needsFreshLogin(request: AuthorizationRequest, authTime: number, now: number): boolean {
  if (request.prompt.has('login') || request.prompt.has('select_account')) return true
  return request.maxAge !== undefined && now - authTime > request.maxAge
}
