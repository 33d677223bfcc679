/**
 * What every framework-free handler receives: the validated configuration, the store, the key
 * manager, a clock and a logger. Built once by `service/service.ts`; the HTTP layer passes it to the
 * core functions and never reaches around it.
 * @module
 */
import type { KeyManager } from 'jotjwt'
import type { ServiceConfig } from '../config/schema.js'
import type { LoginProvider } from '../login/provider.js'
import type { OAuthRuntime } from '../oauth/runtime.js'
import type { Store } from '../store/store.js'

/** Structured logger (pino's shape). Log `jti` and `client_id`, never a token, secret or key. */
export interface Logger {
  info(fields: Record<string, unknown>, message: string): void
  warn(fields: Record<string, unknown>, message: string): void
  error(fields: Record<string, unknown>, message: string): void
}

export interface ServiceContext {
  config: ServiceConfig
  store: Store
  /** The key manager of the default algorithm (`config.keys.alg`). */
  keys: KeyManager
  /**
   * Key managers of the other algorithms the service signs with (RS256 for ID tokens, and what
   * clients name in `accessTokenAlg` and `idTokenAlg`), by algorithm, each with its own key list.
   * Every key of every manager is published; see `oauth/signing-keys.ts`.
   */
  keysByAlg?: ReadonlyMap<string, KeyManager>
  /** Per-process OAuth state (secret cache, rate limits, client key sets): `createOAuthRuntime(config)`. */
  oauth: OAuthRuntime
  /** Who people are: the built-in store-backed login, or a deployment's own (`login/provider.ts`). */
  login: LoginProvider
  /** Seconds since the epoch (fractional allowed); tests inject a simulated clock. */
  now(): number
  log: Logger
}

/**
 * A request as the core sees it, after the HTTP layer has enforced content type, body size and
 * refused duplicate parameters (RFC 6749 §3.1, §3.2: parameters must not be included more than once),
 * except `resource`, which RFC 8707 §2 allows to repeat.
 */
export interface OAuthRequest {
  /** Form parameters, each name at most once; never `resource`. */
  params: ReadonlyMap<string, string>
  /** Every `resource` parameter (RFC 8707 §2), in request order; empty when there is none. */
  resources: readonly string[]
  /** The `Authorization` header, if any. */
  authorization: string | undefined
  /** The `DPoP` header (RFC 9449 §4.1), if any; several are joined with `,` and refused as malformed. */
  dpop?: string | undefined
}

/** What a core handler answers; the HTTP layer writes it as JSON (nothing when `body` is undefined). */
export interface OAuthResponse {
  status: number
  headers: Record<string, string>
  body: unknown
}

/**
 * A browser's request to the authorization endpoint or the login form, after the HTTP layer has
 * parsed the query or form strictly (`http/form.ts`).
 */
export interface BrowserRequest {
  method: 'GET' | 'POST'
  /** Query (GET) or form (POST) parameters, the first value of each name; never `resource`. */
  params: ReadonlyMap<string, string>
  /** Every `resource` parameter (RFC 8707 §2), in request order. */
  resources: readonly string[]
  /** Names given more than once (RFC 6749 §3.1 forbids it; the endpoint answers with an error). */
  repeated: ReadonlySet<string>
  cookies: ReadonlyMap<string, string>
  headers: Readonly<Record<string, string | string[] | undefined>>
  /** The client's address (the forwarded one behind `http.trustProxy`), for the login throttle. */
  address: string
}

/** What the browser endpoints answer: an HTML page or a redirect, with cookies to set. */
export interface BrowserResponse {
  status: number
  headers: Record<string, string>
  /** `Set-Cookie` values. */
  cookies: string[]
  /** The HTML page; undefined for a redirect. */
  html?: string
}
