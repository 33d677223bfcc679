/**
 * What every framework-free handler receives: the validated configuration, the store, the key
 * manager, a clock and a logger. Built once by `service/service.ts`; the HTTP layer passes it to the
 * core functions and never reaches around it.
 * @module
 */
import type { KeyManager } from 'jotjwt'
import type { ServiceConfig } from '../config/schema.js'
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
   * Key managers of the other algorithms clients name in `accessTokenAlg`, by algorithm (each with
   * its own key list). Every key of every manager is published; see `oauth/signing-keys.ts`.
   */
  keysByAlg?: ReadonlyMap<string, KeyManager>
  /** Per-process OAuth state (secret cache, rate limits, client key sets): `createOAuthRuntime(config)`. */
  oauth: OAuthRuntime
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
}

/** What a core handler answers; the HTTP layer writes it as JSON. */
export interface OAuthResponse {
  status: number
  headers: Record<string, string>
  body: unknown
}
