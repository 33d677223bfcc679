/**
 * The client registration endpoint (RFC 7591 §3), `POST /register` when `registration.enabled`:
 * a client (an MCP host, an AI agent, a native app) sends its metadata as JSON and receives a
 * `client_id` (and, for a confidential client, a `client_secret`, shown this once and stored only
 * as its hash). In this order, so that cheap refusals come first:
 *
 * 1. the rate limit per client address (429 with `Retry-After`): a flood costs no KDF and no store write;
 * 2. the initial access token (§3, a Bearer token) when one is configured, else registration is open;
 * 3. the body: `application/json`, one JSON object, at most `registration.maxMetadataBytes`;
 * 4. the metadata (`client-metadata.ts`): `invalid_redirect_uri` or `invalid_client_metadata`;
 * 5. the limit on registrations in total, then the new client is stored (`Store.createClient`, with
 *    `source: 'registration'`: kept across restarts, never replacing another client).
 *
 * A registered client gets what the registration settings allow: scopes within `allowedScopes`,
 * tokens only for `allowedResources`, and it must name the resource in every request (RFC 8707,
 * `scopes-and-resources.ts`).
 * @module
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'
import { hashSecret, KdfSaturated } from '../crypto/secret-hash.js'
import { randomToken } from '../crypto/token-hash.js'
import type { OAuthResponse, ServiceContext } from '../service/context.js'
import type { ClientRecord } from '../store/store.js'
import { checkClientMetadata } from './client-metadata.js'
import { issuerOf } from './endpoints.js'
import { OAuthError } from './errors.js'
import { NO_STORE } from './response.js'

/** A registration request as the HTTP layer hands it over. */
export interface RegistrationRequest {
  /** The raw body. */
  body: Uint8Array | undefined
  contentType: string | undefined
  authorization: string | undefined
  /** The client's address (the forwarded one behind `http.trustProxy`), for the rate limit. */
  address: string
}

/** The secret verifier's cache key of the initial access token: no client id can hold U+0000. */
const INITIAL_TOKEN_KEY = '\u0000registration'

/** RFC 6750 §2.1: `Bearer` (any case), one space, b64token. */
const BEARER = /^bearer ([A-Za-z0-9\-._~+/]+=*)$/i

const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })

/** RFC 6750 §3: the challenge of the registration endpoint's own realm. */
function invalidToken(ctx: ServiceContext, missing: boolean): OAuthError {
  const realm = issuerOf(ctx.config).replace(/["\\]/g, '\\$&')
  const challenge = missing ? `Bearer realm="${realm}"` : `Bearer realm="${realm}", error="invalid_token"`
  return new OAuthError('invalid_token', missing ? 'registration requires an initial access token' : 'the initial access token is invalid', {
    headers: { 'WWW-Authenticate': challenge },
  })
}

function sameSecret(presented: string, configured: string): boolean {
  const digest = (value: string) => createHash('sha256').update(value, 'utf8').digest()
  return timingSafeEqual(digest(presented), digest(configured))
}

/** RFC 7591 §3: an initial access token, when the configuration requires one. */
async function checkInitialAccessToken(authorization: string | undefined, ctx: ServiceContext): Promise<void> {
  const { initialAccessToken, initialAccessTokenHash } = ctx.config.registration
  if (initialAccessToken === undefined && initialAccessTokenHash === undefined) return
  const presented = authorization === undefined ? undefined : BEARER.exec(authorization)?.[1]
  if (presented === undefined) throw invalidToken(ctx, authorization === undefined)
  if (initialAccessToken !== undefined) {
    if (!sameSecret(presented, initialAccessToken)) throw invalidToken(ctx, false)
    return
  }
  let verified: boolean
  try {
    verified = await ctx.oauth.secrets.verify(INITIAL_TOKEN_KEY, initialAccessTokenHash, presented)
  } catch (error) {
    if (!(error instanceof KdfSaturated)) throw error
    throw new OAuthError('temporarily_unavailable', 'too many checks in progress; retry shortly', { headers: { 'Retry-After': '1' } })
  }
  if (!verified) throw invalidToken(ctx, false)
}

/** The metadata: one JSON object in an `application/json` body within the size limit. */
function parseMetadata(request: RegistrationRequest, maxBytes: number): Record<string, unknown> {
  const [essence, ...parameters] = (request.contentType ?? '').split(';').map((part) => part.trim().toLowerCase())
  if (essence !== 'application/json' || parameters.some((parameter) => !/^charset\s*=\s*"?utf-?8"?$/.test(parameter))) {
    throw new OAuthError('invalid_request', 'the client metadata must be sent as application/json (RFC 7591 section 3.1)')
  }
  const body = request.body ?? new Uint8Array(0)
  if (body.length > maxBytes) throw new OAuthError('invalid_client_metadata', `the client metadata is larger than ${maxBytes} bytes`)
  let value: unknown
  try {
    value = JSON.parse(strictUtf8.decode(body))
  } catch {
    throw new OAuthError('invalid_client_metadata', 'the client metadata is not valid JSON in UTF-8')
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new OAuthError('invalid_client_metadata', 'the client metadata must be a JSON object')
  return value as Record<string, unknown>
}

/**
 * Handles a registration request.
 *
 * @example
 * ```ts
 * const { status, body } = await handleRegistrationRequest({ body, contentType: 'application/json', authorization: undefined, address: '127.0.0.1' }, ctx)
 * ```
 * @throws {@link OAuthError}; `StoreUnavailable` from the store.
 */
export async function handleRegistrationRequest(request: RegistrationRequest, ctx: ServiceContext): Promise<OAuthResponse> {
  const settings = ctx.config.registration
  const now = ctx.now()
  await ctx.oauth.registrationLimits.perAddress(request.address, now)
  await checkInitialAccessToken(request.authorization, ctx)
  const metadata = parseMetadata(request, settings.maxMetadataBytes)
  const { scope, ...decided } = await checkClientMetadata(metadata, ctx.config, ctx.oauth.outbound)
  await ctx.oauth.registrationLimits.total('registrations', now)

  const clientId = randomBytes(16).toString('base64url')
  const confidential = decided.authMethod === 'client_secret_basic' || decided.authMethod === 'client_secret_post'
  const secret = confidential ? randomToken() : undefined
  const issuedAt = Math.floor(now)
  const record: ClientRecord = {
    clientId,
    ...decided,
    ...(secret === undefined ? {} : { secretHash: await hashSecret(secret) }),
    source: 'registration',
    createdAt: issuedAt,
    updatedAt: issuedAt,
  }
  // 128 random bits: a taken id means a broken random source, not bad luck.
  if (!(await ctx.store.createClient(record))) throw new Error('a freshly generated client_id is taken')
  ctx.log.info({ client_id: clientId, auth_method: record.authMethod }, 'client registered')

  const usesCode = record.grantTypes.includes('authorization_code')
  return {
    status: 201,
    // §3.2.1: the answer may hold the client secret.
    headers: { ...NO_STORE },
    body: {
      client_id: clientId,
      client_id_issued_at: issuedAt,
      // §3.2.1: client_secret_expires_at is required with a secret; 0 means it does not expire.
      ...(secret === undefined ? {} : { client_secret: secret, client_secret_expires_at: 0 }),
      ...(record.name === undefined ? {} : { client_name: record.name }),
      ...(record.redirectUris === undefined ? {} : { redirect_uris: record.redirectUris }),
      token_endpoint_auth_method: record.authMethod,
      grant_types: record.grantTypes,
      response_types: usesCode ? ['code'] : [],
      ...(scope === '' ? {} : { scope }),
      ...(record.jwks === undefined ? {} : { jwks: record.jwks }),
      ...(record.jwksUri === undefined ? {} : { jwks_uri: record.jwksUri }),
      ...(record.dpopBoundAccessTokens === true ? { dpop_bound_access_tokens: true } : {}),
    },
  }
}
