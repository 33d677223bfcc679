/**
 * A client of an OAuth 2.0 token endpoint (RFC 6749 §3.2), as `jotjwt token` uses it: one POST of
 * form parameters, the answer read within a size limit, and an error response reported by its
 * RFC 6749 §5.2 code and description (escaped for the terminal with every error line). Redirects
 * are refused: a redirected POST would carry the client's credentials to wherever the redirect points.
 * @module
 */
import { CliError, EXIT_INVALID, EXIT_UNAVAILABLE } from '../cli/errors.js'
import { failureReason, readLimited } from './http-response.js'

export interface TokenRequest {
  endpoint: string
  params: URLSearchParams
  /** An `Authorization` header value (client_secret_basic). */
  authorization?: string
  /** Makes the DPoP proof of the request (RFC 9449 §5), with the server's nonce once it asked for one. */
  dpop?: (nonce: string | undefined) => Promise<string>
  timeoutMs: number
}

/** The successful token response (RFC 6749 §5.1); at least `access_token` and `token_type`. */
export interface TokenResponse {
  access_token: string
  token_type: string
  [member: string]: unknown
}

/**
 * POSTs the token request and returns the parsed success response.
 * @throws {@link CliError}: exit 1 for an OAuth error answer (the client or request was refused),
 *   exit 3 when the endpoint cannot be reached, times out, or answers 5xx (e.g. 503
 *   `temporarily_unavailable`: try again later).
 */
export async function requestToken(request: TokenRequest): Promise<TokenResponse> {
  const first = await post(request, undefined)
  // RFC 9449 §8: a server that requires nonces answers use_dpop_nonce with one; retry once with it.
  const nonce = first.response.headers.get('dpop-nonce')
  const retry = request.dpop !== undefined && first.response.status === 400 && nonce !== null && member(first.body, 'error') === 'use_dpop_nonce'
  return tokenResponse(retry ? await post(request, nonce) : first)
}

const member = (body: unknown, name: string) => (typeof body === 'object' && body !== null ? (body as Record<string, unknown>)[name] : undefined)

async function post(request: TokenRequest, nonce: string | undefined): Promise<{ response: Response; body: unknown }> {
  const proof = request.dpop === undefined ? undefined : await request.dpop(nonce)
  let response: Response
  try {
    response = await fetch(request.endpoint, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        accept: 'application/json',
        ...(request.authorization === undefined ? {} : { authorization: request.authorization }),
        ...(proof === undefined ? {} : { dpop: proof }),
      },
      body: request.params.toString(),
      redirect: 'error',
      signal: AbortSignal.timeout(request.timeoutMs),
    })
  } catch (error) {
    const reason = failureReason(error)
    throw new CliError(`cannot reach the token endpoint ${request.endpoint}: ${reason}`, EXIT_UNAVAILABLE, { cause: error })
  }
  const text = await readLimited(response, 'the token endpoint')
  let body: unknown
  try {
    body = JSON.parse(text)
  } catch {
    body = undefined
  }
  return { response, body }
}

function tokenResponse({ response, body }: { response: Response; body: unknown }): TokenResponse {
  const unavailable = response.status >= 500
  if (!response.ok) {
    const error = member(body, 'error')
    const description = member(body, 'error_description')
    if (typeof error !== 'string') {
      throw new CliError(`the token endpoint answered HTTP ${response.status} without an OAuth error`, unavailable ? EXIT_UNAVAILABLE : EXIT_INVALID)
    }
    const retry = response.headers.get('retry-after')
    throw new CliError(
      // Server text: the error line is escaped for the terminal where every error is reported (cli/errors.ts).
      `${error}${typeof description === 'string' ? `: ${description}` : ''} (HTTP ${response.status}${retry && unavailable ? `, retry after ${retry} s` : ''})`,
      unavailable ? EXIT_UNAVAILABLE : EXIT_INVALID,
    )
  }
  const accessToken = member(body, 'access_token')
  const tokenType = member(body, 'token_type')
  if (typeof accessToken !== 'string' || accessToken === '' || typeof tokenType !== 'string') {
    throw new CliError('the token endpoint answered without access_token and token_type (RFC 6749 §5.1)', EXIT_INVALID)
  }
  // The token is printed alone for `$(jotjwt token …)` and pipes: a line break or escape sequence in it
  // would forge lines on a terminal or headers in a script, and no valid token has one.
  if (!ACCESS_TOKEN.test(accessToken)) {
    throw new CliError('the token endpoint answered with an access_token that is not printable ASCII (RFC 6749 Appendix A.12)', EXIT_INVALID)
  }
  return body as TokenResponse
}

/** RFC 6749 Appendix A.12: access-token = 1*VSCHAR, VSCHAR = %x20-7E. */
const ACCESS_TOKEN = /^[\x20-\x7e]+$/
