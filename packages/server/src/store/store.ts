/**
 * The token service's one storage interface. Every backend (`sqlite.ts`, `postgres.ts`) implements
 * exactly this, and everything above it (key manager, client authentication, revocation, replay
 * protection) is written against it only, so the same test suite runs on each backend.
 *
 * Rules every backend keeps:
 * - Operations that decide something (`useOnce`, `saveKeys`) are atomic in the database itself
 *   (a unique index or a conditional update), never read-then-write in JavaScript: replicas share
 *   one database.
 * - A failure of the database (unreachable, timed out, locked) surfaces as {@link StoreUnavailable},
 *   which the HTTP layer answers with 503 and `Retry-After`; nothing else about the database leaks.
 * - Times are seconds since the epoch (as in JWT claims), passed in by the caller: the store has no
 *   clock of its own, so tests drive time.
 * - Secrets never reach the store in the clear: client secrets arrive hashed, private keys arrive
 *   encrypted (see `crypto/`).
 * - Keys (client ids, `jti`s, single-use namespaces and ids) are well-formed Unicode without U+0000
 *   (see `storable.ts`): writes refuse others with {@link StoreInvalidKey}, lookups find nothing.
 * - An entry with an `expiresAt` is dead from that second on (RFC 7519 §4.1.4: a JWT is not accepted
 *   "on or after" its `exp`).
 * @module
 */

/** A registered OAuth client (RFC 6749 §2), as stored. */
export interface ClientRecord {
  clientId: string
  /** Display name, for logs and consent screens. */
  name?: string
  /**
   * RFC 7591 §2 `token_endpoint_auth_method`: how the client authenticates at the token endpoint.
   * `none` marks a public client (part 2).
   */
  authMethod: 'client_secret_basic' | 'client_secret_post' | 'private_key_jwt' | 'none'
  /** The secret's slow-KDF hash (`crypto/secret-hash.ts` format); absent for key-authenticated clients. */
  secretHash?: string
  /** For `private_key_jwt`: the client's public keys (a JWK Set) or where to fetch them. */
  jwks?: { keys: Record<string, unknown>[] }
  jwksUri?: string
  /** Grants it may use (part 1: `client_credentials`). */
  grantTypes: string[]
  /** Scopes it may ask for; a request for any other scope is `invalid_scope`. */
  scopes: string[]
  /** RFC 8707 resource indicators (token audiences) it may ask for; any other is `invalid_target`. */
  resources: string[]
  /** The audience used when the request names no `resource`; one of `resources`. */
  defaultResource?: string
  /** JWS algorithm of its access tokens, when not the service default. */
  accessTokenAlg?: string
  /** Access token lifetime in seconds, when not the service default. */
  accessTokenTtl?: number
  /** Extra claims put into its access tokens (reserved claims can never be overridden). */
  extraClaims?: Record<string, unknown>
  createdAt: number
  updatedAt: number
}

/** The persisted key list of the key manager, encrypted as a whole, with its compare-and-swap version. */
export interface KeyRecordSnapshot {
  /** Opaque ciphertext (the encrypted `StoredKey[]`), or undefined before the first save. */
  data: string | undefined
  /** Changes with every save; `'0'` before the first one. */
  version: string
}

/** Operational counters for `/ready` and tests. */
export interface StoreHealth {
  backend: 'sqlite' | 'postgres'
  /** Highest migration applied. */
  schemaVersion: number
}

export interface Store {
  readonly backend: 'sqlite' | 'postgres'

  /** Applies pending versioned migrations (idempotent; safe when several replicas start at once). */
  migrate(): Promise<void>
  /** Cheap round trip to the database, for `/ready`. Throws {@link StoreUnavailable}. */
  health(): Promise<StoreHealth>
  close(): Promise<void>

  // Clients
  getClient(clientId: string): Promise<ClientRecord | undefined>
  /** Inserts or replaces the client by `clientId`. */
  putClient(client: ClientRecord): Promise<void>
  listClients(): Promise<ClientRecord[]>
  /** True when a client was deleted. */
  deleteClient(clientId: string): Promise<boolean>

  // Signing keys (the library's key manager persists through this, see keys/key-store.ts)
  loadKeys(): Promise<KeyRecordSnapshot>
  /**
   * Replaces the key list if the stored version is still `expectedVersion`; returns the new version.
   * Throws {@link StoreConflict} when another writer saved in between.
   */
  saveKeys(data: string, expectedVersion: string): Promise<string>

  // Revocation (RFC 7009) of JWT access tokens, by `jti`, until they expire
  /** Records the revocation; revoking a revoked token again changes nothing. */
  revokeToken(entry: { jti: string; clientId: string; expiresAt: number; revokedAt: number }): Promise<void>
  isTokenRevoked(jti: string): Promise<boolean>

  /**
   * Single use: true the first time `(namespace, id)` is seen, false on every later call while the
   * entry lives (`now` < `expiresAt`); once it has expired the id is new again. For
   * `private_key_jwt` assertion `jti`s (RFC 7523 §3 item 7), later for DPoP proofs. Atomic across
   * replicas, including the reuse of an expired entry.
   */
  useOnce(namespace: string, id: string, expiresAt: number, now: number): Promise<boolean>

  /** Deletes revocations and single-use entries that have expired at `now` (`expiresAt` ≤ `now`); returns how many. */
  purgeExpired(now: number): Promise<number>
}

/** The database could not be reached or answered with an operational error: HTTP 503, retry later. */
export class StoreUnavailable extends Error {
  override readonly name = 'StoreUnavailable'
  readonly code = 'ERR_STORE_UNAVAILABLE'
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options)
  }
}

/** A key (client id, `jti`, single-use id) that no backend can store faithfully: a bad request, not a database failure. */
export class StoreInvalidKey extends Error {
  override readonly name = 'StoreInvalidKey'
  readonly code = 'ERR_STORE_INVALID_KEY'
}

/** A compare-and-swap lost against another writer: reload and decide again. */
export class StoreConflict extends Error {
  override readonly name = 'StoreConflict'
  readonly code = 'ERR_STORE_CONFLICT'
}
