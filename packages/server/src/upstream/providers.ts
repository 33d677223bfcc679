/**
 * The upstream providers as jot uses them: each one's metadata, fetched at the first login through
 * it (OpenID Connect Discovery 1.0, with the library's bounded fetch and its `issuer` check, §4.3),
 * its keys through the library's remote key set on its `jwks_uri`, and an ID token validator (the
 * library's OIDC Core §3.1.3.7 one) compiled for it once. Nothing is fetched at start: a provider
 * that is down then does not stop the service, only logins through it.
 *
 * Discovery is kept for an hour and fetched again after; a failed one is not kept, so the next login
 * tries again. The key set lives as long as the provider's `jwks_uri` stays the same, with the
 * library's caching and fetch budget (a token with an unknown `kid` costs at most one fetch per cooldown).
 * @module
 */
import { createIdTokenVerifier, createRemoteKeySet, discoverOIDCProvider, type IdTokenCheck, type IdTokenClaims, type RemoteKeySet, type VerifiedJWT } from 'jotjwt'
import { durationSeconds } from '../config/duration.js'
import type { UpstreamConfig } from '../config/schema.js'
import type { ServiceContext } from '../service/context.js'
import { UpstreamError } from './errors.js'

/** How long discovered metadata is used before it is fetched again. */
const DISCOVERY_TTL_SECONDS = 3600
/** Discovery documents are small; a larger one is refused. */
const MAX_DISCOVERY_BYTES = 128 * 1024

/** A provider ready for a login. */
export interface ResolvedUpstream {
  authorizationEndpoint: string
  tokenEndpoint: string
  userinfoEndpoint: string | undefined
  /** RFC 9207 §3 `authorization_response_iss_parameter_supported`: its authorization responses carry `iss`. */
  sendsIssuer: boolean
  /** The library's ID token validator for this provider and jot's client id there. */
  verifyIdToken(token: string, check: IdTokenCheck): Promise<VerifiedJWT<IdTokenClaims>>
}

export interface UpstreamProviders {
  /**
   * The provider, discovered now or earlier.
   * @throws {@link UpstreamError} `discovery_failed`.
   */
  resolve(upstream: UpstreamConfig, ctx: ServiceContext): Promise<ResolvedUpstream>
}

/**
 * @example
 * ```ts
 * const providers = createUpstreamProviders()
 * const provider = await providers.resolve(upstream, ctx)
 * ```
 */
export function createUpstreamProviders(): UpstreamProviders {
  const resolved = new Map<string, { expiresAt: number; provider: Promise<ResolvedUpstream> }>()
  const keySets = new Map<string, RemoteKeySet>()

  async function discover(upstream: UpstreamConfig, ctx: ServiceContext): Promise<ResolvedUpstream> {
    // HTTPS only, except in dev mode, where a provider may run on this machine (checkDeployment
    // refuses an http: upstream issuer outside dev mode).
    const allowHttp = ctx.config.dev
    let metadata: Awaited<ReturnType<typeof discoverOIDCProvider>>
    try {
      metadata = await discoverOIDCProvider(upstream.issuer, { allowHttp, maxResponseBytes: MAX_DISCOVERY_BYTES })
    } catch (error) {
      throw new UpstreamError('discovery_failed', `the OpenID configuration cannot be used: ${(error as Error).message}`, { cause: error })
    }
    const endpoint = (name: string, required: boolean): string | undefined => {
      const value = metadata[name]
      if (value === undefined && !required) return undefined
      if (typeof value !== 'string' || !isAllowedUrl(value, allowHttp)) {
        throw new UpstreamError('discovery_failed', `the OpenID configuration has no usable ${name} (an https: URL)`)
      }
      return value
    }
    const authorizationEndpoint = endpoint('authorization_endpoint', true)!
    const tokenEndpoint = endpoint('token_endpoint', true)!
    const userinfoEndpoint = endpoint('userinfo_endpoint', false)
    let keys = keySets.get(metadata.jwks_uri)
    if (!keys) {
      keys = createRemoteKeySet(metadata.jwks_uri, { allowHttp, currentTime: ctx.now })
      keySets.set(metadata.jwks_uri, keys)
    }
    const verifier = createIdTokenVerifier({
      issuer: upstream.issuer,
      clientId: upstream.clientId,
      key: keys,
      algorithms: upstream.idTokenAlgorithms,
      clockTolerance: durationSeconds(ctx.config.tokens.clockTolerance),
      currentTime: ctx.now,
    })
    return {
      authorizationEndpoint,
      tokenEndpoint,
      userinfoEndpoint,
      sendsIssuer: metadata.authorization_response_iss_parameter_supported === true,
      verifyIdToken: verifier,
    }
  }

  return {
    resolve(upstream, ctx) {
      const now = ctx.now()
      const cached = resolved.get(upstream.id)
      if (cached && cached.expiresAt > now) return cached.provider
      // One discovery at a time per provider: concurrent logins share it.
      const provider = discover(upstream, ctx)
      resolved.set(upstream.id, { expiresAt: now + DISCOVERY_TTL_SECONDS, provider })
      provider.catch(() => {
        if (resolved.get(upstream.id)?.provider === provider) resolved.delete(upstream.id)
      })
      return provider
    },
  }
}

function isAllowedUrl(value: string, allowHttp: boolean): boolean {
  try {
    const { protocol } = new URL(value)
    return protocol === 'https:' || (allowHttp && protocol === 'http:')
  } catch {
    return false
  }
}
