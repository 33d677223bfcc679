// The admin API against a running service, over HTTP, on SQLite and on PostgreSQL: who may call it
// (a token of this service for the admin audience with the admin scope; 401 and 403 otherwise, for
// every endpoint), clients, users and trust entries made through it (persisted, merged with the
// configuration's, which stay read-only), signing keys (rotate now, retire, revoke, seen in
// /jwks.json and at a resource server using jot's remote key set), and the audit trail. The
// service runs on a simulated clock, so key schedules are stepped through exactly.
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { after, before, describe, test } from 'node:test'
import { createRemoteKeySet, decodeJWTUnverified, exportJWK, generateKeyPair, isJotError, signJWT, verifyAccessToken, type JotKey } from 'jotjwt'
import { ADMIN_ENDPOINTS } from '../src/admin/endpoints.js'
import type { ServiceConfigInput } from '../src/config/schema.js'
import { startService } from '../src/service/service.js'
import { BACKENDS } from './backends.js'
import { adminCall, basic, freePort, logCapture, postForm, type Answer } from './service-http.js'

const GRANT = 'urn:ietf:params:oauth:grant-type:jwt-bearer'
const API = 'https://api.example/orders'
const OPS_SECRET = 'ops-secret-0123456789-abcdefghijk'
const AUDITOR_SECRET = 'auditor-secret-0123456789-abcdefg'
const SVC_SECRET = 'svc-secret-0123456789-abcdefghijk'
const CAROL_PASSWORD = 'carol-password-1'

for (const backend of BACKENDS) {
  describe(`admin API (${backend.name})`, () => {
    let service: Awaited<ReturnType<typeof startService>>
    let config: ServiceConfigInput
    let drop: () => Promise<void> = async () => undefined
    let issuer: string
    let adminAudience: string
    let clock = Math.floor(Date.now() / 1000)
    const logs = logCapture()
    let deployKey: { privateKey: JotKey; jwk: Record<string, unknown> }
    /** Every secret and token handed out during the suite: none may appear in a log line. */
    const secrets: string[] = [OPS_SECRET, AUDITOR_SECRET, SVC_SECRET, CAROL_PASSWORD]

    const start = async (input: ServiceConfigInput) => (service = await startService(input, { now: () => clock, logStream: logs.stream }))

    before(async () => {
      const created = await backend.create()
      drop = created.drop
      const port = await freePort()
      issuer = `http://127.0.0.1:${port}`
      adminAudience = `${issuer}/admin`
      const { privateKey, publicKey } = await generateKeyPair('ES256')
      deployKey = { privateKey, jwk: { ...(await exportJWK(publicKey)), kid: 'deploy-1' } }
      config = {
        dev: true,
        dataDir: created.dataDir,
        store: created.store,
        listen: { host: '127.0.0.1', port },
        log: { level: 'info' },
        debugger: { enabled: false },
        keys: { publishAhead: '60s' },
        clients: [
          { clientId: 'ops', clientSecret: OPS_SECRET, scopes: ['jotjwt:admin'], resources: [adminAudience] },
          { clientId: 'auditor', clientSecret: AUDITOR_SECRET, scopes: ['reports:read'], resources: [adminAudience] },
          { clientId: 'svc', clientSecret: SVC_SECRET, grantTypes: ['client_credentials', GRANT], scopes: ['orders:read', 'orders:write'], resources: [API] },
        ],
        users: [{ username: 'carol', password: CAROL_PASSWORD }],
        trust: [{ issuer: 'https://ci.example', subject: 'bot', scopes: ['orders:read'], jwks: { keys: [deployKey.jwk] }, algorithms: ['ES256'] }],
        registration: { enabled: true, allowedScopes: ['orders:read'], allowedResources: [API] },
      }
      await start(config)
      assert.equal(service.issuer, issuer)
    })

    after(async () => {
      await service?.close()
      await drop()
    })

    const token = async (clientId: string, secret: string, params: Record<string, string> = {}): Promise<string> => {
      const answer = await postForm(`${issuer}/token`, { grant_type: 'client_credentials', ...params }, basic(clientId, secret))
      assert.equal(answer.status, 200, JSON.stringify(answer.body))
      secrets.push(answer.body.access_token)
      return answer.body.access_token as string
    }
    const opsToken = () => token('ops', OPS_SECRET)
    const admin = async (method: string, path: string, body?: unknown, bearer?: string): Promise<Answer> => adminCall(`${issuer}/admin${path}`, method, bearer ?? (await opsToken()), body)
    const kidOf = (jwt: string) => decodeJWTUnverified(jwt).header.kid as string
    const published = async () => ((await (await fetch(`${issuer}/jwks.json`)).json()) as { keys: Array<{ kid: string }> }).keys.map((key) => key.kid)
    const introspect = async (jwt: string) => (await postForm(`${issuer}/introspect`, { token: jwt }, basic('svc', SVC_SECRET))).body.active as boolean
    const readOnly = (answer: Answer, what: string) => {
      assert.equal(answer.status, 409)
      assert.deepEqual(answer.body, { error: 'read_only', error_description: `${what} is defined in the configuration: change it there (the admin API changes only what it created)` })
    }

    test('every endpoint: no token is 401 with a bare Bearer challenge; a token without the admin scope is 403 insufficient_scope; a token for another audience is 401 invalid_token', async () => {
      const withoutScope = await token('auditor', AUDITOR_SECRET)
      const otherAudience = await token('svc', SVC_SECRET)
      const realm = `Bearer realm="${issuer}"`
      for (const { method, path } of ADMIN_ENDPOINTS) {
        const url = `${issuer}${path.replace(/:[a-zA-Z]+/g, 'ops')}`
        const body = method === 'POST' || method === 'PATCH' ? { scopes: [] } : undefined
        const anonymous = await adminCall(url, method, undefined, body)
        assert.equal(anonymous.status, 401, `${method} ${path}`)
        assert.equal(anonymous.headers.get('www-authenticate'), realm)
        assert.equal(anonymous.body, undefined)
        const forbidden = await adminCall(url, method, withoutScope, body)
        assert.equal(forbidden.status, 403, `${method} ${path}`)
        assert.deepEqual(forbidden.body, { error: 'insufficient_scope', error_description: 'the admin API needs a token with the jotjwt:admin scope' })
        assert.equal(forbidden.headers.get('www-authenticate'), `${realm}, error="insufficient_scope", error_description="the admin API needs a token with the jotjwt:admin scope", scope="jotjwt:admin"`)
        const elsewhere = await adminCall(url, method, otherAudience, body)
        assert.equal(elsewhere.status, 401, `${method} ${path}`)
        assert.equal(elsewhere.body.error, 'invalid_token')
      }
      // Nothing was changed by the refused calls.
      assert.equal((await admin('GET', '/clients/ops')).body.client.clientId, 'ops')
      const malformed = await adminCall(`${issuer}/admin/clients`, 'GET', undefined)
      assert.equal(malformed.status, 401)
      const basicAuth = await fetch(`${issuer}/admin/clients`, { headers: { authorization: basic('ops', OPS_SECRET) } })
      assert.equal(basicAuth.status, 400)
    })

    test('a revoked admin token, or one whose client lost the admin scope, no longer works', async () => {
      const revoked = await opsToken()
      assert.equal((await postForm(`${issuer}/revoke`, { token: revoked }, basic('ops', OPS_SECRET))).status, 200)
      assert.equal((await admin('GET', '/clients', undefined, revoked)).status, 401)

      const created = await admin('POST', '/clients', { clientId: 'deputy', scopes: ['jotjwt:admin'], resources: [adminAudience] })
      assert.equal(created.status, 201)
      secrets.push(created.body.clientSecret)
      const deputy = await token('deputy', created.body.clientSecret)
      assert.equal((await admin('GET', '/clients', undefined, deputy)).status, 200)
      assert.equal((await admin('PATCH', '/clients/deputy', { scopes: [] })).status, 200)
      const demoted = await admin('GET', '/clients', undefined, deputy)
      assert.equal(demoted.status, 403)
      assert.equal((await admin('DELETE', '/clients/deputy')).status, 204)
      assert.equal((await admin('GET', '/clients', undefined, deputy)).status, 401, 'its client is gone')
    })

    test('clients: create (secret once, stored hashed), read, update, rotate the secret, delete; the configuration\'s are read-only', async () => {
      const created = await admin('POST', '/clients', { clientId: 'billing', name: 'Billing', scopes: ['orders:read'], resources: [API] })
      assert.equal(created.status, 201, JSON.stringify(created.body))
      const secret = created.body.clientSecret as string
      secrets.push(secret)
      assert.match(secret, /^[A-Za-z0-9_-]{43}$/)
      assert.equal(created.body.client.source, 'api')
      assert.equal(created.body.client.hasSecret, true)
      assert.equal(created.body.client.secretHash, undefined)
      const stored = await service.ctx.store.getClient('billing')
      assert.match(stored!.secretHash!, /^scrypt\$/)
      assert.ok(!JSON.stringify(stored).includes(secret), 'only the hash is stored')
      assert.equal((await postForm(`${issuer}/token`, { grant_type: 'client_credentials' }, basic('billing', secret))).body.scope, 'orders:read')

      const listed = (await admin('GET', '/clients')).body.clients as Array<Record<string, unknown>>
      assert.deepEqual(listed.filter((client) => ['billing', 'ops'].includes(client.clientId as string)).map((client) => [client.clientId, client.source]), [['billing', 'api'], ['ops', 'config']])
      assert.ok(listed.every((client) => client.secretHash === undefined))
      assert.equal((await admin('GET', '/clients/billing')).body.client.name, 'Billing')
      assert.deepEqual((await admin('GET', '/clients/nobody')).body, { error: 'not_found', error_description: 'no client has this id' })
      assert.deepEqual((await admin('POST', '/clients', { clientId: 'billing', scopes: [], resources: [API] })).body, { error: 'conflict', error_description: 'a client has this id' })

      const invalid = await admin('POST', '/clients', { clientId: 'bad', scopes: ['openid'], resources: ['not a url'], grantTypes: ['password'] })
      assert.equal(invalid.status, 400)
      assert.equal(invalid.body.error, 'invalid_request')
      assert.equal(invalid.body.issues.length, 3, JSON.stringify(invalid.body.issues))
      assert.ok(invalid.body.issues.some((issue: string) => issue.startsWith('scopes.0: an identity scope')))
      assert.deepEqual((await admin('POST', '/clients', { clientId: 'x', clientSecret: 'my-own-secret-0123456789', resources: [API] })).body.error, 'invalid_request')
      assert.equal((await admin('POST', '/clients', { clientId: 'x', resources: [API], accessTokenAlg: 'PS512' })).body.issues[0], 'client.accessTokenAlg: the service keeps no keys for PS512; it signs with ES256, RS256 (configure a client with it to add its keys)')
      const notJson = await fetch(`${issuer}/admin/clients`, { method: 'POST', headers: { authorization: `Bearer ${await opsToken()}`, 'content-type': 'text/plain' }, body: '{}' })
      assert.deepEqual(await notJson.json(), { error: 'invalid_request', error_description: 'the body must be application/json (UTF-8)' })

      const updated = await admin('PATCH', '/clients/billing', { scopes: ['orders:read', 'orders:write'] })
      assert.equal(updated.status, 200, JSON.stringify(updated.body))
      assert.equal(updated.body.clientSecret, undefined, 'the secret stays')
      assert.equal((await postForm(`${issuer}/token`, { grant_type: 'client_credentials', scope: 'orders:write' }, basic('billing', secret))).status, 200)
      assert.equal((await admin('PATCH', '/clients/billing', { clientId: 'renamed' })).status, 400)

      const rotated = await admin('POST', '/clients/billing/secret')
      assert.equal(rotated.status, 200)
      const fresh = rotated.body.clientSecret as string
      secrets.push(fresh)
      assert.notEqual(fresh, secret)
      assert.equal((await postForm(`${issuer}/token`, { grant_type: 'client_credentials' }, basic('billing', secret))).status, 401, 'the old secret stops working')
      assert.equal((await postForm(`${issuer}/token`, { grant_type: 'client_credentials' }, basic('billing', fresh))).status, 200)

      readOnly(await admin('PATCH', '/clients/svc', { scopes: [] }), 'the client "svc"')
      readOnly(await admin('POST', '/clients/svc/secret'), 'the client "svc"')
      readOnly(await admin('DELETE', '/clients/svc'), 'the client "svc"')

      assert.equal((await admin('DELETE', '/clients/billing')).status, 204)
      assert.equal((await postForm(`${issuer}/token`, { grant_type: 'client_credentials' }, basic('billing', fresh))).status, 401)
      assert.equal((await admin('GET', '/clients/billing')).status, 404)
      assert.equal((await admin('DELETE', '/clients/billing')).status, 404)
    })

    test('a client that registered itself (RFC 7591): listed with its source, deleted but never changed through the API', async () => {
      const registered = await fetch(`${issuer}/register`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ redirect_uris: ['http://127.0.0.1:7/cb'], token_endpoint_auth_method: 'none' }),
      })
      assert.equal(registered.status, 201)
      const { client_id: clientId } = (await registered.json()) as { client_id: string }
      assert.equal((await admin('GET', `/clients/${clientId}`)).body.client.source, 'registration')
      const changed = await admin('PATCH', `/clients/${clientId}`, { scopes: [] })
      assert.equal(changed.status, 409)
      assert.deepEqual(changed.body, { error: 'read_only', error_description: `the client "${clientId}" registered itself (RFC 7591): it can be deleted here, not changed` })
      assert.equal((await admin('DELETE', `/clients/${clientId}`)).status, 204)
      assert.equal((await admin('GET', `/clients/${clientId}`)).status, 404)
    })

    test('users: create (password hashed), list without hashes, delete; the configuration\'s are read-only', async () => {
      const password = 'dave-password-1'
      secrets.push(password)
      const created = await admin('POST', '/users', { username: 'dave', password, name: 'Dave', groups: ['ops'] })
      assert.equal(created.status, 201, JSON.stringify(created.body))
      assert.deepEqual(created.body.user, { subject: 'dave', username: 'dave', emailVerified: false, groups: ['ops'], name: 'Dave', source: 'api', createdAt: clock, updatedAt: clock, hasPassword: true })
      assert.equal((await service.ctx.login.authenticate('dave', password))?.subject, 'dave')
      const users = (await admin('GET', '/users')).body.users as Array<Record<string, unknown>>
      assert.deepEqual(users.filter((user) => ['carol', 'dave'].includes(user.subject as string)).map((user) => [user.subject, user.source]), [['carol', 'config'], ['dave', 'api']])
      assert.ok(users.every((user) => user.passwordHash === undefined))
      assert.deepEqual((await admin('POST', '/users', { username: 'dave', subject: 'dave-2' })).body, { error: 'conflict', error_description: 'a user has this username' })
      assert.deepEqual((await admin('POST', '/users', { username: 'dave-2', subject: 'dave' })).body, { error: 'conflict', error_description: 'a user has this subject' })
      assert.equal((await admin('POST', '/users', { username: 'eve', password: 'short' })).status, 400)
      readOnly(await admin('DELETE', '/users/carol'), 'the user "carol"')
      assert.equal((await admin('DELETE', '/users/dave')).status, 204)
      assert.equal(await service.ctx.login.authenticate('dave', password), undefined)
    })

    test('trust entries: one created through the API lets its issuer\'s assertions in until it is deleted; the configuration\'s are read-only', async () => {
      const { privateKey, publicKey } = await generateKeyPair('EdDSA')
      const jwk = { ...(await exportJWK(publicKey)), kid: 'd1' }
      const created = await admin('POST', '/trust', { issuer: 'https://deploy.example', subject: 'robot', scopes: ['orders:write'], jwk, algorithms: ['EdDSA'] })
      assert.equal(created.status, 201, JSON.stringify(created.body))
      const id = created.body.entry.id as string
      assert.match(id, /^tr-[A-Za-z0-9_-]{22}$/)
      assert.deepEqual(created.body.entry.jwks, { keys: [jwk] })
      const grant = async () =>
        postForm(
          `${issuer}/token`,
          { grant_type: GRANT, assertion: await signJWT({ iss: 'https://deploy.example', sub: 'robot', aud: issuer, jti: randomUUID() }, privateKey, { kid: 'd1', issuedAt: clock, expiresAt: clock + 60 }) },
          basic('svc', SVC_SECRET),
        )
      const granted = await grant()
      assert.equal(granted.status, 200, JSON.stringify(granted.body))
      assert.equal(granted.body.scope, 'orders:write')

      assert.deepEqual((await admin('POST', '/trust', { issuer: 'https://deploy.example', subject: 'robot', scopes: ['orders:read'], jwk, algorithms: ['EdDSA'] })).body, {
        error: 'conflict',
        error_description: 'a trust entry has this issuer and subject',
      })
      assert.equal((await admin('POST', '/trust', { id: 'mine', issuer: 'https://x.example', any: true, scopes: ['a'], jwk, algorithms: ['EdDSA'] })).status, 400)
      assert.deepEqual((await admin('POST', '/trust', { issuer: 'https://x.example', any: true, subject: 'y', scopes: ['a'], jwk, jwksUri: 'https://x.example/jwks', algorithms: ['EdDSA'] })).body.issues, [
        'subject: give subject (the one sub accepted) or any: true, not both',
        'jwks: give exactly one of jwk, jwks and jwksUri',
      ])
      assert.equal((await admin('POST', '/trust', { issuer: 'https://x.example', any: true, scopes: ['a'], jwk, algorithms: ['HS256'] })).body.issues.length, 1, 'symmetric algorithms: the keys are public')
      assert.match((await admin('POST', '/trust', { issuer: 'https://x.example', any: true, scopes: ['a'], jwk: { kty: 'EC' }, algorithms: ['ES256'] })).body.issues[0], /^trust\.jwk: keys\.0: ERR_/)
      const { privateKey: leaked } = await generateKeyPair('ES256')
      assert.deepEqual((await admin('POST', '/trust', { issuer: 'https://x.example', any: true, scopes: ['a'], jwk: await exportJWK(leaked), algorithms: ['ES256'] })).body.issues, [
        'trust.jwk: keys.0: a private key: register the public key only',
      ])
      const entries = (await admin('GET', '/trust')).body.trust as Array<{ id: string; issuer: string; source: string }>
      assert.deepEqual(entries.map((entry) => [entry.issuer, entry.source]).sort(), [['https://ci.example', 'config'], ['https://deploy.example', 'api']])
      const configured = entries.find((entry) => entry.source === 'config')!
      readOnly(await admin('DELETE', `/trust/${configured.id}`), `the trust entry "${configured.id}"`)
      assert.equal((await admin('DELETE', `/trust/${id}`)).status, 204)
      assert.deepEqual((await grant()).body, { error: 'invalid_grant', error_description: 'the assertion\'s issuer is not trusted for its subject' })
      assert.equal((await admin('DELETE', `/trust/${id}`)).status, 404)
    })

    test('keys: rotate now publishes a fresh key at once and signs with it after publishAhead; old tokens verify until the old key is retired; a revoked key\'s tokens stop verifying at a resource server after its next refresh', async () => {
      const rs = createRemoteKeySet(`${issuer}/jwks.json`, { allowHttp: true, currentTime: () => clock, maxStale: 0 })
      const verify = (jwt: string) => verifyAccessToken(jwt, { issuer, audience: API, key: rs, currentTime: clock })
      const before = await token('svc', SVC_SECRET)
      const old = kidOf(before)
      await verify(before) // the resource server has fetched the JWKS now

      const rotated = await admin('POST', '/keys/rotate', { alg: 'ES256' })
      assert.equal(rotated.status, 200, JSON.stringify(rotated.body))
      assert.equal(rotated.body.keys.length, 1)
      const fresh = rotated.body.keys[0] as { kid: string; alg: string; state: string; activateAt: number }
      assert.deepEqual([fresh.alg, fresh.state, fresh.activateAt], ['ES256', 'next', clock + 60])
      assert.ok((await published()).includes(fresh.kid), 'published at once')
      assert.equal(kidOf(await token('svc', SVC_SECRET)), old, 'the old key signs until publishAhead has passed')
      clock += 59
      assert.equal(kidOf(await token('svc', SVC_SECRET)), old)
      clock += 1
      const after = await token('svc', SVC_SECRET)
      assert.equal(kidOf(after), fresh.kid, 'the fresh key signs after publishAhead')
      await verify(after) // an unknown kid: the resource server fetches the JWKS again
      await verify(before)
      assert.equal(await introspect(before), true, 'the old key\'s tokens keep verifying while it retires')

      const keys = (await admin('GET', '/keys')).body.keys as Array<{ kid: string; state: string }>
      assert.equal(keys.find((key) => key.kid === old)?.state, 'retiring')
      assert.equal(keys.find((key) => key.kid === fresh.kid)?.state, 'active')
      assert.deepEqual((await admin('POST', `/keys/${fresh.kid}/retire`)).body, {
        error: 'conflict',
        error_description: 'only a retiring key can be retired; it signs now: rotate first, then retire it once its successor signs (or revoke it in an emergency)',
      })
      const retired = await admin('POST', `/keys/${old}/retire`)
      assert.equal(retired.status, 200)
      assert.equal(retired.body.key.state, 'retired')
      assert.ok(!(await published()).includes(old))
      assert.equal(await introspect(before), false, 'retired: its tokens no longer verify')
      assert.equal((await admin('POST', '/keys/no-such-kid/revoke')).status, 404)
      assert.equal((await admin('POST', '/keys/rotate', { alg: 'HS256' })).status, 400)

      const revoked = await admin('POST', `/keys/${fresh.kid}/revoke`)
      assert.equal(revoked.status, 200)
      assert.equal(revoked.body.key.state, 'retired')
      assert.ok(!(await published()).includes(fresh.kid))
      assert.notEqual(kidOf(await token('svc', SVC_SECRET)), fresh.kid, 'its successor signs at once')
      assert.equal(await introspect(after), false)
      await verify(after) // the resource server's cached JWKS still holds the revoked key
      clock += 61 // past the cache's lifetime: the next verification refreshes it
      await assert.rejects(verify(after), (error: unknown) => isJotError(error) && error.code === 'ERR_JWKS_NO_MATCHING_KEY')

      const all = await admin('POST', '/keys/rotate')
      assert.deepEqual(all.body.keys.map((key: { alg: string }) => key.alg).sort(), ['ES256', 'RS256'], 'without alg: every algorithm')
    })

    test('every change is an audit event (log line and store) naming actor, action and target; no secret or token is ever logged', async () => {
      const events = (await admin('GET', '/audit?limit=1000')).body.events as Array<{ id: number; actorClientId: string; actorSubject: string; action: string; target: string }>
      const actions = events.map((event) => `${event.action} ${event.target}`)
      for (const expected of ['client.create billing', 'client.update billing', 'client.rotate_secret billing', 'client.delete billing', 'user.create dave', 'user.delete dave', 'key.rotate', 'key.retire', 'key.revoke', 'trust.create tr-', 'trust.delete tr-', 'client.create deputy']) {
        assert.ok(actions.some((action) => action.startsWith(expected)), `${expected} in ${actions.join(', ')}`)
      }
      assert.ok(events.every((event) => event.actorClientId === 'ops' && event.actorSubject === 'ops'))
      assert.ok(events.every((event, index) => index === 0 || event.id < events[index - 1]!.id), 'newest first')
      assert.equal((await admin('GET', '/audit?limit=2')).body.events.length, 2)
      assert.equal((await admin('GET', '/audit?limit=lots')).status, 400)

      const changes = logs.lines.filter((line) => line.msg === 'admin change')
      assert.equal(changes.length, events.length)
      assert.ok(changes.some((line) => line.actor_client_id === 'ops' && line.actor_sub === 'ops' && line.action === 'client.rotate_secret' && line.target === 'billing'))
      for (const secret of secrets) assert.ok(!logs.raw.some((line) => line.includes(secret)), 'a secret or token was logged')
    })

    test('after a restart: what the API made is still there, the configuration\'s is written again and stays read-only, and a client dropped from the configuration goes', async () => {
      const created = await admin('POST', '/clients', { clientId: 'keeper', scopes: ['orders:read'], resources: [API] })
      const secret = created.body.clientSecret as string
      await admin('POST', '/users', { username: 'frank', password: 'frank-password-1' })
      await service.close()
      await start({ ...config, clients: (config.clients ?? []).filter((client) => client.clientId !== 'auditor') })
      assert.equal((await postForm(`${issuer}/token`, { grant_type: 'client_credentials' }, basic('keeper', secret))).status, 200)
      const clients = ((await admin('GET', '/clients')).body.clients as Array<{ clientId: string; source: string }>).map((client) => `${client.clientId}:${client.source}`)
      assert.ok(clients.includes('keeper:api') && clients.includes('ops:config') && clients.includes('svc:config'), clients.join(' '))
      assert.ok(!clients.some((client) => client.startsWith('auditor:')))
      assert.ok(((await admin('GET', '/users')).body.users as Array<{ subject: string }>).some((user) => user.subject === 'frank'))
      readOnly(await admin('DELETE', '/users/carol'), 'the user "carol"')
      assert.equal(((await admin('GET', '/trust')).body.trust as unknown[]).length, 1)
    })
  })
}
