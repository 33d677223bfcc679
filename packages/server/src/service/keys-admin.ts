/**
 * Operator access to the signing keys of a deployment, without starting the HTTP service: list
 * every key with its state, and revoke one in an emergency (a leaked private key). It opens the
 * deployment's own store with its own configuration, so it works while the service runs: every
 * replica's key manager reads the store on each operation (with Redis: renews its copy on the change
 * notification this publishes, or after `redis.pollInterval`), so a revocation takes effect at once —
 * the key leaves `/jwks.json` and, if it was signing, its successor signs from then on (the one case,
 * with first boot, where a key signs before its publish-ahead window has passed).
 * @module
 */
import { InvalidArgument, type KeyState } from 'jotjwt'
import { checkDeployment, validateConfig } from '../config/load.js'
import type { ServiceConfigInput } from '../config/schema.js'
import { serviceKeyManagers } from '../keys/manager.js'
import { openKeyChangePublisher } from '../redis/sharing.js'
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

export interface KeyAdministration {
  /** Every stored key of every signing algorithm, schedule applied now. */
  list(): Promise<SigningKeyInfo[]>
  /**
   * Emergency revocation: the key is unpublished at once and never signs again; tokens it signed
   * stop verifying as soon as verifiers' JWKS caches expire. Revoking a revoked key does nothing.
   * @throws `ERR_INVALID_ARGUMENT` when no stored key has this `kid`.
   */
  revoke(kid: string): Promise<SigningKeyInfo>
  close(): Promise<void>
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
  const { keys, keysByAlg } = serviceKeyManagers(config, store, publisher ? { changes: publisher.keyChanges } : {})
  const managers = [keys, ...[...keysByAlg].filter(([alg]) => alg !== config.keys.alg).map(([, manager]) => manager)]

  async function list(): Promise<SigningKeyInfo[]> {
    return (await Promise.all(managers.map((manager) => manager.keys()))).flat()
  }

  return {
    list,
    async revoke(kid) {
      const owner = (await Promise.all(managers.map(async (manager) => ((await manager.keys()).some((key) => key.kid === kid) ? manager : undefined)))).find(Boolean)
      if (!owner) throw new InvalidArgument(`no signing key has kid ${JSON.stringify(kid)}`)
      await owner.revoke(kid)
      return (await owner.keys()).find((key) => key.kid === kid)!
    },
    async close() {
      await publisher?.close()
      await store.close()
    },
  }
}
