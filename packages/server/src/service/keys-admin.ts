/**
 * Operator access to the signing keys of a deployment: list every key with its state, start a
 * rotation now, retire a key that no longer signs, and revoke one in an emergency (a leaked private
 * key). The admin API (`admin/keys.ts`) works on the running service's managers; without the HTTP
 * service, {@link openKeyAdministration} opens the deployment's own store with its own
 * configuration, so it works while the service runs: every replica's key manager reads the store on
 * each operation (with Redis: renews its copy on the change notification each change publishes, or
 * after `redis.pollInterval`; on PostgreSQL without Redis, on the notification each save sends in
 * its own statement, or at the next token while its listener is down), so a change takes effect at
 * once everywhere. A revoked key leaves `/jwks.json`
 * and, if it was signing, its successor signs from then on (the one case, with first boot, where a
 * key signs before its publish-ahead window has passed); a rotation publishes a fresh key that
 * signs only after `keys.publishAhead`, as the scheduled ones do.
 * @module
 */
import { InvalidArgument, type KeyManager, type KeyState } from 'jotjwt'
import { checkDeployment, validateConfig } from '../config/load.js'
import type { ServiceConfigInput } from '../config/schema.js'
import { serviceKeyManagers } from '../keys/manager.js'
import { openKeyChangePublisher } from '../redis/sharing.js'
import { keyManagers } from '../oauth/signing-keys.js'
import { openStore } from '../store/index.js'
import { prepareDevMode } from './dev.js'

/** Key administration prints nothing of its own; a notification it cannot publish is made good by the replicas' polling. */
const QUIET = { info() {}, warn() {}, error() {} }

/** One signing key as an operator sees it. Times are seconds since the epoch. */
export interface SigningKeyInfo {
  kid: string
  alg: string
  state: KeyState
  /** Published from. */
  createdAt: number
  /** Signs from. */
  activateAt: number
  /** Stops signing at; unset until its successor is planned. */
  deactivateAt: number | undefined
  /** Leaves the JWKS at (after its last token expired), or when it was revoked. */
  retireAt: number | undefined
}

/** The key operations, over a service's key managers (one per signing algorithm). */
export interface KeyOperations {
  /** Every stored key of every signing algorithm, schedule applied now. */
  list(): Promise<SigningKeyInfo[]>
  /**
   * Emergency revocation: the key is unpublished at once and never signs again; tokens it signed
   * stop verifying as soon as verifiers' JWKS caches expire. Revoking a revoked key does nothing.
   * @throws `ERR_INVALID_ARGUMENT` when no stored key has this `kid`.
   */
  revoke(kid: string): Promise<SigningKeyInfo>
  /**
   * Ends the publication of a key that no longer signs (state `retiring`) now, rather than when the
   * longest-lived token it signed has expired: for when the operator knows no such token is in use.
   * @throws `ERR_INVALID_ARGUMENT` when no stored key has this `kid`; {@link KeyNotRetiring} when it is not retiring.
   */
  retire(kid: string): Promise<SigningKeyInfo>
  /**
   * Starts a rotation now, for every algorithm or `alg` only: a fresh key is published at once and
   * signs after `keys.publishAhead` (the library's `rotateNow`). Returns the new keys.
   * @throws `ERR_INVALID_ARGUMENT` when the service signs nothing with `alg`.
   */
  rotate(alg?: string): Promise<SigningKeyInfo[]>
}

export interface KeyAdministration extends KeyOperations {
  close(): Promise<void>
}

/** A key asked to retire that is not retiring: the signing key (rotate first), a planned one, or one already retired. */
export class KeyNotRetiring extends Error {
  override readonly name = 'KeyNotRetiring'
  readonly code = 'ERR_KEY_NOT_RETIRING'
  constructor(readonly state: KeyState) {
    const advice: Record<KeyState, string> = {
      active: 'it signs now: rotate first, then retire it once its successor signs (or revoke it in an emergency)',
      next: 'it has not signed yet: revoke it, and a new successor is planned',
      retiring: '',
      retired: 'it is retired already',
    }
    super(`only a retiring key can be retired; ${advice[state]}`)
  }
}

/**
 * The key operations over `managers` (the default algorithm's first).
 *
 * @example
 * ```ts
 * const keys = keyOperations(keyManagers(ctx))
 * const [fresh] = await keys.rotate('ES256')
 * ```
 */
export function keyOperations(managers: readonly KeyManager[]): KeyOperations {
  async function list(): Promise<SigningKeyInfo[]> {
    return (await Promise.all(managers.map((manager) => manager.keys()))).flat()
  }
  async function owner(kid: string): Promise<{ manager: KeyManager; key: SigningKeyInfo }> {
    for (const manager of managers) {
      const key = (await manager.keys()).find((candidate) => candidate.kid === kid)
      if (key) return { manager, key }
    }
    throw new InvalidArgument(`no signing key has kid ${JSON.stringify(kid)}`)
  }
  const current = async (manager: KeyManager, kid: string) => (await manager.keys()).find((key) => key.kid === kid)!

  return {
    list,
    async revoke(kid) {
      const { manager } = await owner(kid)
      await manager.revoke(kid)
      return current(manager, kid)
    },
    async retire(kid) {
      const { manager, key } = await owner(kid)
      if (key.state !== 'retiring') throw new KeyNotRetiring(key.state)
      // For a key that no longer signs, the library's revocation is exactly an early retirement: it
      // leaves the JWKS and nothing else changes (the signing key and its successor stay as planned).
      await manager.revoke(kid)
      return current(manager, kid)
    },
    async rotate(alg) {
      let chosen: readonly KeyManager[] = managers
      if (alg !== undefined) {
        const algs = await Promise.all(managers.map(async (manager) => (await manager.keys())[0]?.alg))
        chosen = managers.filter((_, index) => algs[index] === alg)
        if (chosen.length === 0) throw new InvalidArgument(`the service signs nothing with ${JSON.stringify(alg)}; it signs with ${algs.join(', ')}`)
      }
      const fresh: SigningKeyInfo[] = []
      for (const manager of chosen) fresh.push(await manager.rotateNow())
      return fresh
    },
  }
}

/**
 * Opens the deployment described by `input` (the same configuration `startService` takes) for key
 * administration.
 *
 * @example
 * ```ts
 * const admin = await openKeyAdministration(await loadConfig({ file: '/etc/jotjwt/server.yaml' }))
 * try {
 *   await admin.revoke('NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs')
 * } finally {
 *   await admin.close()
 * }
 * ```
 */
export async function openKeyAdministration(input: ServiceConfigInput): Promise<KeyAdministration> {
  let config = validateConfig(input)
  // Dev mode keeps its key-encryption key in the data directory: the same bootstrap finds it.
  if (config.dev) ({ config } = await prepareDevMode(config))
  checkDeployment(config)
  const store = await openStore(config.store, config.dataDir)
  // With Redis, every change is announced, so running replicas drop their copy of the keys at once.
  const publisher = config.redis ? await openKeyChangePublisher(config.redis, QUIET) : undefined
  const managers = serviceKeyManagers(config, store, publisher ? { changes: publisher.keyChanges } : {})
  return {
    ...keyOperations(keyManagers({ config, ...managers })),
    async close() {
      await publisher?.close()
      await store.close()
    },
  }
}
