/**
 * Routing on verified claims: a rule's `route` entries are tried in order, and the first whose
 * `when` conditions all hold on the verified claims picks the upstream (one name, or a weighted
 * split); otherwise `proxy.defaultUpstream`. The claims are the ones the engine verified for this
 * very request, never a header a client could send (no header round trip).
 * @module
 */
import type { JWTClaims } from 'jotjwt'
import type { GatewayConfig, RouteEntry } from '../config/schema.js'
import { compileCondition } from '../engine/authorize.js'

/** Picks an upstream name for a decision of a rule (`claims` undefined: no verified token). */
export type RoutePicker = (rule: number, claims: JWTClaims | undefined) => string | undefined

interface CompiledEntry {
  readonly when: readonly ((claims: JWTClaims) => boolean)[] | undefined
  readonly pick: () => string
}

/** A weighted choice: the upstream whose cumulative weight first exceeds a uniform draw. */
function weightedPick(weighted: NonNullable<RouteEntry['weighted']>): () => string {
  const total = weighted.reduce((sum, entry) => sum + entry.weight, 0)
  let running = 0
  const bounds = weighted.map((entry) => ({ upstream: entry.upstream, bound: (running += entry.weight) }))
  return () => {
    const draw = Math.random() * total
    return (bounds.find((entry) => draw < entry.bound) ?? bounds[bounds.length - 1]!).upstream
  }
}

function compileEntry(entry: RouteEntry, where: string): CompiledEntry {
  const when = entry.when?.map((condition, index) => compileCondition(condition, `${where}.when.${index}`))
  if (entry.upstream !== undefined) {
    const name = entry.upstream
    return { when, pick: () => name }
  }
  return { when, pick: weightedPick(entry.weighted!) }
}

/** Compiles every rule's route. */
export function compileRoutes(config: GatewayConfig): RoutePicker {
  const fallback = config.proxy?.defaultUpstream
  const routes = config.rules.map((rule, index) => (rule.route ?? []).map((entry, position) => compileEntry(entry, `rules.${index}.route.${position}`)))
  return (rule, claims) => {
    for (const entry of routes[rule] ?? []) {
      if (entry.when === undefined) return entry.pick()
      if (claims !== undefined && entry.when.every((test) => test(claims))) return entry.pick()
    }
    return fallback
  }
}
