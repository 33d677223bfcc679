// WebSocket through the reverse proxy: the handshake is authorized like any request (401 with the
// challenge at the upgrade, nothing reaches the upstream), an allowed one is tunnelled to the upstream
// with the claim headers and without the token, and frames flow both ways.
import assert from 'node:assert/strict'
import { createServer, type IncomingHttpHeaders } from 'node:http'
import type { AddressInfo } from 'node:net'
import { after, before, describe, test } from 'node:test'
import { WebSocket, WebSocketServer } from 'ws'
import type { RunningProxy } from 'jotjwt-gateway'
import { AUDIENCE, startIssuer, type TestIssuer } from '../../guard/test/helpers/issuer.js'
import { startTestProxy } from './helpers/proxy.js'

describe('WebSocket through the proxy', () => {
  let issuer: TestIssuer
  let proxy: RunningProxy
  const handshakes: IncomingHttpHeaders[] = []
  const upstream = createServer()
  const sockets = new WebSocketServer({ server: upstream })
  sockets.on('connection', (socket, request) => {
    handshakes.push(request.headers)
    socket.on('message', (data) => socket.send(`echo ${String(data)} for ${String(request.headers['x-user'])}`))
  })
  before(async () => {
    issuer = await startIssuer()
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve))
    proxy = await startTestProxy({
      providers: {
        corp: { issuer: issuer.issuer, jwks: { remote: { url: issuer.jwksUri } }, allowHttp: true, audiences: [AUDIENCE], algorithms: ['ES256'], claimsToHeaders: [{ claim: 'sub', header: 'x-user' }] },
      },
      rules: [{ match: { pathPrefix: '/live' }, requires: { provider: 'corp' }, authorize: { scopes: { all: ['orders:read'] } } }],
      proxy: { upstreams: { app: { url: `http://127.0.0.1:${(upstream.address() as AddressInfo).port}` } }, defaultUpstream: 'app' },
    })
  })
  after(async () => {
    await proxy?.close()
    sockets.close()
    upstream.closeAllConnections()
    await new Promise((resolve) => upstream.close(resolve))
    await issuer?.close()
  })

  /** Opens a WebSocket; resolves with the socket once open, or with the HTTP refusal of the handshake. */
  function connect(path: string, headers: Record<string, string>): Promise<WebSocket | { status: number; challenge: string | undefined }> {
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(`${proxy.url.replace('http', 'ws')}${path}`, { headers })
      socket.once('open', () => resolve(socket))
      socket.once('unexpected-response', (_request, response) => {
        resolve({ status: response.statusCode ?? 0, challenge: response.headers['www-authenticate'] })
        response.resume()
        socket.terminate()
      })
      socket.once('error', reject)
    })
  }

  test('allowed: the upgrade is tunnelled, frames flow both ways, the upstream sees the claims and no token', async () => {
    const socket = await connect('/live/feed', { authorization: `Bearer ${await issuer.mint()}`, 'x-user': 'spoofed' })
    assert.ok(socket instanceof WebSocket)
    const reply = new Promise<string>((resolve) => socket.once('message', (data) => resolve(String(data))))
    socket.send('hello')
    assert.equal(await reply, 'echo hello for orders-client')
    socket.close()
    const seen = handshakes.at(-1)!
    assert.equal(seen.authorization, undefined)
    assert.equal(seen['x-user'], 'orders-client')
    assert.equal(seen['x-forwarded-for'], '127.0.0.1')
  })

  test('refused at the upgrade: 401 with the challenge without a token, 403 without the scope; the upstream never sees them', async () => {
    const before = handshakes.length
    assert.deepEqual(await connect('/live/feed', {}), { status: 401, challenge: 'Bearer realm="api"' })
    const expired = await connect('/live/feed', { authorization: `Bearer ${await issuer.mint({}, { expiresIn: -600 })}` })
    assert.equal((expired as { status: number }).status, 401)
    assert.match(String((expired as { challenge: string }).challenge), /error="invalid_token"/)
    const unscoped = await connect('/live/feed', { authorization: `Bearer ${await issuer.mint({ scope: 'other' })}` })
    assert.equal((unscoped as { status: number }).status, 403)
    assert.match(String((unscoped as { challenge: string }).challenge), /error="insufficient_scope"/)
    assert.equal((await connect('/elsewhere', { authorization: `Bearer ${await issuer.mint()}` }) as { status: number }).status, 403, 'no rule')
    assert.equal(handshakes.length, before)
  })
})
