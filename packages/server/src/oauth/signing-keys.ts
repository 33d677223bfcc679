/**
 * The service's signing keys: one key manager per algorithm (`ctx.keys` for the default,
 * `ctx.keysByAlg` for the others clients ask for), all published in one JWK Set, and a key resolver
 * over that set for verifying the service's own tokens (revocation, introspection).
 * @module
 */
import { createLocalKeySet, type JotKey, type JWKSet, type KeyManager, type KeyResolver } from 'jotjwt'
import type { ServiceContext } from '../service/context.js'

function managerFor(ctx: ServiceContext, alg: string): KeyManager {
  if (alg === ctx.config.keys.alg) return ctx.keys
  const manager = ctx.keysByAlg?.get(alg)
  // A client configured with an algorithm the service keeps no keys for: a deployment error.
  if (!manager) throw new Error(`no key manager for ${JSON.stringify(alg)}`)
  return manager
}

/**
 * Every key manager of the service, the default algorithm's first: all are published, rotated on
 * the same schedule and checked by readiness.
 *
 * @example
 * ```ts
 * for (const manager of keyManagers(ctx)) await manager.rotate()
 * ```
 */
export function keyManagers(ctx: Pick<ServiceContext, 'config' | 'keys' | 'keysByAlg'>): KeyManager[] {
  return [ctx.keys, ...[...(ctx.keysByAlg ?? new Map<string, KeyManager>()).entries()].filter(([alg]) => alg !== ctx.config.keys.alg).map(([, m]) => m)]
}

/**
 * The private key that signs `alg` tokens now (the default algorithm when `alg` is undefined).
 *
 * @example
 * ```ts
 * const key = await signingKeyFor(ctx, client.accessTokenAlg)
 * ```
 */
export function signingKeyFor(ctx: ServiceContext, alg: string | undefined): Promise<JotKey> {
  return managerFor(ctx, alg ?? ctx.config.keys.alg).signingKey()
}

/**
 * The JWK Set to serve at the `jwks_uri`: the published keys of every algorithm.
 *
 * @example
 * ```ts
 * reply.send(await publishedKeySet(ctx))
 * ```
 */
export async function publishedKeySet(ctx: ServiceContext): Promise<JWKSet> {
  const sets = await Promise.all(keyManagers(ctx).map((manager) => manager.jwks()))
  return { keys: sets.flatMap((set) => set.keys) }
}

/** The algorithms the service signs with. */
export function signingAlgorithms(ctx: ServiceContext): string[] {
  return [...new Set([ctx.config.keys.alg, ...(ctx.keysByAlg?.keys() ?? [])])]
}

/**
 * A key resolver over the published keys, rebuilt only when the published set changes (rotation),
 * so imported keys are reused between requests. One per process (held by the OAuth runtime).
 */
export function createPublishedKeyResolver(): (ctx: ServiceContext) => Promise<KeyResolver> {
  let current: { fingerprint: string; resolver: KeyResolver } | undefined
  return async (ctx) => {
    const jwks = await publishedKeySet(ctx)
    // kids are RFC 7638 thumbprints: the list of kids identifies the set.
    const fingerprint = JSON.stringify(jwks.keys.map((key) => key.kid))
    if (current?.fingerprint !== fingerprint) current = { fingerprint, resolver: createLocalKeySet(jwks, { requireKid: true }) }
    return current.resolver
  }
}
