/**
 * The token service's configuration: one document (YAML or JSON), validated by this schema, with
 * environment overrides applied before validation (`config/load.ts`). Errors name the path of the
 * offending value (`keys.publishAhead: …`). Durations are seconds or strings like `"10m"`, `"30d"`.
 *
 * Defaults are for a production deployment; `dev: true` (what `npm start` uses) relaxes only what a
 * laptop needs: a generated key-encryption key kept in the data directory, a plain-HTTP loopback
 * issuer, a demo client.
 * @module
 */
import { z } from 'zod'

/** Seconds, or a jot duration string (`"90s"`, `"10m"`, `"1h"`, `"30d"`). */
const duration = z.union([z.number().nonnegative(), z.string().regex(/^\d+(\.\d+)?\s*(s|sec|secs|second|seconds|m|min|mins|minute|minutes|h|hr|hrs|hour|hours|d|day|days|w|week|weeks)$/, 'a duration: seconds or a string like "10m"')])

const signingAlg = z.enum(['ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519', 'RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512'])

/** An OAuth client declared in the configuration (created or updated in the store at start). */
export const clientSchema = z
  .strictObject({
    clientId: z.string().min(1).max(255),
    name: z.string().max(255).optional(),
    authMethod: z.enum(['client_secret_basic', 'client_secret_post', 'private_key_jwt']).default('client_secret_basic'),
    /** The secret in the clear (hashed before it is stored; prefer `clientSecretHash` or an environment override). */
    clientSecret: z.string().min(16).max(512).optional(),
    /** A secret hash as produced by `jotjwt serve --hash-secret` (never the secret itself). */
    clientSecretHash: z.string().optional(),
    /** For `private_key_jwt`: the client's public JWK Set. */
    jwks: z.strictObject({ keys: z.array(z.record(z.string(), z.unknown())).min(1) }).optional(),
    /** For `private_key_jwt`: where the client publishes its JWK Set (HTTPS outside dev mode). */
    jwksUri: z.url().optional(),
    grantTypes: z.array(z.literal('client_credentials')).default(['client_credentials']),
    scopes: z.array(z.string().regex(/^[\x21\x23-\x5B\x5D-\x7E]+$/, 'a scope token (RFC 6749 §3.3)')).default([]),
    /** RFC 8707 resource indicators this client may ask for: absolute URIs without a fragment. */
    resources: z.array(z.url()).min(1),
    defaultResource: z.url().optional(),
    accessTokenAlg: signingAlg.optional(),
    accessTokenTtl: duration.optional(),
    /** Extra access-token claims; RFC 9068 and JWT registered claims cannot be set here. */
    extraClaims: z.record(z.string(), z.unknown()).optional(),
  })
  .refine((c) => c.authMethod === 'private_key_jwt' || c.clientSecret !== undefined || c.clientSecretHash !== undefined, {
    message: 'a client authenticated by secret needs clientSecret or clientSecretHash',
    path: ['clientSecret'],
  })
  .refine((c) => c.authMethod !== 'private_key_jwt' || c.jwks !== undefined || c.jwksUri !== undefined, {
    message: 'a private_key_jwt client needs jwks or jwksUri',
    path: ['jwks'],
  })
  .refine((c) => c.defaultResource === undefined || c.resources.includes(c.defaultResource), {
    message: 'defaultResource must be one of resources',
    path: ['defaultResource'],
  })

export const configSchema = z.strictObject({
  /** Development mode: what `npm start` runs. Never on a public address. */
  dev: z.boolean().default(false),
  /** The issuer identifier: every token's `iss`, the discovery document's `issuer`. Default: from `listen` (dev mode only). */
  issuer: z.url().optional(),
  listen: z
    .strictObject({
      host: z.string().default('127.0.0.1'),
      /** 0 picks a free port. */
      port: z.number().int().min(0).max(65535).default(8080),
    })
    .prefault({}),
  /** Where the embedded store and dev-mode files live; created on first run. */
  dataDir: z.string().default('.jotjwt'),
  store: z
    .discriminatedUnion('type', [
      z.strictObject({ type: z.literal('sqlite'), /** Default: `<dataDir>/jotjwt.db`. */ path: z.string().optional() }),
      z.strictObject({
        type: z.literal('postgres'),
        url: z.string().regex(/^postgres(ql)?:\/\//, 'a postgres:// connection URL'),
        /** Schema holding the tables (created if missing). */
        schema: z.string().regex(/^[a-z_][a-z0-9_]{0,62}$/).default('jotjwt'),
      }),
    ])
    .prefault({ type: 'sqlite' }),
  keys: z
    .strictObject({
      alg: signingAlg.default('ES256'),
      rotationPeriod: duration.default('30d'),
      /** How long a key is published before it signs: at least your verifiers' longest JWKS cache age. */
      publishAhead: duration.default('1h'),
      /** How often the service applies the schedule (rotation happens at run time, no restart). */
      checkInterval: duration.default('1m'),
      /** 32 random bytes, base64url: encrypts private keys at rest (AES-256-GCM). Required outside dev mode. */
      encryptionKey: z.string().regex(/^[A-Za-z0-9_-]{43}$/, '32 bytes, base64url-encoded (43 characters)').optional(),
    })
    .prefault({}),
  tokens: z
    .strictObject({
      accessTokenTtl: duration.default('10m'),
      /** The longest lifetime any client may configure; the key schedule keeps keys published this long. */
      maxAccessTokenTtl: duration.default('1d'),
      clockTolerance: duration.default('30s'),
      /** RFC 7523 §3: also accept the token endpoint URL as a client assertion's `aud` (the issuer always is). */
      acceptTokenEndpointAsAudience: z.boolean().default(false),
    })
    .prefault({}),
  clients: z.array(clientSchema).default([]),
  rateLimit: z
    .strictObject({
      /** Token requests per client per window; 0 disables. */
      tokenRequestsPerClient: z.number().int().nonnegative().default(60),
      window: duration.default('1m'),
    })
    .prefault({}),
  http: z
    .strictObject({
      /** Largest request body accepted, in bytes. */
      bodyLimit: z.number().int().positive().max(1 << 20).default(16 * 1024),
      /** Trust `X-Forwarded-*` from these proxy addresses (CIDRs or IPs); `false` trusts none. */
      trustProxy: z.union([z.literal(false), z.array(z.string()).min(1)]).default(false),
      tls: z.strictObject({ cert: z.string(), key: z.string() }).optional(),
    })
    .prefault({}),
  log: z
    .strictObject({
      level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    })
    .prefault({}),
  /**
   * The JWT debugger page (jotjwt-debugger), on a listener of its own: a page that renders tokens
   * must never share an origin with the issuer's endpoints and cookies.
   */
  debugger: z
    .strictObject({
      /** Default: on in dev mode, off otherwise. */
      enabled: z.boolean().optional(),
      host: z.string().default('127.0.0.1'),
      /** Default: the port after `listen.port` (8081), or a free one when that is 0. 0 picks a free port. */
      port: z.number().int().min(0).max(65535).optional(),
    })
    .prefault({}),
})

/** The configuration as written by users (everything optional that has a default). */
export type ServiceConfigInput = z.input<typeof configSchema>
/** The validated configuration, defaults applied. */
export type ServiceConfig = z.output<typeof configSchema>
export type ClientConfig = z.output<typeof clientSchema>
