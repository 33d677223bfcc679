/**
 * jot's token service (`jotjwt serve`). See the package README for what it serves and how to run it.
 * @module
 */
export { configSchema, type ServiceConfig, type ServiceConfigInput, type UpstreamConfig } from './config/schema.js'
export { ConfigError, loadConfig, type ConfigOverrides, type LoadConfigOptions } from './config/load.js'
export { hashSecret, isSecretHash } from './crypto/secret-hash.js'
export { OAuthError, type OAuthErrorCode } from './oauth/errors.js'
export type {
  AuthorizationCodeRecord,
  ClientRecord,
  GrantRecord,
  KeyRecordSnapshot,
  RefreshTokenRecord,
  RefreshTokenSuccessor,
  SessionRecord,
  Store,
  StoreHealth,
  UpstreamAccountRecord,
  UserRecord,
} from './store/store.js'
export { StoreConflict, StoreInvalidKey, StoreUnavailable } from './store/store.js'
export { openStore } from './store/index.js'
export { createSqliteStore, type SqliteStoreOptions } from './store/sqlite.js'
export { createPostgresStore, type PostgresStoreOptions } from './store/postgres.js'
export { createEncryptedKeyStore } from './keys/key-store.js'
export type { BrowserRequest, BrowserResponse, OAuthRequest, OAuthResponse, ServiceContext } from './service/context.js'
export type { LoginProvider, LoginRequest, LoginUser } from './login/provider.js'
export { buildApp, type AppOptions } from './http/app.js'
export { jwksResponse } from './keys/jwks-response.js'
export { startService, type RunningService, type StartOptions } from './service/service.js'
export { openKeyAdministration, type KeyAdministration, type SigningKeyInfo } from './service/keys-admin.js'
export type { DemoApp, DemoClient, DemoUser, DevMode } from './service/dev.js'
export { startupBanner } from './service/banner.js'
