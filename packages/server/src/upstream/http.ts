/**
 * jot's requests to an upstream provider's token endpoint (OIDC Core §3.1.3.1) and userinfo endpoint
 * (§5.3.1). Each is bounded in time (headers and body) and in size, follows no redirect (a
 * redirected token request would carry the code, the PKCE verifier and the client secret wherever
 * the redirect points), and must answer a JSON object. Failures are {@link UpstreamError}s naming
 * the endpoint and the HTTP status or RFC 6749 §5.2 error code, never the body, which may hold tokens.
 * @module
 */
import type { UpstreamConfig } from '../config/schema.js'
import { UpstreamError, type UpstreamFailure } from './errors.js'

/** How long one request may take, headers and body. */
const TIMEOUT_MS = 10_000
/** The largest answer read: token and userinfo responses are a few kilobytes. */
const MAX_RESPONSE_BYTES = 256 * 1024

interface Answer {
  status: number
  /** The body, when it is a JSON object. */
  body: Record<string, unknown> | undefined
}

async function send(url: string, init: RequestInit, what: string, failure: UpstreamFailure): Promise<Answer> {
  const signal = AbortSignal.timeout(TIMEOUT_MS)
  try {
    const response = await fetch(url, { ...init, redirect: 'manual', signal })
    const reader = response.body?.getReader()
    const chunks: Uint8Array[] = []
    let size = 0
    for (let chunk = await reader?.read(); chunk && !chunk.done; chunk = await reader!.read()) {
      size += chunk.value.length
      if (size > MAX_RESPONSE_BYTES) {
        await reader!.cancel().catch(() => undefined)
        throw new UpstreamError(failure, `the ${what} answered with more than ${MAX_RESPONSE_BYTES / 1024} KiB`)
      }
      chunks.push(chunk.value)
    }
    let body: unknown
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8'))
    } catch {
      body = undefined
    }
    return { status: response.status, body: typeof body === 'object' && body !== null && !Array.isArray(body) ? (body as Record<string, unknown>) : undefined }
  } catch (error) {
    if (error instanceof UpstreamError) throw error
    throw new UpstreamError(failure, `the ${what} cannot be reached (${signal.aborted ? 'timed out' : 'connection failed'})`, { cause: error })
  }
}

/** An RFC 6749 §5.2 `error` code, when the body has one made of the characters §5.2 allows. */
function oauthErrorCode(body: Record<string, unknown> | undefined): string | undefined {
  const error = body?.error
  return typeof error === 'string' && /^[\x20\x21\x23-\x5b\x5d-\x7e]{1,64}$/.test(error) ? error : undefined
}

/** The token response of an authorization code grant (OIDC Core §3.1.3.3): what jot uses of it. */
export interface UpstreamTokens {
  idToken: string
  accessToken: string
}

/**
 * Redeems `code` at the provider's token endpoint (RFC 6749 §4.1.3 with RFC 7636 §4.5's
 * `code_verifier`), authenticating as the upstream's `authMethod` says.
 *
 * @example
 * ```ts
 * const { idToken, accessToken } = await redeemCode(upstream, tokenEndpoint, { code, redirectUri, verifier })
 * ```
 * @throws {@link UpstreamError} `token_request_failed`.
 */
export async function redeemCode(upstream: UpstreamConfig, endpoint: string, grant: { code: string; redirectUri: string; verifier: string }): Promise<UpstreamTokens> {
  const params = new URLSearchParams({ grant_type: 'authorization_code', code: grant.code, redirect_uri: grant.redirectUri, code_verifier: grant.verifier })
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' }
  if (upstream.authMethod === 'client_secret_basic') {
    // RFC 6749 §2.3.1: the id and secret are form-encoded before they are joined and base64-encoded.
    const encode = (value: string) => new URLSearchParams({ v: value }).toString().slice(2)
    headers.authorization = `Basic ${Buffer.from(`${encode(upstream.clientId)}:${encode(upstream.clientSecret ?? '')}`).toString('base64')}`
  } else {
    params.set('client_id', upstream.clientId)
    if (upstream.authMethod === 'client_secret_post') params.set('client_secret', upstream.clientSecret ?? '')
  }
  const { status, body } = await send(endpoint, { method: 'POST', headers, body: params.toString() }, 'token endpoint', 'token_request_failed')
  if (status !== 200) {
    const error = oauthErrorCode(body)
    throw new UpstreamError('token_request_failed', `the token endpoint answered HTTP ${status}${error === undefined ? '' : ` ${error}`}`)
  }
  const idToken = body?.id_token
  const accessToken = body?.access_token
  // OIDC Core §3.1.3.3: a successful response of an OpenID login has an ID token.
  if (typeof idToken !== 'string' || typeof accessToken !== 'string') {
    throw new UpstreamError('token_request_failed', 'the token endpoint answered without an id_token and an access_token')
  }
  return { idToken, accessToken }
}

/**
 * The person's claims at the provider's userinfo endpoint (OIDC Core §5.3), as JSON.
 *
 * @example
 * ```ts
 * const claims = await fetchUserinfo(userinfoEndpoint, accessToken)
 * ```
 * @throws {@link UpstreamError} `userinfo_failed`.
 */
export async function fetchUserinfo(endpoint: string, accessToken: string): Promise<Record<string, unknown>> {
  const headers = { authorization: `Bearer ${accessToken}`, accept: 'application/json' }
  const { status, body } = await send(endpoint, { method: 'GET', headers }, 'userinfo endpoint', 'userinfo_failed')
  if (status !== 200) throw new UpstreamError('userinfo_failed', `the userinfo endpoint answered HTTP ${status}`)
  if (body === undefined) throw new UpstreamError('userinfo_failed', 'the userinfo endpoint answered without a JSON object')
  return body
}
