/**
 * Bounded HTTP GET of a JSON document (a JWK Set, an OpenID Provider configuration): a timeout that
 * covers headers and body, a response size cap enforced while streaming, HTTPS unless plain HTTP is
 * explicitly allowed, no redirects, and only status 200. Uses the global `fetch` (or the caller's).
 * @module
 */
import { InvalidArgument, JotError, JWKSFetchFailed, JWKSTimeout } from '../errors.js'
import { toMilliseconds, type Duration } from '../lib/duration.js'
import { parseJSONObject } from '../lib/json.js'
import { readCapped as readStreamCapped } from '../lib/stream.js'

export interface FetchPolicy {
  readonly timeoutMs: number
  readonly maxResponseBytes: number
  readonly headers: Readonly<Record<string, string>>
  readonly fetch: typeof fetch
}

export interface FetchedJSON {
  readonly body: Record<string, unknown>
  readonly headers: Headers
}

/**
 * RFC 8725 §3.10 and common sense: keys fetched over plain HTTP can be swapped by anyone on the path.
 * `allowHttp` exists for test servers and loopback sidecars.
 */
export function checkURL(url: string | URL, allowHttp: boolean, what: string): URL {
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch (cause) {
    throw new InvalidArgument(`${what} must be an absolute URL`, { cause })
  }
  if (parsed.protocol !== 'https:' && !(allowHttp && parsed.protocol === 'http:')) {
    throw new InvalidArgument(`${what} must use https: (set allowHttp to allow http:)`)
  }
  return parsed
}

export function fetchPolicy(options: {
  timeout?: Duration
  maxResponseBytes?: number
  headers?: Record<string, string>
  fetch?: typeof fetch
}): FetchPolicy {
  const { maxResponseBytes = 512 * 1024, headers = {} } = options
  if (!Number.isInteger(maxResponseBytes) || maxResponseBytes < 1) throw new InvalidArgument('maxResponseBytes must be a positive integer')
  const fetchImpl = options.fetch ?? globalThis.fetch
  if (typeof fetchImpl !== 'function') throw new InvalidArgument('no fetch implementation: pass options.fetch')
  const timeoutMs = toMilliseconds(options.timeout ?? 5, 'timeout')
  if (timeoutMs <= 0) throw new InvalidArgument('timeout must be positive: a fetch without one can hang every verification')
  return { timeoutMs, maxResponseBytes, headers: { ...headers }, fetch: fetchImpl }
}

/**
 * GETs `url` and parses the body as one JSON object (strictly: duplicate members rejected). Every
 * failure is a {@link JWKSFetchFailed} or {@link JWKSTimeout} (`what` names the document in messages);
 * a body that is not a JSON object throws the `invalid` error the caller chooses.
 */
export async function fetchJSON(
  url: URL,
  policy: FetchPolicy,
  what: string,
  invalid: (message: string, cause: unknown) => JotError,
): Promise<FetchedJSON> {
  const controller = new AbortController()
  let timer: ReturnType<typeof setTimeout> | undefined
  // The abort asks the fetch to stop, but a custom fetch may ignore the signal and a body stream may
  // never end: the timer's own rejection answers the caller regardless, so an in-flight refresh
  // always settles and no verification waits longer than the timeout.
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => {
      controller.abort()
      reject(new JWKSTimeout(`${what} request timed out after ${policy.timeoutMs} ms`))
    }, policy.timeoutMs)
  })
  const request = fetchAndParse(url, policy, what, invalid, controller.signal)
  // The loser of the race settles later with nobody listening: never an unhandled rejection.
  request.catch(() => undefined)
  timeout.catch(() => undefined)
  try {
    return await Promise.race([request, timeout])
  } catch (error) {
    if (error instanceof JWKSTimeout) throw error
    if (controller.signal.aborted) throw new JWKSTimeout(`${what} request timed out after ${policy.timeoutMs} ms`, { cause: error })
    if (error instanceof JotError) throw error
    throw new JWKSFetchFailed(`${what} request failed`, { cause: error })
  } finally {
    clearTimeout(timer)
  }
}

async function fetchAndParse(
  url: URL,
  policy: FetchPolicy,
  what: string,
  invalid: (message: string, cause: unknown) => JotError,
  signal: AbortSignal,
): Promise<FetchedJSON> {
  const response = await policy.fetch(url.href, {
    method: 'GET',
    // Redirects are refused, not followed: a redirect could leave HTTPS or the configured host.
    redirect: 'manual',
    headers: { accept: 'application/json, application/jwk-set+json', ...policy.headers },
    signal,
  })
  if (response.status !== 200) {
    await response.body?.cancel().catch(() => undefined)
    throw new JWKSFetchFailed(`${what} request answered with HTTP ${response.status}, not 200`, { status: response.status })
  }
  const text = await readBody(response, policy.maxResponseBytes, what)
  try {
    return { body: parseJSONObject(text, what), headers: response.headers }
  } catch (cause) {
    throw invalid(`${what} is not a JSON object`, cause)
  }
}

/** Reads the body, giving up as soon as it exceeds the cap (a declared Content-Length is checked first). */
async function readBody(response: Response, maxBytes: number, what: string): Promise<string> {
  const tooLarge = () => new JWKSFetchFailed(`${what} response is larger than ${maxBytes} bytes`, { status: response.status })
  const declared = Number(response.headers.get('content-length') ?? NaN)
  if (declared > maxBytes) {
    await response.body?.cancel().catch(() => undefined)
    throw tooLarge()
  }
  const bytes = response.body ? await readStreamCapped(response.body, maxBytes) : new Uint8Array(0)
  if (!bytes) throw tooLarge()
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes)
  } catch (cause) {
    throw new JWKSFetchFailed(`${what} response is not UTF-8`, { cause })
  }
}

/**
 * Freshness lifetime of a response in seconds (RFC 9111 §4.2.1): `max-age` minus `Age`, or
 * `undefined` when the response gives none. `no-store`/`no-cache` count as 0 (the caller's lower bound
 * then applies: a key set must be cached for a while, or every token would cost a fetch).
 */
export function freshnessLifetime(headers: Headers): number | undefined {
  const cacheControl = headers.get('cache-control')
  if (!cacheControl) return undefined
  let maxAge: number | undefined
  for (const directive of cacheControl.toLowerCase().split(',')) {
    const [name, value] = directive.trim().split('=', 2) as [string, string | undefined]
    if (name === 'no-store' || name === 'no-cache') return 0
    if (name === 'max-age' && value !== undefined && /^"?\d+"?$/.test(value.trim())) maxAge = Number(value.trim().replaceAll('"', ''))
  }
  if (maxAge === undefined) return undefined
  const age = Number(headers.get('age') ?? 0)
  return Math.max(0, maxAge - (Number.isFinite(age) && age > 0 ? age : 0))
}
