/**
 * One configuration compiled for the reverse proxy: the decision engine, the routes, the token
 * strips, the upstream pools and the denylist. A reload builds a new state next to the running one
 * and swaps it in; pools and the Redis connection whose settings did not change are carried over, so
 * a reload keeps warm keep-alive connections.
 * @module
 */
import type { BlockList } from 'node:net'
import { requiredProviders } from '../config/load.js'
import type { GatewayConfig } from '../config/schema.js'
import { createGateway, type Decision, type Gateway } from '../engine/gateway.js'
import { trustedProxyList } from '../http/forwarded.js'
import { redisDenylist } from '../http/server.js'
import { managedSpellings, STRIP_NOTHING, type TokenStrip } from './headers.js'
import { compileRoutes, type RoutePicker } from './route.js'
import { createUpstream, type Upstream } from './upstreams.js'
import type { GatewayMetrics } from '../ops/metrics.js'

type RedisDenylist = Awaited<ReturnType<typeof redisDenylist>> & { readonly settings: string }

/** A compiled configuration. */
export interface ProxyState {
  readonly config: GatewayConfig
  readonly gateway: Gateway
  readonly route: RoutePicker
  readonly managed: ReadonlySet<string>
  readonly trusted: BlockList
  readonly upstreams: ReadonlyMap<string, Upstream>
  readonly denylist: RedisDenylist | undefined
  /** Where a decision's token is removed before the request goes upstream. */
  tokenStrip(decision: Decision): TokenStrip
}

/** Per rule: the token locations of every provider it names that does not set `forwardToken`. */
function ruleStrips(config: GatewayConfig): TokenStrip[] {
  return config.rules.map((rule) => {
    const strip = { header: false, query: false, cookies: [] as string[] }
    for (const name of requiredProviders(rule.requires)) {
      const provider = config.providers[name]!
      if (provider.forwardToken === true) continue
      const source = provider.tokenSource ?? {}
      strip.header ||= source.header ?? true
      strip.query ||= source.query === true
      if (source.cookie !== undefined) strip.cookies.push(source.cookie)
    }
    return strip
  })
}

/** Builds a state; `previous` lends the pools and the Redis connection whose settings are unchanged. */
export async function buildState(config: GatewayConfig, metrics: GatewayMetrics, previous?: ProxyState): Promise<ProxyState> {
  const redis = config.revocation?.redis
  const redisSettings = JSON.stringify(redis ?? null)
  let denylist: RedisDenylist | undefined = previous?.denylist?.settings === redisSettings ? previous.denylist : undefined
  const opened: RedisDenylist[] = []
  if (redis && !denylist) {
    denylist = { ...(await redisDenylist(redis.url, redis.prefix)), settings: redisSettings }
    opened.push(denylist)
  }
  const upstreams = new Map<string, Upstream>()
  const created: Upstream[] = []
  try {
    const gateway = createGateway(config, { ...(denylist ? { denylist: denylist.denylist } : {}), onKeySetEvent: metrics.keySetEvent })
    const route = compileRoutes(config)
    for (const [name, settings] of Object.entries(config.proxy?.upstreams ?? {})) {
      const kept = previous?.upstreams.get(name)
      if (kept !== undefined && kept.settings === JSON.stringify(settings)) upstreams.set(name, kept)
      else created.push(upstreams.set(name, createUpstream(name, settings)).get(name)!)
    }
    const strips = ruleStrips(config)
    return {
      config,
      gateway,
      route,
      managed: managedSpellings(gateway.managedHeaders),
      trusted: trustedProxyList(config.trustedProxies ?? []),
      upstreams,
      denylist,
      tokenStrip(decision) {
        const strip = decision.rule === undefined ? STRIP_NOTHING : strips[decision.rule]!
        // A token a forwarding provider verified stays where it was found.
        const kept = decision.verified?.find((entry) => config.providers[entry.provider]?.forwardToken === true)
        if (kept === undefined) return strip
        const { location } = kept.auth
        const cookie = config.providers[kept.provider]!.tokenSource?.cookie
        return {
          header: strip.header && location !== 'header',
          query: strip.query && location !== 'query',
          cookies: location === 'cookie' ? strip.cookies.filter((name) => name !== cookie) : strip.cookies,
        }
      },
    }
  } catch (error) {
    await Promise.allSettled([...opened.map((entry) => entry.close()), ...created.map((upstream) => upstream.close())])
    throw error
  }
}

/** Releases what `state` holds that `next` does not share (after in-flight requests, for pools). */
export async function retireState(state: ProxyState, next: ProxyState | undefined): Promise<void> {
  const closing: Promise<void>[] = []
  for (const upstream of state.upstreams.values()) if (next?.upstreams.get(upstream.name) !== upstream) closing.push(upstream.close())
  if (state.denylist && next?.denylist !== state.denylist) closing.push(state.denylist.close())
  await Promise.allSettled(closing)
}
