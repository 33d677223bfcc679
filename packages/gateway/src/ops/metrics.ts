/**
 * Prometheus metrics (prom-client), in a registry of the gateway's own so that embedding it never
 * mixes with an application's default registry. Label values come from a fixed vocabulary (decision,
 * RFC 6750 error code, provider and upstream names from the configuration): an attacker's `kid` or
 * `iss` never becomes a label, which would let them grow the registry without bound.
 * @module
 */
import type { KeySetEvent } from 'jotjwt'
import type { TokenCache } from 'jotjwt-guard'
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client'

/** The metrics the proxy records. */
export interface GatewayMetrics {
  readonly registry: Registry
  /** `reason`: the RFC 6750 error code, `missing_token` or `no_rule` for a refusal; empty when allowed. */
  decision(allowed: boolean, reason: string): void
  keySetEvent(provider: string, event: KeySetEvent): void
  upstream(name: string, status: number, seconds: number | undefined, failure: string | undefined): void
  reload(result: 'ok' | 'invalid'): void
}

/**
 * Creates the registry and every metric (process metrics included). `cache` answers the running
 * configuration's verified-token cache (undefined when off), read at each scrape.
 */
export function createMetrics(cache: () => TokenCache | undefined = () => undefined): GatewayMetrics {
  const registry = new Registry()
  collectDefaultMetrics({ register: registry, prefix: 'jot_gateway_' })
  const registers = [registry]
  const decisions = new Counter({ name: 'jot_gateway_requests_total', help: 'Requests decided, by decision and refusal reason', labelNames: ['decision', 'reason'], registers })
  const fetches = new Counter({ name: 'jot_gateway_jwks_fetches_total', help: 'JWKS fetches, by provider and result', labelNames: ['provider', 'result'], registers })
  const stale = new Counter({ name: 'jot_gateway_jwks_stale_serves_total', help: 'Verifications with expired (stale) keys while a refresh runs or fails', labelNames: ['provider'], registers })
  const unknownKids = new Counter({ name: 'jot_gateway_jwks_unknown_kid_total', help: 'Tokens naming a kid the key set lacks, by what the key set did', labelNames: ['provider', 'action'], registers })
  const latency = new Histogram({
    name: 'jot_gateway_upstream_duration_seconds',
    help: 'Time until the upstream response headers, by upstream and status class',
    labelNames: ['upstream', 'class'],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers,
  })
  const failures = new Counter({ name: 'jot_gateway_upstream_failures_total', help: 'Upstream exchanges that failed, by upstream and kind', labelNames: ['upstream', 'kind'], registers })
  const reloads = new Counter({ name: 'jot_gateway_config_reloads_total', help: 'Configuration reloads, by result', labelNames: ['result'], registers })
  new Gauge({
    name: 'jot_gateway_token_cache_entries',
    help: 'Tokens held by the verified-token cache (0 when it is off)',
    registers,
    collect() {
      this.set(cache()?.entries ?? 0)
    },
  })
  new Gauge({
    name: 'jot_gateway_token_cache_bytes',
    help: 'Bytes held by the verified-token cache, as counted against cache.maxBytes (0 when it is off)',
    registers,
    collect() {
      this.set(cache()?.bytes ?? 0)
    },
  })
  return {
    registry,
    decision: (allowed, reason) => decisions.inc({ decision: allowed ? 'allowed' : 'denied', reason }),
    keySetEvent(provider, event) {
      if (event.type === 'fetch') fetches.inc({ provider, result: 'ok' })
      else if (event.type === 'fetch-failed') fetches.inc({ provider, result: 'failed' })
      else if (event.type === 'stale') stale.inc({ provider })
      else unknownKids.inc({ provider, action: event.action })
    },
    upstream(name, status, seconds, failure) {
      if (seconds !== undefined) latency.observe({ upstream: name, class: `${Math.floor(status / 100)}xx` }, seconds)
      if (failure !== undefined) failures.inc({ upstream: name, kind: failure })
    },
    reload: (result) => reloads.inc({ result }),
  }
}
