/**
 * The gateway configuration, as users write it (YAML or JSON). Field names read as a superset of
 * Envoy's `jwt_authn` and Gloo's JWT and RBAC options (`providers`, `rules`, `requires`,
 * `claimsToHeaders`, `clockSkewSeconds`, `allowMissing`, `allowMissingOrFailed`), so a team moving
 * from either recognises every field. The same schema validates the file and generates the JSON
 * Schema published for editors (`gateway.schema.json`).
 * @module
 */
import { isIP } from 'node:net'
import { z } from 'zod'

/** RFC 9110 §5.6.2 token: a header field name. Lower-cased when compiled. */
const headerName = z.string().regex(/^[!#$%&'*+\-.^`|~0-9A-Za-z]+$/, 'a header name (RFC 9110 token characters; no underscores)')

/** A claim path: a top-level claim name, a JSON Pointer (`/kubernetes.io/serviceaccount/name`), or segments. */
const claimPath = z.union([z.string().min(1), z.array(z.string()).min(1)])

const seconds = z.number().positive()

const remoteJwks = z
  .object({
    url: z.url(),
    timeout: seconds.optional().describe('seconds to wait for the JWKS endpoint (default 5)'),
    cacheDuration: seconds.optional().describe('longest time keys are trusted without a refetch (default 600)'),
    cooldown: seconds.optional().describe('shortest time between two fetches, also on unknown kids (default 30)'),
    maxStale: seconds.optional().describe('how long known keys keep verifying while the endpoint fails (default 21600)'),
    minCacheAge: seconds.optional().describe('lower bound for the endpoint’s max-age (default 60)'),
    refreshAhead: seconds.optional().describe('refresh this long before expiry (default 30)'),
  })
  .strict()

const localJwks = z
  .object({
    jwks: z.object({ keys: z.array(z.record(z.string(), z.unknown())) }).optional().describe('a JWK Set inline'),
    pem: z.string().optional().describe('one public key as PEM'),
    file: z.string().optional().describe('a file holding a JWK Set (JSON) or a PEM public key'),
  })
  .strict()
  .refine((local) => [local.jwks, local.pem, local.file].filter((v) => v !== undefined).length === 1, 'give exactly one of jwks, pem, file')

/** Where a Redis-backed store lives; the key formats are jotjwt-guard/redis's. */
const redisStore = (defaultPrefix: string) =>
  z
    .object({
      url: z.string().regex(/^rediss?:\/\//, 'a redis:// or rediss:// URL'),
      prefix: z.string().optional().describe(`key prefix (default ${defaultPrefix}, the format jotjwt-guard/redis uses)`),
    })
    .strict()

/** An origin as clients write it: scheme, host and port only. */
const origin = z.string().regex(/^https?:\/\/[^/?#@\s]+$/, 'an http(s) origin such as https://api.example (no path)')

/**
 * Server nonces for DPoP proofs (RFC 9449 §8, §9), stateless: an HMAC of the time window under a key
 * derived from the secret (jotjwt-guard's createDPoPNonces), so every replica given the same secret
 * hands out and accepts the same nonces without sharing state.
 */
const dpopNonce = z
  .object({
    secret: z.string().min(32, 'at least 32 characters').optional().describe('the secret every replica shares (at least 32 characters)'),
    secretFile: z.string().min(1).optional().describe('a file holding the secret (trailing newline ignored), instead of secret'),
    lifetime: seconds.optional().describe('seconds a nonce is current; the previous one is accepted for as long again (default 300)'),
  })
  .strict()
  .refine((n) => (n.secret === undefined) !== (n.secretFile === undefined), 'give secret or secretFile (one of them)')

const claimToHeader = z
  .object({
    claim: claimPath,
    header: headerName,
    arrays: z.enum(['join', 'json']).optional().describe('arrays as a comma-separated list (join, default) or as JSON'),
  })
  .strict()

const provider = z
  .object({
    issuer: z.string().min(1).optional(),
    issuers: z.array(z.string().min(1)).min(1).optional().describe('several issuers sharing these settings; the token’s iss picks one'),
    discovery: z.boolean().optional().describe('find jwks_uri in <issuer>/.well-known/openid-configuration'),
    jwks: z.object({ remote: remoteJwks.optional(), local: localJwks.optional() }).strict().optional(),
    audiences: z.array(z.string().min(1)).min(1),
    audienceMatch: z.enum(['any', 'all']).optional().describe('any (default, Envoy) or all of audiences must be in aud'),
    algorithms: z.array(z.string().regex(/^(?:[RP]S(?:256|384|512)|ES(?:256|384|512|256K)|EdDSA|Ed25519|HS(?:256|384|512))$/, 'a JWS algorithm')).min(1),
    profile: z.enum(['jwt', 'rfc9068']).optional().describe('rfc9068: typ at+jwt and the RFC 9068 claims required (an ID token is refused)'),
    typ: z.string().min(1).optional().describe('the required typ header (RFC 8725 §3.11), e.g. at+jwt'),
    requiredClaims: z.array(z.string().min(1)).optional(),
    maxTokenAge: seconds.optional().describe('refuse tokens issued (iat) longer ago than this many seconds'),
    maxLifetime: seconds.optional().describe('refuse tokens minted to live longer than this many seconds (exp − iat; tokens without iat are refused)'),
    clockSkewSeconds: z.number().int().min(0).max(300).optional(),
    tokenSource: z
      .object({ header: z.boolean().optional(), query: z.boolean().optional(), cookie: z.string().min(1).optional() })
      .strict()
      .optional(),
    claimsToHeaders: z.array(claimToHeader).optional(),
    payloadHeader: headerName.optional().describe('the verified payload, base64url(JSON), for the upstream'),
    allowHttp: z.boolean().optional().describe('allow http: JWKS and discovery URLs (loopback, tests)'),
    forwardToken: z.boolean().optional().describe('reverse proxy: pass the token on to the upstream (default false: removed from header, query and cookie)'),
    dpop: z
      .enum(['off', 'allowed', 'required'])
      .optional()
      .describe('DPoP (RFC 9449): off (default, Bearer only), allowed (Bearer and DPoP), required (DPoP only); a DPoP-bound token is refused as a bearer token in every mode'),
    publicOrigin: origin.optional().describe('the origin clients address (https://api.example): a DPoP proof must name it and the forwarded path (htu)'),
    dpopNonce: dpopNonce.optional().describe('require a server nonce in every DPoP proof (RFC 9449 §9), sent in DPoP-Nonce; replicas given the same secret accept each other’s nonces'),
  })
  .strict()
  .refine((p) => p.dpopNonce === undefined || (p.dpop ?? 'off') !== 'off', { message: 'dpopNonce needs dpop allowed or required', path: ['dpopNonce'] })
  .refine((p) => (p.dpop ?? 'off') === 'off' || p.publicOrigin !== undefined, {
    message: 'dpop needs publicOrigin: forward-auth sees only the path of the original request, and must not believe a Host a client can set',
    path: ['publicOrigin'],
  })
  .refine((p) => (p.dpop ?? 'off') === 'off' || p.tokenSource?.header !== false, {
    message: 'dpop needs the Authorization header as a token source (RFC 9449 §7.1)',
    path: ['tokenSource'],
  })
  .refine((p) => (p.issuer === undefined) !== (p.issuers === undefined), { message: 'give issuer or issuers (one of them)', path: ['issuer'] })
  .refine((p) => [p.discovery === true, p.jwks?.remote, p.jwks?.local].filter(Boolean).length === 1, {
    message: 'give exactly one key source: discovery: true, jwks.remote or jwks.local',
    path: ['jwks'],
  })

/** RFC 9728 §1.2: a resource identifier is an https URL without a fragment (and, here, without a query). */
const resourceIdentifier = z.url().refine((value) => value.startsWith('https://') && !/[?#]/.test(value), 'an https URL without query or fragment (RFC 9728 section 1.2)')

/** A protected API whose metadata (RFC 9728) the gateway publishes; rules name it with `resource`. */
const resourceMetadata = z
  .object({
    resource: resourceIdentifier.describe('the API\'s resource identifier: the aud its tokens carry; the metadata is served at its well-known URI'),
    authorizationServers: z.array(z.string().min(1)).min(1).optional().describe('issuers of its tokens (default: the issuers of the providers its rules require)'),
    scopesSupported: z.array(z.string().min(1)).optional().describe('the scopes the API uses (scopes_supported)'),
    resourceName: z.string().min(1).optional().describe('a name for people (resource_name)'),
    resourceDocumentation: z.url().optional().describe('a page for developers (resource_documentation)'),
  })
  .strict()

const claimOperator = z.enum(['equals', 'contains', 'prefix', 'suffix', 'regex', 'in'])

const claimCondition = z
  .object({
    path: claimPath,
    op: claimOperator,
    value: z.union([z.string(), z.number(), z.boolean(), z.null(), z.array(z.union([z.string(), z.number(), z.boolean(), z.null()]))]),
  })
  .strict()

const providerList = z.array(z.string().min(1)).min(1)

const requirement = z.union([
  z.literal('none').describe('no token needed (claim headers are still stripped)'),
  z.object({ provider: z.string().min(1) }).strict(),
  z.object({ any: providerList }).strict(),
  z.object({ all: providerList }).strict(),
  z.object({ allowMissing: providerList }).strict(),
  z.object({ allowMissingOrFailed: providerList }).strict(),
])

const upstreamName = z.string().min(1)

/** Reverse proxy: where a rule sends a request, by its verified claims (first matching entry wins). */
const routeEntry = z
  .object({
    when: z.array(claimCondition).min(1).optional().describe('claim conditions that must all hold (the operators of authorize.claims)'),
    upstream: upstreamName.optional(),
    weighted: z.array(z.object({ upstream: upstreamName, weight: z.number().positive() }).strict()).min(1).optional().describe('split by weight'),
  })
  .strict()
  .refine((entry) => (entry.upstream === undefined) !== (entry.weighted === undefined), 'give upstream or weighted (one of them)')

const rule = z
  .object({
    match: z
      .object({
        hosts: z.array(z.string().min(1)).min(1).optional(),
        pathPrefix: z.string().startsWith('/').optional(),
        methods: z.array(z.string().regex(/^[A-Z]+$/, 'an upper-case method')).min(1).optional(),
      })
      .strict()
      .optional(),
    requires: requirement,
    bypassCorsPreflight: z.boolean().optional().describe('let CORS preflight requests through without a token'),
    resource: z.string().min(1).optional().describe('the resource (in resources) this rule protects: its challenges name its metadata (RFC 9728 section 5.1)'),
    authorize: z
      .object({
        scopes: z.object({ all: z.array(z.string().min(1)).min(1).optional(), any: z.array(z.string().min(1)).min(1).optional() }).strict().optional(),
        claims: z.array(claimCondition).optional(),
      })
      .strict()
      .optional(),
    route: z.array(routeEntry).min(1).optional().describe('reverse proxy: the upstream for this rule; otherwise proxy.defaultUpstream'),
  })
  .strict()

const listen = z.object({ host: z.string().optional(), port: z.number().int().min(0).max(65535).optional() }).strict()

/** True when the URL's host is an IP literal (IPv6 in brackets included). */
function hasIpHost(url: string): boolean {
  try {
    return isIP(new URL(url).hostname.replace(/^\[|\]$/g, '')) !== 0
  } catch {
    return false // the url check reports it
  }
}

const upstream = z
  .object({
    url: z.url().regex(/^https?:\/\/[^/?#]+\/?$/, 'an http(s) origin without a path'),
    connections: z.number().int().positive().optional().describe('keep-alive pool size (default 128)'),
    connectTimeout: seconds.optional().describe('seconds to connect before 504 (default 5)'),
    timeout: seconds.optional().describe('seconds to wait for the response headers before 504 (default 30)'),
    idleTimeout: seconds.optional().describe('seconds without body data before the exchange is aborted (default 60)'),
    keepAlive: seconds.optional().describe('seconds an idle pooled connection is kept (default 4)'),
    preserveHost: z
      .boolean()
      .optional()
      .describe("send the client's Host to this upstream instead of the upstream's own (default false); X-Forwarded-Host carries it either way, and TLS still names the upstream"),
  })
  .strict()
  // TLS names the upstream by its host name (SNI, RFC 6066 §3, and the certificate check): with the
  // client's Host sent instead, an IP-literal https origin would leave nothing to name it by.
  .refine((upstream) => upstream.preserveHost !== true || !upstream.url.startsWith('https:') || !hasIpHost(upstream.url), {
    message: 'preserveHost with an https upstream needs a host name, not an IP address (TLS names the upstream by it)',
    path: ['preserveHost'],
  })

/** The reverse proxy: present, `jotjwt gateway` proxies to upstreams instead of answering forward-auth. */
const proxy = z
  .object({
    upstreams: z.record(upstreamName, upstream),
    defaultUpstream: upstreamName.optional().describe('for rules without a route, or whose route matches nothing'),
    admin: listen.optional().describe('the listener of /metrics, /ready and /live (default 127.0.0.1:9092)'),
    accessLog: z.boolean().optional().describe('one JSON line per request on stdout (default true)'),
    shutdownTimeout: seconds.optional().describe('seconds in-flight requests get to finish at stop (default 10)'),
  })
  .strict()

/** The whole configuration file. */
export const gatewayConfigSchema = z
  .object({
    listen: listen.optional(),
    trustedProxies: z.array(z.string().min(1)).optional().describe('addresses or CIDR ranges whose X-Forwarded-*/X-Original-URI headers are believed'),
    realm: z.string().optional(),
    errorVerbosity: z.enum(['none', 'generic', 'detailed']).optional(),
    revocation: z
      .object({ redis: redisStore('jotjwt:revoked:') })
      .strict()
      .optional()
      .describe('a jti denylist checked after every verification, cache hits included (tokens without jti are refused)'),
    dpopReplay: z
      .object({ redis: redisStore('jotjwt:dpop:') })
      .strict()
      .optional()
      .describe('where used DPoP proofs are remembered: Redis, shared by every replica (default: this process only)'),
    cache: z
      .union([
        z.boolean(),
        z
          .object({
            maxEntries: z.number().int().min(1).optional().describe('most tokens kept (default 10000)'),
            maxBytes: z.number().int().min(1).optional().describe('most bytes kept: each token’s length plus 45 (default 16777216)'),
            ttl: seconds.optional().describe('longest time one verification is reused, in seconds (default 600)'),
          })
          .strict(),
      ])
      .optional()
      .describe('verified-token cache shared by all providers (default off): a hit skips the signature; DPoP proofs and the denylist are checked on every request'),
    providers: z.record(z.string().min(1), provider),
    resources: z
      .record(z.string().min(1), resourceMetadata)
      .optional()
      .describe('protected APIs whose metadata (RFC 9728) the gateway serves at /.well-known/oauth-protected-resource/…; route that path to the gateway'),
    rules: z.array(rule).min(1),
    proxy: proxy.optional(),
  })
  .strict()

/** A validated configuration. */
export type GatewayConfig = z.infer<typeof gatewayConfigSchema>
export type ProviderConfig = GatewayConfig['providers'][string]
export type RuleConfig = GatewayConfig['rules'][number]
export type Requirement = RuleConfig['requires']
export type ClaimCondition = z.infer<typeof claimCondition>
export type RouteEntry = z.infer<typeof routeEntry>
export type ProxyConfig = z.infer<typeof proxy>
export type UpstreamConfig = z.infer<typeof upstream>
export type ResourceConfig = z.infer<typeof resourceMetadata>
