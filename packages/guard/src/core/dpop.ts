/**
 * DPoP at the resource server (RFC 9449 §7): a token sent with `Authorization: DPoP` is accepted
 * only with a proof, for this request's method and URL, over the token's hash (`ath`), by the key
 * the token names in `cnf.jkt`. Proofs are remembered in the replay store (share one across replicas,
 * e.g. `createRedisReplayStore`), so a captured request cannot be sent again.
 *
 * `htu` is the URL the client addressed. Behind a proxy the request the guard sees has another
 * origin; `publicOrigin` says which one clients use, instead of trusting a `Host` or
 * `X-Forwarded-*` header a client can set.
 * @module
 */
import { checkDPoPBinding, createDPoPVerifier, createMemoryReplayStore, isJotError, type Duration, type Instant, type JWSAlgorithmName, type JWTClaims, type ReplayStore } from 'jotjwt'
import type { GuardError} from '../errors/errors.js';
import { InvalidDPoPProofError, InvalidTokenError, ServiceUnavailableError, UseDPoPNonceError } from '../errors/errors.js'
import { isHeaderSafeText } from '../errors/challenge.js'
import { verificationFailure } from './failure.js'
import { pathOf, type RequestReader } from './request.js'

/** Whether the guard accepts DPoP: `'off'` (Bearer only), `'allowed'` (both schemes) or `'required'` (DPoP only). */
export type DPoPMode = 'off' | 'allowed' | 'required'

/** Server nonces (RFC 9449 §9): the one to hand out now, and which ones a proof may carry. */
export interface DPoPNonceSource {
  /** The nonce sent in `DPoP-Nonce` (with `use_dpop_nonce`). */
  current(): string
  /** True for a nonce still accepted (e.g. the current and the previous one). */
  accepts(nonce: string): boolean | Promise<boolean>
}

/** Settings of DPoP proof checking. */
export interface DPoPSettings {
  /** Proof algorithms (asymmetric only). Default `['ES256', 'EdDSA', 'RS256', 'PS256']`; sent as the challenge's `algs`. */
  algorithms?: readonly JWSAlgorithmName[]
  /** Where used proofs are remembered. Default: in this process's memory (one replica only). */
  replay?: ReplayStore
  /**
   * The origin clients address (`https://api.example`): `htu` is checked against it and the request
   * path. Default: the origin the request arrived at, as the framework reports it.
   */
  publicOrigin?: string
  /** Require a server nonce in every proof. */
  nonce?: DPoPNonceSource
  /** How long after its `iat` a proof is accepted. Default 60 s. */
  maxAge?: Duration
  /** Leeway for the proof's `iat`. Default 5 s. */
  clockTolerance?: Duration
  /** The clock, for tests. */
  currentTime?: () => Instant
}

/** What the challenges need to know (`errors/response.ts`). */
export interface DPoPChallengeSettings {
  readonly mode: DPoPMode
  readonly algs: string
  readonly nonce: DPoPNonceSource | undefined
}

/** The compiled DPoP check of a guard. */
export interface DPoPCheck {
  readonly challenge: DPoPChallengeSettings
  /**
   * Checks the proof of a request that sent `token` with the DPoP scheme: the proof's thumbprint, or
   * a refusal (`invalid_dpop_proof`, `use_dpop_nonce`, or `invalid_token` for a binding mismatch).
   */
  check<R>(request: R, reader: RequestReader<R>, token: string, claims: JWTClaims): Promise<string | GuardError>
}

const DEFAULT_ALGORITHMS: readonly JWSAlgorithmName[] = ['ES256', 'EdDSA', 'RS256', 'PS256']

/**
 * Compiles the DPoP options once.
 *
 * @example
 * ```ts
 * const dpop = compileDPoP('required', { publicOrigin: 'https://api.example', replay: createRedisReplayStore(redis) })
 * ```
 * @throws TypeError for an unknown mode or a `publicOrigin` that is not an http(s) origin.
 */
export function compileDPoP(mode: DPoPMode | undefined, settings: DPoPSettings = {}): DPoPCheck {
  const resolved = mode ?? 'off'
  if (resolved !== 'off' && resolved !== 'allowed' && resolved !== 'required') throw new TypeError("dpop must be 'off', 'allowed' or 'required'")
  const algorithms = settings.algorithms ?? DEFAULT_ALGORITHMS
  const algs = algorithms.join(' ')
  if (!isHeaderSafeText(algs)) throw new TypeError('dpopSettings.algorithms must be algorithm names')
  let origin: string | undefined
  if (settings.publicOrigin !== undefined) {
    const parsed = new URL(settings.publicOrigin)
    if ((parsed.protocol !== 'https:' && parsed.protocol !== 'http:') || parsed.origin !== settings.publicOrigin.replace(/\/$/, '')) {
      throw new TypeError('dpopSettings.publicOrigin must be an http(s) origin such as https://api.example')
    }
    origin = parsed.origin
  }
  const { nonce } = settings
  const challenge: DPoPChallengeSettings = { mode: resolved, algs, nonce }
  if (resolved === 'off') return { challenge, check: () => Promise.reject(new Error('DPoP is off')) }
  const verify = createDPoPVerifier({
    algorithms,
    replay: settings.replay ?? createMemoryReplayStore(),
    ...(settings.maxAge === undefined ? {} : { maxAge: settings.maxAge }),
    ...(settings.clockTolerance === undefined ? {} : { clockTolerance: settings.clockTolerance }),
    ...(settings.currentTime === undefined ? {} : { currentTime: settings.currentTime }),
    ...(nonce === undefined ? {} : { nonce: (value: string) => nonce.accepts(value) }),
  })

  return {
    challenge,
    async check(request, reader, token, claims) {
      const proof = reader.dpop?.(request)
      // §4.3 item 1: exactly one DPoP header.
      if (proof === undefined) return new InvalidDPoPProofError('the DPoP proof is missing')
      if (typeof proof !== 'string') return new InvalidDPoPProofError('more than one DPoP proof')
      const base = origin ?? reader.origin?.(request)
      if (base === undefined) return new InvalidDPoPProofError('the request URL is unknown (set dpopSettings.publicOrigin)')
      let jkt: string
      try {
        ;({ jkt } = await verify(proof, { method: reader.method(request), url: base + pathOf(reader.url(request)) /* §4.2: no query or fragment in htu */, accessToken: token }))
      } catch (error) {
        if (isJotError(error) && error.code === 'ERR_DPOP_NONCE_REQUIRED') return new UseDPoPNonceError('a DPoP nonce is required')
        if (isJotError(error) && error.code === 'ERR_DPOP_PROOF_INVALID') return new InvalidDPoPProofError('the DPoP proof is invalid', error.message)
        if (isJotError(error)) return verificationFailure(error)
        // The replay store failed (Redis down): no verdict on the proof.
        return new ServiceUnavailableError('the DPoP replay store is unavailable', 'the replay check failed', { cause: error })
      }
      try {
        checkDPoPBinding(claims, jkt)
      } catch (error) {
        if (!isJotError(error)) throw error
        // RFC 9449 §7.1 Figure 16: a proof by another key than the token's is invalid_token.
        return new InvalidTokenError('the access token is not bound to the DPoP proof key', error.message, { scheme: 'DPoP' })
      }
      return jkt
    },
  }
}
