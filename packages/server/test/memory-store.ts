/**
 * An in-memory {@link Store} for tests: the interface's rules, without a database. Decisions
 * (`useOnce`, `saveKeys`) are atomic because nothing awaits between their read and their write.
 * Values are copied in and out, as a database would, so a test cannot change stored state by
 * mutating an object it passed or got back.
 */
import { StoreConflict, type ClientRecord, type KeyRecordSnapshot, type Store, type StoreHealth } from '../src/store/store.js'

export interface MemoryStore extends Store {
  /** What the store holds, for assertions. */
  readonly state: {
    revocations: Map<string, { jti: string; clientId: string; expiresAt: number; revokedAt: number }>
    singleUse: Map<string, number>
  }
}

export function createMemoryStore(clients: ClientRecord[] = []): MemoryStore {
  const clientsById = new Map(clients.map((client) => [client.clientId, structuredClone(client)]))
  let keys: KeyRecordSnapshot = { data: undefined, version: '0' }
  const revocations = new Map<string, { jti: string; clientId: string; expiresAt: number; revokedAt: number }>()
  const singleUse = new Map<string, number>()
  return {
    backend: 'sqlite',
    state: { revocations, singleUse },
    migrate: async () => {},
    health: async (): Promise<StoreHealth> => ({ backend: 'sqlite', schemaVersion: 1 }),
    close: async () => {},
    getClient: async (clientId) => structuredClone(clientsById.get(clientId)),
    putClient: async (client) => void clientsById.set(client.clientId, structuredClone(client)),
    listClients: async () => [...clientsById.values()].map((client) => structuredClone(client)),
    deleteClient: async (clientId) => clientsById.delete(clientId),
    loadKeys: async () => ({ ...keys }),
    saveKeys: async (data, expectedVersion) => {
      if (expectedVersion !== keys.version) throw new StoreConflict('the key list changed since it was loaded')
      keys = { data, version: String(Number(keys.version) + 1) }
      return keys.version
    },
    revokeToken: async (entry) => {
      if (!revocations.has(entry.jti)) revocations.set(entry.jti, { ...entry })
    },
    isTokenRevoked: async (jti) => revocations.has(jti),
    useOnce: async (namespace, id, expiresAt, now) => {
      // The key cannot collide across namespaces: the namespace is length-prefixed.
      const key = `${namespace.length}:${namespace}${id}`
      const existing = singleUse.get(key)
      // As the SQL backends: an entry is dead from its expiresAt on, and its id may be used again.
      if (existing !== undefined && existing > now) return false
      singleUse.set(key, expiresAt)
      return true
    },
    purgeExpired: async (now) => {
      let purged = 0
      for (const [jti, entry] of revocations) if (entry.expiresAt <= now && revocations.delete(jti)) purged++
      for (const [key, expiresAt] of singleUse) if (expiresAt <= now && singleUse.delete(key)) purged++
      return purged
    },
  }
}
