/** Public DPoP types and defaults. @module */
import type { JWSAlgorithmName } from '../jwa/signing.js'
import type { JWSHeaderParameters } from '../jws/types.js'
import type { Instant, JWTClaims } from '../jwt/types.js'
import type { JWK } from '../key/jwk.js'
import type { JotKey } from '../key/key.js'
import type { Duration } from '../lib/duration.js'
import type { MaybePromise } from '../lib/maybe-promise.js'
import type { ReplayStore } from './replay.js'

/** Default `maxAge`: a proof is accepted for one minute after its `iat` (RFC 9449 §11.1: "seconds or minutes"). */
export const DEFAULT_DPOP_MAX_AGE = 60

/** Default `clockTolerance`: five seconds of clock difference with the client, either way (§11.1 note). */
export const DEFAULT_DPOP_CLOCK_TOLERANCE = 5

/**
 * The nonce a proof must carry (RFC 9449 §4.3 item 10, §8, §9): the exact value, or a function that
 * accepts the server's current nonces (e.g. the last two it issued).
 */
export type DPoPNonceCheck = string | ((nonce: string) => MaybePromise<boolean>)

/** Options of {@link createDPoPVerifier}: the server's policy, fixed for every request. */
export interface DPoPVerifierOptions {
  /** The asymmetric JWS algorithms accepted for proofs (RFC 9449 §4.3 item 5). Required. */
  algorithms: readonly JWSAlgorithmName[]
  /**
   * Where accepted proofs are remembered so none is accepted twice (§11.1): a {@link ReplayStore}
   * (e.g. {@link createMemoryReplayStore}), or `false` to accept replays within `maxAge`. Required,
   * so that turning replay detection off is a visible decision.
   */
  replay: ReplayStore | false
  /** How long after its `iat` a proof is accepted: seconds or a duration. Default {@link DEFAULT_DPOP_MAX_AGE}. */
  maxAge?: Duration
  /** Leeway for clock differences, applied to `iat` both ways (and `exp`, `nbf`). Default {@link DEFAULT_DPOP_CLOCK_TOLERANCE}. */
  clockTolerance?: Duration
  /** Require this nonce in every proof (a request's own `nonce` replaces it). */
  nonce?: DPoPNonceCheck
  /** Longest proof accepted, in characters. Default {@link DEFAULT_MAX_TOKEN_LENGTH} (16 KiB). */
  maxTokenLength?: number
  /** The clock, for tests: seconds since the epoch or a Date, or a function returning one. */
  currentTime?: Instant | (() => Instant)
}

/** The request a proof arrived with. */
export interface DPoPRequest {
  /** The request's HTTP method, as received. */
  method: string
  /** The request's full URL (scheme and host as the client addressed them, e.g. behind a proxy). */
  url: string | URL
  /** The access token of the request (`Authorization: DPoP …`): the proof must carry its hash, `ath`. */
  accessToken?: string
  /** The nonce required of this proof, replacing the verifier's `nonce`. */
  nonce?: DPoPNonceCheck
}

/** Options of {@link verifyDPoPProof}: the verifier's policy and the request together. */
export interface VerifyDPoPProofOptions extends DPoPVerifierOptions, DPoPRequest {}

/** The claims of a verified proof (RFC 9449 §4.2). */
export interface DPoPProofClaims extends JWTClaims {
  jti: string
  htm: string
  htu: string
  iat: number
  ath?: string
  nonce?: string
}

/** A verified DPoP proof. */
export interface VerifiedDPoPProof {
  /** RFC 7638 SHA-256 thumbprint of the proof's key: what `cnf.jkt` and `dpop_jkt` name (§6.1, §10). */
  jkt: string
  /** The public key from the `jwk` header (frozen). */
  jwk: JWK
  /** That key, imported for the proof's `alg`. */
  key: JotKey
  /** The protected header (frozen). */
  header: JWSHeaderParameters
  payload: DPoPProofClaims
}
