import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { generateSecret, signJWT, encodeUnsecuredJWT } from 'jotjwt'
import { authenticateClient } from '../src/oauth/client-auth.js'
import {
  API,
  ISSUER,
  assertionParams,
  basic,
  clientAssertion,
  createTestContext,
  form,
  keyClient,
  rejectsWith,
  secretClient,
  type TestContextOptions,
} from './oauth-helpers.js'

const SECRET = 's3cr3t+value with spaces:and%colons'
// Characters that application/x-www-form-urlencoded must carry (RFC 6749 §2.3.1, Appendix B).
const ODD_ID = 'svc:reports+nightly ü'

async function secretSetup(options: TestContextOptions = {}) {
  let kdf = 0
  const clients = [
    await secretClient('basic-client', SECRET),
    await secretClient(ODD_ID, SECRET),
    await secretClient('post-client', SECRET, { authMethod: 'client_secret_post' }),
  ]
  const test = createTestContext({ clients, secrets: { onKdf: () => void kdf++ }, ...options })
  return { ...test, kdfRuns: () => kdf }
}

describe('client_secret_basic (RFC 6749 §2.3.1)', () => {
  it('authenticates with the form-urlencoded id and secret in the Basic header', async () => {
    const { ctx } = await secretSetup()
    assert.equal((await authenticateClient(form({}, { authorization: basic('basic-client', SECRET) }), ctx)).clientId, 'basic-client')
    const odd = await authenticateClient(form({}, { authorization: basic(ODD_ID, SECRET) }), ctx)
    assert.equal(odd.clientId, ODD_ID)
  })

  it('accepts a matching client_id in the body, and the scheme in any letter case', async () => {
    const { ctx } = await secretSetup()
    const header = basic('basic-client', SECRET).replace('Basic', 'bAsIc')
    assert.equal((await authenticateClient(form({ client_id: 'basic-client' }, { authorization: header }), ctx)).clientId, 'basic-client')
    await rejectsWith(authenticateClient(form({ client_id: 'post-client' }, { authorization: basic('basic-client', SECRET) }), ctx), 'invalid_request', 400)
  })

  it('refuses a wrong secret with invalid_client, 401 and a Basic challenge', async () => {
    const { ctx } = await secretSetup()
    const error = await rejectsWith(authenticateClient(form({}, { authorization: basic('basic-client', 'wrong') }), ctx), 'invalid_client', 401)
    assert.equal(error.headers['WWW-Authenticate'], `Basic realm="${ISSUER}"`)
  })

  it('refuses an unknown client exactly as a wrong secret, after the same KDF', async () => {
    const { ctx, kdfRuns } = await secretSetup()
    const wrong = await rejectsWith(authenticateClient(form({}, { authorization: basic('basic-client', 'wrong') }), ctx), 'invalid_client')
    assert.equal(kdfRuns(), 1)
    const unknown = await rejectsWith(authenticateClient(form({}, { authorization: basic('no-such-client', 'wrong') }), ctx), 'invalid_client')
    assert.equal(kdfRuns(), 2, 'the unknown client cost a KDF too')
    assert.deepEqual([unknown.body(), unknown.headers], [wrong.body(), wrong.headers])
  })

  it('refuses malformed Basic credentials with invalid_client and the challenge', async () => {
    const { ctx } = await secretSetup()
    const b64 = (text: string) => Buffer.from(text).toString('base64')
    for (const header of [
      'Bearer abc',
      'Basic',
      `Basic ${b64('no-colon')}`,
      `Basic ${b64('basic-client:%zz')}`, // bad percent-encoding
      `Basic ${b64(':secret')}`, // empty client id
      `Basic ${b64('basic-client:x')}!`,
      `Basic ${Buffer.from([0x62, 0x3a, 0xff]).toString('base64')}`, // not UTF-8
    ]) {
      const error = await rejectsWith(authenticateClient(form({}, { authorization: header }), ctx), 'invalid_client', 401)
      assert.ok(error.headers['WWW-Authenticate']?.startsWith('Basic realm='), header)
    }
  })
})

describe('client_secret_post (RFC 6749 §2.3.1)', () => {
  it('authenticates with client_id and client_secret in the body', async () => {
    const { ctx } = await secretSetup()
    assert.equal((await authenticateClient(form({ client_id: 'post-client', client_secret: SECRET }), ctx)).clientId, 'post-client')
  })

  it('refuses a wrong secret without a challenge (the header was not used)', async () => {
    const { ctx } = await secretSetup()
    const error = await rejectsWith(authenticateClient(form({ client_id: 'post-client', client_secret: 'nope' }), ctx), 'invalid_client', 401)
    assert.deepEqual(error.headers, {})
  })

  it('needs client_id with client_secret', async () => {
    const { ctx } = await secretSetup()
    await rejectsWith(authenticateClient(form({ client_secret: SECRET }), ctx), 'invalid_request', 400)
  })
})

describe('method rules', () => {
  it('refuses a secret sent by a method the client is not registered for, like a wrong secret', async () => {
    const { ctx, kdfRuns } = await secretSetup()
    const viaPost = await rejectsWith(authenticateClient(form({ client_id: 'basic-client', client_secret: SECRET }), ctx), 'invalid_client')
    const viaHeader = await rejectsWith(authenticateClient(form({}, { authorization: basic('post-client', SECRET) }), ctx), 'invalid_client')
    assert.equal(viaPost.description, 'client authentication failed')
    assert.equal(viaHeader.description, 'client authentication failed')
    assert.equal(kdfRuns(), 2, 'each wrong-method attempt cost a KDF like any failure')
  })

  it('refuses two methods in one request with invalid_request (RFC 6749 §2.3)', async () => {
    const { ctx } = await secretSetup()
    await rejectsWith(
      authenticateClient(form({ client_id: 'basic-client', client_secret: SECRET }, { authorization: basic('basic-client', SECRET) }), ctx),
      'invalid_request',
      400,
    )
    await rejectsWith(
      authenticateClient(form({ client_id: 'post-client', client_secret: SECRET, ...assertionParams('x.y.z') }), ctx),
      'invalid_request',
      400,
    )
  })

  it('refuses a request without credentials, and treats empty parameters as absent (RFC 6749 §3.1)', async () => {
    const { ctx } = await secretSetup()
    await rejectsWith(authenticateClient(form({}), ctx), 'invalid_client', 401)
    await rejectsWith(authenticateClient(form({ client_id: 'post-client' }), ctx), 'invalid_client', 401)
    await rejectsWith(authenticateClient(form({ client_id: 'post-client', client_secret: '' }), ctx), 'invalid_client', 401)
  })

  it('answers 503 with Retry-After when too many secret checks are in flight', async () => {
    const { ctx } = await secretSetup({ secrets: { maxConcurrent: 1, maxQueued: 0 } })
    const first = authenticateClient(form({ client_id: 'post-client', client_secret: 'wrong-1' }), ctx)
    const error = await rejectsWith(authenticateClient(form({ client_id: 'post-client', client_secret: 'wrong-2' }), ctx), 'temporarily_unavailable', 503)
    assert.equal(error.headers['Retry-After'], '1')
    await rejectsWith(first, 'invalid_client')
  })
})

describe('private_key_jwt (RFC 7523 §2.2, §3)', () => {
  async function jwtSetup(options: TestContextOptions = {}) {
    const a = await keyClient('jwt-client')
    const b = await keyClient('other-client')
    const test = createTestContext({ clients: [a.client, b.client], ...options })
    const request = (assertion: string, extra: Record<string, string> = {}) => form({ ...assertionParams(assertion), ...extra })
    return { ...test, a, b, request }
  }

  it('authenticates with an assertion signed by a registered key; client_id may be sent too', async () => {
    const { ctx, clock, a, request } = await jwtSetup()
    assert.equal((await authenticateClient(request(await clientAssertion(a.privateKey, 'jwt-client', clock.now)), ctx)).clientId, 'jwt-client')
    const withId = request(await clientAssertion(a.privateKey, 'jwt-client', clock.now), { client_id: 'jwt-client' })
    assert.equal((await authenticateClient(withId, ctx)).clientId, 'jwt-client')
  })

  it('fetches the keys from jwksUri through the library\'s remote key set', async () => {
    const a = await keyClient('remote-client', { jwksUri: 'https://client.example/jwks.json' })
    delete a.client.jwks
    let fetches = 0
    const fetchStub: typeof fetch = async (url) => {
      fetches++
      assert.equal(String(url), 'https://client.example/jwks.json')
      return new Response(JSON.stringify({ keys: [a.jwk] }), { headers: { 'content-type': 'application/json' } })
    }
    const { ctx, clock } = createTestContext({ clients: [a.client], fetch: fetchStub })
    for (let i = 0; i < 2; i++) {
      const assertion = await clientAssertion(a.privateKey, 'remote-client', clock.now)
      assert.equal((await authenticateClient(form(assertionParams(assertion)), ctx)).clientId, 'remote-client')
    }
    assert.equal(fetches, 1, 'the key set is cached per client')
  })

  it('refuses an assertion whose iss or sub is not the client', async () => {
    const { ctx, clock, a, request } = await jwtSetup()
    await rejectsWith(authenticateClient(request(await clientAssertion(a.privateKey, 'jwt-client', clock.now, { iss: 'other-client' })), ctx), 'invalid_client', 401)
    await rejectsWith(authenticateClient(request(await clientAssertion(a.privateKey, 'jwt-client', clock.now, { sub: 'other-client' })), ctx), 'invalid_client', 401)
    await rejectsWith(authenticateClient(request(await clientAssertion(a.privateKey, 'jwt-client', clock.now), { client_id: 'other-client' }), ctx), 'invalid_client', 401)
  })

  it('wants the issuer as the sole audience; the token endpoint URL only by opt-in', async () => {
    const { ctx, clock, a, request } = await jwtSetup()
    const sign = (aud: string | string[]) => clientAssertion(a.privateKey, 'jwt-client', clock.now, { aud })
    const wrong = await rejectsWith(authenticateClient(request(await sign(API)), ctx), 'invalid_client')
    assert.equal(wrong.description, 'client assertion: aud is not the expected value')
    await rejectsWith(authenticateClient(request(await sign(`${ISSUER}/token`)), ctx), 'invalid_client')
    await rejectsWith(authenticateClient(request(await sign([ISSUER, API])), ctx), 'invalid_client')
    assert.equal((await authenticateClient(request(await sign([ISSUER])), ctx)).clientId, 'jwt-client')

    const optedIn = await jwtSetup({ config: { tokens: { acceptTokenEndpointAsAudience: true } } })
    const assertion = await clientAssertion(optedIn.a.privateKey, 'jwt-client', optedIn.clock.now, { aud: `${ISSUER}/token` })
    assert.equal((await authenticateClient(optedIn.request(assertion), optedIn.ctx)).clientId, 'jwt-client')
  })

  it('refuses an expired assertion, one without exp, and one that lives longer than 5 minutes', async () => {
    const { ctx, clock, a, request } = await jwtSetup()
    const now = clock.now
    await rejectsWith(authenticateClient(request(await clientAssertion(a.privateKey, 'jwt-client', now, { iat: now - 600, exp: now - 120 })), ctx), 'invalid_client')
    await rejectsWith(authenticateClient(request(await clientAssertion(a.privateKey, 'jwt-client', now, { exp: undefined })), ctx), 'invalid_client')
    // 300 s plus the default 30 s tolerance is the limit.
    const tooLong = await rejectsWith(authenticateClient(request(await clientAssertion(a.privateKey, 'jwt-client', now, { exp: now + 331 })), ctx), 'invalid_client')
    assert.equal(tooLong.description, 'client assertion: exp is more than 300 seconds ahead')
    assert.equal((await authenticateClient(request(await clientAssertion(a.privateKey, 'jwt-client', now, { exp: now + 330 })), ctx)).clientId, 'jwt-client')
  })

  it('accepts each jti once (invalid_client on replay), and needs one', async () => {
    const { ctx, clock, a, request, store } = await jwtSetup()
    const assertion = await clientAssertion(a.privateKey, 'jwt-client', clock.now, { jti: 'once' })
    await authenticateClient(request(assertion), ctx)
    const replay = await rejectsWith(authenticateClient(request(assertion), ctx), 'invalid_client', 401)
    assert.equal(replay.description, 'client assertion: jti was already used')
    // Remembered until the assertion's exp plus the clock tolerance.
    assert.deepEqual([...store.state.singleUse.values()], [clock.now + 60 + 30])
    await rejectsWith(authenticateClient(request(await clientAssertion(a.privateKey, 'jwt-client', clock.now, { jti: undefined })), ctx), 'invalid_client')
  })

  it('keeps jtis per client: another client may use the same jti', async () => {
    const { ctx, clock, a, b, request } = await jwtSetup()
    await authenticateClient(request(await clientAssertion(a.privateKey, 'jwt-client', clock.now, { jti: 'shared' })), ctx)
    assert.equal((await authenticateClient(request(await clientAssertion(b.privateKey, 'other-client', clock.now, { jti: 'shared' })), ctx)).clientId, 'other-client')
  })

  it('does not burn a jti for an assertion whose signature fails', async () => {
    const { ctx, clock, a, b, request } = await jwtSetup()
    await rejectsWith(authenticateClient(request(await clientAssertion(b.privateKey, 'jwt-client', clock.now, { jti: 'j1' })), ctx), 'invalid_client')
    assert.equal((await authenticateClient(request(await clientAssertion(a.privateKey, 'jwt-client', clock.now, { jti: 'j1' })), ctx)).clientId, 'jwt-client')
  })

  it('refuses alg none, HMAC, and another client\'s key, with the generic description', async () => {
    const { ctx, clock, b, request } = await jwtSetup()
    const claims = { iss: 'jwt-client', sub: 'jwt-client', aud: ISSUER, exp: clock.now + 60, jti: 'x1' }
    const none = encodeUnsecuredJWT(claims)
    const hmac = await signJWT(claims, await generateSecret('HS256'))
    const foreign = await clientAssertion(b.privateKey, 'jwt-client', clock.now, {}, { kid: 'jwt-client-key' })
    for (const assertion of [none, hmac, foreign]) {
      const error = await rejectsWith(authenticateClient(request(assertion), ctx), 'invalid_client', 401)
      assert.equal(error.description, 'client authentication failed')
    }
  })

  it('refuses an assertion typed as another kind of token', async () => {
    const { ctx, clock, a, request } = await jwtSetup()
    for (const typ of ['at+jwt', 'dpop+jwt']) {
      await rejectsWith(authenticateClient(request(await clientAssertion(a.privateKey, 'jwt-client', clock.now, {}, { typ })), ctx), 'invalid_client')
    }
    const explicit = await clientAssertion(a.privateKey, 'jwt-client', clock.now, {}, { typ: 'client-authentication+jwt' })
    assert.equal((await authenticateClient(request(explicit), ctx)).clientId, 'jwt-client')
  })

  it('refuses an unknown client, a secret client, and an unsupported assertion type alike', async () => {
    const { ctx, clock, a, request } = await jwtSetup()
    const secretOnly = await secretClient('secret-client', SECRET)
    await ctx.store.putClient(secretOnly)
    for (const id of ['nobody', 'secret-client']) {
      const error = await rejectsWith(authenticateClient(request(await clientAssertion(a.privateKey, id, clock.now)), ctx), 'invalid_client')
      assert.equal(error.description, 'client authentication failed')
    }
    const assertion = await clientAssertion(a.privateKey, 'jwt-client', clock.now)
    await rejectsWith(authenticateClient(form({ client_assertion: assertion, client_assertion_type: 'urn:example:other' }), ctx), 'invalid_client')
    await rejectsWith(authenticateClient(form({ client_assertion: assertion }), ctx), 'invalid_request')
    await rejectsWith(authenticateClient(request('not-a-jwt'), ctx), 'invalid_client')
  })
})
