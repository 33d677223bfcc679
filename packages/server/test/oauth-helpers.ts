/**
 * Test fixtures for the OAuth core: a ServiceContext over the in-memory store with a simulated clock,
 * clients, and requests as the HTTP layer would hand them over.
 */
import assert from 'node:assert/strict'
import { createKeyManager, exportJWK, generateKeyPair, signJWT, type JotKey, type JWSAlgorithmName, type KeyManager } from 'jotjwt'
import { configSchema, type ServiceConfigInput } from '../src/config/schema.js'
import { hashSecret, type SecretVerifierOptions } from '../src/crypto/secret-hash.js'
import { CLIENT_ASSERTION_TYPE } from '../src/oauth/client-auth.js'
import { OAuthError } from '../src/oauth/errors.js'
import { createStoreLoginProvider } from '../src/login/provider.js'
import { createOAuthRuntime, type OAuthRuntimeOptions } from '../src/oauth/runtime.js'
import type { BrowserRequest, BrowserResponse, Logger, OAuthRequest, ServiceContext } from '../src/service/context.js'
import type { ClientRecord, UserRecord } from '../src/store/store.js'
import { createMemoryStore, type MemoryStore } from './memory-store.js'

export const ISSUER = 'https://as.example'
export const API = 'https://api.example'
/** 2023-11-14T22:13:20Z: whole seconds, so claims are exact. */
export const T0 = 1_700_000_000

export interface TestContext {
  ctx: ServiceContext
  store: MemoryStore
  clock: { now: number }
  logs: { level: string; fields: Record<string, unknown>; message: string }[]
}

/** The key-encryption key of every test context (it seals refresh-token successors, derives the CSRF key). */
export const ENCRYPTION_KEY = Buffer.alloc(32, 9).toString('base64url')

export interface TestContextOptions {
  clients?: ClientRecord[]
  users?: UserRecord[]
  config?: Omit<ServiceConfigInput, 'issuer'>
  secrets?: SecretVerifierOptions
  /** Algorithms besides ES256 to keep keys for (`ctx.keysByAlg`). */
  extraAlgs?: JWSAlgorithmName[]
  fetch?: typeof fetch
  /** The resolver and connection of the SSRF guard (registered clients' jwks_uri). */
  outbound?: OAuthRuntimeOptions['outbound']
}

export function createTestContext(options: TestContextOptions = {}): TestContext {
  const clock = { now: T0 }
  const config = configSchema.parse({ issuer: ISSUER, ...options.config, keys: { encryptionKey: ENCRYPTION_KEY, ...options.config?.keys } })
  const store = createMemoryStore(options.clients, options.users)
  const logs: TestContext['logs'] = []
  const record = (level: string) => (fields: Record<string, unknown>, message: string) => void logs.push({ level, fields, message })
  const log: Logger = { info: record('info'), warn: record('warn'), error: record('error') }
  const manager = (alg: JWSAlgorithmName): KeyManager => createKeyManager({ alg, currentTime: () => clock.now, maxTokenLifetime: '1d' })
  const oauth = createOAuthRuntime(config, {
    ...(options.secrets === undefined ? {} : { secrets: options.secrets, passwords: options.secrets }),
    ...(options.fetch === undefined ? {} : { registeredKeys: { fetch: options.fetch } }),
    ...(options.outbound === undefined ? {} : { outbound: options.outbound }),
  })
  const ctx: ServiceContext = {
    config,
    store,
    keys: manager(config.keys.alg),
    keysByAlg: new Map((options.extraAlgs ?? []).map((alg) => [alg, manager(alg)])),
    now: () => clock.now,
    log,
    oauth,
    login: createStoreLoginProvider(store, oauth.passwords, config.upstreams),
  }
  return { ctx, store, clock, logs }
}

/** Client secret hashes in tests use a lower scrypt cost (2^12) to keep the suite fast. */
export const TEST_HASH_COST = 12

export async function secretClient(
  clientId: string,
  secret: string,
  overrides: Partial<ClientRecord> = {},
): Promise<ClientRecord> {
  return {
    clientId,
    authMethod: 'client_secret_basic',
    secretHash: await hashSecret(secret, { cost: TEST_HASH_COST }),
    grantTypes: ['client_credentials'],
    scopes: ['read', 'write'],
    resources: [API],
    createdAt: T0,
    updatedAt: T0,
    ...overrides,
  }
}

/** A private_key_jwt client with a fresh key pair; the private key signs its assertions. */
export async function keyClient(
  clientId: string,
  overrides: Partial<ClientRecord> = {},
  alg: JWSAlgorithmName = 'ES256',
): Promise<{ client: ClientRecord; privateKey: JotKey; jwk: Record<string, unknown> }> {
  const kid = `${clientId}-key`
  const { privateKey, publicKey } = await generateKeyPair(alg, { kid })
  const jwk = { ...(await exportJWK(publicKey)), kid, alg }
  const client: ClientRecord = {
    clientId,
    authMethod: 'private_key_jwt',
    jwks: { keys: [jwk] },
    grantTypes: ['client_credentials'],
    scopes: ['read'],
    resources: [API],
    createdAt: T0,
    updatedAt: T0,
    ...overrides,
  }
  return { client, privateKey, jwk }
}

let jtiCounter = 0

/** A client assertion (RFC 7523 §3) valid at `now` unless `claims` say otherwise. */
export function clientAssertion(key: JotKey, clientId: string, now: number, claims: Record<string, unknown> = {}, header: Record<string, unknown> = {}): Promise<string> {
  return signJWT(
    { iss: clientId, sub: clientId, aud: ISSUER, iat: now, exp: now + 60, jti: `assertion-${++jtiCounter}`, ...claims },
    key,
    { header },
  )
}

/** application/x-www-form-urlencoded encoding of one value (RFC 6749 Appendix B). */
export function formEncode(value: string): string {
  return encodeURIComponent(value).replace(/%20/g, '+')
}

export function basic(clientId: string, secret: string): string {
  return `Basic ${Buffer.from(`${formEncode(clientId)}:${formEncode(secret)}`).toString('base64')}`
}

export function form(params: Record<string, string>, options: { authorization?: string; resources?: string[] } = {}): OAuthRequest {
  return { params: new Map(Object.entries(params)), resources: options.resources ?? [], authorization: options.authorization }
}

export function assertionParams(assertion: string): Record<string, string> {
  return { client_assertion_type: CLIENT_ASSERTION_TYPE, client_assertion: assertion }
}

/** Asserts that `promise` rejects with an OAuthError of this code (and status, when given); returns it. */
export async function rejectsWith(promise: Promise<unknown>, error: string, status?: number): Promise<OAuthError> {
  try {
    await promise
  } catch (caught) {
    assert.ok(caught instanceof OAuthError, `expected an OAuthError, got ${String(caught)}`)
    assert.equal(caught.error, error, caught.description)
    if (status !== undefined) assert.equal(caught.status, status)
    return caught
  }
  assert.fail(`expected ${error}, but it resolved`)
}

/** A user of the built-in login, with a password hashed at the test cost. */
export async function testUser(username: string, password: string, overrides: Partial<UserRecord> = {}): Promise<UserRecord> {
  return {
    subject: `sub-${username}`,
    username,
    passwordHash: await hashSecret(password, { cost: TEST_HASH_COST }),
    name: `${username[0]!.toUpperCase()}${username.slice(1)} Example`,
    email: `${username}@example.com`,
    emailVerified: true,
    groups: ['staff'],
    createdAt: T0,
    updatedAt: T0,
    ...overrides,
  }
}

export const REDIRECT_URI = 'https://app.example/callback'
/** RFC 7636 Appendix B's verifier and its S256 challenge. */
export const CODE_VERIFIER = 'dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk'
export const CODE_CHALLENGE = 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM'

/** A public client of the authorization code flow. */
export function appClient(clientId = 'app', overrides: Partial<ClientRecord> = {}): ClientRecord {
  return {
    clientId,
    authMethod: 'none',
    grantTypes: ['authorization_code', 'refresh_token'],
    redirectUris: [REDIRECT_URI],
    scopes: ['read'],
    resources: [API],
    createdAt: T0,
    updatedAt: T0,
    ...overrides,
  }
}

/** A browser request as the HTTP layer hands it over. */
export function browserRequest(params: Record<string, string>, options: { cookies?: Record<string, string>; method?: 'GET' | 'POST'; resources?: string[]; repeated?: string[] } = {}): BrowserRequest {
  return {
    method: options.method ?? 'GET',
    params: new Map(Object.entries(params)),
    resources: options.resources ?? [],
    repeated: new Set(options.repeated ?? []),
    cookies: new Map(Object.entries(options.cookies ?? {})),
    headers: {},
    address: '192.0.2.1',
  }
}

/** A good authorization request's parameters for `appClient()`, with `changes`. */
export function authorizationParams(changes: Record<string, string> = {}): Record<string, string> {
  return { response_type: 'code', client_id: 'app', redirect_uri: REDIRECT_URI, scope: 'openid profile', state: 's-1', nonce: 'n-1', code_challenge: CODE_CHALLENGE, code_challenge_method: 'S256', ...changes }
}

/** The hidden fields and CSRF cookie of a login page, to post it back. */
export function formOf(response: BrowserResponse, csrfCookie: string): { fields: Record<string, string>; cookies: Record<string, string> } {
  assert.ok(response.html, `no page: ${response.status}`)
  const fields: Record<string, string> = {}
  for (const match of response.html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) fields[match[1]!] = match[2]!.replaceAll('&amp;', '&').replaceAll('&quot;', '"').replaceAll('&#39;', "'").replaceAll('&lt;', '<').replaceAll('&gt;', '>')
  const cookie = response.cookies.find((value) => value.startsWith(`${csrfCookie}=`))
  assert.ok(cookie, 'the page sets its CSRF cookie')
  return { fields, cookies: { [csrfCookie]: cookie.slice(csrfCookie.length + 1).split(';')[0]! } }
}
