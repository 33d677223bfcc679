/**
 * Rule matching: the first rule whose host, path prefix and method all match decides; a request
 * no rule matches is refused (default deny: forgetting a route must not open it).
 * @module
 */
import type { RuleConfig } from '../config/schema.js'

/** A rule's match, compiled. */
export interface RuleMatcher {
  matches(method: string, host: string | undefined, path: string): boolean
}

/** The host without its port, lower case (RFC 9110 §4.2.3: host names compare case-insensitively). */
export function hostName(host: string | undefined): string | undefined {
  if (host === undefined) return undefined
  const bracket = host.startsWith('[') ? host.indexOf(']') : -1
  const name = bracket > 0 ? host.slice(0, bracket + 1) : host.replace(/:\d*$/, '')
  return name.toLowerCase()
}

export function compileMatch(match: RuleConfig['match']): RuleMatcher {
  const hosts = match?.hosts ? new Set(match.hosts.map((h) => h.toLowerCase())) : undefined
  const prefix = match?.pathPrefix
  const methods = match?.methods ? new Set(match.methods) : undefined
  return {
    matches(method, host, path) {
      if (methods && !methods.has(method)) return false
      if (prefix !== undefined && !path.startsWith(prefix)) return false
      if (hosts) {
        const name = hostName(host)
        if (name === undefined || !hosts.has(name)) return false
      }
      return true
    },
  }
}
