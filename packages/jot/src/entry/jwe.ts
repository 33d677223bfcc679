/**
 * `jot/jwe`: JSON Web Encryption (RFC 7516; algorithms RFC 7518 §4–5, RFC 8037 §3.2) in the
 * compact, flattened and general serializations, and encrypted and nested JWTs (RFC 7519 §5.2).
 *
 * @example
 * ```ts
 * import { encryptJWT, decryptJWT } from 'jotjwt/jwe'
 * const token = await encryptJWT({ sub: 'user-42' }, publicKey, { audience: 'api', expiresIn: '15m', enc: 'A256GCM' })
 * const { payload } = await decryptJWT(token, privateKey, { audience: 'api' })
 * ```
 * @module
 */
export type { KeyAlgorithmName } from '../key/key.js'
export { CONTENT_ENCRYPTION_NAMES as JWE_CONTENT_ENCRYPTION_NAMES, type ContentEncryptionName } from '../jwa/content-encryption.js'
export { KEY_MANAGEMENT_NAMES as JWE_KEY_MANAGEMENT_NAMES, type KeyManagementAlgorithmName } from '../jwa/key-management.js'
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
} from '../jwe/types.js'
export { encryptCompactJWE } from '../jwe/compact/encrypt.js'
export { decryptCompactJWE } from '../jwe/compact/decrypt.js'
export { encryptFlattenedJWE, type EncryptFlattenedJWEOptions, type EncryptJSONJWEOptions } from '../jwe/flattened/encrypt.js'
export { decryptFlattenedJWE } from '../jwe/flattened/decrypt.js'
export { encryptGeneralJWE, type GeneralJWERecipient } from '../jwe/general/encrypt.js'
export { decryptGeneralJWE } from '../jwe/general/decrypt.js'
export {
  encryptJWT,
  signAndEncryptJWT,
  type EncryptJWTOptions,
  type JWTEncryptionOptions,
  type SignAndEncryptJWTOptions,
} from '../jwt/encrypt.js'
export {
  decryptAndVerifyJWT,
  decryptJWT,
  type DecryptAndVerifyJWTOptions,
  type DecryptedJWT,
  type DecryptedNestedJWT,
  type DecryptJWTOptions,
} from '../jwt/decrypt.js'
