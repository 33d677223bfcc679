// The flow MCP clients and AI agents use, all over HTTP: a client that knows only an API's URL
// calls it, gets a 401 whose challenge names the API's protected resource metadata (RFC 9728 §5.1),
// reads it (§3.3: its resource is the URL the client called), finds the authorization server
// (`jotjwt serve`, started here with registration on), reads that server's metadata (RFC 8414),
// registers itself as a public native client with a loopback redirect (RFC 7591, RFC 8252 §7.3),
// logs the demo user in with the code flow and PKCE, asking for a token for that resource
// (RFC 8707), and calls the API protected by jot guard (Express). A token for another resource is
// refused by the API with the exact challenge.
import assert from 'node:assert/strict'
import { createHash, randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import express from 'express'
import { decodeJWTUnverified } from 'jotjwt'
import { auth, requiredScopes } from 'jotjwt-guard/express'
import { startService } from 'jotjwt-server'
import { Browser, logIn } from '../../server/test/browser.js'

const OTHER_API = 'https://other.example/api'

function listen(server: Server): Promise<string> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)))
}

function close(server: Server): Promise<void> {
  server.closeAllConnections()
  return new Promise((resolve) => server.close(() => resolve()))
}

/** The parameters of a challenge (RFC 9110 §11.2: auth-param = token "=" quoted-string here). */
function challengeParameters(header: string): Record<string, string> {
  return Object.fromEntries([...header.matchAll(/([a-z_]+)="((?:[^"\\]|\\.)*)"/g)].map(([, name, value]) => [name!, value!.replace(/\\(.)/g, '$1')]))
}

async function json(response: Response, status: number): Promise<Record<string, unknown>> {
  const text = await response.text()
  assert.equal(response.status, status, text)
  return JSON.parse(text) as Record<string, unknown>
}

describe('an MCP client that knows only the API URL', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'jotjwt-mcp-'))
  const apiServer = createServer()
  const callbackServer = createServer((_request, response) => void response.end('You may close this window.'))
  let service: Awaited<ReturnType<typeof startService>>
  let apiUrl: string
  let redirectUri: string
  let alicePassword: string

  before(async () => {
    // The API's identifier is its URL, known once it listens; the token service is told it may
    // issue tokens for it to registered clients.
    apiUrl = `${await listen(apiServer)}/mcp`
    redirectUri = `${await listen(callbackServer)}/callback`
    service = await startService({
      dev: true,
      dataDir,
      listen: { host: '127.0.0.1', port: 0 },
      log: { level: 'silent' },
      registration: { enabled: true, allowedScopes: ['mcp:tools'], allowedResources: [apiUrl, OTHER_API] },
    })
    alicePassword = service.demo!.users.find((user) => user.username === 'alice')!.password
    const app = express()
    app.use(
      auth({
        issuer: service.issuer,
        discovery: true,
        allowHttp: true,
        audience: apiUrl,
        algorithms: ['ES256'],
        profile: 'rfc9068',
        resourceMetadata: { scopesSupported: ['mcp:tools'], resourceName: 'Test MCP server' },
      }),
    )
    app.post('/mcp', requiredScopes('mcp:tools'), (req, res) => void res.json({ jsonrpc: '2.0', id: 1, result: { user: req.auth?.claims.sub } }))
    apiServer.on('request', app)
  })
  after(async () => {
    await close(apiServer)
    await close(callbackServer)
    await service?.close()
    rmSync(dataDir, { recursive: true, force: true })
  })

  test('401 → resource metadata → authorization server → registration → login with PKCE for the resource → the API answers; a token for another resource is refused', async () => {
    const call = (token?: string) =>
      fetch(apiUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(token === undefined ? {} : { authorization: `Bearer ${token}` }) },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
      })

    // 1. The API refuses and says where its metadata is (RFC 9728 §5.1).
    const refused = await call()
    assert.equal(refused.status, 401)
    const metadataUrl = `${new URL(apiUrl).origin}/.well-known/oauth-protected-resource/mcp`
    assert.equal(refused.headers.get('www-authenticate'), `Bearer realm="api", resource_metadata="${metadataUrl}"`)
    const resourceMetadataUrl = challengeParameters(refused.headers.get('www-authenticate')!).resource_metadata!

    // 2. The metadata: its resource must be the URL called (§3.3); it names the authorization server.
    const resource = await json(await fetch(resourceMetadataUrl), 200)
    assert.equal(resource.resource, apiUrl)
    assert.deepEqual(resource.scopes_supported, ['mcp:tools'])
    assert.deepEqual(resource.bearer_methods_supported, ['header'])
    const [issuer] = resource.authorization_servers as string[]
    assert.equal(issuer, service.issuer)

    // 3. The authorization server's metadata (RFC 8414 §3; its issuer must be the one named, §3.3).
    const server = await json(await fetch(`${issuer}/.well-known/oauth-authorization-server`), 200)
    assert.equal(server.issuer, issuer)
    assert.ok((server.code_challenge_methods_supported as string[]).includes('S256'))
    const registrationEndpoint = server.registration_endpoint as string
    assert.equal(registrationEndpoint, `${issuer}/register`)

    // 4. Registration: a public native client with a loopback redirect (RFC 7591 §3.1).
    const registered = await json(
      await fetch(registrationEndpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          client_name: 'Test MCP host',
          redirect_uris: [redirectUri],
          token_endpoint_auth_method: 'none',
          grant_types: ['authorization_code', 'refresh_token'],
          response_types: ['code'],
          scope: 'mcp:tools',
        }),
      }),
      201,
    )
    const clientId = registered.client_id as string
    assert.equal(registered.client_secret, undefined)

    // 5. The code flow with PKCE, for the resource (RFC 8707), logged in as the demo user.
    const verifier = randomBytes(32).toString('base64url')
    const challenge = createHash('sha256').update(verifier).digest('base64url')
    const state = randomBytes(16).toString('base64url')
    const authorizationUrl = (resourceIndicator: string) => {
      const url = new URL(server.authorization_endpoint as string)
      url.search = new URLSearchParams({
        response_type: 'code',
        client_id: clientId,
        redirect_uri: redirectUri,
        scope: 'mcp:tools',
        state,
        code_challenge: challenge,
        code_challenge_method: 'S256',
        resource: resourceIndicator,
      }).toString()
      return url.href
    }
    const browser = new Browser()
    const callback = await logIn(browser, authorizationUrl(apiUrl), 'alice', alicePassword)
    assert.equal(`${callback.origin}${callback.pathname}`, redirectUri)
    assert.equal(callback.searchParams.get('state'), state)
    assert.equal(callback.searchParams.get('iss'), issuer) // RFC 9207
    assert.equal((await fetch(callback)).status, 200) // the browser lands on the client's loopback listener

    const redeem = async (code: string, resourceIndicator: string) =>
      json(
        await fetch(server.token_endpoint as string, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: redirectUri, client_id: clientId, code_verifier: verifier, resource: resourceIndicator }),
        }),
        200,
      )
    const tokens = await redeem(callback.searchParams.get('code')!, apiUrl)
    const claims = decodeJWTUnverified(tokens.access_token as string).payload
    assert.equal(claims.aud, apiUrl)
    assert.equal(claims.client_id, clientId)
    assert.equal(claims.scope, 'mcp:tools')

    // 6. The API accepts it.
    const answer = await json(await call(tokens.access_token as string), 200)
    assert.deepEqual(answer, { jsonrpc: '2.0', id: 1, result: { user: 'alice' } })

    // 7. A token of the same client and person for another resource: refused by this API.
    const again = await browser.request(authorizationUrl(OTHER_API)) // the session is live: a code at once
    assert.equal(again.status, 303, again.body)
    const other = await redeem(new URL(again.headers.get('location')!).searchParams.get('code')!, OTHER_API)
    assert.equal(decodeJWTUnverified(other.access_token as string).payload.aud, OTHER_API)
    const wrongAudience = await call(other.access_token as string)
    assert.equal(wrongAudience.status, 401)
    assert.equal(
      wrongAudience.headers.get('www-authenticate'),
      `Bearer realm="api", error="invalid_token", error_description="the access token is invalid", resource_metadata="${metadataUrl}"`,
    )
  })
})
