// Loading the configuration: YAML and JSON files, environment and command-line overrides, errors
// that name each bad setting, and the refusals outside dev mode.
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, test } from 'node:test'
import { ConfigError, clientSecretVariable, loadConfig } from '../src/config/load.js'

const dir = mkdtempSync(join(tmpdir(), 'jotjwt-config-'))
after(() => rmSync(dir, { recursive: true, force: true }))

const KEY = Buffer.alloc(32, 1).toString('base64url')
const SECRET = 'billing-secret-0123456789abcdef'

let files = 0
function file(text: string, extension = 'yaml'): string {
  const path = join(dir, `config-${files++}.${extension}`)
  writeFileSync(path, text)
  return path
}

/** The issues of the ConfigError `promise` rejects with. */
async function issues(promise: Promise<unknown>): Promise<readonly string[]> {
  try {
    await promise
  } catch (error) {
    assert.ok(error instanceof ConfigError, String(error))
    assert.equal(error.code, 'ERR_CONFIG_INVALID')
    return error.issues
  }
  assert.fail('the configuration was accepted')
}

const PRODUCTION_YAML = `
issuer: https://auth.example.com
listen: { host: 0.0.0.0, port: 8443 }
http:
  trustProxy: [10.0.0.0/8]
keys:
  encryptionKey: ${KEY}
  publishAhead: 2h
clients:
  - clientId: billing
    clientSecret: ${SECRET}
    scopes: [orders:read]
    resources: [https://api.example.com/orders]
`

describe('files', () => {
  test('YAML: values and defaults', async () => {
    const config = await loadConfig({ file: file(PRODUCTION_YAML) })
    assert.equal(config.issuer, 'https://auth.example.com')
    assert.deepEqual(config.listen, { host: '0.0.0.0', port: 8443 })
    assert.equal(config.keys.publishAhead, '2h')
    assert.equal(config.keys.alg, 'ES256')
    assert.equal(config.clients[0]!.authMethod, 'client_secret_basic')
    assert.equal(config.store.type, 'sqlite')
  })

  test('JSON: the same settings', async () => {
    const config = await loadConfig({
      file: file(JSON.stringify({ dev: true, listen: { port: 9000 }, keys: { rotationPeriod: '7d' } }), 'json'),
    })
    assert.equal(config.dev, true)
    assert.equal(config.listen.port, 9000)
    assert.equal(config.keys.rotationPeriod, '7d')
  })

  test('no file: the defaults (dev mode needs nothing else)', async () => {
    const config = await loadConfig({ overrides: { dev: true } })
    assert.equal(config.listen.port, 8080)
    assert.equal(config.dataDir, '.jotjwt')
  })

  test('a duplicate key, in YAML or in JSON, is an error with its position', async () => {
    const [yaml] = await issues(loadConfig({ file: file('dev: true\ndev: false\n') }))
    assert.match(yaml!, /config-\d+\.yaml:2:1: .*(unique|[Dd]uplicate)/)
    const [json] = await issues(loadConfig({ file: file('{"dev": true, "dev": false}', 'json') }))
    assert.match(json!, /unique|[Dd]uplicate/)
  })

  test('a missing file, malformed text or a document that is not a mapping: one clear line', async () => {
    assert.match((await issues(loadConfig({ file: join(dir, 'absent.yaml') })))[0]!, /absent\.yaml: cannot read the configuration file \(no such file\)/)
    assert.match((await issues(loadConfig({ file: file('listen: [') })))[0]!, /config-\d+\.yaml:\d+:\d+: /)
    assert.match((await issues(loadConfig({ file: file('- a\n- b\n') })))[0]!, /must be a mapping/)
    // A parse error gives the position, never the text around it (it may hold a secret).
    const [near] = await issues(loadConfig({ file: file(`keys:\n  encryptionKey: "${KEY}\n`) }))
    assert.match(near!, /config-\d+\.yaml:\d+:\d+: /)
    assert.ok(!near!.includes(KEY), near)
  })
})

describe('errors name each setting', () => {
  test('every problem at once, by path', async () => {
    const found = await issues(
      loadConfig({
        file: file(`
dev: true
listen: { port: http }
keys: { publishAhead: 10 parsecs, rotation: 30d }
clients:
  - clientId: a
    resources: [not-a-url]
`),
      }),
    )
    assert.deepEqual(
      [...found].sort(),
      [
        'clients.0.clientSecret: a client authenticated by secret needs clientSecret or clientSecretHash',
        'clients.0.resources.0: Invalid URL',
        'keys.publishAhead: a duration: seconds or a string like "10m"',
        'keys.rotation: unknown setting',
        'listen.port: expected number, received string',
      ].sort(),
    )
  })

  test('the message of an overridden setting says where the value came from', async () => {
    const found = await issues(loadConfig({ env: { JOTJWT_PORT: 'eighty', JOTJWT_DEV: 'maybe', JOTJWT_LOG_LEVEL: 'loud' } }))
    assert.ok(found.includes('listen.port (from JOTJWT_PORT): expected number, received string'), found.join('\n'))
    assert.ok(found.some((line) => line.startsWith('dev (from JOTJWT_DEV): ')), found.join('\n'))
    assert.ok(found.some((line) => line.startsWith('log.level (from JOTJWT_LOG_LEVEL): ')), found.join('\n'))
  })
})

describe('environment and command-line overrides', () => {
  test('JOTJWT_* variables override the file; flags override both; empty variables count as unset', async () => {
    const config = await loadConfig({
      file: file(PRODUCTION_YAML),
      env: {
        JOTJWT_ISSUER: 'https://other.example.com',
        JOTJWT_HOST: '127.0.0.1',
        JOTJWT_PORT: '9443',
        JOTJWT_DATA_DIR: '/var/lib/jotjwt',
        JOTJWT_KEY_ENCRYPTION_KEY: Buffer.alloc(32, 2).toString('base64url'),
        JOTJWT_LOG_LEVEL: 'warn',
        JOTJWT_DEV: '',
      },
      overrides: { port: 0 },
    })
    assert.equal(config.issuer, 'https://other.example.com')
    assert.deepEqual(config.listen, { host: '127.0.0.1', port: 0 })
    assert.equal(config.dataDir, '/var/lib/jotjwt')
    assert.equal(config.keys.encryptionKey, Buffer.alloc(32, 2).toString('base64url'))
    assert.equal(config.keys.publishAhead, '2h', 'settings not overridden stay')
    assert.equal(config.log.level, 'warn')
    assert.equal(config.dev, false)
  })

  test('JOTJWT_DEV and --dev', async () => {
    assert.equal((await loadConfig({ env: { JOTJWT_DEV: 'true' } })).dev, true)
    assert.equal((await loadConfig({ env: { JOTJWT_DEV: '1' } })).dev, true)
    assert.equal((await loadConfig({ overrides: { dev: true } })).dev, true)
  })

  test('store.synchronous (SQLite): normal by default, full on request, nothing else', async () => {
    assert.deepEqual((await loadConfig({ env: { JOTJWT_DEV: '1' } })).store, { type: 'sqlite', synchronous: 'normal' })
    assert.deepEqual((await loadConfig({ file: file('dev: true\nstore:\n  type: sqlite\n  synchronous: full\n') })).store, { type: 'sqlite', synchronous: 'full' })
    const [issue] = await issues(loadConfig({ file: file('dev: true\nstore:\n  type: sqlite\n  synchronous: "off"\n') }))
    assert.match(issue!, /store\.synchronous/)
  })

  test('JOTJWT_DATABASE_URL selects PostgreSQL; another URL is refused', async () => {
    const config = await loadConfig({ env: { JOTJWT_DEV: '1', JOTJWT_DATABASE_URL: 'postgres://jot@db.internal:5432/jot' } })
    assert.deepEqual(config.store, {
      type: 'postgres',
      url: 'postgres://jot@db.internal:5432/jot',
      schema: 'jotjwt',
      maxConnections: 10,
      maxWaiting: 1000,
      connectionTimeout: '5s',
      statementTimeout: '5s',
      notifications: true,
    })
    const [issue] = await issues(loadConfig({ env: { JOTJWT_DEV: '1', JOTJWT_DATABASE_URL: 'mysql://db/jot' } }))
    assert.match(issue!, /^JOTJWT_DATABASE_URL: a postgres:\/\/ URL/)
  })

  test('store.notifications (PostgreSQL): true by default, a boolean or refused', async () => {
    const yaml = (value: string) => file(`dev: true\nstore: { type: postgres, url: "postgres://jot@db.internal/jot", notifications: ${value} }\n`)
    assert.deepEqual((await loadConfig({ file: yaml('false') })).store, { type: 'postgres', url: 'postgres://jot@db.internal/jot', schema: 'jotjwt', maxConnections: 10, maxWaiting: 1000, connectionTimeout: '5s', statementTimeout: '5s', notifications: false })
    const [issue] = await issues(loadConfig({ file: yaml('"yes"') }))
    assert.match(issue!, /store\.notifications/)
  })

  test('redis: none by default; JOTJWT_REDIS_URL sets it with the defaults; bad values are named', async () => {
    assert.equal((await loadConfig({ env: { JOTJWT_DEV: '1' } })).redis, undefined)
    const config = await loadConfig({ env: { JOTJWT_DEV: '1', JOTJWT_REDIS_URL: 'rediss://cache.internal:6380' } })
    assert.deepEqual(config.redis, { url: 'rediss://cache.internal:6380', prefix: 'jotjwt:', notifications: true, pollInterval: '5s', commandTimeout: '1s' })
    const path = file('redis: { url: "http://cache", pollInterval: "0s", commandTimeout: 0, notifications: "yes" }\n')
    assert.deepEqual(await issues(loadConfig({ file: path, env: { JOTJWT_DEV: '1' } })), [
      'redis.url: a redis:// or rediss:// URL',
      'redis.notifications: expected boolean, received string',
      'redis.pollInterval: more than 0 seconds',
      'redis.commandTimeout: more than 0 seconds',
    ])
  })

  test('JOTJWT_CLIENT_SECRET_<ID> sets a client secret and replaces a hashed one', async () => {
    assert.equal(clientSecretVariable('billing-svc.v2'), 'JOTJWT_CLIENT_SECRET_BILLING_SVC_V2')
    const yaml = `
dev: true
clients:
  - clientId: billing-svc.v2
    clientSecretHash: "$scrypt$whatever"
    resources: [https://api.example.com/orders]
`
    const config = await loadConfig({ file: file(yaml), env: { JOTJWT_CLIENT_SECRET_BILLING_SVC_V2: SECRET } })
    assert.equal(config.clients[0]!.clientSecret, SECRET)
    assert.equal(config.clients[0]!.clientSecretHash, undefined)
  })

  test('a client secret variable matching no client is an error (a typo must not go unnoticed); its value is never shown', async () => {
    const [issue] = await issues(loadConfig({ file: file(PRODUCTION_YAML), env: { JOTJWT_CLIENT_SECRET_BILLNG: SECRET } }))
    assert.match(issue!, /^JOTJWT_CLIENT_SECRET_BILLNG: no configured client has this id/)
    const short = await issues(loadConfig({ file: file(PRODUCTION_YAML), env: { JOTJWT_CLIENT_SECRET_BILLING: 'short' } }))
    assert.ok(short.some((line) => line.startsWith('clients.0.clientSecret (from JOTJWT_CLIENT_SECRET_BILLING): ')), short.join('\n'))
    assert.ok(short.every((line) => !line.includes('short:') && !line.endsWith('short')))
  })
})

describe('refusals outside dev mode', () => {
  test('no key-encryption key, no issuer', async () => {
    const found = await issues(loadConfig({}))
    assert.ok(found.some((line) => line.startsWith('keys.encryptionKey: required outside dev mode')), found.join('\n'))
    assert.ok(found.some((line) => line.startsWith('issuer: required outside dev mode')), found.join('\n'))
  })

  const base = { JOTJWT_KEY_ENCRYPTION_KEY: KEY }

  test('plain http: only on loopback (issuer and listening address)', async () => {
    await loadConfig({ env: { ...base, JOTJWT_ISSUER: 'http://127.0.0.1:8080' } })
    await loadConfig({ env: { ...base, JOTJWT_ISSUER: 'http://localhost:8080', JOTJWT_HOST: '::1' } })
    for (const env of [
      { JOTJWT_ISSUER: 'http://auth.example.com' },
      { JOTJWT_ISSUER: 'http://127.0.0.1:8080', JOTJWT_HOST: '0.0.0.0' },
      { JOTJWT_ISSUER: 'http://auth.localhost:8080' },
    ]) {
      const [issue] = await issues(loadConfig({ env: { ...base, ...env } }))
      assert.match(issue!, /^issuer: plain http: is allowed only on loopback/)
    }
  })

  test('an https: issuer needs TLS here or a proxy in front', async () => {
    const [issue] = await issues(loadConfig({ env: { ...base, JOTJWT_ISSUER: 'https://auth.example.com' } }))
    assert.match(issue!, /^issuer: an https: issuer needs http\.tls .* or http\.trustProxy/)
    await loadConfig({ file: file(PRODUCTION_YAML) })
    await loadConfig({ file: file('http: { tls: { cert: /etc/tls/cert.pem, key: /etc/tls/key.pem } }'), env: { ...base, JOTJWT_ISSUER: 'https://auth.example.com' } })
  })

  test('in every mode: an issuer with a query or fragment (RFC 8414 §2); dev mode only on loopback', async () => {
    const [query] = await issues(loadConfig({ env: { JOTJWT_DEV: '1', JOTJWT_ISSUER: 'http://127.0.0.1:8080/?tenant=a' } }))
    assert.match(query!, /^issuer: must not have a query or fragment/)
    const [host] = await issues(loadConfig({ env: { JOTJWT_DEV: '1', JOTJWT_HOST: '0.0.0.0' } }))
    assert.match(host!, /^listen\.host: dev mode listens on loopback only/)
  })

  test('a client key set URL must be https: outside dev mode', async () => {
    const yaml = `${PRODUCTION_YAML}
  - clientId: partner
    authMethod: private_key_jwt
    jwksUri: http://partner.example.com/jwks.json
    resources: [https://api.example.com/orders]
`
    const [issue] = await issues(loadConfig({ file: file(yaml) }))
    assert.match(issue!, /^clients\.1\.jwksUri: must be an https: URL outside dev mode/)
  })
})

describe('trust entries (JWT-bearer grant) and the admin API', () => {
  const dev = { JOTJWT_DEV: '1' }
  const jwk = '{ kty: OKP, crv: Ed25519, x: 11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo }'

  test('an entry: subject or any, exactly one of jwk, jwks, jwksUri, asymmetric algorithms, an expiry', async () => {
    const config = await loadConfig({
      file: file(`trust:\n  - { issuer: https://ci.example, subject: bot, scopes: [deploy:write], jwk: ${jwk}, algorithms: [EdDSA], expiresAt: '2030-01-01T00:00:00Z' }\n`),
      env: dev,
    })
    assert.deepEqual(config.trust[0]?.scopes, ['deploy:write'])
    assert.deepEqual(config.admin, { scope: 'jotjwt:admin' })
    assert.equal(config.tokens.maxGrantAssertionLifetime, '1h')
    const found = await issues(
      loadConfig({
        file: file(`trust:
  - { issuer: https://ci.example, scopes: [deploy:write], jwk: ${jwk}, algorithms: [EdDSA] }
  - { issuer: https://ci.example, any: true, scopes: [openid], jwksUri: 'https://ci.example/jwks', jwk: ${jwk}, algorithms: [HS256], expiresAt: tomorrow }
`),
        env: dev,
      }),
    )
    assert.deepEqual(found, [
      'trust.0.subject: give subject (the one sub accepted) or any: true, not both',
      'trust.1.scopes.0: an identity scope (openid, profile, email, groups, offline_access) is not listed: every authorization code client may ask for it',
      'trust.1.algorithms.0: Invalid option: expected one of "ES256"|"ES384"|"ES512"|"EdDSA"|"Ed25519"|"RS256"|"RS384"|"RS512"|"PS256"|"PS384"|"PS512"',
      'trust.1.expiresAt: Invalid ISO datetime',
    ])
  })

  test('outside dev mode a trusted issuer\'s key set URL must be https:', async () => {
    const yaml = `${PRODUCTION_YAML}trust:
  - { issuer: https://ci.example, any: true, scopes: [deploy:write], jwksUri: 'http://ci.example/jwks.json', algorithms: [ES256] }
`
    const [issue] = await issues(loadConfig({ file: file(yaml) }))
    assert.match(issue!, /^trust\.0\.jwksUri: must be an https: URL outside dev mode/)
  })

  test('clients may be allowed the JWT-bearer grant; the admin scope and audience can be renamed', async () => {
    const config = await loadConfig({
      file: file(`clients:
  - { clientId: deployer, clientSecret: ${SECRET}, grantTypes: ['urn:ietf:params:oauth:grant-type:jwt-bearer'], resources: [https://api.example] }
admin: { scope: 'ops:admin', audience: 'https://auth.example/admin-api' }
`),
      env: dev,
    })
    assert.deepEqual(config.clients[0]?.grantTypes, ['urn:ietf:params:oauth:grant-type:jwt-bearer'])
    assert.deepEqual(config.admin, { scope: 'ops:admin', audience: 'https://auth.example/admin-api' })
    const [issue] = await issues(loadConfig({ file: file('admin: { scope: "two words" }\n'), env: dev }))
    assert.match(issue!, /^admin\.scope: a scope token/)
  })
})

describe('clients of the authorization code flow, and users', () => {
  const dev = { JOTJWT_DEV: '1' }
  const yaml = (text: string) => file(`clients:\n${text}`)

  test('a public client: no secret, no client credentials, redirect URIs with the authorization code grant', async () => {
    const config = await loadConfig({
      file: yaml('  - { clientId: spa, authMethod: none, grantTypes: [authorization_code, refresh_token], redirectUris: ["http://127.0.0.1:5173/cb", "com.example.app:/cb"], resources: [https://api.example] }'),
      env: dev,
    })
    assert.deepEqual(config.clients[0]!.redirectUris, ['http://127.0.0.1:5173/cb', 'com.example.app:/cb'])
    const found = await issues(
      loadConfig({
        file: yaml(
          [
            '  - { clientId: a, authMethod: none, clientSecret: ' + SECRET + ', grantTypes: [authorization_code], redirectUris: [https://a.example/cb], resources: [https://api.example] }',
            '  - { clientId: b, authMethod: none, grantTypes: [client_credentials], resources: [https://api.example] }',
            '  - { clientId: c, authMethod: none, grantTypes: [authorization_code], resources: [https://api.example] }',
            '  - { clientId: d, clientSecret: ' + SECRET + ', grantTypes: [refresh_token], resources: [https://api.example] }',
            '  - { clientId: e, clientSecret: ' + SECRET + ', scopes: [openid, orders:read], resources: [https://api.example] }',
            '  - { clientId: f, authMethod: none, grantTypes: [authorization_code], redirectUris: ["https://f.example/cb#frag", "/relative"], resources: [https://api.example] }',
          ].join('\n'),
        ),
        env: dev,
      }),
    )
    assert.deepEqual(found, [
      'clients.0.authMethod: a public client (authMethod none) has no secret and no keys',
      'clients.1.grantTypes: a public client cannot use client_credentials (RFC 6749 section 4.4: confidential clients only)',
      'clients.2.redirectUris: redirectUris go with the authorization_code grant: list both or neither',
      'clients.3.grantTypes: refresh tokens are issued by the authorization_code grant: list it too',
      'clients.4.scopes.0: an identity scope (openid, profile, email, groups, offline_access) is not listed: every authorization code client may ask for it',
      'clients.5.redirectUris.0: an absolute URI without a fragment (RFC 6749 section 3.1.2)',
      'clients.5.redirectUris.1: an absolute URI without a fragment (RFC 6749 section 3.1.2)',
    ])
  })

  test('outside dev mode an http: redirect URI only on loopback (RFC 8252 §7.3)', async () => {
    const text = `${PRODUCTION_YAML}
  - clientId: web
    authMethod: none
    grantTypes: [authorization_code]
    redirectUris: [https://web.example/cb, http://127.0.0.1:8000/cb, "http://[::1]/cb", http://web.example/cb]
    resources: [https://api.example.com/orders]
`
    assert.deepEqual(await issues(loadConfig({ file: file(text) })), [
      'clients.1.redirectUris.3: an http: redirect URI is allowed only on loopback (127.0.0.1, [::1]) outside dev mode; authorization codes would cross the network in the clear',
    ])
  })

  test('users: a password or its hash, not both; refresh token lifetimes with defaults; the grace window at most 5 minutes', async () => {
    const config = await loadConfig({ file: file('users:\n  - { username: ada, password: a-long-password, groups: [admins] }\n'), env: dev })
    assert.deepEqual(config.users[0], { username: 'ada', password: 'a-long-password', emailVerified: false, groups: ['admins'] })
    assert.deepEqual(config.tokens.refreshToken, { idleTtl: '14d', absoluteTtl: '30d', graceWindow: '30s' })
    const found = await issues(loadConfig({ file: file('users:\n  - { username: ada, password: a-long-password, passwordHash: x }\n  - { username: bob, password: short }\ntokens: { refreshToken: { graceWindow: 301 } }\n'), env: dev }))
    assert.deepEqual(found, [
      'tokens.refreshToken.graceWindow: at most 300 seconds',
      'users.0.password: give password or passwordHash, not both',
      'users.1.password: Too small: expected string to have >=8 characters',
    ])
  })
})
