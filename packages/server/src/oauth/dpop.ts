/**
 * DPoP at the token endpoint (RFC 9449 §5): the request's proof is verified against the token
 * endpoint URL and POST, remembered in the store so no replica accepts it twice (§11.1), and its
 * key's thumbprint binds the tokens the grant issues.
 *
 * Nonces (§8) need no shared state between replicas: they are jotjwt-guard's `createDPoPNonces`
 * (an HMAC of the current time window) keyed from `keys.encryptionKey`, which every replica has, so
 * each computes the same nonce and rotates it at the same moment; the previous window's nonce stays
 * acceptable. The gateway uses the same construction with its own configured secret.
 * @module
 */
import { createDPoPVerifier, isJotError, type JWSAlgorithmName, type VerifiedDPoPProof } from 'jotjwt'
import { createDPoPNonces } from 'jotjwt-guard'
import { durationSeconds } from '../config/duration.js'
import type { ServiceConfig } from '../config/schema.js'
import type { OAuthRequest, ServiceContext } from '../service/context.js'
import type { Store } from '../store/store.js'
import { endpointUrl } from './endpoints.js'
import { OAuthError } from './errors.js'

type ProofVerifier = ReturnType<typeof createDPoPVerifier>

export interface DPoPRuntime {
  /**
   * The thumbprint of the request's verified proof; undefined when the request carries none.
   * @throws {@link OAuthError} `invalid_dpop_proof` or `use_dpop_nonce` (§5, §8).
   */
  proofKey(request: OAuthRequest, ctx: ServiceContext): Promise<string | undefined>
  /** The `DPoP-Nonce` header to send now, when nonces are required; else none. */
  nonceHeader(now: number): Record<string, string>
}

/**
 * @example
 * ```ts
 * const dpop = createDPoPRuntime(config, encryptionKey)
 * const jkt = await dpop.proofKey(request, ctx) // undefined without a DPoP header
 * ```
 */
export function createDPoPRuntime(config: ServiceConfig, encryptionKey: Uint8Array): DPoPRuntime {
  const { algorithms, maxAge, requireNonce, nonceLifetime } = config.dpop
  // The service's clock is per request (ctx.now), so the nonces are asked for by time.
  const nonces = createDPoPNonces({ secret: encryptionKey, lifetime: durationSeconds(nonceLifetime) })
  // One verifier per store (a service has one), so the proof-key cache lives as long as the service.
  const verifiers = new WeakMap<Store, ProofVerifier>()
  const verifierFor = (ctx: ServiceContext): ProofVerifier => {
    let verifier = verifiers.get(ctx.store)
    if (verifier === undefined) {
      const store = ctx.store
      verifier = createDPoPVerifier({
        algorithms: algorithms as JWSAlgorithmName[],
        replay: { useOnce: (id, expiresAt, now) => store.useOnce('dpop', id, expiresAt, now) },
        maxAge: durationSeconds(maxAge),
        currentTime: ctx.now,
      })
      verifiers.set(store, verifier)
    }
    return verifier
  }
  const nonceHeader = (now: number): Record<string, string> => (requireNonce ? { 'DPoP-Nonce': nonces.currentAt(now) } : {})

  return {
    nonceHeader,
    async proofKey(request, ctx) {
      if (request.dpop === undefined) return undefined
      let proof: VerifiedDPoPProof
      try {
        const now = ctx.now()
        proof = await verifierFor(ctx)(request.dpop, {
          method: 'POST',
          // §4.3: htu is the URL the client addressed, i.e. the one discovery names, never a Host header.
          url: endpointUrl(ctx.config, 'token'),
          ...(requireNonce ? { nonce: (nonce: string) => nonces.acceptsAt(nonce, now) } : {}),
        })
      } catch (error) {
        if (!isJotError(error)) throw error
        if (error.code === 'ERR_DPOP_NONCE_REQUIRED') {
          throw new OAuthError('use_dpop_nonce', 'the DPoP proof must carry the nonce of the DPoP-Nonce header (RFC 9449 section 8)', { headers: nonceHeader(ctx.now()) })
        }
        throw new OAuthError('invalid_dpop_proof', `the DPoP proof is invalid (${'reason' in error ? String(error.reason) : error.code})`, { headers: nonceHeader(ctx.now()) })
      }
      return proof.jkt
    },
  }
}
