/**
 * Reading and validating a configuration. Every problem is reported at once, each named by its path
 * in the file (`providers.orders.algorithms: ...`), so a user fixes the file in one pass.
 * @module
 */
import { readFile } from 'node:fs/promises'
import { parse } from 'yaml'
import { proxyProblems } from './proxy.js'
import { gatewayConfigSchema, type GatewayConfig, type Requirement } from './schema.js'

/** An invalid configuration; `problems` lists every one as `path: message`. */
export class GatewayConfigError extends Error {
  readonly problems: readonly string[]
  constructor(problems: readonly string[]) {
    super(problems.join('; '))
    this.name = 'GatewayConfigError'
    this.problems = problems
  }
}

function describe(path: readonly PropertyKey[]): string {
  return path.length === 0 ? '(top level)' : path.map(String).join('.')
}

/** The providers a requirement names. */
export function requiredProviders(requires: Requirement): readonly string[] {
  if (requires === 'none') return []
  if ('provider' in requires) return [requires.provider]
  if ('any' in requires) return requires.any
  if ('all' in requires) return requires.all
  if ('allowMissing' in requires) return requires.allowMissing
  return requires.allowMissingOrFailed
}

/**
 * Validates a parsed configuration object.
 *
 * @example
 * ```ts
 * const config = validateConfig({ providers: { k8s: { issuer, jwks: { remote: { url } }, audiences: ['api'], algorithms: ['RS256'] } }, rules: [{ requires: { provider: 'k8s' } }] })
 * ```
 * @throws GatewayConfigError listing every problem by path.
 */
export function validateConfig(value: unknown): GatewayConfig {
  const result = gatewayConfigSchema.safeParse(value)
  if (!result.success) throw new GatewayConfigError(result.error.issues.map((issue) => `${describe(issue.path)}: ${issue.message}`))
  const config = result.data
  const problems: string[] = []
  config.rules.forEach((rule, index) => {
    const names = requiredProviders(rule.requires)
    for (const name of names) {
      if (!Object.hasOwn(config.providers, name)) problems.push(`rules.${index}.requires: no provider named "${name}"`)
    }
    // RFC 9449 §4.3: a request carries one DPoP proof, bound to one token, used once: under `all`,
    // two providers checking it would see the second check as a replay.
    const dpop = names.filter((name) => (config.providers[name]?.dpop ?? 'off') !== 'off')
    if (typeof rule.requires === 'object' && 'all' in rule.requires && dpop.length > 1) {
      problems.push(`rules.${index}.requires: at most one provider with dpop under all (a request carries one proof); found ${dpop.join(', ')}`)
    }
    if (rule.resource === undefined) return
    const resource = config.resources !== undefined && Object.hasOwn(config.resources, rule.resource) ? config.resources[rule.resource]! : undefined
    if (resource === undefined) {
      problems.push(`rules.${index}.resource: no resource named "${rule.resource}"`)
      return
    }
    // RFC 9728 §3.3: a client gets a token for the published identifier; every provider of the rule must accept it.
    for (const name of names) {
      const provider = Object.hasOwn(config.providers, name) ? config.providers[name] : undefined
      if (provider && !provider.audiences.includes(resource.resource)) {
        problems.push(`rules.${index}.resource: provider "${name}" does not accept the audience ${resource.resource}`)
      }
    }
  })
  problems.push(...proxyProblems(config))
  for (const [name, resource] of Object.entries(config.resources ?? {})) {
    if (resource.authorizationServers === undefined && !config.rules.some((rule) => rule.resource === name)) {
      problems.push(`resources.${name}.authorizationServers: no rule names this resource, so its issuers are unknown: list them`)
    }
  }
  if (problems.length > 0) throw new GatewayConfigError(problems)
  return config
}

/** Parses YAML (JSON is YAML) text and validates it. */
export function parseConfig(text: string): GatewayConfig {
  let value: unknown
  try {
    value = parse(text)
  } catch (error) {
    throw new GatewayConfigError([`(file): not valid YAML or JSON: ${(error as Error).message}`])
  }
  return validateConfig(value)
}

/** Reads and validates a configuration file. */
export async function loadConfig(file: string): Promise<GatewayConfig> {
  return parseConfig(await readFile(file, 'utf8'))
}
