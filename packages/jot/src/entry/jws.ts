/**
 * `jot/jws`: JSON Web Signatures (RFC 7515) in the compact, flattened and general serializations,
 * with unencoded payloads (RFC 7797). Importing from here never pulls JWE code into a bundle.
 *
 * @example
 * ```ts
 * import { signCompactJWS, verifyCompactJWS } from 'jotjwt/jws'
 * import { generateSecret } from 'jotjwt/keys'
 * const key = await generateSecret('HS256')
 * const { payload } = await verifyCompactJWS(await signCompactJWS('hello', key), key)
 * ```
 * @module
 */
export * as base64url from '../lib/base64url-public.js'
export { JWS_ALGORITHM_NAMES, type JWSAlgorithmName } from '../jwa/signing.js'
export {
  DEFAULT_MAX_TOKEN_LENGTH,
  type FlattenedJWS,
  type GeneralJWS,
  type JWSHeaderParameters,
  type JWSSerialization,
  type KeyCandidates,
  type KeyResolver,
  type SignJWSOptions,
  type VerifiedJWS,
  type VerifyJWSOptions,
} from '../jws/types.js'
export { MAX_CANDIDATE_KEYS } from '../jws/verify.js'
export { signCompactJWS } from '../jws/compact/sign.js'
export { verifyCompactJWS, type VerifyCompactJWSOptions } from '../jws/compact/verify.js'
export { signFlattenedJWS, type SignFlattenedJWSOptions } from '../jws/flattened/sign.js'
export { verifyFlattenedJWS, type VerifyJSONJWSOptions } from '../jws/flattened/verify.js'
export { signGeneralJWS, type GeneralJWSSigner } from '../jws/general/sign.js'
export { verifyGeneralJWS } from '../jws/general/verify.js'
