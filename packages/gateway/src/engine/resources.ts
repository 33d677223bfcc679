/**
 * The protected APIs behind the gateway that publish their metadata (RFC 9728): the configuration's
 * named `resources`, each compiled by the guard's `protectedResourceMetadata` (the same document
 * the middleware serves). The gateway answers a GET of a resource's well-known path on the
 * resource's host with the document, before any rule (it is public), and the rules that name a
 * resource put its URL in their challenges (`resource_metadata`, §5.1).
 *
 * Defaults come from the rules that name the resource: `authorization_servers` are the issuers of
 * the providers they require, `bearer_methods_supported` the token sources those providers accept,
 * and with DPoP (RFC 9449 §5.1) the proof algorithms they accept, required when every one of them
 * requires it.
 * @module
 */
import { pathOf, protectedResourceMetadata, type ErrorResponse, type ProtectedResourceMetadata } from 'jotjwt-guard'
import { requiredProviders } from '../config/load.js'
import type { GatewayConfig } from '../config/schema.js'
import type { CompiledProvider } from './provider.js'
import { hostName } from './rules.js'

/** The compiled resources. */
export interface CompiledResources {
  /** The metadata URL of a named resource (for the challenges). */
  url(name: string | undefined): string | undefined
  /** The answer to a GET of a resource's metadata path on its host; undefined for any other request. */
  answer(method: string, host: string | undefined, uri: string): ErrorResponse | undefined
}

/** Compiles the configuration's resources (validated: each has authorization servers to name). */
export function compileResources(config: GatewayConfig, providers: ReadonlyMap<string, CompiledProvider>): CompiledResources {
  const compiled = new Map<string, ProtectedResourceMetadata & { host: string }>()
  for (const [name, resource] of Object.entries(config.resources ?? {})) {
    const used = config.rules.filter((rule) => rule.resource === name).flatMap((rule) => requiredProviders(rule.requires).map((provider) => providers.get(provider)!))
    const authorizationServers = resource.authorizationServers ?? [...new Set(used.flatMap((provider) => [...provider.issuers]))]
    const locations = used.map((provider) => provider.guard.locations)
    const bearerMethods = (['header', 'body', 'query'] as const).filter((method) => (locations.length === 0 ? method === 'header' : locations.some((location) => location[method])))
    const dpop = used.map((provider) => provider.guard.responseSettings.dpop).filter((settings) => settings !== undefined && settings.mode !== 'off')
    const dpopAlgorithms = [...new Set(dpop.flatMap((settings) => settings!.algs.split(' ')))]
    const metadata = protectedResourceMetadata({
      ...resource,
      authorizationServers,
      bearerMethods,
      ...(dpopAlgorithms.length === 0 ? {} : { dpopAlgorithms, dpopRequired: used.every((provider) => provider.guard.responseSettings.dpop?.mode === 'required') }),
    })
    compiled.set(name, { ...metadata, host: new URL(resource.resource).hostname })
  }
  const all = [...compiled.values()]
  return {
    url: (name) => (name === undefined ? undefined : compiled.get(name)?.url),
    answer(method, host, uri) {
      if (method !== 'GET' || all.length === 0) return undefined
      const path = pathOf(uri)
      const name = hostName(host)
      // Without a Host (HTTP/1.0) the path alone decides, when only one resource has it.
      const matches = all.filter((metadata) => metadata.path === path && (name === undefined || metadata.host === name))
      return matches.length === 1 ? matches[0]!.response : undefined
    },
  }
}
