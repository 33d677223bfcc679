/**
 * Public keys registered with the service by those who sign what it verifies: `private_key_jwt`
 * clients (RFC 7523 §2.2) and the issuers of JWT-bearer grant assertions (RFC 7523 §2.1, trust
 * entries). Each registers a JWK Set, or a `jwksUri` fetched through the library's remote key set
 * (cached, with a fetch budget, so a flood of assertions with unknown `kid`s costs at most one fetch
 * per cooldown). One resolver per owner, kept while its registration names the same keys.
 * @module
 */
import { createLocalKeySet, createRemoteKeySet, isJotError, type KeyResolver } from 'jotjwt'
import type { ServiceContext } from '../service/context.js'
import { BoundedMap } from '../lib/bounded-map.js'

/** Where an owner's keys are: a JWK Set, or the URL it publishes one at. */
export interface KeyRegistration {
  jwks?: { keys: Record<string, unknown>[] } | undefined
  jwksUri?: string | undefined
}

export interface RegisteredKeySetOptions {
  /** Most owners whose key sets are kept. Default 1,000. */
  maxOwners?: number
  /** The fetch used for `jwksUri` (tests serve key sets without a network). */
  fetch?: typeof fetch
}

/** Returns the resolver of an owner's keys (a client id, a trust entry id), or undefined when it registered none. */
export type RegisteredKeySets = (owner: string, registration: KeyRegistration, ctx: ServiceContext) => KeyResolver | undefined

/**
 * @example
 * ```ts
 * const clientKeys = createRegisteredKeySets()
 * const key = clientKeys(client.clientId, client, ctx) // pass to verifyJWT
 * ```
 */
export function createRegisteredKeySets(options: RegisteredKeySetOptions = {}): RegisteredKeySets {
  const sets = new BoundedMap<string, { source: string; resolver: KeyResolver }>(options.maxOwners ?? 1000)
  return (owner, registration, ctx) => {
    // The registration's keys identify the entry: an updated registration gets a fresh resolver.
    const source = registration.jwks ? `jwks ${JSON.stringify(registration.jwks)}` : registration.jwksUri ? `uri ${registration.jwksUri}` : undefined
    if (source === undefined) return undefined
    const cached = sets.get(owner)
    if (cached?.source === source) return cached.resolver
    const resolver = registration.jwks
      ? createLocalKeySet(registration.jwks)
      : createRemoteKeySet(registration.jwksUri!, {
          // HTTPS only, except in dev mode, where keys may be served from a local server.
          allowHttp: ctx.config.dev,
          currentTime: ctx.now,
          ...(options.fetch === undefined ? {} : { fetch: options.fetch }),
        })
    sets.set(owner, { source, resolver })
    return resolver
  }
}

/**
 * What is wrong with a registered JWK Set (the library's own words), or undefined when it can be
 * used: checked when a configuration is loaded or an admin registers keys, not at the first request.
 *
 * @example
 * ```ts
 * registeredKeysProblem({ jwks: { keys: [{ kty: 'EC' }] } }) // 'jwks: …'
 * ```
 */
export function registeredKeysProblem(registration: KeyRegistration): string | undefined {
  if (registration.jwks === undefined) return undefined
  try {
    createLocalKeySet(registration.jwks)
    return undefined
  } catch (error) {
    if (!isJotError(error)) throw error
    return `${error.code}: ${error.message}`
  }
}
