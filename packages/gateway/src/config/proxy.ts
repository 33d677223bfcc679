/**
 * Checks of the reverse-proxy settings that span several parts of a configuration: every upstream a
 * route or `defaultUpstream` names exists, and every rule has somewhere to send a request.
 * @module
 */
import type { GatewayConfig } from './schema.js'

/** Problems of the proxy settings, as `path: message`. */
export function proxyProblems(config: GatewayConfig): string[] {
  const problems: string[] = []
  const { proxy } = config
  if (proxy === undefined) {
    config.rules.forEach((rule, index) => {
      if (rule.route !== undefined) problems.push(`rules.${index}.route: routes need the proxy section (forward-auth does not choose upstreams)`)
    })
    return problems
  }
  const known = (name: string) => Object.hasOwn(proxy.upstreams, name)
  if (Object.keys(proxy.upstreams).length === 0) problems.push('proxy.upstreams: name at least one upstream')
  if (proxy.defaultUpstream !== undefined && !known(proxy.defaultUpstream)) problems.push(`proxy.defaultUpstream: no upstream named "${proxy.defaultUpstream}"`)
  config.rules.forEach((rule, index) => {
    const route = rule.route ?? []
    route.forEach((entry, position) => {
      for (const name of entry.upstream !== undefined ? [entry.upstream] : entry.weighted!.map((w) => w.upstream)) {
        if (!known(name)) problems.push(`rules.${index}.route.${position}: no upstream named "${name}"`)
      }
    })
    // A request this rule allows must go somewhere: a final entry without conditions, or the default.
    const catchAll = route.some((entry) => entry.when === undefined)
    if (!catchAll && proxy.defaultUpstream === undefined) problems.push(`rules.${index}.route: no route without "when" and no proxy.defaultUpstream: some allowed requests would have no upstream`)
  })
  return problems
}
