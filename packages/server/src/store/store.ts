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
 * - Secrets never reach the store in the clear: client secrets and passwords arrive hashed, private
 *   keys and refresh-token successors arrive sealed (see `crypto/`), session ids, authorization
 *   codes and refresh tokens arrive as their SHA-256 (`crypto/token-hash.ts`), so a copy of the
 *   database holds nothing a browser or client could present.
 * - Keys (client ids, `jti`s, single-use namespaces and ids) are well-formed Unicode without U+0000
 *   (see `storable.ts`): writes refuse others with {@link StoreInvalidKey}, lookups find nothing.
 * - An entry with an `expiresAt` is dead from that second on (RFC 7519 §4.1.4: a JWT is not accepted
 *   "on or after" its `exp`).
 * @module
 */
import type { Logger } from '../service/context.js'
import type { PostgresChangeNotifications } from './postgres-notifications.js'

/**
 * Where a client, user or trust entry comes from: the configuration (written at every start,
 * read-only through the admin API) or the admin API (kept across restarts, changed through it
 * only). Records written before the admin API existed carry none: they are the configuration's.
 */
export type RecordSource = 'config' | 'api'

/**
 * Where a client comes from: as {@link RecordSource}, or `registration` for a client that registered
 * itself (RFC 7591 dynamic registration): kept across restarts like the admin API's, read-only
 * through the admin API (which may delete it), and bound to name the resource of every request
 * (RFC 8707).
 */
export type ClientSource = RecordSource | 'registration'

/** A registered OAuth client (RFC 6749 §2), as stored. */
export interface ClientRecord {
  clientId: string
  /** Display name, for logs and consent screens. */
  name?: string
  /**
   * RFC 7591 §2 `token_endpoint_auth_method`: how the client authenticates at the token endpoint.
   * `none` marks a public client (RFC 6749 §2.1): it proves nothing but its `client_id`, and PKCE
   * protects its authorization codes.
   */
  authMethod: 'client_secret_basic' | 'client_secret_post' | 'private_key_jwt' | 'none'
  /** The secret's slow-KDF hash (`crypto/secret-hash.ts` format); absent for key-authenticated clients. */
  secretHash?: string
  /** For `private_key_jwt`: the client's public keys (a JWK Set) or where to fetch them. */
  jwks?: { keys: Record<string, unknown>[] }
  jwksUri?: string
  /** Grants it may use: `client_credentials`, `authorization_code`, `refresh_token`. */
  grantTypes: string[]
  /** Where the authorization endpoint may send the browser back (RFC 6749 §3.1.2), compared exactly. */
  redirectUris?: string[]
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
  /** JWS algorithm of its ID tokens (OIDC Registration `id_token_signed_response_alg`), when not RS256. */
  idTokenAlg?: string
  /** Refresh token lifetimes in seconds, when not the service defaults (`tokens.refreshToken`). */
  refreshToken?: { idleTtl?: number; absoluteTtl?: number; graceWindow?: number }
  /** The user claims by scope it receives (`userClaims` in the configuration), when not the service default. */
  userClaims?: Record<string, Record<string, string>>
  /** RFC 9449 §5.2 `dpop_bound_access_tokens`: its token requests without a DPoP proof are refused. */
  dpopBoundAccessTokens?: boolean
  /** Extra claims put into its access tokens (reserved claims can never be overridden). */
  extraClaims?: Record<string, unknown>
  source?: ClientSource
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

/** A person who can log in, as stored (OIDC Core §5.1 claims come from here through the claim mapping). */
export interface UserRecord {
  /** `sub` (OIDC Core §2): stable and never reassigned; the key of the record. */
  subject: string
  /** What the person types at the login form; unique, compared exactly. */
  username: string
  /** The password's slow-KDF hash (`crypto/secret-hash.ts` format); absent: no password login. */
  passwordHash?: string
  name?: string
  email?: string
  emailVerified?: boolean
  groups: string[]
  /** Further attributes a claim mapping can name (`attributes.department`). */
  attributes?: Record<string, unknown>
  source?: RecordSource
  createdAt: number
  updatedAt: number
}

/**
 * An issuer whose signed assertions the JWT-bearer grant accepts (RFC 7523 §2.1, §3): for one
 * subject or any, up to the scopes listed. At most one entry per issuer and subject, and one per
 * issuer for any subject.
 */
export interface TrustEntryRecord {
  id: string
  /** The assertions' `iss`, compared exactly. */
  issuer: string
  /** The one `sub` accepted; absent: any subject of the issuer. */
  subject?: string
  /** The most its assertions are granted (and never more than the requesting client may have). */
  scopes: string[]
  /** The issuer's public keys (a JWK Set), or where it publishes them. */
  jwks?: { keys: Record<string, unknown>[] }
  jwksUri?: string
  /** JWS algorithms accepted for its assertions (asymmetric). */
  algorithms: string[]
  /** Untrusted from this second on. */
  expiresAt?: number
  source: RecordSource
  createdAt: number
  updatedAt: number
}

/**
 * A change made through the admin API: who (the access token's `client_id` and `sub`), what and to
 * which object. Never a secret or token.
 */
export interface AuditEvent {
  /** Assigned by the store: increasing. */
  id: number
  at: number
  actorClientId: string
  actorSubject: string
  /** `client.create`, `key.revoke`, … */
  action: string
  /** The id of what changed: a client id, a subject, a kid, a trust entry id. */
  target: string
}

/**
 * A person who logs in through an upstream OpenID provider (`upstreams` in the configuration). The
 * account's key is the upstream's (`iss`, `sub`) pair, the only stable identifier of a person an
 * OpenID provider gives (OIDC Core §5.7): never an email address, which the provider may let people
 * change, or reassign. jot gives the account a `subject` of its own at the first login; the profile
 * (`username`, `name`, `email`, `groups`) is replaced at every login with what the provider says then.
 */
export interface UpstreamAccountRecord {
  /** jot's `sub` for the person: chosen at the first login, never reassigned. */
  subject: string
  /** The upstream's issuer identifier: its ID tokens' `iss`. */
  issuer: string
  /** The upstream's `sub` for the person. */
  upstreamSubject: string
  /** The configured upstream (`upstreams[].id`) of the last login. */
  upstream: string
  username: string
  name?: string
  email?: string
  emailVerified?: boolean
  groups: string[]
  createdAt: number
  /** The last login, which refreshed the profile. */
  updatedAt: number
}

/** A login session (the browser's session cookie). */
export interface SessionRecord {
  /** SHA-256 of the session id the cookie carries. */
  idHash: string
  subject: string
  /** When the person authenticated: the ID token's `auth_time` (OIDC Core §2), checked against `max_age`. */
  authTime: number
  createdAt: number
  expiresAt: number
}

/**
 * An authorization code (RFC 6749 §4.1.2), with everything the grant it starts will hold. The grant
 * id is chosen when the code is issued, so a replayed code can revoke what its first redemption
 * issued (§4.1.2) even while that redemption is still running.
 */
export interface AuthorizationCodeRecord {
  /** SHA-256 of the code. */
  codeHash: string
  clientId: string
  /** The `redirect_uri` of the authorization request; the token request must repeat it (§4.1.3). */
  redirectUri: string
  /** RFC 7636 §4.2 S256 `code_challenge`. */
  codeChallenge: string
  grantId: string
  subject: string
  scopes: string[]
  /** The access tokens' audiences (RFC 8707 resource indicators). */
  audiences: string[]
  authTime: number
  /** OIDC Core §3.1.2.1 `nonce`, echoed in the ID token. */
  nonce?: string
  /** RFC 9449 §10 `dpop_jkt`: the code is redeemed only with a DPoP proof by this key. */
  dpopJkt?: string
  createdAt: number
  expiresAt: number
  /** Set by the one redemption that won (`consumeAuthorizationCode`). */
  consumedAt?: number
}

/** A grant: what a person authorized a client to do, and the family of tokens issued under it. */
export interface GrantRecord {
  id: string
  clientId: string
  subject: string
  scopes: string[]
  audiences: string[]
  authTime: number
  /**
   * RFC 9449 §5: the thumbprint of the DPoP key a public client's refresh tokens are bound to; every
   * refresh of the family must prove it.
   */
  dpopJkt?: string
  createdAt: number
  /** The absolute lifetime: no refresh token of the family is accepted from here on. */
  expiresAt: number
  /** Set when the family was revoked (refresh token reuse, code replay, RFC 7009 revocation). */
  revokedAt?: number
}

/** A refresh token (RFC 6749 §1.5), stored as its hash only. */
export interface RefreshTokenRecord {
  /** SHA-256 of the token. */
  tokenHash: string
  grantId: string
  clientId: string
  createdAt: number
  /** The idle lifetime: dead from here on unless used (and so rotated) before. */
  expiresAt: number
  /** When it was used and rotated; a later use is reuse (RFC 9700 §4.14.2). */
  consumedAt?: number
  /** The successor it was rotated into: its hash, and the token sealed so the grace window can hand it out again. */
  successorHash?: string
  successorSealed?: string
}

/** What the rotation of a refresh token writes: the successor, created in the same atomic step. */
export interface RefreshTokenSuccessor {
  tokenHash: string
  /** The successor token, sealed (`crypto/encryption.ts`) for the grace window. */
  sealed: string
  createdAt: number
  expiresAt: number
  /**
   * The access token answered with the successor, recorded in the family in the same atomic step
   * (as {@link Store.recordAccessToken} would, and as atomic with {@link Store.revokeGrant}), only
   * if the rotation wins: one write per refresh instead of two.
   */
  accessToken?: { jti: string; expiresAt: number }
}

/** An access token on the revocation denylist: refused by its `jti` until it expires. */
export interface RevokedToken {
  jti: string
  /** The token's `exp`. */
  expiresAt: number
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
  /**
   * PostgreSQL with `store.notifications` on: the change notifications its own writes of key lists
   * and client records send (in their transaction), heard on a connection of its own
   * (`postgres-notifications.ts`); the caller closes it before the store. Absent otherwise.
   */
  listenForChanges?(log: Logger): PostgresChangeNotifications

  // Clients
  getClient(clientId: string): Promise<ClientRecord | undefined>
  /** Inserts or replaces the client by `clientId`. */
  putClient(client: ClientRecord): Promise<void>
  /** Inserts the client unless one has its `clientId` (then false, the existing one kept). */
  createClient(client: ClientRecord): Promise<boolean>
  listClients(): Promise<ClientRecord[]>
  /** True when a client was deleted. */
  deleteClient(clientId: string): Promise<boolean>

  // Signing keys (the library's key manager persists through this, see keys/key-store.ts): one list
  // per algorithm, each with its own compare-and-swap version. `alg` undefined names the service's
  // default algorithm's list (the one list migration 1 created).
  loadKeys(alg?: string): Promise<KeyRecordSnapshot>
  /** The version `loadKeys(alg)` would return, without the list: a cheap check whether it changed. */
  keysVersion(alg?: string): Promise<string>
  /**
   * Replaces the key list of `alg` if its stored version is still `expectedVersion`; returns the new
   * version. Throws {@link StoreConflict} when another writer saved in between.
   */
  saveKeys(data: string, expectedVersion: string, alg?: string): Promise<string>

  // Revocation (RFC 7009) of JWT access tokens, by `jti`, until they expire
  /** Records the revocation; revoking a revoked token again changes nothing. */
  revokeToken(entry: { jti: string; clientId: string; expiresAt: number; revokedAt: number }): Promise<void>
  isTokenRevoked(jti: string): Promise<boolean>
  /**
   * Every revocation alive at `now` (`expiresAt` > `now`), in no particular order: what a copy of
   * the denylist kept elsewhere (Redis, for guards and gateways) is rebuilt from.
   */
  listRevokedTokens(now: number): Promise<RevokedToken[]>

  /**
   * Single use: true the first time `(namespace, id)` is seen, false on every later call while the
   * entry lives (`now` < `expiresAt`); once it has expired the id is new again. For
   * `private_key_jwt` assertion `jti`s (RFC 7523 §3 item 7), later for DPoP proofs. Atomic across
   * replicas, including the reuse of an expired entry.
   */
  useOnce(namespace: string, id: string, expiresAt: number, now: number): Promise<boolean>

  // People (the built-in login)
  getUser(subject: string): Promise<UserRecord | undefined>
  findUserByUsername(username: string): Promise<UserRecord | undefined>
  /** Inserts or replaces the user by `subject`. Throws {@link StoreConflict} when another subject has the username. */
  putUser(user: UserRecord): Promise<void>
  /** Inserts the user unless one has its `subject` (then false). Throws {@link StoreConflict} when another subject has the username. */
  createUser(user: UserRecord): Promise<boolean>
  listUsers(): Promise<UserRecord[]>
  /** True when a user was deleted. */
  deleteUser(subject: string): Promise<boolean>

  // People of upstream OpenID providers
  /**
   * Saves the account of (`issuer`, `upstreamSubject`): inserted as given when it is new; otherwise
   * its profile and `updatedAt` replace the stored ones, while its `subject` and `createdAt` stay.
   * Returns the account as stored. Atomic: concurrent first logins of one person agree on one
   * subject. Throws {@link StoreConflict} when the subject of a new account is another account's.
   */
  saveUpstreamAccount(account: UpstreamAccountRecord): Promise<UpstreamAccountRecord>
  /** The upstream account jot knows by this subject. */
  getUpstreamAccount(subject: string): Promise<UpstreamAccountRecord | undefined>

  // Trust entries of the JWT-bearer grant
  getTrustEntry(id: string): Promise<TrustEntryRecord | undefined>
  /** The entries of `issuer` (its subjects' and its any-subject one). */
  findTrustEntries(issuer: string): Promise<TrustEntryRecord[]>
  listTrustEntries(): Promise<TrustEntryRecord[]>
  /**
   * Inserts or replaces the entry by `id`. Throws {@link StoreConflict} when another entry has its
   * issuer and subject (or is its issuer's any-subject entry too).
   */
  putTrustEntry(entry: TrustEntryRecord): Promise<void>
  /** True when an entry was deleted. */
  deleteTrustEntry(id: string): Promise<boolean>

  // The admin API's audit trail (kept; never purged)
  /** Records the event; the store assigns its `id`. */
  appendAuditEvent(event: Omit<AuditEvent, 'id'>): Promise<void>
  /** The latest `limit` events, newest first. */
  listAuditEvents(limit: number): Promise<AuditEvent[]>

  // Login sessions
  createSession(session: SessionRecord): Promise<void>
  /** The session, while it lives (`now` < `expiresAt`). */
  getSession(idHash: string, now: number): Promise<SessionRecord | undefined>
  /** True when a session was deleted. */
  deleteSession(idHash: string): Promise<boolean>

  // Authorization codes
  createAuthorizationCode(code: AuthorizationCodeRecord): Promise<void>
  /** The code as stored, consumed or not, expired or not (the caller tells replay from expiry). */
  getAuthorizationCode(codeHash: string): Promise<AuthorizationCodeRecord | undefined>
  /**
   * Single use (RFC 6749 §4.1.2): true for exactly one call per code, and only while it lives
   * (`now` < `expiresAt`). Atomic across replicas.
   */
  consumeAuthorizationCode(codeHash: string, now: number): Promise<boolean>

  // Grants and their token families
  /** Creates the grant; false when one with this id exists already (the existing one is kept). */
  createGrant(grant: GrantRecord): Promise<boolean>
  getGrant(id: string): Promise<GrantRecord | undefined>
  /**
   * Revokes the family: marks the grant revoked, so none of its refresh tokens is accepted any
   * more, and puts the `jti` of every access token recorded for it that is still alive at `now` on
   * the revocation denylist. Returns the tokens it denylisted (not those on the denylist already),
   * so that copies of the denylist can follow. Revoking a revoked grant changes nothing (the first
   * revocation time is kept) and returns none.
   * Atomic with {@link recordAccessToken}: an access token is either recorded before the revocation
   * (and denylisted by it) or refused after it.
   */
  revokeGrant(id: string, now: number): Promise<RevokedToken[]>
  /**
   * Records an access token issued under a live grant, so revoking the family can denylist it.
   * False (nothing recorded) when the grant is revoked or unknown: the token must not be handed out.
   */
  recordAccessToken(grantId: string, token: { jti: string; expiresAt: number }): Promise<boolean>

  // Refresh tokens
  createRefreshToken(token: RefreshTokenRecord): Promise<void>
  getRefreshToken(tokenHash: string): Promise<RefreshTokenRecord | undefined>
  /** The token and its grant (the family), in one read: what a refresh looks up first. */
  getRefreshTokenWithGrant(tokenHash: string): Promise<{ token: RefreshTokenRecord; grant: GrantRecord } | undefined>
  /**
   * Rotation: if the token is unconsumed and alive at `now` and its grant is neither revoked nor past
   * its absolute lifetime, marks it consumed with its successor and creates the successor, all in
   * one atomic step, and returns true; with `successor.accessToken`, records that access token in
   * the family in the same step. Of any number of concurrent calls for one token (on any number of
   * replicas), at most one returns true. A call that returns false writes nothing.
   */
  rotateRefreshToken(tokenHash: string, successor: RefreshTokenSuccessor, now: number): Promise<boolean>

  /**
   * Deletes what has expired at `now` (`expiresAt` ≤ `now`): revocations, single-use entries,
   * sessions, authorization codes, refresh tokens, recorded access tokens, and grants past their
   * absolute lifetime with their families. Returns how many entries were deleted (the members of a
   * purged grant's family go with it uncounted).
   */
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
