/**
 * jot gateway: forward-auth for nginx (`auth_request`), Caddy (`forward_auth`) and other proxies,
 * on the guard's decision engine. Providers verify tokens, rules choose which providers a request
 * needs, `authorize` checks scopes and claims, and verified claims become headers for the upstream.
 *
 * @example
 * ```ts
 * import { loadConfig, startGateway } from 'jotjwt-gateway'
 * const running = await startGateway(await loadConfig('gateway.yaml'))
 * ```
 * @module
 */
export { gatewayConfigSchema, type ClaimCondition, type GatewayConfig, type ProviderConfig, type ProxyConfig, type Requirement, type RouteEntry, type RuleConfig, type UpstreamConfig } from './config/schema.js'
export { GatewayConfigError, loadConfig, parseConfig, validateConfig } from './config/load.js'
export { createGateway, type Decision, type Gateway, type GatewayOptions, type GatewayRequest } from './engine/gateway.js'
export { startGateway, type RunningGateway } from './http/server.js'
export { caddySite, HAPROXY_LUA, haproxySections, nginxServer, separatorVariants, type SnippetOptions } from './proxies/snippets.js'
export { startProxy, type ProxyOptions, type ReloadResult, type RunningProxy } from './proxy/server.js'
export type { GatewayMetrics } from './ops/metrics.js'
