/**
 * RFC 7662 token introspection as a revocation check: after local verification, the guard asks the
 * authorization server whether the token is still `active`, and caches the answer.
 *
 * - The cache is bounded (least recently used first out) and keyed by `jti`: the token has verified,
 *   so its `jti` names it within this issuer, and the key stays small whatever the token's size.
 * - No entry outlives the token's `exp`. An active answer is reused for at most `cacheTtl` (the
 *   longest a revocation can go unnoticed); an inactive one until `exp`, since RFC 7009 revocation
 *   cannot be undone.
 * - Concurrent requests for one token share one introspection call. Failures are never cached; they
 *   make the guard answer 503 (fail closed, and not `invalid_token`: the token may be fine).
 * - The guard authenticates with `client_secret_basic` (RFC 6749 §2.3.1: both parts form-encoded),
 *   as a client registered for this API's audience: RFC 7662 §4 lets the server tell only
 *   entitled callers about a token.
 * @module
 */
import type { JWTClaims } from 'jotjwt'
import { ExpiringLru } from '../cache/lru.js'

/** Options of the introspection check. */
export interface IntrospectionOptions {
  /** The introspection endpoint. Default: the issuer's `introspection_endpoint` (needs `discovery: true`). */
  endpoint?: string
  /** This resource server's client ID at the authorization server. */
  clientId: string
  /** Its client secret. */
  clientSecret: string
  /** Seconds an `active: true` answer is reused, capped by the token's `exp`. Default 30. */
  cacheTtl?: number
  /** Most cached answers (per issuer). Default 10,000. */
  maxEntries?: number
  /** Seconds before giving up on a request. Default 5. */
  timeout?: number
  /** Largest response body accepted, in characters. Default 65,536. */
  maxResponseBytes?: number
  /** The fetch implementation; the global `fetch` by default. */
  fetch?: typeof fetch
}

/** Thrown when introspection fails (network, status, body): the guard answers 503. */
export class IntrospectionFailed extends Error {
  override readonly name = 'IntrospectionFailed'
}

/** Checks tokens of one issuer against its introspection endpoint. */
export interface IntrospectionCheck {
  /** True when the authorization server says the token is active. */
  isActive(token: string, claims: JWTClaims): Promise<boolean>
}

function seconds(value: number, name: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) throw new TypeError(`${name} must be a non-negative number of seconds`)
  return value
}

function formEncode(value: string): string {
  return new URLSearchParams({ v: value }).toString().slice(2)
}

/**
 * An introspection check for one endpoint.
 *
 * @example
 * ```ts
 * const check = createIntrospectionCheck({ endpoint: 'https://as.example/introspect', clientId: 'orders-api', clientSecret })
 * if (!(await check.isActive(token, claims))) refuse()
 * ```
 */
export function createIntrospectionCheck(
  options: IntrospectionOptions & { endpoint: string },
  clock: () => number = Date.now,
): IntrospectionCheck {
  const { endpoint, clientId, clientSecret } = options
  if (typeof clientId !== 'string' || clientId === '' || typeof clientSecret !== 'string' || clientSecret === '') {
    throw new TypeError('introspection needs clientId and clientSecret')
  }
  const cacheTtl = seconds(options.cacheTtl ?? 30, 'introspection.cacheTtl') * 1000
  const timeout = seconds(options.timeout ?? 5, 'introspection.timeout') * 1000
  if (timeout === 0) throw new TypeError('introspection.timeout must be positive')
  const maxResponseBytes = options.maxResponseBytes ?? 64 * 1024
  const fetchImpl = options.fetch ?? globalThis.fetch
  const authorization = `Basic ${btoa(`${formEncode(clientId)}:${formEncode(clientSecret)}`)}`
  const cache = new ExpiringLru<boolean>(options.maxEntries ?? 10_000)
  const pending = new Map<string, Promise<boolean>>()

  async function introspect(token: string): Promise<boolean> {
    let response: Response
    try {
      response = await fetchImpl(endpoint, {
        method: 'POST',
        redirect: 'manual',
        headers: { authorization, 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body: `token=${formEncode(token)}&token_type_hint=access_token`,
        signal: AbortSignal.timeout(timeout),
      })
    } catch (cause) {
      throw new IntrospectionFailed('the introspection request failed', { cause })
    }
    const text = await response.text().catch((cause: unknown) => {
      throw new IntrospectionFailed('the introspection response could not be read', { cause })
    })
    if (response.status !== 200) throw new IntrospectionFailed(`the introspection endpoint answered HTTP ${response.status}`)
    if (text.length > maxResponseBytes) throw new IntrospectionFailed('the introspection response is too large')
    let body: unknown
    try {
      body = JSON.parse(text)
    } catch (cause) {
      throw new IntrospectionFailed('the introspection response is not JSON', { cause })
    }
    // RFC 7662 §2.2: "active" is REQUIRED and boolean; anything else is not an answer.
    const active = (body as { active?: unknown } | null)?.active
    if (typeof active !== 'boolean') throw new IntrospectionFailed('the introspection response has no boolean "active"')
    return active
  }

  return {
    isActive(token, claims) {
      const key = claims.jti
      if (typeof key !== 'string') return Promise.resolve(false)
      const now = clock()
      const cached = cache.get(key, now)
      if (cached !== undefined) return Promise.resolve(cached)
      const inflight = pending.get(key)
      if (inflight) return inflight
      const request = introspect(token)
        .then((active) => {
          const exp = typeof claims.exp === 'number' ? claims.exp * 1000 : now + cacheTtl
          cache.set(key, active, active ? Math.min(clock() + cacheTtl, exp) : exp, clock())
          return active
        })
        .finally(() => pending.delete(key))
      pending.set(key, request)
      return request
    },
  }
}
