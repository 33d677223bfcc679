/**
 * The stores a running gateway keeps between requests (and, in the reverse proxy, across reloads):
 * the `jti` denylist of `revocation.redis` and the DPoP replay store, in Redis (`dpopReplay.redis`)
 * or in this process. The key formats are jotjwt-guard/redis's. One Redis connection per URL; the
 * `redis` package is an optional peer, loaded only when the configuration asks for it.
 * @module
 */
import { createMemoryReplayStore } from 'jotjwt'
import { createRedisDenylist, createRedisReplayStore } from 'jotjwt-guard/redis'
import type { GatewayConfig } from '../config/schema.js'
import type { GatewayOptions } from '../engine/gateway.js'

/** Open stores, for {@link createGateway}'s options. */
export interface GatewayStores {
  /** The denylist and the replay store to pass to `createGateway`. */
  readonly options: Pick<GatewayOptions, 'denylist' | 'replay'>
  /** What they were opened for: equal settings can keep the same stores. */
  readonly settings: string
  close(): Promise<void>
}

/**
 * Opens the stores `config` names, or returns `previous` when its settings are the same (a reload
 * keeps its connections, and a proof used before the reload stays used: an in-memory replay store
 * lives as long as the stores do).
 */
export async function openStores(config: GatewayConfig, previous?: GatewayStores): Promise<GatewayStores> {
  const revocation = config.revocation?.redis
  const replay = config.dpopReplay?.redis
  const settings = JSON.stringify({ revocation: revocation ?? null, replay: replay ?? null })
  if (previous?.settings === settings) return previous
  const options: { -readonly [K in keyof GatewayStores['options']]: GatewayStores['options'][K] } = {}
  if (revocation === undefined && replay === undefined) return { options: { replay: createMemoryReplayStore() }, settings, close: () => Promise.resolve() }
  const { createClient } = await import('redis')
  const clients = new Map<string, ReturnType<typeof createClient>>()
  const connect = async (url: string) => {
    let client = clients.get(url)
    if (client === undefined) {
      client = createClient({ url })
      // Errors surface on the failing command as a 503-turned-401 refusal; the client reconnects itself.
      client.on('error', () => undefined)
      clients.set(url, client)
      await client.connect()
    }
    return client
  }
  try {
    if (revocation) options.denylist = createRedisDenylist(await connect(revocation.url), revocation.prefix === undefined ? {} : { prefix: revocation.prefix })
    options.replay = replay ? createRedisReplayStore(await connect(replay.url), replay.prefix === undefined ? {} : { prefix: replay.prefix }) : createMemoryReplayStore()
  } catch (error) {
    await Promise.allSettled([...clients.values()].map((client) => client.disconnect()))
    throw error
  }
  return { options, settings, close: () => Promise.all([...clients.values()].map((client) => client.quit())).then(() => undefined) }
}
