/**
 * `jot/keys`: importing, generating and exporting keys (JWK RFC 7517, PEM, DER), thumbprints (RFC 7638,
 * RFC 9278) and the issuer key lifecycle (rotation, storage).
 *
 * @example
 * ```ts
 * import { generateKeyPair, exportJWK, jwkThumbprint } from 'jotjwt/keys'
 * const { publicKey } = await generateKeyPair('ES256')
 * const jwk = { ...(await exportJWK(publicKey)), kid: await jwkThumbprint(publicKey) }
 * ```
 * @module
 */
import * as runtime from '#runtime'

export type { Duration } from '../lib/duration.js'
export type { Curve } from '../jwa/curves.js'
export { JotKey, isJotKey, type KeyAlgorithmName } from '../key/key.js'
export type { JWK, JWKSet } from '../key/jwk.js'
export {
  importKey,
  importJWK,
  importPEM,
  importDER,
  importSecret,
  inspectPEM,
  inspectDER,
  type ImportKeyOptions,
  type KeyInput,
  type PEMKeyInfo,
} from '../key/import.js'
export { inspectKeyMaterial, type DERKeyStructure, type KeyMaterialInfo } from '../key/material.js'
export { exportJWK, exportPEM, toPublicKey } from '../key/export.js'
export { generateKeyPair, generateSecret, type GenerateKeyPairOptions } from '../key/generate.js'
export { jwkThumbprint, jwkThumbprintUri, type ThumbprintHash } from '../jwk/thumbprint.js'
export {
  createKeyManager,
  keyState,
  type KeyManager,
  type KeyManagerOptions,
  type KeyState,
  type ManagedKeyInfo,
} from '../keys/lifecycle.js'
export {
  createFileKeyStore,
  createMemoryKeyStore,
  type KeyStore,
  type KeyStoreFileSystem,
  type KeyStoreSnapshot,
  type StoredKey,
} from '../keys/store.js'

/**
 * Which crypto backend this build runs on: `node` (node:crypto) or `webcrypto` (crypto.subtle),
 * chosen by package.json conditions.
 *
 * @example
 * ```ts
 * if (cryptoBackend === 'webcrypto') console.log('ES256K is unavailable here')
 * ```
 */
export const cryptoBackend: 'node' | 'webcrypto' = runtime.name
