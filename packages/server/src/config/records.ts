/**
 * Configuration entries as the store keeps them: durations in seconds, times in seconds since the
 * epoch, secrets only as their hashes, and where each came from. The same conversion serves the
 * configuration (written at every start) and the admin API (which takes the same shapes), so a
 * client or trust entry means the same whichever way it was made.
 * @module
 */
import { createHash } from 'node:crypto'
import type { ClientRecord, RecordSource, TrustEntryRecord, UserRecord } from '../store/store.js'
import { durationSeconds } from './duration.js'
import type { ClientConfig, TrustEntryConfig, UserConfig } from './schema.js'

/** When a record was made and last changed, seconds since the epoch. */
export interface RecordTimes {
  createdAt: number
  updatedAt: number
}

/**
 * The stored form of a configured client; `secretHash` is its secret's hash (never the secret).
 *
 * @example
 * ```ts
 * await store.putClient(clientRecord(client, await hashSecret(secret), 'config', { createdAt: now, updatedAt: now }))
 * ```
 */
export function clientRecord(client: ClientConfig, secretHash: string | undefined, source: RecordSource, times: RecordTimes): ClientRecord {
  const refreshToken =
    client.refreshToken &&
    Object.fromEntries(Object.entries(client.refreshToken).flatMap(([name, value]) => (value === undefined ? [] : [[name, durationSeconds(value)]])))
  return {
    clientId: client.clientId,
    authMethod: client.authMethod,
    grantTypes: client.grantTypes,
    scopes: client.scopes,
    resources: client.resources,
    ...(client.name === undefined ? {} : { name: client.name }),
    ...(secretHash === undefined ? {} : { secretHash }),
    ...(client.jwks === undefined ? {} : { jwks: client.jwks }),
    ...(client.jwksUri === undefined ? {} : { jwksUri: client.jwksUri }),
    ...(client.redirectUris.length === 0 ? {} : { redirectUris: client.redirectUris }),
    ...(client.defaultResource === undefined ? {} : { defaultResource: client.defaultResource }),
    ...(client.accessTokenAlg === undefined ? {} : { accessTokenAlg: client.accessTokenAlg }),
    ...(client.accessTokenTtl === undefined ? {} : { accessTokenTtl: durationSeconds(client.accessTokenTtl) }),
    ...(client.idTokenAlg === undefined ? {} : { idTokenAlg: client.idTokenAlg }),
    ...(refreshToken === undefined ? {} : { refreshToken }),
    ...(client.userClaims === undefined ? {} : { userClaims: client.userClaims }),
    ...(client.extraClaims === undefined ? {} : { extraClaims: client.extraClaims }),
    ...(client.dpopBoundAccessTokens ? { dpopBoundAccessTokens: true } : {}),
    source,
    ...times,
  }
}

/**
 * The stored form of a configured user; `passwordHash` is the password's hash (never the password).
 *
 * @example
 * ```ts
 * await store.putUser(userRecord(user, await hashSecret(password), 'api', { createdAt: now, updatedAt: now }))
 * ```
 */
export function userRecord(user: UserConfig, passwordHash: string | undefined, source: RecordSource, times: RecordTimes): UserRecord {
  return {
    subject: user.subject ?? user.username,
    username: user.username,
    emailVerified: user.emailVerified,
    groups: user.groups,
    ...(passwordHash === undefined ? {} : { passwordHash }),
    ...(user.name === undefined ? {} : { name: user.name }),
    ...(user.email === undefined ? {} : { email: user.email }),
    ...(user.attributes === undefined ? {} : { attributes: user.attributes }),
    source,
    ...times,
  }
}

/**
 * A trust entry's id when none is given: derived from its issuer and subject (unique among
 * entries), so it stays the same across restarts and reorderings of the configuration.
 *
 * @example
 * ```ts
 * trustEntryId({ issuer: 'https://ci.example', subject: 'deploy' }) // 'tr-…' (16 characters after the prefix)
 * ```
 */
export function trustEntryId(entry: Pick<TrustEntryConfig, 'issuer' | 'subject'>): string {
  // U+0000 cannot occur in either (not storable), so the pair is encoded without ambiguity.
  const digest = createHash('sha256').update(`${entry.issuer}\u0000${entry.subject ?? '\u0000any'}`).digest('base64url')
  return `tr-${digest.slice(0, 16)}`
}

/**
 * The stored form of a trust entry: a single `jwk` becomes a one-key JWK Set, `expiresAt` seconds.
 *
 * @example
 * ```ts
 * await store.putTrustEntry(trustEntryRecord(entry, 'config', { createdAt: now, updatedAt: now }))
 * ```
 */
export function trustEntryRecord(entry: TrustEntryConfig, source: RecordSource, times: RecordTimes): TrustEntryRecord {
  const jwks = entry.jwk === undefined ? entry.jwks : { keys: [entry.jwk] }
  const expiresAt = typeof entry.expiresAt === 'string' ? Date.parse(entry.expiresAt) / 1000 : entry.expiresAt
  return {
    id: entry.id ?? trustEntryId(entry),
    issuer: entry.issuer,
    ...(entry.subject === undefined ? {} : { subject: entry.subject }),
    scopes: entry.scopes,
    ...(jwks === undefined ? {} : { jwks }),
    ...(entry.jwksUri === undefined ? {} : { jwksUri: entry.jwksUri }),
    algorithms: entry.algorithms,
    ...(expiresAt === undefined ? {} : { expiresAt }),
    source,
    ...times,
  }
}
