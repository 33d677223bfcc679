/**
 * One configuration compiled for the reverse proxy: the decision engine, the routes, the token
 * strips, the upstream pools and the stores (denylist, DPoP replay). A reload builds a new state next
 * to the running one and swaps it in; pools and stores whose settings did not change are carried
 * over, so a reload keeps warm keep-alive connections and the proofs already used, and so are the
 * verified-token cache and each provider's guard whose settings did not change (`createGateway`'s
 * `previous`): cached verifications and fetched keys survive a reload that only moves routes.
 * @module
 */
import type { BlockList } from 'node:net'
import { requiredProviders } from '../config/load.js'
import type { GatewayConfig } from '../config/schema.js'
import { createGateway, type Decision, type Gateway } from '../engine/gateway.js'
import { trustedProxyList } from '../http/forwarded.js'
import { openStores, type GatewayStores } from '../http/stores.js'
import { managedSpellings, STRIP_NOTHING, type TokenStrip } from './headers.js'
import { compileRoutes, type RoutePicker } from './route.js'
import { createUpstream, type Upstream } from './upstreams.js'
import type { GatewayMetrics } from '../ops/metrics.js'

/** A compiled configuration. */
export interface ProxyState {
  readonly config: GatewayConfig
  readonly gateway: Gateway
  readonly route: RoutePicker
  readonly managed: ReadonlySet<string>
  readonly trusted: BlockList
  readonly upstreams: ReadonlyMap<string, Upstream>
  /** The denylist and DPoP replay store (kept across reloads while their settings do not change). */
  readonly stores: GatewayStores
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
  const stores = await openStores(config, previous?.stores)
  const opened = stores === previous?.stores ? [] : [stores]
  const upstreams = new Map<string, Upstream>()
  const created: Upstream[] = []
  try {
    const gateway = createGateway(config, { ...stores.options, onKeySetEvent: metrics.keySetEvent, ...(previous ? { previous: previous.gateway } : {}) })
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
      stores,
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
  if (next?.stores !== state.stores) closing.push(state.stores.close())
  await Promise.allSettled(closing)
}
