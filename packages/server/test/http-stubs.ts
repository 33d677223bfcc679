// Stand-ins for the HTTP-layer tests: a configuration, a store whose methods the test chooses, the
// library's in-memory key manager, and an OAuth core that records what it was handed. They let the
// HTTP layer be tested without the real core or a database.
import { createKeyManager, createMemoryKeyStore } from 'jotjwt'
import { configSchema, type ServiceConfig, type ServiceConfigInput } from '../src/config/schema.js'
import type { CoreHandlers } from '../src/http/core.js'
import type { Logger, OAuthRequest, OAuthResponse, ServiceContext } from '../src/service/context.js'
import type { Store } from '../src/store/store.js'

export const ISSUER = 'http://127.0.0.1:8080'

export function testConfig(input: ServiceConfigInput = {}): ServiceConfig {
  return configSchema.parse({ dev: true, issuer: ISSUER, ...input })
}

/** A store answering `health` and failing loudly on anything the test did not provide. */
export function stubStore(methods: Partial<Store> = {}): Store {
  const unexpected = (name: string) => () => Promise.reject(new Error(`stub store: ${name} was not expected`))
  return {
    backend: 'sqlite',
    migrate: unexpected('migrate'),
    health: async () => ({ backend: 'sqlite', schemaVersion: 1 }),
    close: async () => undefined,
    getClient: unexpected('getClient'),
    putClient: unexpected('putClient'),
    listClients: unexpected('listClients'),
    deleteClient: unexpected('deleteClient'),
    loadKeys: unexpected('loadKeys'),
    keysVersion: unexpected('keysVersion'),
    saveKeys: unexpected('saveKeys'),
    revokeToken: unexpected('revokeToken'),
    isTokenRevoked: unexpected('isTokenRevoked'),
    listRevokedTokens: unexpected('listRevokedTokens'),
    useOnce: unexpected('useOnce'),
    purgeExpired: unexpected('purgeExpired'),
    getUser: unexpected('getUser'),
    findUserByUsername: unexpected('findUserByUsername'),
    putUser: unexpected('putUser'),
    listUsers: unexpected('listUsers'),
    deleteUser: unexpected('deleteUser'),
    saveUpstreamAccount: unexpected('saveUpstreamAccount'),
    getUpstreamAccount: unexpected('getUpstreamAccount'),
    createSession: unexpected('createSession'),
    getSession: unexpected('getSession'),
    deleteSession: unexpected('deleteSession'),
    createAuthorizationCode: unexpected('createAuthorizationCode'),
    getAuthorizationCode: unexpected('getAuthorizationCode'),
    consumeAuthorizationCode: unexpected('consumeAuthorizationCode'),
    createGrant: unexpected('createGrant'),
    getGrant: unexpected('getGrant'),
    revokeGrant: unexpected('revokeGrant'),
    recordAccessToken: unexpected('recordAccessToken'),
    createRefreshToken: unexpected('createRefreshToken'),
    getRefreshToken: unexpected('getRefreshToken'),
    getRefreshTokenWithGrant: unexpected('getRefreshTokenWithGrant'),
    rotateRefreshToken: unexpected('rotateRefreshToken'),
    ...methods,
  } as Store
}

const silent: Logger = { info() {}, warn() {}, error() {} }

export function testContext(options: { config?: ServiceConfig; store?: Store } = {}): ServiceContext {
  return {
    config: options.config ?? testConfig(),
    store: options.store ?? stubStore(),
    keys: createKeyManager({ alg: 'ES256', store: createMemoryKeyStore(), publishAhead: 3600 }),
    now: () => Date.now() / 1000,
    log: silent,
  } as ServiceContext
}

type Echo = OAuthResponse & { body: { endpoint: string; params: Record<string, string>; resources: readonly string[]; authorization: string | null } }

/** A core whose endpoints answer with what they received (or run `behaviour`, e.g. to throw). */
export function recordingCore(behaviour?: (endpoint: string, request: OAuthRequest, ctx: ServiceContext) => Promise<OAuthResponse | undefined>): CoreHandlers {
  const handler = (endpoint: string) => async (request: OAuthRequest, ctx: ServiceContext): Promise<OAuthResponse> => {
    const answer = await behaviour?.(endpoint, request, ctx)
    if (answer) return answer
    const echo: Echo = {
      status: 200,
      headers: {},
      body: { endpoint, params: Object.fromEntries(request.params), resources: request.resources, authorization: request.authorization ?? null },
    }
    return echo
  }
  const unused = (endpoint: string) => () => Promise.reject(new Error(`recording core: ${endpoint} is not recorded`))
  return {
    token: handler('token'),
    revocation: handler('revocation'),
    introspection: handler('introspection'),
    userinfo: handler('userinfo'),
    authorization: unused('authorization'),
    login: unused('login'),
    upstreamLogin: unused('upstreamLogin'),
    upstreamCallback: unused('upstreamCallback'),
    registration: unused('registration'),
    metadata: ({ config }) => ({
      status: 200,
      headers: { 'Cache-Control': 'public, max-age=300' },
      body: { issuer: config.issuer, token_endpoint: `${config.issuer}/token`, jwks_uri: `${config.issuer}/jwks.json` },
    }),
  }
}
