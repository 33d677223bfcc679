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

import * as runtime from '#runtime'
/**
 * Which crypto backend this build runs on: `node` (node:crypto) or `webcrypto` (crypto.subtle).
 *
 * @example
 * ```ts
 * if (cryptoBackend === 'webcrypto') console.log('ES256K is unavailable here')
 * ```
 */
export const cryptoBackend: 'node' | 'webcrypto' = runtime.name

// Key sets, OIDC, access tokens and issuer key lifecycle.
export { MAX_CANDIDATE_KEYS } from './jws/verify.js'
export type { KeyCandidates } from './jws/types.js'
export type {
  KeySetEvent,
  KeySetFetchReason,
  KeySetOptions,
  KeySetState,
  RemoteKeySet,
  RemoteKeySetOptions,
} from './jwks/types.js'
export { createLocalKeySet } from './jwks/local.js'
export { createRemoteKeySet } from './jwks/remote.js'
export { createEmbeddedJWKResolver, type EmbeddedJWKOptions } from './jwks/embedded.js'
export {
  createOIDCKeySet,
  discoverOIDCProvider,
  type DiscoveryOptions,
  type OIDCProviderMetadata,
} from './oidc/discovery.js'
export {
  createIdTokenVerifier,
  verifyIdToken,
  type IdTokenCheck,
  type IdTokenClaims,
  type IdTokenVerifierOptions,
} from './oidc/id-token.js'
export {
  createAccessTokenVerifier,
  verifyAccessToken,
  type AccessTokenClaims,
  type AccessTokenVerifierOptions,
  type VerifiedAccessToken,
} from './jwt/access-token.js'
export { hasScopes, scopesOf } from './jwt/scope.js'
export {
  createKeyManager,
  keyState,
  type KeyManager,
  type KeyManagerOptions,
  type KeyState,
  type ManagedKeyInfo,
} from './keys/lifecycle.js'
export {
  createFileKeyStore,
  createMemoryKeyStore,
  type KeyStore,
  type KeyStoreFileSystem,
  type KeyStoreSnapshot,
  type StoredKey,
} from './keys/store.js'

// JWE (RFC 7516; algorithms RFC 7518 §4–5, RFC 8037 §3.2) and encrypted JWTs.
export type { KeyAlgorithmName } from './key/key.js'
export { CONTENT_ENCRYPTION_NAMES as JWE_CONTENT_ENCRYPTION_NAMES, type ContentEncryptionName } from './jwa/content-encryption.js'
export { KEY_MANAGEMENT_NAMES as JWE_KEY_MANAGEMENT_NAMES, type KeyManagementAlgorithmName } from './jwa/key-management.js'
export {
  DEFAULT_MAX_DECOMPRESSED_LENGTH,
  DEFAULT_MAX_PBES2_COUNT,
  MAX_DECOMPRESSED_LENGTH_LIMIT,
  type DecryptedJWE,
  type DecryptJWEOptions,
  type EncryptJWEOptions,
  type FlattenedJWE,
  type GeneralJWE,
  type JWEHeaderParameters,
  type JWEKeyResolver,
  type JWESerialization,
  type UnsafeFixedInputs,
} from './jwe/types.js'
export { encryptCompactJWE } from './jwe/compact/encrypt.js'
export { decryptCompactJWE } from './jwe/compact/decrypt.js'
export { encryptFlattenedJWE, type EncryptFlattenedJWEOptions, type EncryptJSONJWEOptions } from './jwe/flattened/encrypt.js'
export { decryptFlattenedJWE } from './jwe/flattened/decrypt.js'
export { encryptGeneralJWE, type GeneralJWERecipient } from './jwe/general/encrypt.js'
export { decryptGeneralJWE } from './jwe/general/decrypt.js'
export {
  encryptJWT,
  signAndEncryptJWT,
  type EncryptJWTOptions,
  type JWTEncryptionOptions,
  type SignAndEncryptJWTOptions,
} from './jwt/encrypt.js'
export {
  decryptAndVerifyJWT,
  decryptJWT,
  type DecryptAndVerifyJWTOptions,
  type DecryptedJWT,
  type DecryptedNestedJWT,
  type DecryptJWTOptions,
} from './jwt/decrypt.js'
