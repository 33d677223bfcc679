/** JWT verification (RFC 7519 §7.2) with a prepared verifier. @module */
import { checkKeyOrResolver, readObject, readOptions } from '../lib/arguments.js'
import { decodeText as decodeBase64URLText } from '../lib/base64url.js'
import { parseJSONObject } from '../lib/json.js'
import type { JotKey } from '../key/key.js'
import { verifyCompactEncoded } from '../jws/compact/verify.js'
import type { VerifiedEntry } from '../jws/verify.js'
import { prepareJWSOptions } from '../jws/header.js'
import { deepFreeze } from '../lib/freeze.js'
import { settle, then, type MaybePromise } from '../lib/maybe-promise.js'
import type { KeyResolver } from '../jws/types.js'
import { VerifiedTokenCache } from './cache.js'
import { compileClaimsValidator } from './claims.js'
import { clockFrom } from './time.js'
import type { CreateVerifierOptions, JWTClaims, VerifiedJWT, VerifyJWTOptions } from './types.js'

/**
 * Prepares a JWT verifier: options are validated and compiled once (algorithm allowlist, `crit`
 * names, claim checks); each call then decodes, checks the signature and runs the compiled checks.
 * Only the compact serialization is a JWT; JWS JSON and JWE input are rejected (RFC 8725 §3.3).
 *
 * @example
 * ```ts
 * const verify = createVerifier({ key: publicKey, issuer: 'https://issuer.example', audience: 'api' })
 * const { payload } = await verify(token)
 * ```
 */
export function createVerifier<P = JWTClaims>(options: CreateVerifierOptions): (token: string) => Promise<VerifiedJWT<P>> {
  options = readObject<CreateVerifierOptions>(options, 'options')
  const { verifySignature, validateClaims } = compileVerifier<P>(options, checkKeyOrResolver(options.key, 'options.key'))
  const verify = (token: string) => then(verifySignature(token), validateClaims)
  if (!options.cache) return (token) => settle(verify, token)
  const cache = new VerifiedTokenCache<VerifiedJWT<P>>(options.cache === true ? {} : options.cache)
  const clock = clockFrom(options.currentTime)
  const verifyCached = (token: string) => {
    const now = clock()
    const hit = typeof token === 'string' ? cache.get(token, now) : undefined
    // A hit skips decoding and the signature, never the claims: exp, nbf and maxTokenAge are
    // judged at this instant exactly as without the cache.
    if (hit) return validateClaims(hit)
    return then(verifySignature(token), (verified) => {
      validateClaims(verified)
      cache.set(token, Object.freeze({ ...verified, payload: deepFreeze(verified.payload) }), now)
      return verified
    })
  }
  return (token) => settle(verifyCached, token)
}

/** The two halves of a verifier, compiled from validated options. */
interface CompiledVerifier<P> {
  /** Decodes, checks the signature and parses the claims. */
  readonly verifySignature: (token: string) => MaybePromise<VerifiedJWT<P>>
  /** Runs the compiled claim checks at this instant; returns its argument. */
  readonly validateClaims: (verified: VerifiedJWT<P>) => VerifiedJWT<P>
}

/** `options` as read by {@link readObject} or {@link readOptions}; `key` checked. */
function compileVerifier<P>(options: VerifyJWTOptions, key: JotKey | KeyResolver): CompiledVerifier<P> {
  const jwsOptions = prepareJWSOptions(options)
  const checkClaims = compileClaimsValidator(options)
  return {
    // Ready at once where the signature check is (a local key on node:crypto), so the verifier
    // then resolves without a hop per layer.
    verifySignature: (token) => then(verifyCompactEncoded(token, key, jwsOptions), withClaims<P>),
    validateClaims: (verified) => {
      checkClaims(verified.payload, verified.header)
      return verified
    },
  }
}

/** A verified compact JWS as a JWT: its payload parsed as the claims set. */
function withClaims<P>({ signedPayload, protectedHeader, key }: VerifiedEntry): VerifiedJWT<P> {
  // Compact serialization means b64: true, so the payload is base64url text, decoded straight to JSON text.
  const claims = parseJSONObject(decodeBase64URLText(signedPayload as string), 'JWT claims set') as JWTClaims
  return { payload: claims as P & JWTClaims, header: protectedHeader ?? {}, key }
}

/**
 * Verifies a JWT: signature, algorithm, header and claims.
 *
 * @example
 * ```ts
 * const { payload, header } = await verifyJWT(token, publicKey, { issuer: 'https://issuer.example', audience: 'api' })
 * ```
 * @throws {@link JWTExpired}, {@link JWTClaimInvalid}, {@link JWSSignatureInvalid}, {@link AlgorithmNotAllowed}, …
 */
export async function verifyJWT<P = JWTClaims>(
  token: string,
  key: JotKey | KeyResolver,
  options?: VerifyJWTOptions,
): Promise<VerifiedJWT<P>> {
  // One token per verifier: a cache could never hit, so the uncached path runs, and bundles that
  // only call verifyJWT leave the cache out.
  const { verifySignature, validateClaims } = compileVerifier<P>(readOptions(options), checkKeyOrResolver(key))
  return then(verifySignature(token), validateClaims)
}
