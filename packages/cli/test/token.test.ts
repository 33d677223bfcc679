import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { createServer, type IncomingMessage, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, beforeEach, describe, it } from 'node:test'
import { createMemoryReplayStore, importJWK, jwkThumbprint, signJWT, verifyDPoPProof, verifyJWT } from 'jotjwt'
import { CLI, jot, scratchDir } from './helpers.js'

const dir = scratchDir()
const at = (name: string) => join(dir.path, name)
const SECRET = 'demo secret: with+symbols&more'
const API = 'https://api.example/orders'

/**
 * A tiny authorization server on 127.0.0.1: discovery, a token endpoint whose answer the test sets,
 * and the JWK Set of the key it signs access tokens with. It records each token request.
 */
let server: Server
let issuer = ''
let requests: { headers: IncomingMessage['headers']; params: URLSearchParams }[] = []
let answer: (params: URLSearchParams) => Promise<{ status: number; headers?: Record<string, string>; body: unknown }>
let discovery: () => Record<string, unknown>
/** The protected resource metadata (RFC 9728) of `${issuer}/orders`, or undefined for a 404. */
let resourceMetadata: () => Record<string, unknown> | undefined
let metadataRequests = 0
let jwks: unknown

async function accessToken(params: URLSearchParams): Promise<string> {
  const key = await importJWK(JSON.parse(readFileSync(at('as.private.jwk'), 'utf8')), { alg: 'ES256' })
  return signJWT({ client_id: 'demo', scope: params.get('scope') ?? 'demo:read' }, key, {
    issuer,
    audience: params.getAll('resource')[0] ?? API,
    subject: 'demo',
    expiresIn: 300,
    typ: 'at+jwt',
  })
}

before(async () => {
  assert.equal((await jot(['keygen', 'ES256', '--out', at('as')])).code, 0)
  assert.equal((await jot(['keygen', 'ES256', '--out', at('client')])).code, 0)
  jwks = JSON.parse((await jot(['jwks', at('as.public.jwk')])).stdout)
  server = createServer((request, response) => {
    let body = ''
    request.setEncoding('utf8').on('data', (chunk: string) => (body += chunk))
    request.on('end', async () => {
      const json = (status: number, value: unknown, headers: Record<string, string> = {}) => {
        response.writeHead(status, { 'content-type': 'application/json', ...headers })
        response.end(JSON.stringify(value))
      }
      if (request.url === '/.well-known/openid-configuration') return json(200, discovery())
      if (request.url === '/.well-known/oauth-protected-resource/orders') {
        metadataRequests++
        const document = resourceMetadata()
        return document === undefined ? json(404, { error: 'not_found' }) : json(200, document)
      }
      if (request.url === '/jwks.json') return json(200, jwks)
      if (request.url === '/token' && request.method === 'POST') {
        const params = new URLSearchParams(body)
        requests.push({ headers: request.headers, params })
        const { status, headers, body: reply } = await answer(params)
        return json(status, reply, headers)
      }
      return json(404, { error: 'not_found' })
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})

beforeEach(() => {
  requests = []
  metadataRequests = 0
  resourceMetadata = () => ({ resource: `${issuer}/orders`, authorization_servers: [issuer], bearer_methods_supported: ['header'] })
  discovery = () => ({ issuer, jwks_uri: `${issuer}/jwks.json`, token_endpoint: `${issuer}/token` })
  answer = async (params) => ({ status: 200, body: { access_token: await accessToken(params), token_type: 'Bearer', expires_in: 300 } })
})

after(() => {
  server.close()
  dir.remove()
})

const env = { DEMO_SECRET: SECRET }

describe('jotjwt token', () => {
  it('client_secret_basic: the form-encoded id and secret in Basic (RFC 6749 §2.3.1), scope and every resource in the body; the token alone on stdout', async () => {
    const run = await jot(['token', '--issuer', issuer, '--client-id', 'demo:1', '--client-secret-env', 'DEMO_SECRET', '--scope', 'demo:read demo:write', '--resource', API, '--resource', 'https://api.example/b'], { env })
    assert.equal(run.code, 0, run.stderr)
    assert.match(run.stdout, /^ey[\w-]+\.[\w-]+\.[\w-]+\n$/)
    const [{ headers, params }] = requests as [(typeof requests)[0]]
    assert.equal(headers.authorization, `Basic ${Buffer.from('demo%3A1:demo+secret%3A+with%2Bsymbols%26more').toString('base64')}`)
    assert.equal(headers['content-type'], 'application/x-www-form-urlencoded')
    assert.equal(params.get('grant_type'), 'client_credentials')
    assert.equal(params.get('scope'), 'demo:read demo:write')
    assert.deepEqual(params.getAll('resource'), [API, 'https://api.example/b'])
    assert.equal(params.get('client_secret'), null)
  })

  it('client_secret_post: id and secret in the body, no Authorization header', async () => {
    const run = await jot(['token', '--issuer', issuer, '--client-id', 'demo', '--client-secret-env', 'DEMO_SECRET', '--auth-method', 'post'], { env })
    assert.equal(run.code, 0, run.stderr)
    const [{ headers, params }] = requests as [(typeof requests)[0]]
    assert.equal(headers.authorization, undefined)
    assert.deepEqual([params.get('client_id'), params.get('client_secret')], ['demo', SECRET])
  })

  it('private_key_jwt: a fresh, short-lived assertion signed by the client key, iss = sub = client id, aud = issuer (RFC 7523 §3)', async () => {
    const runs = [
      await jot(['token', '--issuer', issuer, '--client-id', 'demo', '--client-key', at('client.private.jwk')]),
      await jot(['token', '--issuer', issuer, '--client-id', 'demo', '--client-key', at('client.private.jwk')]),
    ]
    for (const run of runs) assert.equal(run.code, 0, run.stderr)
    const publicKey = await importJWK(JSON.parse(readFileSync(at('client.public.jwk'), 'utf8')), { alg: 'ES256' })
    const jtis = new Set<unknown>()
    for (const { headers, params } of requests) {
      assert.equal(headers.authorization, undefined)
      assert.equal(params.get('client_assertion_type'), 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer')
      const { payload } = await verifyJWT(params.get('client_assertion')!, publicKey, { issuer: 'demo', subject: 'demo', audience: issuer })
      assert.ok(payload.exp! - payload.iat! <= 60)
      jtis.add(payload.jti)
    }
    assert.equal(jtis.size, 2, 'each assertion has its own jti')
  })

  it('--dpop-key: a DPoP proof for POST to the token endpoint by that key (RFC 9449 §5), retried once with the server\'s nonce (§8)', async () => {
    answer = async (params) =>
      requests.length === 1
        ? { status: 400, headers: { 'dpop-nonce': 'n-1' }, body: { error: 'use_dpop_nonce', error_description: 'nonce required' } }
        : { status: 200, body: { access_token: await accessToken(params), token_type: 'DPoP', expires_in: 300 } }
    const run = await jot(['token', '--issuer', issuer, '--client-id', 'demo', '--client-secret-env', 'DEMO_SECRET', '--dpop-key', at('client.private.jwk')], { env })
    assert.equal(run.code, 0, run.stderr)
    assert.equal(requests.length, 2)
    const jkt = await jwkThumbprint(await importJWK(JSON.parse(readFileSync(at('client.public.jwk'), 'utf8')), { alg: 'ES256' }))
    const verify = (proof: unknown, nonce?: string) =>
      verifyDPoPProof(proof as string, { algorithms: ['ES256'], replay: createMemoryReplayStore(), method: 'POST', url: `${issuer}/token`, ...(nonce === undefined ? {} : { nonce }) })
    assert.equal((await verify(requests[0]!.headers.dpop)).jkt, jkt)
    const retried = await verify(requests[1]!.headers.dpop, 'n-1')
    assert.equal(retried.jkt, jkt)
    assert.notEqual(retried.payload.jti, (await verify(requests[0]!.headers.dpop)).payload.jti, 'a new proof for the retry')
  })

  it('--dpop-key: a bearer token from a server without DPoP is refused, exit 1', async () => {
    const run = await jot(['token', '--issuer', issuer, '--client-id', 'demo', '--client-secret-env', 'DEMO_SECRET', '--dpop-key', at('client.private.jwk')], { env })
    assert.equal(run.code, 1)
    assert.equal(run.stdout, '')
    assert.match(run.stderr, /issued a Bearer token, not a DPoP-bound one/)
  })

  it('pipes into jotjwt verify --issuer, which finds the keys by discovery', async () => {
    const command = `"${process.execPath}" "${CLI}" token --issuer ${issuer} --client-id demo --client-secret-env DEMO_SECRET | "${process.execPath}" "${CLI}" verify --issuer ${issuer} --audience ${API} --typ at+jwt`
    // Asynchronously: this process serves the HTTP the pipe talks to. A failure rejects (exit status ≠ 0).
    const { stdout } = await promisify(execFile)('/bin/sh', ['-c', command], { env: { ...process.env, ...env, NO_COLOR: '1' } })
    assert.match(stdout, /Valid: signature verified/)
  })

  it('an OAuth error: its code and description (escaped) on stderr, nothing on stdout, exit 1', async () => {
    answer = async () => ({ status: 401, headers: { 'www-authenticate': 'Basic' }, body: { error: 'invalid_client', error_description: 'unknown client \u001b[31mred\u202e' } })
    const run = await jot(['token', '--issuer', issuer, '--client-id', 'demo', '--client-secret-env', 'DEMO_SECRET'], { env })
    assert.equal(run.code, 1)
    assert.equal(run.stdout, '')
    assert.match(run.stderr, /invalid_client: unknown client \\u001b\[31mred\\u202e \(HTTP 401\)/)
    assert.ok(!run.stderr.includes('\u001b[31m'), 'no terminal escape reaches the terminal')
  })

  it('an access token with a line break or an escape sequence: refused, nothing on stdout (RFC 6749 Appendix A.12)', async () => {
    for (const hostile of ['eyJ.a.b\n Valid: signature verified', 'eyJ.a.b\u001b[32m', 'eyJ.a.b\u202e', 'eyJ.a.b\u0085']) {
      answer = async () => ({ status: 200, body: { access_token: hostile, token_type: 'Bearer' } })
      const run = await jot(['token', '--issuer', issuer, '--client-id', 'demo', '--client-secret-env', 'DEMO_SECRET'], { env: { ...env, FORCE_COLOR: '1' } })
      assert.equal(run.code, 1, JSON.stringify(run))
      assert.equal(run.stdout, '')
      assert.match(run.stderr, /access_token that is not printable ASCII/)
    }
  })

  it('503 temporarily_unavailable: exit 3 (try again), with the Retry-After', async () => {
    answer = async () => ({ status: 503, headers: { 'retry-after': '5' }, body: { error: 'temporarily_unavailable' } })
    const run = await jot(['token', '--issuer', issuer, '--client-id', 'demo', '--client-secret-env', 'DEMO_SECRET'], { env })
    assert.equal(run.code, 3)
    assert.match(run.stderr, /temporarily_unavailable \(HTTP 503, retry after 5 s\)/)
  })

  it('an answer without an access token, or not JSON: refused', async () => {
    answer = async () => ({ status: 200, body: { token_type: 'Bearer' } })
    const missing = await jot(['token', '--issuer', issuer, '--client-id', 'demo', '--client-secret-env', 'DEMO_SECRET'], { env })
    assert.equal(missing.code, 1)
    assert.match(missing.stderr, /without access_token/)
    answer = async () => ({ status: 502, body: '<html>bad gateway</html>' })
    const html = await jot(['token', '--issuer', issuer, '--client-id', 'demo', '--client-secret-env', 'DEMO_SECRET'], { env })
    assert.equal(html.code, 3)
    assert.match(html.stderr, /HTTP 502 without an OAuth error/)
  })

  it('a plain-http token endpoint beyond loopback is refused before credentials are sent', async () => {
    discovery = () => ({ issuer, jwks_uri: `${issuer}/jwks.json`, token_endpoint: 'http://as.example/token' })
    const run = await jot(['token', '--issuer', issuer, '--client-id', 'demo', '--client-secret-env', 'DEMO_SECRET'], { env })
    assert.equal(run.code, 1)
    assert.match(run.stderr, /is not https:/)
    assert.equal(requests.length, 0)
  })

  it('discovery naming another issuer: refused (OpenID Discovery §4.3), exit 3', async () => {
    discovery = () => ({ issuer: 'https://evil.example', jwks_uri: `${issuer}/jwks.json`, token_endpoint: `${issuer}/token` })
    const run = await jot(['token', '--issuer', issuer, '--client-id', 'demo', '--client-secret-env', 'DEMO_SECRET'], { env })
    assert.equal(run.code, 3)
    assert.match(run.stderr, /ERR_OIDC_DISCOVERY_INVALID/)
    assert.equal(requests.length, 0)
  })

  it('usage errors (exit 2) before any request: no credentials, both kinds, an unset variable, a bad method', async () => {
    const cases = [
      { args: ['--client-id', 'demo', '--client-secret-env', 'DEMO_SECRET'], message: /--issuer/ },
      { args: ['--resource', `${issuer}/orders`, '--resource', API, '--client-id', 'demo', '--client-secret-env', 'DEMO_SECRET'], message: /or one --resource URL/ },
      { args: ['--resource', `${issuer}/orders`, '--client-id', 'demo', '--client-secret-env', 'UNSET_VARIABLE'], message: /UNSET_VARIABLE/ },
      { args: ['--issuer', issuer, '--client-id', 'demo'], message: /either --client-secret-env VAR or --client-key FILE/ },
      { args: ['--issuer', issuer, '--client-id', 'demo', '--client-secret-env', 'DEMO_SECRET', '--client-key', at('client.private.jwk')], message: /either/ },
      { args: ['--issuer', issuer, '--client-id', 'demo', '--client-secret-env', 'UNSET_VARIABLE'], message: /UNSET_VARIABLE/ },
      { args: ['--issuer', issuer, '--client-id', 'demo', '--client-secret-env', 'DEMO_SECRET', '--auth-method', 'magic'], message: /unknown --auth-method/ },
      { args: ['--issuer', issuer, '--client-id', 'demo', '--client-secret-env', 'DEMO_SECRET', '--auth-method', 'private_key_jwt'], message: /needs --client-key/ },
      { args: ['--issuer', 'http://as.example', '--client-id', 'demo', '--client-secret-env', 'DEMO_SECRET'], message: /allow-http/ },
    ]
    for (const { args, message } of cases) {
      const run = await jot(['token', ...args], { env })
      assert.equal(run.code, 2, `${args.join(' ')}: ${run.stderr}`)
      assert.match(run.stderr, message)
      assert.ok(!run.stderr.includes(SECRET))
    }
    assert.equal(requests.length, 0)
    assert.equal(metadataRequests, 0, 'credentials are checked before the resource metadata is fetched')
  })
})

describe('jotjwt token --resource without --issuer: the authorization server from the resource\'s metadata (RFC 9728)', () => {
  const orders = () => `${issuer}/orders`

  it('reads the metadata at the path-inserted well-known URI, then proceeds as with --issuer; the resource is in the request', async () => {
    const run = await jot(['token', '--resource', orders(), '--client-id', 'demo', '--client-secret-env', 'DEMO_SECRET', '--scope', 'demo:read'], { env })
    assert.equal(run.code, 0, run.stderr)
    assert.match(run.stdout, /^ey[\w-]+\.[\w-]+\.[\w-]+\n$/)
    assert.equal(metadataRequests, 1)
    const [{ params }] = requests as [(typeof requests)[0]]
    assert.deepEqual(params.getAll('resource'), [orders()])
    // And into verify: the token is for that resource.
    const verified = await jot(['verify', '--issuer', issuer, '--audience', orders(), '--typ', 'at+jwt'], { input: run.stdout })
    assert.equal(verified.code, 0, verified.stderr)
  })

  it('private_key_jwt: the assertion is for the discovered issuer', async () => {
    const run = await jot(['token', '--resource', orders(), '--client-id', 'demo', '--client-key', at('client.private.jwk')])
    assert.equal(run.code, 0, run.stderr)
    const publicKey = await importJWK(JSON.parse(readFileSync(at('client.public.jwk'), 'utf8')), { alg: 'ES256' })
    await verifyJWT(requests[0]!.params.get('client_assertion')!, publicKey, { issuer: 'demo', subject: 'demo', audience: issuer })
  })

  it('metadata naming another resource is not trusted (§3.3): exit 1, no token request', async () => {
    resourceMetadata = () => ({ resource: 'https://api.example/orders', authorization_servers: ['https://evil.example'] })
    const run = await jot(['token', '--resource', orders(), '--client-id', 'demo', '--client-secret-env', 'DEMO_SECRET'], { env })
    assert.equal(run.code, 1)
    assert.match(run.stderr, /names the resource "https:\/\/api.example\/orders", not .*RFC 9728 §3\.3/)
    assert.equal(requests.length, 0)
  })

  it('several authorization servers: pick one with --issuer; none, or no metadata at all: pass --issuer', async () => {
    resourceMetadata = () => ({ resource: orders(), authorization_servers: [issuer, 'https://other.example'] })
    const several = await jot(['token', '--resource', orders(), '--client-id', 'demo', '--client-secret-env', 'DEMO_SECRET'], { env })
    assert.equal(several.code, 1)
    assert.match(several.stderr, /several authorization servers; pick one with --issuer/)
    const chosen = await jot(['token', '--issuer', issuer, '--resource', orders(), '--client-id', 'demo', '--client-secret-env', 'DEMO_SECRET'], { env })
    assert.equal(chosen.code, 0, chosen.stderr)
    resourceMetadata = () => ({ resource: orders() })
    const none = await jot(['token', '--resource', orders(), '--client-id', 'demo', '--client-secret-env', 'DEMO_SECRET'], { env })
    assert.equal(none.code, 1)
    assert.match(none.stderr, /names no authorization_servers; pass --issuer/)
    resourceMetadata = () => undefined
    const missing = await jot(['token', '--resource', orders(), '--client-id', 'demo', '--client-secret-env', 'DEMO_SECRET'], { env })
    assert.equal(missing.code, 1)
    assert.match(missing.stderr, /no protected resource metadata at http:\/\/127\.0\.0\.1:\d+\/\.well-known\/oauth-protected-resource\/orders \(HTTP 404\)/)
    assert.equal(requests.length, 1)
  })

  it('a plain-http resource beyond loopback needs --allow-http; an unreachable one exits 3', async () => {
    const remote = await jot(['token', '--resource', 'http://api.example/orders', '--client-id', 'demo', '--client-secret-env', 'DEMO_SECRET'], { env })
    assert.equal(remote.code, 1)
    assert.match(remote.stderr, /is not https:/)
    // A port that was free a moment ago: nothing listens there.
    const vacant = createServer()
    await new Promise<void>((resolve) => vacant.listen(0, '127.0.0.1', resolve))
    const { port } = vacant.address() as AddressInfo
    await new Promise((resolve) => vacant.close(resolve))
    const closed = await jot(['token', '--resource', `http://127.0.0.1:${port}/orders`, '--client-id', 'demo', '--client-secret-env', 'DEMO_SECRET', '--timeout', '2'], { env })
    assert.equal(closed.code, 3, closed.stderr)
    assert.match(closed.stderr, /cannot fetch the protected resource metadata/)
  })
})
