// The reverse proxy over real HTTP: a real JWKS server, real upstreams that report what reached them.
// Routing on verified claims (the canary), what is and is not passed on (hop-by-hop fields, spoofed
// claim headers, X-Forwarded-*, the token itself), streaming in both directions, upstream failures.
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { request } from 'node:http'
import { after, before, describe, test } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import type { RunningProxy } from 'jotjwt-gateway'
import { AUDIENCE, startIssuer, type TestIssuer } from '../../guard/test/helpers/issuer.js'
import { bearer, send } from './helpers/gateway.js'
import { logCollector, startTestProxy, startUpstream, type TestUpstream } from './helpers/proxy.js'

/** Polls `check` until it holds (bounded: fails after 10 s). */
async function until(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 500; i++) {
    if (check()) return
    await sleep(20)
  }
  assert.fail(`never: ${what}`)
}

function provider(issuer: TestIssuer, extra: Record<string, unknown> = {}) {
  return {
    issuer: issuer.issuer,
    jwks: { remote: { url: issuer.jwksUri } },
    allowHttp: true,
    audiences: [AUDIENCE],
    algorithms: ['ES256'],
    claimsToHeaders: [
      { claim: 'sub', header: 'x-user' },
      { claim: 'email', header: 'x-email' },
    ],
    ...extra,
  }
}

describe('reverse proxy', () => {
  let issuer: TestIssuer
  let stable: TestUpstream
  let canary: TestUpstream
  let proxy: RunningProxy
  before(async () => {
    issuer = await startIssuer()
    stable = await startUpstream('stable')
    canary = await startUpstream('canary')
    proxy = await startTestProxy({
      providers: {
        corp: provider(issuer),
        forwarding: provider(issuer, { issuer: `${issuer.issuer}/x`, forwardToken: true }),
        browser: provider(issuer, { issuer: `${issuer.issuer}/b`, tokenSource: { query: true, cookie: 'session' } }),
      },
      rules: [
        { match: { pathPrefix: '/public' }, requires: { allowMissing: ['corp'] }, route: [{ when: [{ path: 'email', op: 'suffix', value: '@example.com' }], upstream: 'canary' }] },
        { match: { pathPrefix: '/split' }, requires: { provider: 'corp' }, route: [{ weighted: [{ upstream: 'stable', weight: 1 }, { upstream: 'canary', weight: 1 }] }] },
        { match: { pathPrefix: '/forwarded' }, requires: { provider: 'forwarding' } },
        { match: { pathPrefix: '/browser' }, requires: { provider: 'browser' } },
        { match: { pathPrefix: '/' }, requires: { provider: 'corp' }, route: [{ when: [{ path: 'email', op: 'suffix', value: '@example.com' }], upstream: 'canary' }, { upstream: 'stable' }] },
      ],
      proxy: { upstreams: { stable: { url: stable.url }, canary: { url: canary.url } }, defaultUpstream: 'stable' },
    })
  })
  after(async () => {
    await proxy?.close()
    await Promise.all([stable?.close(), canary?.close(), issuer?.close()])
  })

  const upstreamOf = (response: { body: string }) => (JSON.parse(response.body) as { upstream: string }).upstream

  test('canary routing by a verified claim: employees to the canary, everyone else to stable', async () => {
    const employee = await send(`${proxy.url}/orders`, { headers: bearer(await issuer.mint({ email: 'ada@example.com' })) })
    assert.equal(employee.status, 200)
    assert.equal(upstreamOf(employee), 'canary')
    const customer = await send(`${proxy.url}/orders`, { headers: bearer(await issuer.mint({ email: 'bob@customer.example' })) })
    assert.equal(upstreamOf(customer), 'stable')
    // The claim is the verified one: a header saying otherwise changes nothing.
    const spoofing = await send(`${proxy.url}/orders`, { headers: { ...bearer(await issuer.mint({ email: 'eve@evil.example' })), 'x-email': 'eve@example.com' } })
    assert.equal(upstreamOf(spoofing), 'stable')
    assert.equal(stable.seen.at(-1)!.headers['x-email'], 'eve@evil.example')
  })

  test('no token where the rule allows it: the default upstream; a refused token never reaches an upstream', async () => {
    assert.equal(upstreamOf(await send(`${proxy.url}/public/page`)), 'stable')
    const before = stable.seen.length + canary.seen.length
    const refused = await send(`${proxy.url}/orders`)
    assert.equal(refused.status, 401)
    assert.equal(refused.headers['www-authenticate'], 'Bearer realm="api"')
    assert.equal(refused.headers['cache-control'], 'no-store')
    const expired = await send(`${proxy.url}/orders`, { headers: bearer(await issuer.mint({ email: 'ada@example.com' }, { expiresIn: -600 })) })
    assert.equal(expired.status, 401)
    assert.match(String(expired.headers['www-authenticate']), /error="invalid_token"/)
    assert.equal(stable.seen.length + canary.seen.length, before)
  })

  test('weighted upstreams: a 1:1 split sends requests to both', async () => {
    const token = await issuer.mint()
    const names = new Set<string>()
    for (let i = 0; i < 60 && names.size < 2; i++) names.add(upstreamOf(await send(`${proxy.url}/split`, { headers: bearer(token) })))
    assert.deepEqual([...names].sort(), ['canary', 'stable'])
  })

  test('hop-by-hop fields, Proxy-*, spoofed claim headers and untrusted X-Forwarded-* do not reach the upstream', async () => {
    const token = await issuer.mint({ email: 'bob@customer.example' })
    const response = await send(`${proxy.url}/orders`, {
      headers: {
        ...bearer(token),
        connection: 'keep-alive, x-hop, x-user',
        'x-hop': 'listed in Connection',
        'keep-alive': 'timeout=5',
        te: 'trailers',
        'proxy-authorization': 'Basic c2VjcmV0',
        'proxy-connection': 'keep-alive',
        'x-user': 'admin',
        x_user: 'admin',
        'X_Email': 'ada@example.com',
        'x-forwarded-for': '203.0.113.9',
        'x-forwarded-host': 'evil.example',
        'x-forwarded-proto': 'https',
        forwarded: 'for=203.0.113.9',
        'x-real-ip': '203.0.113.9',
        'x-end-to-end': 'kept',
      },
    })
    assert.equal(response.status, 200)
    const seen = stable.seen.at(-1)!.headers
    for (const name of ['x-hop', 'keep-alive', 'te', 'proxy-authorization', 'proxy-connection', 'x_user', 'x_email', 'forwarded', 'x-real-ip', 'authorization']) {
      assert.equal(seen[name], undefined, name)
    }
    assert.equal(seen['x-user'], 'orders-client', 'the verified sub, not the spoofed copy')
    assert.equal(seen['x-email'], 'bob@customer.example')
    assert.equal(seen['x-forwarded-for'], '127.0.0.1', 'an untrusted peer starts the chain')
    assert.equal(seen['x-forwarded-host'], new URL(proxy.url).host)
    assert.equal(seen['x-forwarded-proto'], 'http')
    assert.equal(seen['x-end-to-end'], 'kept')
  })

  test('X-Forwarded-* from a trusted proxy is extended, not replaced', async () => {
    const trusting = await startTestProxy({
      trustedProxies: ['127.0.0.1'],
      providers: { corp: provider(issuer) },
      rules: [{ requires: { provider: 'corp' } }],
      proxy: { upstreams: { stable: { url: stable.url } }, defaultUpstream: 'stable' },
    })
    try {
      const headers = { ...bearer(await issuer.mint()), 'x-forwarded-for': '203.0.113.9', 'x-forwarded-proto': 'https', 'x-forwarded-host': 'api.example' }
      assert.equal((await send(`${trusting.url}/x`, { headers })).status, 200)
      const seen = stable.seen.at(-1)!.headers
      assert.equal(seen['x-forwarded-for'], '203.0.113.9, 127.0.0.1')
      assert.equal(seen['x-forwarded-proto'], 'https')
      assert.equal(seen['x-forwarded-host'], 'api.example')
    } finally {
      await trusting.close()
    }
  })

  test("preserveHost sends the client's Host to the upstream; without it the upstream gets its own; X-Forwarded-Host either way", async () => {
    const preserving = await startTestProxy({
      providers: { corp: provider(issuer) },
      rules: [{ match: { pathPrefix: '/kept' }, requires: { provider: 'corp' }, route: [{ upstream: 'kept' }] }, { requires: { provider: 'corp' } }],
      proxy: { upstreams: { kept: { url: canary.url, preserveHost: true }, own: { url: stable.url } }, defaultUpstream: 'own' },
    })
    try {
      const headers = { ...bearer(await issuer.mint()), host: 'api.example:8443' }
      assert.equal((await send(`${preserving.url}/kept/x`, { headers })).status, 200)
      const kept = canary.seen.at(-1)!
      assert.equal(kept.url, '/kept/x')
      assert.equal(kept.headers.host, 'api.example:8443')
      assert.equal(kept.headers['x-forwarded-host'], 'api.example:8443')
      assert.equal((await send(`${preserving.url}/other`, { headers })).status, 200)
      const own = stable.seen.at(-1)!
      assert.equal(own.url, '/other')
      assert.equal(own.headers.host, new URL(stable.url).host, 'the default: the upstream its own authority')
      assert.equal(own.headers['x-forwarded-host'], 'api.example:8443')
    } finally {
      await preserving.close()
    }
  })

  test('hop-by-hop fields of the response do not reach the client', async () => {
    const hop = await startUpstream('hop', (_req, res) => {
      res.writeHead(200, { connection: 'keep-alive, x-internal', 'x-internal': 'secret', 'keep-alive': 'timeout=5', 'proxy-authenticate': 'Basic', 'x-visible': 'yes' }).end('ok')
      return true
    })
    const hopProxy = await startTestProxy({ providers: {}, rules: [{ requires: 'none' }], proxy: { upstreams: { hop: { url: hop.url } }, defaultUpstream: 'hop' } })
    try {
      const response = await send(`${hopProxy.url}/`)
      assert.equal(response.body, 'ok')
      assert.equal(response.headers['x-visible'], 'yes')
      for (const name of ['x-internal', 'proxy-authenticate']) assert.equal(response.headers[name], undefined, name)
    } finally {
      await hopProxy.close()
      await hop.close()
    }
  })

  test('the token is removed from header, query and cookie unless the provider sets forwardToken', async () => {
    const token = await issuer.mint()
    assert.equal((await send(`${proxy.url}/orders`, { headers: bearer(token) })).status, 200)
    assert.equal(stable.seen.at(-1)!.headers.authorization, undefined)

    const forwarded = await issuer.mint({}, { issuer: `${issuer.issuer}/x` })
    assert.equal((await send(`${proxy.url}/forwarded`, { headers: bearer(forwarded) })).status, 200)
    assert.equal(stable.seen.at(-1)!.headers.authorization, `Bearer ${forwarded}`)

    const browserToken = await issuer.mint({}, { issuer: `${issuer.issuer}/b` })
    assert.equal((await send(`${proxy.url}/browser/a?x=1&access_token=${browserToken}&y=a%20b+c`)).status, 200)
    assert.equal(stable.seen.at(-1)!.url, '/browser/a?x=1&y=a%20b+c', 'the other parameters byte for byte')
    assert.equal((await send(`${proxy.url}/browser/b`, { headers: { cookie: `theme=dark; session=${browserToken}; lang=en` } })).status, 200)
    assert.equal(stable.seen.at(-1)!.headers.cookie, 'theme=dark; lang=en')
  })

  test('Expect: 100-continue: an allowed request is asked for its body, a refused one is answered without it', async () => {
    const { hostname, port } = new URL(proxy.url)
    const upload = (headers: Record<string, string>) =>
      new Promise<{ status: number | undefined; continued: boolean; body: string }>((resolve, reject) => {
        let continued = false
        const req = request({ hostname, port, path: '/orders', method: 'POST', headers: { ...headers, expect: '100-continue', 'content-length': '5' } }, (res) => {
          let body = ''
          res.setEncoding('utf8')
          res.on('data', (chunk: string) => (body += chunk))
          res.on('end', () => resolve({ status: res.statusCode, continued, body }))
        })
        req.on('continue', () => {
          continued = true
          req.end('hello')
        })
        req.on('error', reject)
        req.flushHeaders()
      })
    const refused = await upload({})
    assert.deepEqual([refused.status, refused.continued], [401, false])
    const allowed = await upload(bearer(await issuer.mint()))
    assert.deepEqual([allowed.status, allowed.continued], [200, true])
    assert.equal(stable.seen.at(-1)!.body, 'hello')
  })

  test('ambiguous paths (dot segments, encoded or not, and //) are refused before any rule', async () => {
    const { hostname, port } = new URL(proxy.url)
    for (const path of ['/public/../orders', '/public/%2e%2e/orders', '/public/%2e%2e%2forders', '//orders', '/public/.\\orders', '/public/./x']) {
      // node:http sends the path as given (fetch and URL would resolve the dot segments first).
      const status = await new Promise<number | undefined>((resolve, reject) => request({ hostname, port, path }, (res) => resolve(res.resume().statusCode)).on('error', reject).end())
      assert.equal(status, 400, path)
    }
  })
})

describe('bodies and upstream failures', () => {
  let issuer: TestIssuer
  before(async () => {
    issuer = await startIssuer()
  })
  after(() => issuer?.close())

  test('request and response bodies stream through (each side sees the first chunk before the other ends)', async () => {
    let releaseResponse!: () => void
    const responseReleased = new Promise<void>((resolve) => (releaseResponse = resolve))
    let firstUploadChunk!: (chunk: string) => void
    const uploadSeen = new Promise<string>((resolve) => (firstUploadChunk = resolve))
    const hash = createHash('sha256')
    const upstream = await startUpstream('streams', (req, res) => {
      if (req.url === '/upload') {
        let first = true
        req.on('data', (chunk: Buffer) => {
          if (first) firstUploadChunk(chunk.toString())
          first = false
          hash.update(chunk)
        })
        req.on('end', () => res.end(hash.digest('hex')))
        return true
      }
      res.writeHead(200, { 'content-type': 'text/plain' })
      res.write('first chunk;')
      void responseReleased.then(() => res.end('last chunk'))
      return true
    })
    const proxy = await startTestProxy({ providers: { corp: provider(issuer) }, rules: [{ requires: { provider: 'corp' } }], proxy: { upstreams: { up: { url: upstream.url } }, defaultUpstream: 'up' } })
    const token = await issuer.mint()
    try {
      // Download: the first chunk arrives while the upstream still holds the response open.
      const text = await new Promise<string>((resolve, reject) => {
        request(`${proxy.url}/download`, { headers: bearer(token) }, (res) => {
          let body = ''
          res.setEncoding('utf8')
          res.on('data', (chunk: string) => {
            if (body === '') releaseResponse()
            body += chunk
          })
          res.on('end', () => resolve(body))
        })
          .on('error', reject)
          .end()
      })
      assert.equal(text, 'first chunk;last chunk')

      // Upload (chunked): the upstream reads the first chunk before the client sends the rest.
      const expected = createHash('sha256')
      const digest = await new Promise<string>((resolve, reject) => {
        const req = request(`${proxy.url}/upload`, { method: 'POST', headers: { ...bearer(token), 'content-type': 'application/octet-stream' } }, (res) => {
          let body = ''
          res.on('data', (chunk: Buffer) => (body += chunk))
          res.on('end', () => resolve(body))
        })
        req.on('error', reject)
        const first = 'a'.repeat(1000)
        expected.update(first)
        req.write(first)
        void uploadSeen.then(() => {
          for (let i = 0; i < 64; i++) {
            const chunk = String(i).repeat(16 * 1024)
            expected.update(chunk)
            req.write(chunk)
          }
          req.end()
        })
      })
      assert.equal(digest, expected.digest('hex'))
    } finally {
      await proxy.close()
      await upstream.close()
    }
  })

  test('a client that leaves before the upstream answers aborts the upstream exchange (its connection is closed, not left waiting)', async () => {
    let arrived!: () => void
    const upstreamHasIt = new Promise<void>((resolve) => (arrived = resolve))
    let upstreamSawClose = false
    const silent = await startUpstream('silent', (req) => {
      req.socket.once('close', () => (upstreamSawClose = true))
      arrived()
      return true // never answers
    })
    const logs = logCollector()
    const proxy = await startTestProxy(
      { providers: {}, rules: [{ requires: 'none' }], proxy: { upstreams: { silent: { url: silent.url } }, defaultUpstream: 'silent' } },
      { logDestination: logs.destination },
    )
    try {
      const client = request(`${proxy.url}/wait`)
      client.on('error', () => undefined)
      client.end()
      await upstreamHasIt
      client.destroy()
      await until(() => upstreamSawClose, 'the upstream connection closed')
      await until(() => logs.entries().some((entry) => entry.msg === 'request'), 'the access log line')
      const line = logs.entries().find((entry) => entry.msg === 'request')!
      assert.equal(line.status, 499)
      assert.equal(line.upstreamFailure, 'aborted')
    } finally {
      await proxy.close()
      await silent.close()
    }
  })

  test('an upstream that does not answer in time is a 504, one that is down a 502; no stack either way', async () => {
    const silent = await startUpstream('silent', () => true)
    const down = await startUpstream('down')
    await down.close()
    const proxy = await startTestProxy({
      providers: {},
      rules: [{ match: { pathPrefix: '/slow' }, requires: 'none', route: [{ upstream: 'silent' }] }, { requires: 'none', route: [{ upstream: 'down' }] }],
      proxy: { upstreams: { silent: { url: silent.url, timeout: 0.2 }, down: { url: down.url } } },
    })
    try {
      const slow = await send(`${proxy.url}/slow`)
      assert.equal(slow.status, 504)
      assert.equal(slow.body, 'upstream timed out\n')
      const gone = await send(`${proxy.url}/x`)
      assert.equal(gone.status, 502)
      assert.equal(gone.body, 'upstream unavailable\n')
    } finally {
      await proxy.close()
      await silent.close()
    }
  })
})
