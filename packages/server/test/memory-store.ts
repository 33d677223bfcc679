/**
 * An in-memory {@link Store} for tests: the interface's rules, without a database. Decisions
 * (`useOnce`, `saveKeys`, `consumeAuthorizationCode`, `rotateRefreshToken`, `recordAccessToken`
 * against `revokeGrant`) are atomic because nothing awaits between their read and their write.
 * Values are copied in and out, as a database would, so a test cannot change stored state by
 * mutating an object it passed or got back; `state` exposes the live records for assertions (and
 * for test doubles that break a rule on purpose).
 */
import {
  StoreConflict,
  type AuditEvent,
  type AuthorizationCodeRecord,
  type ClientRecord,
  type GrantRecord,
  type KeyRecordSnapshot,
  type RefreshTokenRecord,
  type SessionRecord,
  type Store,
  type StoreHealth,
  type TrustEntryRecord,
  type UpstreamAccountRecord,
  type UserRecord,
} from '../src/store/store.js'

type Revocation = { jti: string; clientId: string; expiresAt: number; revokedAt: number }

export interface MemoryStore extends Store {
  /** What the store holds, for assertions. */
  readonly state: {
    revocations: Map<string, Revocation>
    singleUse: Map<string, number>
    users: Map<string, UserRecord>
    /** Upstream accounts by `issuer sub` (JSON of the pair). */
    upstreamAccounts: Map<string, UpstreamAccountRecord>
    sessions: Map<string, SessionRecord>
    codes: Map<string, AuthorizationCodeRecord>
    grants: Map<string, GrantRecord>
    refreshTokens: Map<string, RefreshTokenRecord>
    /** Per grant id: the recorded access tokens, jti → expiresAt. */
    grantTokens: Map<string, Map<string, number>>
    trustEntries: Map<string, TrustEntryRecord>
    audit: AuditEvent[]
  }
}

const DEFAULT_KEYS = '\u0000default'

export function createMemoryStore(clients: ClientRecord[] = [], users: UserRecord[] = []): MemoryStore {
  const clientsById = new Map(clients.map((client) => [client.clientId, structuredClone(client)]))
  const keySets = new Map<string, KeyRecordSnapshot>()
  const state: MemoryStore['state'] = {
    revocations: new Map(),
    singleUse: new Map(),
    users: new Map(users.map((user) => [user.subject, structuredClone(user)])),
    upstreamAccounts: new Map(),
    sessions: new Map(),
    codes: new Map(),
    grants: new Map(),
    refreshTokens: new Map(),
    grantTokens: new Map(),
    trustEntries: new Map(),
    audit: [],
  }
  const copy = <T>(value: T | undefined): T | undefined => (value === undefined ? undefined : structuredClone(value))
  const { revocations, singleUse } = state
  return {
    backend: 'sqlite',
    state,
    migrate: async () => {},
    health: async (): Promise<StoreHealth> => ({ backend: 'sqlite', schemaVersion: 4 }),
    close: async () => {},
    getClient: async (clientId) => copy(clientsById.get(clientId)),
    putClient: async (client) => void clientsById.set(client.clientId, structuredClone(client)),
    createClient: async (client) => {
      if (clientsById.has(client.clientId)) return false
      clientsById.set(client.clientId, structuredClone(client))
      return true
    },
    listClients: async () => [...clientsById.values()].map((client) => structuredClone(client)),
    deleteClient: async (clientId) => clientsById.delete(clientId),
    loadKeys: async (alg) => ({ ...(keySets.get(alg ?? DEFAULT_KEYS) ?? { data: undefined, version: '0' }) }),
    keysVersion: async (alg) => (keySets.get(alg ?? DEFAULT_KEYS) ?? { version: '0' }).version,
    saveKeys: async (data, expectedVersion, alg) => {
      const current = keySets.get(alg ?? DEFAULT_KEYS) ?? { data: undefined, version: '0' }
      if (expectedVersion !== current.version) throw new StoreConflict('the key list changed since it was loaded')
      const saved = { data, version: String(Number(current.version) + 1) }
      keySets.set(alg ?? DEFAULT_KEYS, saved)
      return saved.version
    },
    revokeToken: async (entry) => {
      if (!revocations.has(entry.jti)) revocations.set(entry.jti, { ...entry })
    },
    isTokenRevoked: async (jti) => revocations.has(jti),
    listRevokedTokens: async (now) => [...revocations.values()].filter((entry) => entry.expiresAt > now).map(({ jti, expiresAt }) => ({ jti, expiresAt })),
    useOnce: async (namespace, id, expiresAt, now) => {
      // The key cannot collide across namespaces: the namespace is length-prefixed.
      const key = `${namespace.length}:${namespace}${id}`
      const existing = singleUse.get(key)
      // As the SQL backends: an entry is dead from its expiresAt on, and its id may be used again.
      if (existing !== undefined && existing > now) return false
      singleUse.set(key, expiresAt)
      return true
    },

    getUser: async (subject) => copy(state.users.get(subject)),
    findUserByUsername: async (username) => copy([...state.users.values()].find((user) => user.username === username)),
    putUser: async (user) => {
      const holder = [...state.users.values()].find((other) => other.username === user.username)
      if (holder && holder.subject !== user.subject) throw new StoreConflict('another user has this username')
      state.users.set(user.subject, structuredClone(user))
    },
    createUser: async (user) => {
      if (state.users.has(user.subject)) return false
      if ([...state.users.values()].some((other) => other.username === user.username)) throw new StoreConflict('another user has this username')
      state.users.set(user.subject, structuredClone(user))
      return true
    },
    listUsers: async () => [...state.users.values()].sort((a, b) => (a.subject < b.subject ? -1 : 1)).map((user) => structuredClone(user)),
    deleteUser: async (subject) => state.users.delete(subject),

    saveUpstreamAccount: async (account) => {
      const key = JSON.stringify([account.issuer, account.upstreamSubject])
      const existing = state.upstreamAccounts.get(key)
      if (!existing && [...state.upstreamAccounts.values()].some((other) => other.subject === account.subject)) throw new StoreConflict('another upstream account has this subject')
      const saved = existing ? { ...structuredClone(account), subject: existing.subject, createdAt: existing.createdAt } : structuredClone(account)
      state.upstreamAccounts.set(key, saved)
      return structuredClone(saved)
    },
    getUpstreamAccount: async (subject) => copy([...state.upstreamAccounts.values()].find((account) => account.subject === subject)),
    getTrustEntry: async (id) => copy(state.trustEntries.get(id)),
    findTrustEntries: async (issuer) => [...state.trustEntries.values()].filter((entry) => entry.issuer === issuer).sort((a, b) => (a.id < b.id ? -1 : 1)).map((entry) => structuredClone(entry)),
    listTrustEntries: async () => [...state.trustEntries.values()].sort((a, b) => (a.id < b.id ? -1 : 1)).map((entry) => structuredClone(entry)),
    putTrustEntry: async (entry) => {
      const twin = [...state.trustEntries.values()].find((other) => other.id !== entry.id && other.issuer === entry.issuer && other.subject === entry.subject)
      if (twin) throw new StoreConflict('another trust entry has this issuer and subject')
      state.trustEntries.set(entry.id, structuredClone(entry))
    },
    deleteTrustEntry: async (id) => state.trustEntries.delete(id),
    appendAuditEvent: async (event) => void state.audit.push({ ...event, id: state.audit.length + 1 }),
    listAuditEvents: async (limit) => [...state.audit].reverse().slice(0, Math.max(0, limit)).map((event) => ({ ...event })),

    createSession: async (session) => void state.sessions.set(session.idHash, { ...session }),
    getSession: async (idHash, now) => {
      const session = state.sessions.get(idHash)
      return session && session.expiresAt > now ? { ...session } : undefined
    },
    deleteSession: async (idHash) => state.sessions.delete(idHash),

    createAuthorizationCode: async (code) => void state.codes.set(code.codeHash, structuredClone(code)),
    getAuthorizationCode: async (codeHash) => copy(state.codes.get(codeHash)),
    consumeAuthorizationCode: async (codeHash, now) => {
      const code = state.codes.get(codeHash)
      if (!code || code.consumedAt !== undefined || code.expiresAt <= now) return false
      code.consumedAt = now
      return true
    },

    createGrant: async (grant) => {
      if (state.grants.has(grant.id)) return false
      state.grants.set(grant.id, structuredClone(grant))
      return true
    },
    getGrant: async (id) => copy(state.grants.get(id)),
    revokeGrant: async (id, now) => {
      const grant = state.grants.get(id)
      if (!grant || grant.revokedAt !== undefined) return []
      grant.revokedAt = now
      const denylisted: { jti: string; expiresAt: number }[] = []
      for (const [jti, expiresAt] of state.grantTokens.get(id) ?? []) {
        if (expiresAt <= now || revocations.has(jti)) continue
        revocations.set(jti, { jti, clientId: grant.clientId, expiresAt, revokedAt: now })
        denylisted.push({ jti, expiresAt })
      }
      return denylisted
    },
    recordAccessToken: async (grantId, { jti, expiresAt }) => {
      const grant = state.grants.get(grantId)
      if (!grant || grant.revokedAt !== undefined) return false
      const tokens = state.grantTokens.get(grantId) ?? new Map<string, number>()
      if (tokens.has(jti)) return false
      tokens.set(jti, expiresAt)
      state.grantTokens.set(grantId, tokens)
      return true
    },

    createRefreshToken: async (token) => void state.refreshTokens.set(token.tokenHash, { ...token }),
    getRefreshToken: async (tokenHash) => copy(state.refreshTokens.get(tokenHash)),
    getRefreshTokenWithGrant: async (tokenHash) => {
      const token = state.refreshTokens.get(tokenHash)
      const grant = token && state.grants.get(token.grantId)
      return token && grant && { token: copy(token)!, grant: copy(grant)! }
    },
    rotateRefreshToken: async (tokenHash, successor, now) => {
      const token = state.refreshTokens.get(tokenHash)
      const grant = token && state.grants.get(token.grantId)
      if (!token || !grant || token.consumedAt !== undefined || token.expiresAt <= now || grant.revokedAt !== undefined || grant.expiresAt <= now) return false
      if (successor.accessToken && state.grantTokens.get(grant.id)?.has(successor.accessToken.jti)) throw new Error('the jti is recorded already')
      Object.assign(token, { consumedAt: now, successorHash: successor.tokenHash, successorSealed: successor.sealed })
      if (successor.accessToken) state.grantTokens.set(grant.id, (state.grantTokens.get(grant.id) ?? new Map<string, number>()).set(successor.accessToken.jti, successor.accessToken.expiresAt))
      state.refreshTokens.set(successor.tokenHash, {
        tokenHash: successor.tokenHash,
        grantId: token.grantId,
        clientId: token.clientId,
        createdAt: successor.createdAt,
        expiresAt: successor.expiresAt,
      })
      return true
    },

    purgeExpired: async (now) => {
      let purged = 0
      const sweep = <V>(map: Map<string, V>, expiresAt: (value: V) => number) => {
        for (const [key, value] of map) if (expiresAt(value) <= now && map.delete(key)) purged++
      }
      sweep(state.grants, (grant) => grant.expiresAt)
      // The families of purged grants go with them, as ON DELETE CASCADE does.
      for (const [hash, token] of state.refreshTokens) if (!state.grants.has(token.grantId)) state.refreshTokens.delete(hash)
      for (const id of state.grantTokens.keys()) if (!state.grants.has(id)) state.grantTokens.delete(id)
      sweep(revocations, (entry) => entry.expiresAt)
      sweep(singleUse, (expiresAt) => expiresAt)
      sweep(state.sessions, (session) => session.expiresAt)
      sweep(state.codes, (code) => code.expiresAt)
      sweep(state.refreshTokens, (token) => token.expiresAt)
      for (const tokens of state.grantTokens.values()) sweep(tokens, (expiresAt) => expiresAt)
      return purged
    },
  }
}
