/**
 * Dynamic client registration (RFC 7591), framework-free over the in-memory store: what a client
 * may register and what it gets, the initial access token, and every abuse refused with the RFC
 * 7591 §3.2.2 error (or 429) before anything is stored: an admin scope, an http: redirect to a
 * network host, a jwks_uri on a private or link-local address or on a name resolving to one
 * (resolver and connection injected: they record attempts and never open a socket), oversize and
 * malformed metadata, floods. Registered clients must name the resource (RFC 8707) of every request.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { decodeJWTUnverified, exportJWK, generateKeyPair } from 'jotjwt'
import { handleAuthorizationRequest, handleLoginSubmission } from '../src/login/flow.js'
import type { PinnedRequest, ResolvedAddress } from '../src/net/outbound.js'
import { handleRegistrationRequest, type RegistrationRequest } from '../src/oauth/registration.js'
import { serverMetadata } from '../src/oauth/discovery.js'
import { handleTokenRequest } from '../src/oauth/token.js'
import type { ServiceConfigInput } from '../src/config/schema.js'
import {
  API,
  CODE_CHALLENGE,
  CODE_VERIFIER,
  ISSUER,
  assertionParams,
  basic,
  browserRequest,
  clientAssertion,
  createTestContext,
  form,
  formOf,
  rejectsWith,
  testUser,
  type TestContext,
} from './oauth-helpers.js'

const OTHER_API = 'https://other.example/api'
const LOOPBACK_REDIRECT = 'http://127.0.0.1:49152/callback'
const PUBLIC_ADDRESS: ResolvedAddress = { address: '93.184.215.14', family: 4 }

/** A resolver and a connection that record every attempt and never touch the network. */
function recordingNetwork(answers: Record<string, ResolvedAddress[]> = {}) {
  const resolved: string[] = []
  const connects: PinnedRequest[] = []
  let respond: (request: PinnedRequest) => Response = () => new Response('{}', { status: 404 })
  return {
    resolved,
    connects,
    answers,
    respondWith(handler: (request: PinnedRequest) => Response) {
      respond = handler
    },
    options: {
      resolve: async (hostname: string) => {
        resolved.push(hostname)
        const answer = answers[hostname]
        if (answer === undefined) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' })
        return answer
      },
      connect: async (request: PinnedRequest) => {
        connects.push(request)
        return respond(request)
      },
    },
  }
}

type Registration = NonNullable<ServiceConfigInput['registration']>

function setup(registration: Partial<Registration> = {}, network = recordingNetwork()) {
  const test = createTestContext({
    config: { registration: { enabled: true, allowedScopes: ['read', 'mcp:tools'], allowedResources: [API, OTHER_API], ...registration } },
    outbound: network.options,
  })
  return { ...test, network }
}

let address = 0
function register(test: TestContext, metadata: unknown, options: Partial<RegistrationRequest> = {}) {
  const body = typeof metadata === 'string' ? metadata : JSON.stringify(metadata)
  return handleRegistrationRequest(
    { body: new TextEncoder().encode(body), contentType: 'application/json', authorization: undefined, address: `198.51.100.${++address % 250}`, ...options },
    test.ctx,
  )
}

const PUBLIC_CLIENT = { client_name: 'An MCP host', redirect_uris: [LOOPBACK_REDIRECT], token_endpoint_auth_method: 'none', grant_types: ['authorization_code', 'refresh_token'] }

describe('registering (RFC 7591 §3.1, §3.2.1)', () => {
  it('a public native client with a loopback redirect gets a client_id, no secret, the allowed scopes and the code grant', async () => {
    const test = setup()
    const response = await register(test, PUBLIC_CLIENT)
    assert.equal(response.status, 201)
    assert.equal(response.headers['Cache-Control'], 'no-store')
    const body = response.body as Record<string, unknown>
    assert.match(String(body.client_id), /^[A-Za-z0-9_-]{22}$/)
    assert.equal(body.client_id_issued_at, 1_700_000_000)
    assert.equal(body.client_secret, undefined)
    assert.deepEqual(
      { ...body, client_id: undefined, client_id_issued_at: undefined },
      {
        client_id: undefined,
        client_id_issued_at: undefined,
        client_name: 'An MCP host',
        redirect_uris: [LOOPBACK_REDIRECT],
        token_endpoint_auth_method: 'none',
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
        scope: 'read mcp:tools',
      },
    )
    const stored = await test.store.getClient(String(body.client_id))
    assert.equal(stored?.source, 'registration')
    assert.equal(stored?.createdAt, 1_700_000_000)
    assert.deepEqual(stored?.resources, [API, OTHER_API])
    assert.deepEqual(stored?.scopes, ['read', 'mcp:tools'])
    assert.equal(stored?.secretHash, undefined)
  })

  it('a confidential client gets its secret once; the store keeps its hash; it must name the resource, which becomes aud', async () => {
    const test = setup()
    const response = await register(test, { token_endpoint_auth_method: 'client_secret_basic', grant_types: ['client_credentials'], scope: 'read' })
    const body = response.body as { client_id: string; client_secret: string; client_secret_expires_at: number }
    assert.equal(body.client_secret_expires_at, 0)
    assert.match(body.client_secret, /^[A-Za-z0-9_-]{43}$/)
    const stored = await test.store.getClient(body.client_id)
    assert.match(stored!.secretHash!, /^scrypt\$/)
    assert.ok(!JSON.stringify(stored).includes(body.client_secret))
    const authorization = basic(body.client_id, body.client_secret)
    await rejectsWith(handleTokenRequest(form({ grant_type: 'client_credentials' }, { authorization }), test.ctx), 'invalid_target')
    const token = await handleTokenRequest(form({ grant_type: 'client_credentials' }, { authorization, resources: [OTHER_API] }), test.ctx)
    const claims = decodeJWTUnverified((token.body as { access_token: string }).access_token).payload
    assert.equal(claims.aud, OTHER_API)
    assert.equal(claims.scope, 'read')
    await rejectsWith(handleTokenRequest(form({ grant_type: 'client_credentials' }, { authorization, resources: ['https://elsewhere.example/'] }), test.ctx), 'invalid_target')
  })

  it('native redirect URIs: loopback http (127.0.0.1, [::1], localhost) and reverse-domain private-use schemes', async () => {
    const test = setup()
    for (const uri of ['http://[::1]:8123/cb', 'http://localhost:3000/cb', 'com.example.app:/oauth2redirect', 'https://app.example/cb?x=1']) {
      const response = await register(test, { ...PUBLIC_CLIENT, redirect_uris: [uri] })
      assert.equal(response.status, 201, uri)
    }
  })

  it('with an initial access token configured: none is 401 with a bare challenge, a wrong one invalid_token, the right one registers', async () => {
    for (const registration of [{ initialAccessToken: 'initial-access-token-0123456789' }, { initialAccessTokenHash: await import('../src/crypto/secret-hash.js').then((m) => m.hashSecret('initial-access-token-0123456789', { cost: 12 })) }]) {
      const test = setup(registration)
      const missing = await rejectsWith(register(test, PUBLIC_CLIENT), 'invalid_token', 401)
      assert.equal(missing.headers['WWW-Authenticate'], `Bearer realm="${ISSUER}"`)
      const wrong = await rejectsWith(register(test, PUBLIC_CLIENT, { authorization: 'Bearer not-the-token-0123456789' }), 'invalid_token', 401)
      assert.equal(wrong.headers['WWW-Authenticate'], `Bearer realm="${ISSUER}", error="invalid_token"`)
      await rejectsWith(register(test, PUBLIC_CLIENT, { authorization: 'Basic aW5pdGlhbA==' }), 'invalid_token', 401)
      const accepted = await register(test, PUBLIC_CLIENT, { authorization: 'Bearer initial-access-token-0123456789' })
      assert.equal(accepted.status, 201)
    }
  })

  it('the metadata document names the registration endpoint only when registration is on', () => {
    assert.equal(serverMetadata(setup().ctx).registration_endpoint, `${ISSUER}/register`)
    assert.ok((serverMetadata(setup().ctx).scopes_supported as string[]).includes('mcp:tools'))
    assert.equal(serverMetadata(createTestContext().ctx).registration_endpoint, undefined)
  })
})

describe('abuse refused before anything is stored (RFC 7591 §3.2.2)', () => {
  async function refused(test: ReturnType<typeof setup>, metadata: unknown, error: string, options: Partial<RegistrationRequest> = {}) {
    const before = (await test.store.listClients()).length
    const failure = await rejectsWith(register(test, metadata, options), error, error === 'invalid_request' || error.startsWith('invalid_') || error.startsWith('unapproved') ? 400 : undefined)
    assert.equal((await test.store.listClients()).length, before, 'nothing stored')
    return failure
  }

  it('a scope outside allowedScopes (an admin scope) is invalid_client_metadata, even next to allowed ones', async () => {
    const test = setup()
    await refused(test, { ...PUBLIC_CLIENT, scope: 'admin' }, 'invalid_client_metadata')
    await refused(test, { ...PUBLIC_CLIENT, scope: 'read admin:keys' }, 'invalid_client_metadata')
    // An identity scope is not an API scope: fine with the code grant, not without it.
    assert.equal((await register(test, { ...PUBLIC_CLIENT, scope: 'openid read' })).status, 201)
    await refused(test, { token_endpoint_auth_method: 'client_secret_post', grant_types: ['client_credentials'], scope: 'openid' }, 'invalid_client_metadata')
  })

  it('redirect URIs: http: to a network host, javascript:, data:, a bare scheme, a fragment, credentials, too many, too long', async () => {
    const test = setup()
    for (const uri of [
      'http://app.example/cb',
      'http://192.168.1.10/cb',
      'http://127.0.0.1.nip.io/cb',
      'javascript:alert(1)',
      'data:text/html,x',
      'myapp:/cb',
      'https://app.example/cb#frag',
      'https://user:pass@app.example/cb',
      'not a uri',
      `https://app.example/${'a'.repeat(2048)}`,
    ]) {
      await refused(test, { ...PUBLIC_CLIENT, redirect_uris: [uri] }, 'invalid_redirect_uri')
    }
    await refused(test, { ...PUBLIC_CLIENT, redirect_uris: Array.from({ length: 11 }, (_, i) => `https://app.example/cb${i}`) }, 'invalid_redirect_uri')
    await refused(test, { ...PUBLIC_CLIENT, redirect_uris: [] }, 'invalid_redirect_uri')
    await refused(test, { ...PUBLIC_CLIENT, redirect_uris: 'https://app.example/cb' }, 'invalid_redirect_uri')
  })

  it('a jwks_uri on a link-local, private, loopback or CGNAT address literal: refused without resolving or connecting', async () => {
    const test = setup()
    for (const host of ['169.254.169.254', '10.0.0.5', '127.0.0.1', '100.64.1.1', '[::1]', '[fe80::1]', '[fd00::1]', '[::ffff:169.254.169.254]', '0x7f.1', '2130706433']) {
      const failure = await refused(test, { token_endpoint_auth_method: 'private_key_jwt', grant_types: ['client_credentials'], jwks_uri: `https://${host}/jwks.json` }, 'invalid_client_metadata')
      assert.match(failure.description, /jwks_uri is not allowed/, host)
    }
    assert.deepEqual(test.network.resolved, [])
    assert.deepEqual(test.network.connects, [])
  })

  it('a jwks_uri on a name that resolves to a private or link-local address (any of its addresses): refused after resolving, before any connect', async () => {
    const network = recordingNetwork({
      'keys.internal.example': [{ address: '10.1.2.3', family: 4 }],
      'metadata.attacker.example': [PUBLIC_ADDRESS, { address: '169.254.169.254', family: 4 }],
      'six.attacker.example': [{ address: 'fd12::7', family: 6 }],
    })
    const test = setup({}, network)
    for (const host of Object.keys(network.answers).concat('nowhere.example')) {
      await refused(test, { token_endpoint_auth_method: 'private_key_jwt', grant_types: ['client_credentials'], jwks_uri: `https://${host}/jwks.json` }, 'invalid_client_metadata')
    }
    assert.deepEqual(network.resolved, ['keys.internal.example', 'metadata.attacker.example', 'six.attacker.example', 'nowhere.example'])
    assert.deepEqual(network.connects, [], 'no connection was attempted')
  })

  it('jwksUriAllowedNetworks lets a configured private range through', async () => {
    const test = setup({ jwksUriAllowedNetworks: ['10.1.0.0/16'] }, recordingNetwork({ 'keys.internal.example': [{ address: '10.1.2.3', family: 4 }] }))
    const response = await register(test, { token_endpoint_auth_method: 'private_key_jwt', grant_types: ['client_credentials'], jwks_uri: 'https://keys.internal.example/jwks.json' })
    assert.equal(response.status, 201)
  })

  it('oversize metadata: the body over maxMetadataBytes, a name over 255 characters, more than 10 keys', async () => {
    const test = setup({ maxMetadataBytes: 2048 })
    await refused(test, { ...PUBLIC_CLIENT, client_name: 'x'.repeat(1900), note: 'y'.repeat(200) }, 'invalid_client_metadata')
    await refused(test, { ...PUBLIC_CLIENT, client_name: 'x'.repeat(256) }, 'invalid_client_metadata')
    const { publicKey } = await generateKeyPair('ES256')
    const jwk = await exportJWK(publicKey)
    await refused(test, { token_endpoint_auth_method: 'private_key_jwt', grant_types: ['client_credentials'], jwks: { keys: Array(11).fill(jwk) } }, 'invalid_client_metadata')
  })

  it('malformed metadata: not JSON, not an object, wrong types, unknown values, contradictions, private keys', async () => {
    const test = setup()
    const { privateKey, publicKey } = await generateKeyPair('ES256')
    const keyClient = { token_endpoint_auth_method: 'private_key_jwt', grant_types: ['client_credentials'] }
    for (const metadata of [
      '{"redirect_uris": [',
      '\u00ff',
      '["a"]',
      'null',
      { ...PUBLIC_CLIENT, grant_types: 'authorization_code' },
      { ...PUBLIC_CLIENT, grant_types: ['implicit'] },
      { ...PUBLIC_CLIENT, grant_types: ['password'] },
      { ...PUBLIC_CLIENT, response_types: ['token'] },
      { ...PUBLIC_CLIENT, token_endpoint_auth_method: 'client_secret_jwt' },
      { ...PUBLIC_CLIENT, token_endpoint_auth_method: 7 },
      { ...PUBLIC_CLIENT, scope: ['read'] },
      { ...PUBLIC_CLIENT, client_name: '' },
      { token_endpoint_auth_method: 'none', grant_types: ['client_credentials'] },
      { ...PUBLIC_CLIENT, grant_types: ['refresh_token'] },
      { ...keyClient },
      { ...keyClient, jwks: { keys: [await exportJWK(publicKey)] }, jwks_uri: 'https://keys.example/jwks.json' },
      { ...keyClient, jwks: { keys: [await exportJWK(privateKey)] } },
      { ...keyClient, jwks: { keys: [{ kty: 'oct', k: 'c2VjcmV0' }] } },
      { ...keyClient, jwks: [] },
      { ...keyClient, jwks_uri: 'http://keys.example/jwks.json' },
      { ...PUBLIC_CLIENT, jwks: { keys: [await exportJWK(publicKey)] } },
      { ...PUBLIC_CLIENT, dpop_bound_access_tokens: 'yes' },
    ]) {
      await refused(test, metadata, 'invalid_client_metadata')
    }
    await refused(test, PUBLIC_CLIENT, 'invalid_request', { contentType: 'application/x-www-form-urlencoded' })
    await refused(test, PUBLIC_CLIENT, 'invalid_request', { contentType: 'application/json; charset=latin1' })
    await refused(test, { ...PUBLIC_CLIENT, software_statement: 'eyJhbGciOiJub25lIn0.e30.' }, 'unapproved_software_statement')
    // Members the server does not use are ignored (§2), not echoed.
    const ignored = (await register(test, { ...PUBLIC_CLIENT, logo_uri: 'javascript:alert(1)', contacts: 'x' })).body as Record<string, unknown>
    assert.equal(ignored.logo_uri, undefined)
    assert.equal(ignored.contacts, undefined)
  })

  it('a registration flood from one address is throttled (429, Retry-After); other addresses and the total limit', async () => {
    const test = setup({ rateLimit: { perAddress: 3, total: 5, window: '1h' } })
    const from = (address: string) => register(test, PUBLIC_CLIENT, { address })
    for (let i = 0; i < 3; i++) assert.equal((await from('203.0.113.9')).status, 201)
    const throttled = await rejectsWith(from('203.0.113.9'), 'temporarily_unavailable', 429)
    assert.ok(Number(throttled.headers['Retry-After']) > 0)
    // Malformed requests count too: a flood of garbage costs as much as a flood of registrations.
    await rejectsWith(register(test, 'garbage', { address: '203.0.113.9' }), 'temporarily_unavailable', 429)
    assert.equal((await from('203.0.113.10')).status, 201)
    assert.equal((await from('203.0.113.11')).status, 201)
    await rejectsWith(from('203.0.113.12'), 'temporarily_unavailable', 429)
    assert.equal((await test.store.listClients()).length, 5)
    test.clock.now += 3600 * 2
    assert.equal((await from('203.0.113.9')).status, 201)
  })
})

describe('a registered client\'s jwks_uri at the token endpoint: fetched only through the guard', () => {
  it('connects to the address that was checked, with the URL\'s host name; a later answer pointing to a private address is refused before connecting', async () => {
    const network = recordingNetwork({ 'keys.client.example': [PUBLIC_ADDRESS] })
    const test = setup({}, network)
    const { privateKey, publicKey } = await generateKeyPair('ES256', { kid: 'k1' })
    const jwks = { keys: [{ ...(await exportJWK(publicKey)), kid: 'k1', alg: 'ES256' }] }
    network.respondWith(() => new Response(JSON.stringify(jwks), { status: 200, headers: { 'content-type': 'application/json' } }))
    const registered = (await register(test, { token_endpoint_auth_method: 'private_key_jwt', grant_types: ['client_credentials'], jwks_uri: 'https://keys.client.example/jwks.json' })).body as { client_id: string }
    assert.equal(network.connects.length, 0, 'registration checks the host, it does not fetch')

    const token = async (clientId: string) =>
      handleTokenRequest(form({ grant_type: 'client_credentials', ...assertionParams(await clientAssertion(privateKey, clientId, test.clock.now)) }, { resources: [API] }), test.ctx)
    assert.equal((await token(registered.client_id)).status, 200)
    assert.equal(network.connects.length, 1)
    const connect = network.connects[0]!
    assert.deepEqual(connect.address, PUBLIC_ADDRESS)
    assert.equal(connect.url.href, 'https://keys.client.example/jwks.json')

    // DNS rebinding: the same name now answers with the metadata service's address.
    const second = (await register(test, { token_endpoint_auth_method: 'private_key_jwt', grant_types: ['client_credentials'], jwks_uri: 'https://keys.client.example/jwks.json' })).body as { client_id: string }
    network.answers['keys.client.example'] = [{ address: '169.254.169.254', family: 4 }]
    await rejectsWith(token(second.client_id), 'invalid_client', 401)
    assert.equal(network.connects.length, 1, 'no connection to the private address')
    assert.ok(test.logs.some((line) => line.message === "the client's jwks_uri could not be used" && line.fields.client_id === second.client_id))
  })
})

describe('RFC 8707 for registered clients: resource required at /authorize and /token, and it is the aud', () => {
  it('an authorization request or code redemption without resource is invalid_target; with it the token is for that resource only', async () => {
    const test = setup()
    const ada = await testUser('ada', 'ada-password')
    await test.store.putUser(ada)
    const { client_id: clientId } = (await register(test, PUBLIC_CLIENT)).body as { client_id: string }
    const params = { response_type: 'code', client_id: clientId, redirect_uri: LOOPBACK_REDIRECT, scope: 'mcp:tools', state: 's', code_challenge: CODE_CHALLENGE, code_challenge_method: 'S256' }

    const withoutResource = await handleAuthorizationRequest(browserRequest(params), test.ctx)
    assert.equal(withoutResource.status, 303)
    assert.equal(new URL(withoutResource.headers.Location!).searchParams.get('error'), 'invalid_target')

    const login = async (resources: string[]) => {
      const page = await handleAuthorizationRequest(browserRequest(params, { resources }), test.ctx)
      const { fields, cookies } = formOf(page, '__Host-jotjwt-csrf')
      // The page carries resource as a hidden field; the HTTP layer hands it over apart (it may repeat).
      const { resource, ...carried } = fields
      const submission = browserRequest({ ...carried, username: 'ada', password: 'ada-password' }, { method: 'POST', cookies, resources: resource === undefined ? [] : [resource] })
      const answer = await handleLoginSubmission(submission, test.ctx)
      return new URL(answer.headers.Location!).searchParams.get('code')!
    }
    const redeem = (code: string, resources: string[]) =>
      handleTokenRequest(form({ grant_type: 'authorization_code', client_id: clientId, code, redirect_uri: LOOPBACK_REDIRECT, code_verifier: CODE_VERIFIER }, { resources }), test.ctx)

    const code = await login([API])
    await rejectsWith(redeem(code, []), 'invalid_target')
    await rejectsWith(redeem(code, [OTHER_API]), 'invalid_target')
    const tokens = (await redeem(code, [API])).body as { access_token: string; refresh_token: string }
    assert.equal(decodeJWTUnverified(tokens.access_token).payload.aud, API)

    const refresh = (resources: string[]) => handleTokenRequest(form({ grant_type: 'refresh_token', client_id: clientId, refresh_token: tokens.refresh_token }, { resources }), test.ctx)
    await rejectsWith(refresh([]), 'invalid_target')
    const refreshed = (await refresh([API])).body as { access_token: string }
    assert.equal(decodeJWTUnverified(refreshed.access_token).payload.aud, API)
  })
})
