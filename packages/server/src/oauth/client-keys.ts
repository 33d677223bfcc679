/**
 * The public keys of `private_key_jwt` clients (RFC 7523 §2.2): the registered `jwks`, or the key set
 * fetched from `jwksUri` through the library's remote key set (cached, with a fetch budget, so a
 * flood of assertions with unknown `kid`s costs at most one fetch per cooldown). One resolver per
 * client, kept while its registration names the same keys.
 * @module
 */
import { createLocalKeySet, createRemoteKeySet, type KeyResolver } from 'jotjwt'
import type { ClientRecord } from '../store/store.js'
import type { ServiceContext } from '../service/context.js'
import { BoundedMap } from '../lib/bounded-map.js'

export interface ClientKeySetOptions {
  /** Most clients whose key sets are kept. Default 1,000. */
  maxClients?: number
  /** The fetch used for `jwksUri` (tests serve key sets without a network). */
  fetch?: typeof fetch
}

/** Returns the resolver of a client's keys, or undefined when it registered none. */
export type ClientKeySets = (client: ClientRecord, ctx: ServiceContext) => KeyResolver | undefined

/**
 * @example
 * ```ts
 * const clientKeys = createClientKeySets()
 * const key = clientKeys(client, ctx) // pass to verifyJWT
 * ```
 */
export function createClientKeySets(options: ClientKeySetOptions = {}): ClientKeySets {
  const sets = new BoundedMap<string, { source: string; resolver: KeyResolver }>(options.maxClients ?? 1000)
  return (client, ctx) => {
    // The registration's keys identify the entry: an updated client gets a fresh resolver.
    const source = client.jwks ? `jwks ${JSON.stringify(client.jwks)}` : client.jwksUri ? `uri ${client.jwksUri}` : undefined
    if (source === undefined) return undefined
    const cached = sets.get(client.clientId)
    if (cached?.source === source) return cached.resolver
    const resolver = client.jwks
      ? createLocalKeySet(client.jwks)
      : createRemoteKeySet(client.jwksUri!, {
          // HTTPS only, except in dev mode, where a client may serve its keys from a local server.
          allowHttp: ctx.config.dev,
          currentTime: ctx.now,
          ...(options.fetch === undefined ? {} : { fetch: options.fetch }),
        })
    sets.set(client.clientId, { source, resolver })
    return resolver
  }
}
