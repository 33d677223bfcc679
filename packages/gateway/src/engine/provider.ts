/**
 * A provider compiled onto the guard's core: each provider is one `createGuard` (issuer or issuers,
 * key source, algorithms, audiences, typ, required claims, skew), so the gateway and the framework
 * middleware run the very same verification. What the gateway adds is the claim-header plan.
 * @module
 */
import { readFileSync } from 'node:fs'
import { base64url, type JWKSet, type JWSAlgorithmName, type JWTClaims, type KeySetEvent } from 'jotjwt'
import { compilePath, createDPoPNonces, createGuard, valueAt, type DPoPNonceSource, type Guard, type GuardOptions, type IssuerOptions, type KeySource, type TokenLocations } from 'jotjwt-guard'
import type { ProviderConfig } from '../config/schema.js'

/** A provider ready to authenticate requests and to turn its claims into headers. */
export interface CompiledProvider {
  readonly name: string
  readonly issuers: ReadonlySet<string>
  readonly guard: Guard
  /** Every header this provider may set: the proxy must strip client copies of each of them. */
  readonly managedHeaders: readonly string[]
  /** The headers for a verified token's claims (lower-case names). */
  headers(claims: JWTClaims): Record<string, string>
}

function keySource(config: ProviderConfig, onEvent: ((event: KeySetEvent) => void) | undefined): KeySource {
  const events = onEvent ? { onEvent } : {}
  const remote = config.jwks?.remote
  if (remote) {
    const { url, timeout, cacheDuration, cooldown, maxStale, minCacheAge, refreshAhead } = remote
    const keySet = {
      ...events,
      ...(timeout !== undefined ? { timeout } : {}),
      ...(cacheDuration !== undefined ? { cacheMaxAge: cacheDuration } : {}),
      ...(cooldown !== undefined ? { cooldown } : {}),
      ...(maxStale !== undefined ? { maxStale } : {}),
      ...(minCacheAge !== undefined ? { minCacheAge } : {}),
      ...(refreshAhead !== undefined ? { refreshAhead } : {}),
    }
    return { jwksUri: url, keySet }
  }
  const local = config.jwks?.local
  if (local?.pem !== undefined) return { pem: local.pem }
  if (local?.jwks !== undefined) return { jwks: local.jwks as unknown as JWKSet }
  if (local?.file !== undefined) {
    const text = readFileSync(local.file, 'utf8')
    return text.trimStart().startsWith('-----BEGIN') ? { pem: text } : { jwks: JSON.parse(text) as JWKSet }
  }
  return { discovery: true, keySet: events }
}

/** The provider's nonce source (RFC 9449 §9): the guard's stateless one, keyed by the configured secret. */
function nonceSource(config: ProviderConfig): DPoPNonceSource | undefined {
  const nonce = config.dpopNonce
  if (nonce === undefined) return undefined
  const secret = nonce.secret ?? readFileSync(nonce.secretFile!, 'utf8').replace(/\r?\n$/, '')
  return createDPoPNonces({ secret, ...(nonce.lifetime !== undefined ? { lifetime: nonce.lifetime } : {}) })
}

function headerValue(value: unknown, arrays: 'join' | 'json'): string | undefined {
  if (value === undefined || value === null) return undefined
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return String(value)
  if (Array.isArray(value) && arrays === 'join' && value.every((item) => typeof item !== 'object' || item === null)) return value.map(String).join(',')
  return JSON.stringify(value)
}

/** RFC 9110 §5.5: a field value must not carry CR, LF or NUL (a claim could otherwise split headers). */
function isFieldValue(value: string): boolean {
  return !/[\r\n\0]/.test(value)
}

/** What every provider of a gateway shares: challenge settings, revocation, the token cache, the DPoP replay store. */
export type SharedSettings = Pick<GuardOptions, 'realm' | 'errorVerbosity' | 'revocation' | 'cache' | 'dpopSettings'>

/** The guard options of a provider: issuers, key source, verification settings and what every provider shares. */
function guardOptions(config: ProviderConfig, issuers: readonly string[], source: KeySource, settings: SharedSettings): GuardOptions {
  const audiences = config.audiences
  const nonce = nonceSource(config)
  return {
    ...(config.issuers === undefined ? { issuer: config.issuer!, ...source } : { issuers: issuers.map((issuer): IssuerOptions => ({ issuer, ...source })) }),
    audience: config.audienceMatch === 'all' ? (tokenAudiences) => audiences.every((aud) => tokenAudiences.includes(aud)) : audiences,
    algorithms: config.algorithms as JWSAlgorithmName[],
    ...(config.profile !== undefined ? { profile: config.profile } : {}),
    ...(config.typ !== undefined ? { typ: config.typ } : {}),
    ...(config.requiredClaims !== undefined ? { requiredClaims: config.requiredClaims } : {}),
    ...(config.maxTokenAge !== undefined ? { maxTokenAge: config.maxTokenAge } : {}),
    ...(config.maxLifetime !== undefined ? { maxLifetime: config.maxLifetime } : {}),
    ...(config.clockSkewSeconds !== undefined ? { clockTolerance: config.clockSkewSeconds } : {}),
    ...(config.tokenSource !== undefined ? { tokenLocations: config.tokenSource as TokenLocations } : {}),
    ...(config.allowHttp === true ? { allowHttp: true } : {}),
    ...(settings.cache !== undefined ? { cache: settings.cache } : {}),
    ...(settings.realm !== undefined ? { realm: settings.realm } : {}),
    ...(settings.errorVerbosity !== undefined ? { errorVerbosity: settings.errorVerbosity } : {}),
    ...(settings.revocation !== undefined ? { revocation: settings.revocation } : {}),
    ...(config.dpop !== undefined && config.dpop !== 'off'
      ? {
          dpop: config.dpop,
          dpopSettings: { ...settings.dpopSettings, ...(config.publicOrigin !== undefined ? { publicOrigin: config.publicOrigin } : {}), ...(nonce !== undefined ? { nonce } : {}) },
        }
      : {}),
  }
}

/** Compiles one provider. */
export function compileProvider(
  name: string,
  config: ProviderConfig,
  settings: SharedSettings,
  onKeySetEvent?: (event: KeySetEvent) => void,
  /** The guard of the previous configuration, when it was built from the same settings (a reload keeps its keys and cached verifications). */
  guard?: Guard,
): CompiledProvider {
  const issuers = config.issuers ?? [config.issuer!]
  const mappings = (config.claimsToHeaders ?? []).map((mapping) => ({
    segments: compilePath(mapping.claim),
    header: mapping.header.toLowerCase(),
    arrays: mapping.arrays ?? 'join',
  }))
  const payloadHeader = config.payloadHeader?.toLowerCase()
  return {
    name,
    issuers: new Set(issuers),
    guard: guard ?? createGuard(guardOptions(config, issuers, keySource(config, onKeySetEvent), settings)),
    managedHeaders: [...mappings.map((m) => m.header), ...(payloadHeader ? [payloadHeader] : [])],
    headers(claims) {
      const headers: Record<string, string> = {}
      for (const { segments, header, arrays } of mappings) {
        const value = headerValue(valueAt(claims, segments), arrays)
        if (value !== undefined && isFieldValue(value)) headers[header] = value
      }
      if (payloadHeader) headers[payloadHeader] = base64url.encode(new TextEncoder().encode(JSON.stringify(claims)))
      return headers
    },
  }
}
