/**
 * jot's token service (`jotjwt serve`). See the package README for what it serves and how to run it.
 * @module
 */
export { configSchema, type ServiceConfig, type ServiceConfigInput } from './config/schema.js'
export { hashSecret, isSecretHash } from './crypto/secret-hash.js'
export { OAuthError, type OAuthErrorCode } from './oauth/errors.js'
export type { ClientRecord, Store } from './store/store.js'
export { StoreConflict, StoreUnavailable } from './store/store.js'
