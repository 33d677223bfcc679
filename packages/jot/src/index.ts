/**
 * jot: JSON Web Tokens done right. JWS (RFC 7515), JWT (RFC 7519), JWK (RFC 7517) and thumbprints
 * (RFC 7638, RFC 9278), strict and safe by default.
 *
 * @example
 * ```ts
 * import { generateKeyPair, signJWT, verifyJWT } from 'jot'
 * const { privateKey, publicKey } = await generateKeyPair('ES256')
 * const token = await signJWT({ sub: 'user-1' }, privateKey, { expiresIn: '15m', audience: 'api' })
 * const { payload } = await verifyJWT(token, publicKey, { audience: 'api' })
 * ```
 * @module
 */
export * from './errors.js'
export * as base64url from './lib/base64url.js'
export type { Duration } from './lib/duration.js'
export type { Curve } from './jwa/curves.js'
export { JWS_ALGORITHM_NAMES, type JWSAlgorithmName } from './jwa/signing.js'

export { JotKey, isJotKey } from './key/key.js'
export type { JWK, JWKSet } from './key/jwk.js'
export { importKey, importJWK, importPEM, importSecret, type ImportKeyOptions, type KeyInput } from './key/import.js'
export { exportJWK, exportPEM, toPublicKey } from './key/export.js'
export { generateKeyPair, generateSecret, type GenerateKeyPairOptions } from './key/generate.js'
export { jwkThumbprint, jwkThumbprintUri, type ThumbprintHash } from './jwk/thumbprint.js'

export {
  DEFAULT_MAX_TOKEN_LENGTH,
  type FlattenedJWS,
  type GeneralJWS,
  type JWSHeaderParameters,
  type JWSSerialization,
  type KeyResolver,
  type SignJWSOptions,
  type VerifiedJWS,
  type VerifyJWSOptions,
} from './jws/types.js'
export { signCompactJWS } from './jws/compact/sign.js'
export { verifyCompactJWS, type VerifyCompactJWSOptions } from './jws/compact/verify.js'
export { signFlattenedJWS, type SignFlattenedJWSOptions } from './jws/flattened/sign.js'
export { verifyFlattenedJWS, type VerifyJSONJWSOptions } from './jws/flattened/verify.js'
export { signGeneralJWS, type GeneralJWSSigner } from './jws/general/sign.js'
export { verifyGeneralJWS } from './jws/general/verify.js'

export type {
  CreateSignerOptions,
  CreateVerifierOptions,
  Instant,
  JWTClaimOptions,
  JWTClaims,
  SignJWTOptions,
  VerifiedJWT,
  VerifyJWTOptions,
} from './jwt/types.js'
export { createSigner, signJWT } from './jwt/sign.js'
export { createVerifier, verifyJWT } from './jwt/verify.js'
export { decodeJWTUnverified } from './jwt/decode.js'
export { encodeUnsecuredJWT, decodeUnsecuredJWT } from './jwt/unsecured.js'

import { runtime } from '#runtime'
/**
 * Which crypto backend this build runs on: `node` (node:crypto) or `webcrypto` (crypto.subtle).
 *
 * @example
 * ```ts
 * if (cryptoBackend === 'webcrypto') console.log('ES256K is unavailable here')
 * ```
 */
export const cryptoBackend: 'node' | 'webcrypto' = runtime.name
