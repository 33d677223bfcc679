/**
 * The token service's configuration: one document (YAML or JSON), validated by this schema, with
 * environment overrides applied before validation (`config/load.ts`). Errors name the path of the
 * offending value (`keys.publishAhead: …`). Durations are seconds or strings like `"10m"`, `"30d"`.
 *
 * Defaults are for a production deployment; `dev: true` (what `npm start` uses) relaxes only what a
 * laptop needs: a generated key-encryption key kept in the data directory, a plain-HTTP loopback
 * issuer, demo clients and demo users.
 * @module
 */
import { z } from 'zod'
import { durationSeconds } from './duration.js'
import { isNetwork } from '../net/outbound.js'

/** Seconds, or a jot duration string (`"90s"`, `"10m"`, `"1h"`, `"30d"`). */
const duration = z.union([z.number().nonnegative(), z.string().regex(/^\d+(\.\d+)?\s*(s|sec|secs|second|seconds|m|min|mins|minute|minutes|h|hr|hrs|hour|hours|d|day|days|w|week|weeks)$/, 'a duration: seconds or a string like "10m"')])

/** A duration longer than zero (a malformed string is reported by `duration` itself). */
const positiveDuration = duration.refine((value) => {
  try {
    return durationSeconds(value) > 0
  } catch {
    return true
  }
}, 'more than 0 seconds')

const signingAlg = z.enum(['ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519', 'RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512'])

/** RFC 6749 §3.3 scope-token. */
const scopeToken = z.string().regex(/^[\x21\x23-\x5B\x5D-\x7E]+$/, 'a scope token (RFC 6749 section 3.3)')

/**
 * The scopes of a person's identity (OIDC Core §5.4 and §11, and `groups`): every client that uses
 * the authorization code flow may ask for them, so they are never listed in a client's `scopes`,
 * which are the API scopes it may ask for.
 */
export const IDENTITY_SCOPES: readonly string[] = Object.freeze(['openid', 'profile', 'email', 'groups', 'offline_access'])

/** A scope an API client or trust entry may be allowed: the identity scopes are never listed (see IDENTITY_SCOPES). */
const apiScope = scopeToken.refine((scope) => !IDENTITY_SCOPES.includes(scope), 'an identity scope (openid, profile, email, groups, offline_access) is not listed: every authorization code client may ask for it')

/** RFC 7523 §2.1: the JWT-bearer authorization grant. */
export const JWT_BEARER_GRANT_TYPE = 'urn:ietf:params:oauth:grant-type:jwt-bearer'

/**
 * Which user claims each scope releases (OIDC Core §5.4), claim name → user field: `username`,
 * `name`, `email`, `emailVerified`, `groups`, or `attributes.<name>` for a further attribute.
 */
const userClaims = z.record(scopeToken, z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_.:-]{0,63}$/, 'a claim name'), z.string().regex(/^(username|name|email|emailVerified|groups|attributes\.[^.]+)$/, 'username, name, email, emailVerified, groups or attributes.<name>')))

/** The default claim mapping: OIDC Core §5.4 for `profile` and `email`, and the person's groups. */
export const DEFAULT_USER_CLAIMS: Readonly<Record<string, Readonly<Record<string, string>>>> = Object.freeze({
  profile: { name: 'name', preferred_username: 'username' },
  email: { email: 'email', email_verified: 'emailVerified' },
  groups: { groups: 'groups' },
})

/**
 * The user claims access tokens carry by default (RFC 9068 §2.2.2 lets an authorization server put
 * the person's attributes in them, so resource servers need no userinfo round trip): the name and
 * the groups a destination decides on, not the contact details of the `email` scope (RFC 9068 §6:
 * every resource server that receives the token reads them).
 */
export const DEFAULT_ACCESS_TOKEN_CLAIMS: Readonly<Record<string, Readonly<Record<string, string>>>> = Object.freeze({
  profile: { name: 'name' },
  groups: { groups: 'groups' },
})

/** RFC 6749 §3.1.2: an absolute URI without a fragment. Custom schemes are allowed for native apps (RFC 8252 §7.1). */
const redirectUri = z.string().max(2048).refine((value) => {
  if (value.includes('#')) return false
  try {
    return new URL(value).protocol !== 'javascript:' && !/\s/.test(value)
  } catch {
    return false
  }
}, 'an absolute URI without a fragment (RFC 6749 section 3.1.2)')

/** Refresh token lifetimes (RFC 6749 §1.5, rotated on every use, RFC 9700 §4.14.2). */
const refreshTokenLifetimes = {
  /** Unused this long, a refresh token dies (each use issues a successor with a new idle lifetime). */
  idleTtl: duration,
  /** No token of a grant's family lives past this, counted from the login. */
  absoluteTtl: duration,
  /**
   * After a rotation, uses of the spent token get the same successor for this long while it is unused: a retry
   * whose answer was lost, or a concurrent use (0: none, every second use is reuse; at most 5 minutes).
   */
  graceWindow: duration.refine((value) => typeof value !== 'number' || value <= 300, 'at most 300 seconds'),
}

/**
 * Dynamic client registration (RFC 7591) at `/register`. Off by default: an open registration
 * endpoint lets anyone create clients. What a registered client may get is bounded here, never by
 * what it asks for: `allowedScopes` (so no client gets an admin scope by registering) and
 * `allowedResources` (the APIs it may ask tokens for, RFC 8707).
 */
const registrationSchema = z
  .strictObject({
    enabled: z.boolean().default(false),
    /**
     * Require this initial access token (RFC 7591 §3, sent as a Bearer token) to register; without
     * one (and without the hash) registration is open. In the clear; prefer `initialAccessTokenHash`
     * or `JOTJWT_REGISTRATION_TOKEN`.
     */
    initialAccessToken: z.string().min(16).max(512).optional(),
    /** The initial access token's hash, made with `jotjwt serve --hash-secret`. */
    initialAccessTokenHash: z.string().optional(),
    /** The API scopes a registered client may ask for (and gets when it names none). */
    allowedScopes: z.array(apiScope).default([]),
    /** RFC 8707 resource indicators registered clients may ask tokens for. Required when enabled. */
    allowedResources: z.array(z.url()).default([]),
    /** Largest registration request (the JSON metadata), in bytes. */
    maxMetadataBytes: z.number().int().min(1024).max(65536).default(8192),
    rateLimit: z
      .strictObject({
        /** Registration requests per client address per window (0: no limit). */
        perAddress: z.number().int().nonnegative().default(10),
        /** Clients registered per window, all addresses together (0: no limit). */
        total: z.number().int().nonnegative().default(100),
        window: duration.default('1h'),
      })
      .prefault({}),
    /**
     * Addresses a registered client's `jwks_uri` may resolve to although they are private,
     * loopback, link-local or otherwise special (CIDRs or single addresses). Default: none.
     */
    jwksUriAllowedNetworks: z.array(z.string().refine(isNetwork, 'an IP address or CIDR range (10.0.0.0/8, fd00::/8)')).default([]),
  })
  .refine((r) => !r.enabled || r.allowedResources.length > 0, { message: 'registration needs allowedResources: the APIs registered clients may get tokens for', path: ['allowedResources'] })
  .refine((r) => r.initialAccessToken === undefined || r.initialAccessTokenHash === undefined, {
    message: 'give initialAccessToken or initialAccessTokenHash, not both',
    path: ['initialAccessToken'],
  })

/** An OAuth client declared in the configuration (created or updated in the store at start). */
export const clientSchema = z
  .strictObject({
    clientId: z.string().min(1).max(255),
    name: z.string().max(255).optional(),
    /** `none`: a public client (a browser or native app): no secret, PKCE protects its codes. */
    authMethod: z.enum(['client_secret_basic', 'client_secret_post', 'private_key_jwt', 'none']).default('client_secret_basic'),
    /** The secret in the clear (hashed before it is stored; prefer `clientSecretHash` or an environment override). */
    clientSecret: z.string().min(16).max(512).optional(),
    /** A secret hash as produced by `jotjwt serve --hash-secret` (never the secret itself). */
    clientSecretHash: z.string().optional(),
    /** For `private_key_jwt`: the client's public JWK Set. */
    jwks: z.strictObject({ keys: z.array(z.record(z.string(), z.unknown())).min(1) }).optional(),
    /** For `private_key_jwt`: where the client publishes its JWK Set (HTTPS outside dev mode). */
    jwksUri: z.url().optional(),
    grantTypes: z.array(z.enum(['client_credentials', 'authorization_code', 'refresh_token', JWT_BEARER_GRANT_TYPE])).min(1).default(['client_credentials']),
    /** Where the authorization endpoint may send the browser back, compared exactly (RFC 6749 §3.1.2.3). */
    redirectUris: z.array(redirectUri).default([]),
    /** The API scopes it may ask for; the identity scopes (openid, profile, email, groups, offline_access) need no listing. */
    scopes: z.array(apiScope).default([]),
    /** RFC 8707 resource indicators this client may ask for: absolute URIs without a fragment. */
    resources: z.array(z.url()).min(1),
    defaultResource: z.url().optional(),
    accessTokenAlg: signingAlg.optional(),
    accessTokenTtl: duration.optional(),
    /** Its ID tokens' algorithm (OIDC Registration `id_token_signed_response_alg`); default RS256. */
    idTokenAlg: signingAlg.optional(),
    /** Overrides of `tokens.refreshToken` for this client. */
    refreshToken: z.strictObject(refreshTokenLifetimes).partial().optional(),
    /** The claim mapping for this client, replacing `userClaims`. */
    userClaims: userClaims.optional(),
    /** Extra access-token claims; RFC 9068 and JWT registered claims cannot be set here. */
    extraClaims: z.record(z.string(), z.unknown()).optional(),
    /** RFC 9449 §5.2 `dpop_bound_access_tokens`: every token request of this client must carry a DPoP proof. */
    dpopBoundAccessTokens: z.boolean().default(false),
  })
  .refine((c) => c.authMethod === 'private_key_jwt' || c.authMethod === 'none' || c.clientSecret !== undefined || c.clientSecretHash !== undefined, {
    message: 'a client authenticated by secret needs clientSecret or clientSecretHash',
    path: ['clientSecret'],
  })
  .refine((c) => c.authMethod !== 'none' || (c.clientSecret === undefined && c.clientSecretHash === undefined && c.jwks === undefined && c.jwksUri === undefined), {
    message: 'a public client (authMethod none) has no secret and no keys',
    path: ['authMethod'],
  })
  .refine((c) => c.authMethod !== 'none' || !c.grantTypes.includes('client_credentials'), {
    message: 'a public client cannot use client_credentials (RFC 6749 section 4.4: confidential clients only)',
    path: ['grantTypes'],
  })
  .refine((c) => c.authMethod !== 'private_key_jwt' || c.jwks !== undefined || c.jwksUri !== undefined, {
    message: 'a private_key_jwt client needs jwks or jwksUri',
    path: ['jwks'],
  })
  .refine((c) => c.grantTypes.includes('authorization_code') === c.redirectUris.length > 0, {
    message: 'redirectUris go with the authorization_code grant: list both or neither',
    path: ['redirectUris'],
  })
  .refine((c) => !c.grantTypes.includes('refresh_token') || c.grantTypes.includes('authorization_code'), {
    message: 'refresh tokens are issued by the authorization_code grant: list it too',
    path: ['grantTypes'],
  })
  .refine((c) => c.defaultResource === undefined || c.resources.includes(c.defaultResource), {
    message: 'defaultResource must be one of resources',
    path: ['defaultResource'],
  })

/** A person who can log in with the built-in login page (written to the store at start). */
export const userSchema = z
  .strictObject({
    username: z.string().min(1).max(255),
    /** `sub`: stable, never reassigned (OIDC Core §2). Default: the username; set it when usernames may change. */
    subject: z.string().min(1).max(255).optional(),
    /** The password in the clear (hashed before it is stored; prefer `passwordHash`). */
    password: z.string().min(8).max(512).optional(),
    /** A password hash made with `jotjwt serve --hash-password` (never the password itself). */
    passwordHash: z.string().optional(),
    name: z.string().max(255).optional(),
    email: z.email().optional(),
    emailVerified: z.boolean().default(false),
    groups: z.array(z.string().min(1).max(255)).default([]),
    /** Further attributes a claim mapping can name (`attributes.department`). */
    attributes: z.record(z.string(), z.unknown()).optional(),
  })
  .refine((u) => u.password === undefined || u.passwordHash === undefined, { message: 'give password or passwordHash, not both', path: ['password'] })

/**
 * A claim of an upstream's ID token or userinfo response: its name (`groups`,
 * `https://example.com/roles`), or an RFC 6901 JSON Pointer into nested claims (`/realm_access/roles`).
 */
const upstreamClaim = z.string().min(1).max(255)

/** The signing algorithms an upstream's ID tokens may use, by default: the asymmetric ones jot knows (never `none` or HMAC). */
export const DEFAULT_UPSTREAM_ALGORITHMS = Object.freeze(['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519'] as const)

/** An upstream OpenID provider people can log in with (OIDC Core §3.1: the authorization code flow, jot as its client). */
export const upstreamSchema = z
  .strictObject({
    /** Names the upstream in its URLs (`/login/upstream/<id>/callback`, its redirect URI) and in logs. */
    id: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, 'lowercase letters, digits, - and _ (1 to 63; it is part of the redirect URI)'),
    /** The button's label on the login page ("Sign in with …"). Default: the id. */
    displayName: z.string().min(1).max(100).optional(),
    /** The provider's issuer identifier: discovery is fetched from `<issuer>/.well-known/openid-configuration`, and its ID tokens' `iss` must equal it. */
    issuer: z.url(),
    /** jot's client id at the provider. */
    clientId: z.string().min(1).max(255),
    /** jot's client secret there; better set by `JOTJWT_UPSTREAM_SECRET_<ID>`. */
    clientSecret: z.string().min(1).max(1024).optional(),
    /** How jot authenticates at the provider's token endpoint (`none`: a public client, PKCE only). */
    authMethod: z.enum(['client_secret_basic', 'client_secret_post', 'none']).default('client_secret_basic'),
    /** The scopes jot asks the provider for; `openid` is required. */
    scopes: z.array(scopeToken).default(['openid', 'profile', 'email']),
    /** Which upstream claims become the person's fields (a claim name, or a JSON Pointer into nested claims). */
    claims: z
      .strictObject({
        username: upstreamClaim.default('preferred_username'),
        name: upstreamClaim.default('name'),
        email: upstreamClaim.default('email'),
        emailVerified: upstreamClaim.default('email_verified'),
        groups: upstreamClaim.default('groups'),
      })
      .prefault({}),
    /** The algorithms its ID tokens may be signed with. */
    idTokenAlgorithms: z.array(signingAlg).min(1).default([...DEFAULT_UPSTREAM_ALGORITHMS]),
    /** Also read the person's claims at the provider's userinfo endpoint (OIDC Core §5.3), when it has one. */
    userinfo: z.boolean().default(true),
  })
  .refine((u) => u.scopes.includes('openid'), { message: 'the scopes must include openid (an OpenID Connect login)', path: ['scopes'] })
  .refine((u) => (u.authMethod === 'none') === (u.clientSecret === undefined), {
    message: 'a client secret goes with client_secret_basic or client_secret_post, and only with them (or set JOTJWT_UPSTREAM_SECRET_<ID>)',
    path: ['clientSecret'],
  })

/**
 * An issuer whose signed assertions the JWT-bearer grant accepts (RFC 7523 §2.1, §3): its `iss`,
 * the one `sub` accepted (or `any: true`), the most it may be granted, its keys, and the algorithms
 * its assertions use.
 */
export const trustEntrySchema = z
  .strictObject({
    /** How the admin API names it. Default: derived from issuer and subject. */
    id: z.string().regex(/^[A-Za-z0-9._~-]{1,64}$/, '1 to 64 letters, digits, ".", "_", "~" or "-"').optional(),
    /** The assertions' `iss`, compared exactly. */
    issuer: z.string().min(1).max(2048),
    /** The one `sub` accepted (it becomes the access token's `sub`). */
    subject: z.string().min(1).max(255).optional(),
    /** Any subject of this issuer instead. */
    any: z.literal(true).optional(),
    /** The most its assertions are granted; a request gets what it asks for within these and the client's scopes. */
    scopes: z.array(apiScope).min(1),
    /** The issuer's public key, its JWK Set, or where it publishes that (fetched through jot's remote key set; https: outside dev mode). */
    jwk: z.record(z.string(), z.unknown()).optional(),
    jwks: z.strictObject({ keys: z.array(z.record(z.string(), z.unknown())).min(1) }).optional(),
    jwksUri: z.url().optional(),
    /** The JWS algorithms its assertions may use (asymmetric). */
    algorithms: z.array(signingAlg).min(1),
    /** When the trust ends: an ISO 8601 time with its offset, or seconds since the epoch. */
    expiresAt: z.union([z.iso.datetime({ offset: true }), z.number().positive()]).optional(),
  })
  .refine((entry) => (entry.subject === undefined) !== (entry.any === undefined), {
    message: 'give subject (the one sub accepted) or any: true, not both',
    path: ['subject'],
  })
  .refine((entry) => [entry.jwk, entry.jwks, entry.jwksUri].filter((keys) => keys !== undefined).length === 1, {
    message: 'give exactly one of jwk, jwks and jwksUri',
    path: ['jwks'],
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
      z.strictObject({
        type: z.literal('sqlite'),
        /** Default: `<dataDir>/jotjwt.db`. */
        path: z.string().optional(),
        /** SQLite's `synchronous` in WAL mode: `normal` syncs at checkpoints, `full` at every commit too (see the README, Durability). */
        synchronous: z.enum(['normal', 'full']).default('normal'),
      }),
      z.strictObject({
        type: z.literal('postgres'),
        url: z.string().regex(/^postgres(ql)?:\/\//, 'a postgres:// connection URL'),
        /** Schema holding the tables (created if missing). */
        schema: z.string().regex(/^[a-z_][a-z0-9_]{0,62}$/).default('jotjwt'),
        /** Connections this replica opens at most (all replicas together must stay under the server's max_connections). */
        maxConnections: z.number().int().min(1).max(1000).default(10),
        /** Requests that may wait for a busy pool's next free connection; beyond them, 503 at once (backpressure). */
        maxWaiting: z.number().int().nonnegative().default(1000),
        /** How long to wait for a connection (opening one, or a free one of the pool) before answering 503. */
        connectionTimeout: duration.default('5s'),
        /** How long one statement may run before answering 503. */
        statementTimeout: duration.default('5s'),
        /**
         * Without Redis: change notifications over PostgreSQL's LISTEN/NOTIFY (a connection of its own
         * per replica), so replicas keep their copy of the signing keys until another changes them;
         * off: every token reads the key list's version. With Redis, Redis carries them.
         */
        notifications: z.boolean().default(true),
      }),
    ])
    .prefault({ type: 'sqlite' }),
  /**
   * Redis, for what replicas must share fast (`redis/`): replay stores, the access-token denylist
   * that guards and gateways read, rate-limit counters, change notifications. The store stays the
   * source of truth. Absent: every replica keeps these in the store or in its own memory.
   */
  redis: z
    .strictObject({
      url: z.string().regex(/^rediss?:\/\//, 'a redis:// or rediss:// URL'),
      /** Prefix of every key and channel; the denylist's keys are `<prefix>revoked:<jti>`. */
      prefix: z.string().max(200).default('jotjwt:'),
      /** Publish and receive change notifications (pub/sub); off: replicas converge by polling only. */
      notifications: z.boolean().default(true),
      /** How stale a replica's copy of the signing keys may get when it missed a notification. */
      pollInterval: positiveDuration.default('5s'),
      /** How long one Redis command may take before the request gives up on it. */
      commandTimeout: positiveDuration.default('1s'),
    })
    .optional(),
  /**
   * Per-replica copies of what the token endpoint reads on every request (`store/client-cache.ts`).
   * A client changed through another replica is seen here after at most `clientMaxAge` (at once
   * through this replica, and on a Redis notification when there is one).
   */
  cache: z
    .strictObject({
      /** How long a client record read from the store is used; 0 reads the store on every request. */
      clientMaxAge: duration.default('2s'),
      /** Client records kept at most per replica. */
      maxClients: z.number().int().positive().default(10_000),
    })
    .prefault({}),
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
      /** RFC 7523 §3: also accept the token endpoint URL as a client assertion's or grant assertion's `aud` (the issuer always is). */
      acceptTokenEndpointAsAudience: z.boolean().default(false),
      /** RFC 7523 §3 item 4: the furthest ahead a JWT-bearer grant assertion's `exp` may be. */
      maxGrantAssertionLifetime: duration.default('1h'),
      /** ID token lifetime (capped by maxAccessTokenTtl, which the key schedule keeps keys published for). */
      idTokenTtl: duration.default('10m'),
      /** Authorization code lifetime (RFC 6749 §4.1.2: short, at most 10 minutes). */
      authorizationCodeTtl: duration.refine((value) => typeof value !== 'number' || value <= 600, 'at most 600 seconds').default('1m'),
      refreshToken: z
        .strictObject({
          idleTtl: refreshTokenLifetimes.idleTtl.default('14d'),
          absoluteTtl: refreshTokenLifetimes.absoluteTtl.default('30d'),
          graceWindow: refreshTokenLifetimes.graceWindow.default('30s'),
        })
        .prefault({}),
    })
    .prefault({}),
  /** DPoP (RFC 9449) at the token endpoint: proofs bind the tokens issued to the client's key. */
  dpop: z
    .strictObject({
      /** Algorithms accepted for proofs (discovery's `dpop_signing_alg_values_supported`). */
      algorithms: z.array(signingAlg).min(1).default(['ES256', 'EdDSA', 'RS256', 'PS256']),
      /** How long a proof is accepted after its `iat` (RFC 9449 §11.1). */
      maxAge: duration.default('60s'),
      /** Require a server nonce in every proof (RFC 9449 §8), issued in `DPoP-Nonce`. */
      requireNonce: z.boolean().default(false),
      /** How long a nonce is current; the previous one is still accepted for as long again. */
      nonceLifetime: duration.default('5m'),
    })
    .prefault({}),
  clients: z.array(clientSchema).default([]),
  /** The people who can log in with the built-in login page. */
  users: z.array(userSchema).default([]),
  /** The issuers whose assertions the JWT-bearer grant accepts (more can be added through the admin API). */
  trust: z.array(trustEntrySchema).default([]),
  /**
   * The admin API (`/admin/*`): it takes access tokens of this service for `audience` carrying
   * `scope`. Nobody has the scope unless a client (or trust entry) is configured with it.
   */
  admin: z
    .strictObject({
      scope: scopeToken.default('jotjwt:admin'),
      /** The resource indicator admin tokens are issued for (their `aud`). Default: `<issuer>/admin`. */
      audience: z.url().optional(),
    })
    .prefault({}),
  /** Which user claims each scope releases in ID tokens and at userinfo (clients may override). */
  userClaims: userClaims.default(() => structuredClone(DEFAULT_USER_CLAIMS) as Record<string, Record<string, string>>),
  /** Which user claims each scope puts in a person's access tokens. */
  accessTokenClaims: userClaims.default(() => structuredClone(DEFAULT_ACCESS_TOKEN_CLAIMS) as Record<string, Record<string, string>>),
  /** Upstream OpenID providers people can log in with, on the login page next to (or instead of) the password form. */
  upstreams: z.array(upstreamSchema).default([]),
  login: z
    .strictObject({
      /** How long a login lasts in the browser (the session cookie). */
      sessionTtl: duration.default('12h'),
      /** Failed logins per username per window before the form answers 429 (0: no limit). */
      failuresPerUser: z.number().int().nonnegative().default(5),
      /** Failed logins per client address per window before the form answers 429 (0: no limit). */
      failuresPerAddress: z.number().int().nonnegative().default(20),
      window: duration.default('15m'),
      /** Show the username and password form; `false` leaves the upstreams' buttons only. */
      passwordForm: z.boolean().default(true),
    })
    .prefault({}),
  rateLimit: z
    .strictObject({
      /** Token requests per client per window; 0 disables. */
      tokenRequestsPerClient: z.number().int().nonnegative().default(60),
      window: duration.default('1m'),
    })
    .prefault({}),
  registration: registrationSchema.prefault({}),
  http: z
    .strictObject({
      /** Largest request body accepted, in bytes. */
      bodyLimit: z.number().int().positive().max(1 << 20).default(16 * 1024),
      /** Trust `X-Forwarded-*` from these proxy addresses (CIDRs or IPs); `false` trusts none. */
      trustProxy: z.union([z.literal(false), z.array(z.string()).min(1)]).default(false),
      tls: z.strictObject({ cert: z.string(), key: z.string() }).optional(),
      /** On SIGTERM: how long requests in flight may take to finish before their connections are closed. */
      shutdownTimeout: duration.default('10s'),
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
export type UserConfig = z.output<typeof userSchema>
export type UpstreamConfig = z.output<typeof upstreamSchema>
export type TrustEntryConfig = z.output<typeof trustEntrySchema>
export type RegistrationConfig = z.output<typeof registrationSchema>
