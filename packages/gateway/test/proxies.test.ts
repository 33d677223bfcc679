// Debian's nginx (auth_request), Caddy (forward_auth) and HAProxy (the shipped Lua action), started on
// temporary ports with the generated configurations, in front of the forward-auth service and an
// upstream that echoes what it receives: allowed requests reach the upstream with the claim headers,
// refusals carry the right status and challenge, DPoP proofs reach the gateway, and no client-sent
// copy of a claim header (any case, underscores, listed in Connection) reaches the upstream, on
// allowMissing routes too. Installed by scripts/install-proxies.sh.
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { createDPoPProof, generateKeyPair, jwkThumbprint } from 'jotjwt'
import type { RunningGateway } from 'jotjwt-gateway'
import { AUDIENCE, CLIENT_ID, startIssuer, type TestIssuer } from '../../guard/test/helpers/issuer.js'
import { start } from './helpers/gateway.js'
import { freePort, rawRequest, startCaddy, startHaproxy, startNginx, startUpstream, type Running } from './helpers/proxies.js'

const MANAGED = ['x-sub', 'x-org-id', 'x-jwt-payload']

/** Every client spelling of the managed headers, with an attacker's values. */
const SPOOFED: Array<[string, string]> = [
  ['X-Org-Id', 'evil'],
  ['x-org-id', 'evil'],
  ['X_Org_Id', 'evil'],
  ['x-org_id', 'evil'],
  ['X-SUB', 'admin'],
  ['x_jwt_payload', 'e30'],
  ['X-Jwt-Payload', 'e30'],
  ['Connection', 'X-Org-Id'],
]

const normalise = (name: string) => name.toLowerCase().replace(/_/g, '-')

/** The origin clients address (a TLS front end, say); the proxy under test listens on loopback. */
const PUBLIC_ORIGIN = 'https://api.example'
const ALGS = 'ES256 EdDSA RS256 PS256'
const challenges = (answer: { headers: Array<[string, string]> }) => answer.headers.filter(([name]) => name.toLowerCase() === 'www-authenticate').map(([, value]) => value)

const START = { nginx: startNginx, caddy: startCaddy, haproxy: startHaproxy }

for (const proxy of ['nginx', 'caddy', 'haproxy'] as const) {
  describe(`behind ${proxy}`, () => {
    let issuer: TestIssuer
    let gateway: RunningGateway
    let upstream: Running
    let front: Running
    before(async () => {
      issuer = await startIssuer()
      const verification = { issuer: issuer.issuer, jwks: { remote: { url: issuer.jwksUri } }, allowHttp: true, audiences: [AUDIENCE], algorithms: ['ES256'], profile: 'rfc9068' }
      gateway = await start({
        trustedProxies: ['127.0.0.1'],
        providers: {
          orders: {
            ...verification,
            claimsToHeaders: [
              { claim: 'sub', header: 'x-sub' },
              { claim: '/org/id', header: 'x-org-id' },
            ],
            payloadHeader: 'x-jwt-payload',
          },
          bound: { ...verification, dpop: 'required', publicOrigin: PUBLIC_ORIGIN, claimsToHeaders: [{ claim: 'sub', header: 'x-sub' }] },
        },
        rules: [
          { match: { pathPrefix: '/bound' }, requires: { provider: 'bound' } },
          { match: { pathPrefix: '/public' }, requires: { allowMissing: ['orders'] } },
          { match: { pathPrefix: '/orders', methods: ['GET'] }, requires: { provider: 'orders' }, authorize: { scopes: { all: ['orders:read'] } } },
          { match: { pathPrefix: '/orders', methods: ['POST'] }, requires: { provider: 'orders' }, authorize: { scopes: { all: ['orders:write'] } } },
        ],
      })
      upstream = await startUpstream()
      const options = { gateway: gateway.url.replace('http://', ''), upstream: `127.0.0.1:${upstream.port}`, headers: gateway.gateway.managedHeaders }
      front = await START[proxy](options)
    })
    after(async () => {
      await front?.close()
      await upstream?.close()
      await gateway?.close()
      await issuer?.close()
    })

    // An empty header is no claim (nginx sends none; Caddy's copy_headers sends it empty).
    const managedAtUpstream = (body: string) => (JSON.parse(body) as Array<[string, string]>).filter(([name, value]) => MANAGED.includes(normalise(name)) && value !== '')

    test('allowed: the upstream sees the claims, and only them', async () => {
      const token = await issuer.mint({ org: { id: 'acme' } })
      const answer = await rawRequest(front.port, 'GET', '/orders/1', [['Authorization', `Bearer ${token}`], ...SPOOFED])
      assert.equal(answer.status, 200, answer.body)
      const seen = managedAtUpstream(answer.body)
      assert.deepEqual(seen.map(([name, value]) => [name.toLowerCase(), name.toLowerCase() === 'x-jwt-payload' ? 'payload' : value]).sort(), [
        ['x-jwt-payload', 'payload'],
        ['x-org-id', 'acme'],
        ['x-sub', CLIENT_ID],
      ])
      assert.notEqual(seen.find(([name]) => name.toLowerCase() === 'x-jwt-payload')![1], 'e30')
    })

    test('allowMissing without a token: passes, with no claim header at all', async () => {
      const answer = await rawRequest(front.port, 'GET', '/public/page', SPOOFED)
      assert.equal(answer.status, 200, answer.body)
      assert.deepEqual(managedAtUpstream(answer.body), [])
    })

    test('DPoP: the proof reaches the gateway, which checks it against the public origin and the path the proxy forwarded', async () => {
      const pair = await generateKeyPair('ES256')
      const token = await issuer.mint({ cnf: { jkt: await jwkThumbprint(pair.publicKey) } })
      const proof = (path: string) => createDPoPProof(pair.privateKey, { method: 'GET', url: `${PUBLIC_ORIGIN}${path}`, accessToken: token })
      const allowed = await rawRequest(front.port, 'GET', '/bound/1?page=2', [['Authorization', `DPoP ${token}`], ['DPoP', await proof('/bound/1')], ...SPOOFED])
      assert.equal(allowed.status, 200, allowed.body)
      assert.deepEqual(managedAtUpstream(allowed.body).map(([name, value]) => [name.toLowerCase(), value]), [['x-sub', CLIENT_ID]])
      const otherPath = await rawRequest(front.port, 'GET', '/bound/2', [['Authorization', `DPoP ${token}`], ['DPoP', await proof('/bound/1')]])
      assert.equal(otherPath.status, 401)
      assert.deepEqual(challenges(otherPath), [`DPoP realm="api", error="invalid_dpop_proof", error_description="the DPoP proof is invalid", algs="${ALGS}"`])
      const asBearer = await rawRequest(front.port, 'GET', '/bound/1', [['Authorization', `Bearer ${token}`]])
      assert.equal(asBearer.status, 401)
      assert.deepEqual(challenges(asBearer), [`DPoP realm="api", error="invalid_token", error_description="the access token is invalid", algs="${ALGS}"`])
    })

    test('refused: the status and the challenge reach the client', async () => {
      const challenge = challenges
      const missing = await rawRequest(front.port, 'GET', '/orders', SPOOFED)
      assert.equal(missing.status, 401)
      assert.deepEqual(challenge(missing), ['Bearer realm="api"'])
      const expired = await rawRequest(front.port, 'GET', '/orders', [['Authorization', `Bearer ${await issuer.mint({}, { expiresIn: -600 })}`]])
      assert.equal(expired.status, 401)
      assert.deepEqual(challenge(expired), ['Bearer realm="api", error="invalid_token", error_description="the access token expired"'])
      const two = await rawRequest(front.port, 'GET', '/orders', [['Authorization', `Bearer ${await issuer.mint()}`], ['Authorization', `Bearer ${await issuer.mint()}`]])
      // One token per request (RFC 6750 §2): nginx refuses a repeated Authorization itself ("client sent
      // duplicate header line"); Caddy and HAProxy pass both to the gateway, which refuses them.
      assert.equal(two.status, 400)
      assert.deepEqual(challenge(two), proxy === 'nginx' ? [] : ['Bearer realm="api", error="invalid_request", error_description="the request carries more than one access token"'])
      const scope = await rawRequest(front.port, 'POST', '/orders', [['Authorization', `Bearer ${await issuer.mint()}`], ['Content-Length', '0']])
      assert.equal(scope.status, 403)
      assert.deepEqual(challenge(scope), ['Bearer realm="api", error="insufficient_scope", error_description="the access token lacks a required scope", scope="orders:write"'])
    })

    test('the forward-auth service unreachable: an error, and the upstream never sees the request', async () => {
      const closed = await freePort()
      const down = await START[proxy]({ gateway: `127.0.0.1:${closed}`, upstream: `127.0.0.1:${upstream.port}`, headers: gateway.gateway.managedHeaders })
      try {
        const answer = await rawRequest(down.port, 'GET', '/orders', [['Authorization', `Bearer ${await issuer.mint()}`]])
        assert.ok(answer.status >= 500 && answer.status < 600, `status ${answer.status}`)
        assert.ok(!answer.body.includes('"Authorization"'), 'the upstream echoed the request')
      } finally {
        await down.close()
      }
    })
  })
}
