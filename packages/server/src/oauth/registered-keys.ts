/**
 * Public keys registered with the service by those who sign what it verifies: `private_key_jwt`
 * clients (RFC 7523 §2.2) and the issuers of JWT-bearer grant assertions (RFC 7523 §2.1, trust
 * entries). Each registers a JWK Set, or a `jwksUri` fetched through the library's remote key set
 * (cached, with a fetch budget, so a flood of assertions with unknown `kid`s costs at most one fetch
 * per cooldown). One resolver per owner, kept while its registration names the same keys.
 * @module
 */
import { createLocalKeySet, createRemoteKeySet, importJWK, isJotError, type JWK, type JWSAlgorithmName, type KeyResolver } from 'jotjwt'
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
 * What is wrong with a registered JWK Set, one line per key (the library's own words), or nothing
 * when every key is a public key usable with one of `algorithms` (and names one of them, if any):
 * checked when a configuration is loaded or an admin registers keys, not at the first request. A
 * private key is refused: what is registered here is published to nobody but must never sign.
 *
 * @example
 * ```ts
 * await registeredKeysProblems({ jwks: { keys: [{ kty: 'EC' }] } }, ['ES256']) // ['keys.0: …']
 * ```
 */
export async function registeredKeysProblems(registration: KeyRegistration, algorithms: readonly string[]): Promise<string[]> {
  if (registration.jwks === undefined) return []
  try {
    createLocalKeySet(registration.jwks)
  } catch (error) {
    if (!isJotError(error)) throw error
    return [`${error.code}: ${error.message}`]
  }
  const problems: string[] = []
  for (const [index, jwk] of registration.jwks.keys.entries()) {
    // A key that names its algorithm is used with that one only (RFC 7517 §4.4).
    const candidates = typeof jwk.alg === 'string' ? algorithms.filter((alg) => alg === jwk.alg) : algorithms
    let failure = candidates.length === 0 ? `its alg ${JSON.stringify(jwk.alg)} is not one of ${algorithms.join(', ')}` : `no algorithm of ${candidates.join(', ')} fits it`
    let usable = false
    for (const alg of candidates) {
      try {
        const key = await importJWK(jwk as JWK, { alg: alg as JWSAlgorithmName })
        if (key.type === 'private') failure = 'a private key: register the public key only'
        else usable = true
        break
      } catch (error) {
        if (!isJotError(error)) throw error
        failure = `${error.code}: ${error.message}`
      }
    }
    if (!usable) problems.push(`keys.${index}: ${failure}`)
  }
  return problems
}
