/**
 * The issuer identifier and the endpoint URLs derived from it: one place, so the discovery document,
 * the `iss` of every token and the audiences accepted for client assertions cannot disagree.
 * @module
 */
import type { ServiceConfig } from '../config/schema.js'

/** Endpoint paths, relative to the issuer (an issuer with a path keeps it: `https://as.example/t1/token`). */
export const ENDPOINT_PATHS = Object.freeze({
  authorization: '/authorize',
  /** Where the built-in login form posts (not in the metadata: only our own page uses it). */
  login: '/login',
  /** Under it, per upstream provider: `/<id>` starts a login there, `/<id>/callback` is where it sends the browser back. */
  upstreamLogin: '/login/upstream',
  token: '/token',
  userinfo: '/userinfo',
  revocation: '/revoke',
  introspection: '/introspect',
  jwks: '/jwks.json',
  /** RFC 7591 §3, served (and in the metadata) only with `registration.enabled`. */
  registration: '/register',
})

export type EndpointName = keyof typeof ENDPOINT_PATHS

/**
 * The issuer identifier (RFC 8414 §2), exactly as configured: it is compared as a string.
 * @throws Error when none is configured (config loading fills it in dev mode).
 */
export function issuerOf(config: ServiceConfig): string {
  if (config.issuer === undefined) throw new Error('config.issuer is not set')
  return config.issuer
}

/**
 * An endpoint's absolute URL.
 *
 * @example
 * ```ts
 * endpointUrl(config, 'token') // 'https://as.example/token'
 * ```
 */
export function endpointUrl(config: ServiceConfig, endpoint: EndpointName): string {
  return issuerOf(config).replace(/\/$/, '') + ENDPOINT_PATHS[endpoint]
}

/**
 * Where the login page's button of an upstream provider posts: `<issuer>/login/upstream/<id>`.
 *
 * @example
 * ```ts
 * upstreamLoginUrl(config, 'corp') // 'https://as.example/login/upstream/corp'
 * ```
 */
export function upstreamLoginUrl(config: ServiceConfig, id: string): string {
  return `${endpointUrl(config, 'upstreamLogin')}/${id}`
}

/**
 * jot's redirect URI at an upstream provider: `<issuer>/login/upstream/<id>/callback`, one per
 * provider, so a response always reaches the login it belongs to (RFC 9700 §4.4.2, mix-up attacks).
 */
export function upstreamCallbackUrl(config: ServiceConfig, id: string): string {
  return `${upstreamLoginUrl(config, id)}/callback`
}
