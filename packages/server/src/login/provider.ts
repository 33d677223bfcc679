/**
 * The login seam. The built-in login page asks a {@link LoginProvider} who a username and password
 * belong to; the service then runs the session, the authorization code, the tokens and userinfo.
 * A deployment plugs its own provider into `startService(config, { login: (builtIn) => provider })`:
 *
 * - a directory of its own (LDAP, a user database): implement `authenticate` and `user`;
 * - a login page of its own (an SSO portal, passkeys): implement `loginUrl`, which the service
 *   redirects to instead of showing its form, and `recognize`, which tells the service who the
 *   external login authenticated when the browser comes back (from a header a trusted proxy sets,
 *   or the external login's own cookie).
 *
 * The built-in provider, {@link createStoreLoginProvider}, checks the users in the store (the
 * configuration's `users`, written there at start).
 * @module
 */
import type { UpstreamConfig } from '../config/schema.js'
import type { SecretVerifier } from '../crypto/secret-hash.js'
import type { Store, UserRecord } from '../store/store.js'
import { upstreamAccountUser } from '../upstream/accounts.js'

/** A person as the login knows them: the source of `sub` and of every user claim. */
export type LoginUser = Omit<UserRecord, 'passwordHash' | 'createdAt' | 'updatedAt'>

/** What `recognize` sees of the browser's request. */
export interface LoginRequest {
  headers: Readonly<Record<string, string | string[] | undefined>>
  cookies: ReadonlyMap<string, string>
}

/**
 * Who people are, for the built-in login page and everything after it.
 *
 * @example
 * ```ts
 * // Behind an SSO proxy that logs people in and sets X-Authenticated-User (and strips any copy a
 * // client sends): the proxy's users, with the claims of the configured users of the same name.
 * await startService(config, {
 *   login: (builtIn) => ({
 *     ...builtIn,
 *     recognize: async ({ headers }) => {
 *       const name = headers['x-authenticated-user']
 *       return typeof name === 'string' ? builtIn.user(name) : undefined
 *     },
 *     loginUrl: (returnTo) => `https://sso.example.com/login?return_to=${encodeURIComponent(returnTo)}`,
 *   }),
 * })
 * ```
 */
export interface LoginProvider {
  /**
   * The person these credentials belong to, or undefined. Must take the same time whether the
   * username exists or not (no user enumeration by timing, RFC 6819 §5.1.4.2.2).
   */
  authenticate(username: string, password: string): Promise<LoginUser | undefined>
  /**
   * The person with this subject now, or undefined when they are gone: a session of theirs no
   * longer counts, and their refresh tokens and access tokens stop working at userinfo and refresh.
   */
  user(subject: string): Promise<LoginUser | undefined>
  /** An external login's user, recognized from the request; undefined shows the login (form or `loginUrl`). */
  recognize?(request: LoginRequest): Promise<LoginUser | undefined>
  /** Where to send the browser instead of the built-in form; the external login returns it to `returnTo` when done. */
  loginUrl?(returnTo: string): string
}

function loginUser({ passwordHash: _hash, createdAt: _created, updatedAt: _updated, ...user }: UserRecord): LoginUser {
  return user
}

/**
 * The built-in provider: users from the store, passwords checked against their slow-KDF hash. An
 * unknown username, or a user without a password, costs the same KDF against a dummy hash
 * (`SecretVerifier`), so response times do not tell which usernames exist. `user` also knows the
 * people who logged in through one of `upstreams` (their accounts in the store); the accounts of a
 * provider no longer configured (by issuer) are gone, as removed users are.
 *
 * @example
 * ```ts
 * const login = createStoreLoginProvider(store, createSecretVerifier(), config.upstreams)
 * const user = await login.authenticate('ada', password)
 * ```
 * @throws (from `authenticate`) `KdfSaturated` when too many checks are running; the caller answers 503.
 */
export function createStoreLoginProvider(store: Store, passwords: SecretVerifier, upstreams: readonly UpstreamConfig[] = []): LoginProvider {
  const issuers = new Set(upstreams.map((upstream) => upstream.issuer))
  return {
    async authenticate(username, password) {
      const user = await store.findUserByUsername(username)
      // Keyed by subject, so a renamed user's cached check does not follow the old name.
      const verified = await passwords.verify(user?.subject ?? `unknown ${username}`, user?.passwordHash, password)
      return verified && user ? loginUser(user) : undefined
    },
    async user(subject) {
      const user = await store.getUser(subject)
      if (user) return loginUser(user)
      if (issuers.size === 0) return undefined
      const account = await store.getUpstreamAccount(subject)
      return account && issuers.has(account.issuer) ? upstreamAccountUser(account) : undefined
    },
  }
}
