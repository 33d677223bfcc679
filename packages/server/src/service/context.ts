/**
 * What every framework-free handler receives: the validated configuration, the store, the key
 * manager, a clock and a logger. Built once by `service/service.ts`; the HTTP layer passes it to the
 * core functions and never reaches around it.
 * @module
 */
import type { KeyManager } from 'jotjwt'
import type { ServiceConfig } from '../config/schema.js'
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
  keys: KeyManager
  /** Seconds since the epoch (fractional allowed); tests inject a simulated clock. */
  now(): number
  log: Logger
}

/**
 * A request as the core sees it, after the HTTP layer has enforced content type, body size and
 * refused duplicate parameters (RFC 6749 §3.1, §3.2: parameters must not be included more than once).
 */
export interface OAuthRequest {
  /** Form parameters, each name at most once. */
  params: ReadonlyMap<string, string>
  /** The `Authorization` header, if any. */
  authorization: string | undefined
}

/** What a core handler answers; the HTTP layer writes it as JSON. */
export interface OAuthResponse {
  status: number
  headers: Record<string, string>
  body: unknown
}
