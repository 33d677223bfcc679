/**
 * Checking DPoP proofs (RFC 9449 §4.3), for authorization and resource servers: options checked
 * once, then per proof the JWS layer (length, header rules, `alg` allowlist, signature by the
 * proof's own key, dpop/key.ts) and the claims. Item 1 of §4.3 (one `DPoP` header field) is the
 * caller's: pass the single field value.
 * @module
 */
import * as runtime from '#runtime'
import { DPoPNonceRequired, DPoPProofInvalid, InvalidArgument, isJotError, quote, type DPoPProofFailure } from '../errors.js'
import { table } from '../jwa/curves.js'
import { jwsAlgorithm, type JWSAlgorithmName } from '../jwa/signing.js'
import { verifyCompactEncoded } from '../jws/compact/verify.js'
import { prepareJWSOptions } from '../jws/header.js'
import type { JWSHeaderParameters } from '../jws/types.js'
import { compileClaimsValidator } from '../jwt/claims.js'
import { clockFrom } from '../jwt/time.js'
import { decodeText as decodeBase64URLText, encode as encodeBase64URL } from '../lib/base64url.js'
import { readObject } from '../lib/arguments.js'
import { toSeconds } from '../lib/duration.js'
import { parseJSONObject } from '../lib/json.js'
import { encodeUtf8 } from '../lib/utf8.js'
import { accessTokenHash } from './ath.js'
import { checkMethod } from './htm.js'
import { normalizeHtu } from './htu.js'
import { importProofKey, type ProofKey } from './key.js'
import type { ReplayStore } from './replay.js'
import {
  DEFAULT_DPOP_CLOCK_TOLERANCE,
  DEFAULT_DPOP_MAX_AGE,
  type DPoPNonceCheck,
  type DPoPProofClaims,
  type DPoPRequest,
  type DPoPVerifierOptions,
  type VerifiedDPoPProof,
  type VerifyDPoPProofOptions,
} from './types.js'

/** The claims every proof carries (RFC 9449 §4.2). */
const REQUIRED_CLAIMS = ['jti', 'htm', 'htu', 'iat']

/** Failures of the JWS layer, by code, as proof failures; any other error passes unchanged. */
const JWS_FAILURES: Readonly<Record<string, DPoPProofFailure>> = /* @__PURE__ */ table({
  ERR_TOKEN_TOO_LARGE: 'malformed',
  ERR_JWS_INVALID: 'malformed',
  ERR_JWS_CRIT_UNSUPPORTED: 'malformed',
  ERR_BASE64URL_INVALID: 'malformed',
  ERR_JSON_INVALID: 'malformed',
  ERR_JSON_DUPLICATE_MEMBER: 'malformed',
  ERR_ALG_NOT_ALLOWED: 'alg',
  ERR_JWS_SIGNATURE_INVALID: 'signature',
  ERR_KEY_INVALID: 'jwk',
  ERR_KEY_ALG_MISMATCH: 'jwk',
  ERR_KEY_TOO_WEAK: 'jwk',
  ERR_KEY_USAGE_INVALID: 'jwk',
  ERR_NOT_SUPPORTED: 'jwk',
})

/** Failures of the shared claim checks: wrong types and missing claims, and the time window. */
function claimFailure(error: unknown): unknown {
  if (!isJotError(error)) return error
  switch (error.code) {
    case 'ERR_JWT_EXPIRED':
      return new DPoPProofInvalid('the proof is too old ("iat" or "exp")', 'stale', { cause: error })
    case 'ERR_JWT_NOT_YET_VALID':
      return new DPoPProofInvalid('the proof is not valid yet ("nbf")', 'future', { cause: error })
    case 'ERR_JWT_CLAIM_INVALID':
      if (error.reason === 'future') return new DPoPProofInvalid('the proof\'s "iat" is in the future', 'future', { cause: error })
      return new DPoPProofInvalid(error.message, 'claims', { cause: error })
    case 'ERR_JWT_CLAIM_MISSING':
      return new DPoPProofInvalid(error.message, 'claims', { cause: error })
    default:
      return error
  }
}

function jwsFailure(error: unknown): unknown {
  const reason = isJotError(error) ? JWS_FAILURES[error.code] : undefined
  return reason === undefined ? error : new DPoPProofInvalid((error as Error).message, reason, { cause: error })
}

/** Every asymmetric JWS algorithm name, checked once at compile time (§4.2: never `none`, never a MAC). */
function checkAlgorithms(algorithms: unknown): readonly JWSAlgorithmName[] {
  if (!Array.isArray(algorithms) || algorithms.length === 0) {
    throw new InvalidArgument('algorithms must list the JWS algorithms accepted for DPoP proofs, e.g. ["ES256"]')
  }
  for (const name of algorithms) {
    const algorithm = jwsAlgorithm(name)
    if (!algorithm) throw new InvalidArgument(`algorithms: unknown JWS algorithm ${quote(name)}`)
    if (algorithm.kty === 'oct') throw new InvalidArgument(`algorithms: ${algorithm.name} is a MAC; DPoP proofs are signed with asymmetric keys`)
  }
  return algorithms
}

function checkNonce(nonce: unknown, name: string): DPoPNonceCheck | undefined {
  if (nonce !== undefined && typeof nonce !== 'function' && (typeof nonce !== 'string' || nonce === '')) {
    throw new InvalidArgument(`${name} must be a non-empty string or a function`)
  }
  return nonce as DPoPNonceCheck | undefined
}

/** The single-use id of a proof: its key and `jti`, hashed to a fixed size (see dpop/replay.ts). */
async function replayId(jkt: string, jti: string): Promise<string> {
  // A thumbprint is base64url, so "." cannot occur in it: the pair is unambiguous.
  return encodeBase64URL(await runtime.digest('SHA-256', encodeUtf8(`${jkt}.${jti}`)))
}

/**
 * Prepares a DPoP proof verifier (RFC 9449 §4.3): the algorithm allowlist, time window, nonce policy
 * and replay store are checked once; each call then checks one proof against its request: compact
 * JWS of bounded length, `typ` `dpop+jwt`, `alg` from the allowlist, signature by the public `jwk`
 * of the header, `jti`, `htm`, `htu`, `iat` present, `htm` equal to the method, `htu` equal to the
 * URL as normalized by RFC 3986 §6 without query and fragment, `iat` no older than `maxAge` and not
 * in the future (each with `clockTolerance`), `ath` equal to the hash of the access token when one
 * is given, the nonce when one is required, and last, `jti` unused, recorded in the replay store.
 * Keys of proofs whose header was seen recently are reused, not imported again.
 *
 * The result's `jkt` identifies the key: compare it with the access token's `cnf.jkt`
 * ({@link checkDPoPBinding}) before granting access (§7.1).
 *
 * @example
 * ```ts
 * const verifyProof = createDPoPVerifier({ algorithms: ['ES256', 'EdDSA'], replay: createMemoryReplayStore() })
 * // per request:
 * const { jkt } = await verifyProof(req.headers.dpop, { method: req.method, url: 'https://api.example/orders', accessToken })
 * checkDPoPBinding(accessTokenClaims, jkt)
 * ```
 * @throws (per call) {@link DPoPProofInvalid} with a `reason`, {@link DPoPNonceRequired}; the
 *   replay store's own errors unchanged; {@link InvalidArgument} for a malformed request argument.
 */
export function createDPoPVerifier(options: DPoPVerifierOptions): (proof: string, request: DPoPRequest) => Promise<VerifiedDPoPProof> {
  options = readObject<DPoPVerifierOptions>(options, 'options')
  const algorithms = checkAlgorithms(options.algorithms)
  const { replay } = options
  if (replay !== false && typeof (replay as Partial<ReplayStore> | undefined)?.useOnce !== 'function') {
    throw new InvalidArgument('replay must be a ReplayStore (e.g. createMemoryReplayStore()) or false')
  }
  const maxAge = toSeconds(options.maxAge ?? DEFAULT_DPOP_MAX_AGE, 'maxAge')
  const tolerance = toSeconds(options.clockTolerance ?? DEFAULT_DPOP_CLOCK_TOLERANCE, 'clockTolerance')
  const requiredNonce = checkNonce(options.nonce, 'nonce')
  const jwsOptions = prepareJWSOptions({ algorithms, ...(options.maxTokenLength === undefined ? {} : { maxTokenLength: options.maxTokenLength }) })
  const checkClaims = compileClaimsValidator({
    requiredClaims: REQUIRED_CLAIMS,
    requireExpiration: false,
    maxTokenAge: maxAge,
    clockTolerance: tolerance,
    acceptAnyAudience: true,
    ...(options.currentTime === undefined ? {} : { currentTime: options.currentTime }),
  })
  const clock = clockFrom(options.currentTime)

  // Checked headers are remembered by their encoding (jws/verify.ts), so a client's proofs share one
  // frozen header object while it stays remembered: the key imported for it is kept as long.
  const keys = new WeakMap<object, Promise<ProofKey>>()
  const keyFor = (header: Readonly<JWSHeaderParameters>): Promise<ProofKey> => {
    let pending = keys.get(header)
    if (pending === undefined) {
      pending = importProofKey(header)
      keys.set(header, pending)
      pending.catch(() => keys.delete(header))
    }
    return pending
  }

  return async (proof, request) => {
    request = readObject<DPoPRequest>(request, 'the request')
    const method = checkMethod(request.method)
    const htu = normalizeHtu(request.url)
    if (htu === undefined) throw new InvalidArgument('the request url must be an absolute http(s) URL')
    const { accessToken } = request
    if (accessToken !== undefined && (typeof accessToken !== 'string' || accessToken === '')) {
      throw new InvalidArgument('accessToken must be a non-empty string')
    }
    const nonce = checkNonce(request.nonce, 'the request nonce') ?? requiredNonce
    // The proof is the request's DPoP header: absent, or repeated (a list), it is no proof (§4.3 items 1, 2).
    if (typeof proof !== 'string') throw new DPoPProofInvalid('the proof must be the one value of the DPoP header', 'malformed')

    let proofKey: ProofKey | undefined
    let header: JWSHeaderParameters
    let payload: DPoPProofClaims
    try {
      const verified = await verifyCompactEncoded(proof, async (joint) => (proofKey = await keyFor(joint)).key, jwsOptions)
      header = verified.protectedHeader ?? {}
      payload = parseJSONObject(decodeBase64URLText(verified.signedPayload as string), 'DPoP proof claims') as DPoPProofClaims
    } catch (error) {
      throw jwsFailure(error)
    }
    const { key, jwk, jkt } = proofKey!

    try {
      checkClaims(payload, header)
    } catch (error) {
      throw claimFailure(error)
    }
    for (const name of ['htm', 'htu', 'ath', 'nonce'] as const) {
      if (payload[name] !== undefined && typeof payload[name] !== 'string') {
        throw new DPoPProofInvalid(`"${name}" must be a string`, 'claims')
      }
    }
    if (payload.jti === '') throw new DPoPProofInvalid('"jti" must not be empty', 'claims')
    if (payload.htm !== method) throw new DPoPProofInvalid('"htm" is not the method of the request', 'htm')
    if (normalizeHtu(payload.htu) !== htu) throw new DPoPProofInvalid('"htu" is not the URL of the request', 'htu')
    if (accessToken !== undefined) {
      if (payload.ath === undefined) throw new DPoPProofInvalid('the proof has no "ath" for the access token', 'ath')
      if (payload.ath !== (await accessTokenHash(accessToken))) throw new DPoPProofInvalid('"ath" is not the hash of the access token', 'ath')
    }
    if (nonce !== undefined) {
      // RFC 9449 §11.3: once a nonce is required, a proof without one is never accepted.
      if (payload.nonce === undefined) throw new DPoPNonceRequired('the proof has no "nonce"', 'missing')
      const accepted = typeof nonce === 'string' ? payload.nonce === nonce : await nonce(payload.nonce)
      if (accepted !== true) throw new DPoPNonceRequired('the proof\'s "nonce" is not a current one', 'mismatch')
    }
    if (replay !== false) {
      // Remembered while the proof could still be accepted: until iat + maxAge + tolerance has passed.
      const expiresAt = Math.floor(payload.iat) + maxAge + tolerance + 1
      if (!(await replay.useOnce(await replayId(jkt, payload.jti), expiresAt, clock()))) {
        throw new DPoPProofInvalid('the proof was used before ("jti")', 'replay')
      }
    }
    return { jkt, jwk, key, header, payload }
  }
}

/**
 * Verifies one DPoP proof; see {@link createDPoPVerifier}, which is the form for a server (its
 * options are checked once, and keys of repeat clients are reused).
 *
 * @example
 * ```ts
 * const { jkt, payload } = await verifyDPoPProof(proof, {
 *   method: 'POST', url: 'https://as.example/token', algorithms: ['ES256'], replay: store,
 * })
 * ```
 */
export async function verifyDPoPProof(proof: string, options: VerifyDPoPProofOptions): Promise<VerifiedDPoPProof> {
  return createDPoPVerifier(options)(proof, options)
}
