// Revocation: the Redis denylist (key format jotjwt:revoked:<jti>, expiring at exp) on the
// machine's Redis, and RFC 7662 introspection with its bounded cache.
import assert from 'node:assert/strict'
import { createServer, type IncomingMessage } from 'node:http'
import type { AddressInfo } from 'node:net'
import { after, before, describe, test } from 'node:test'
import { createGuard, createIntrospectionCheck, createMemoryDenylist, InvalidTokenError, ServiceUnavailableError, type Denylist } from 'jotjwt-guard'
import { createRedisDenylist, REVOKED_KEY_PREFIX } from 'jotjwt-guard/redis'
import { AUDIENCE, startIssuer, type TestIssuer } from './helpers/issuer.js'
import { createClient } from 'redis'
import { connectRedis, REDIS_URL } from './helpers/redis.js'
import { decodeJWTUnverified } from 'jotjwt'

const get = (token: string) => ({ method: 'GET', url: '/r', headers: { authorization: `Bearer ${token}` } })

describe('Redis denylist', () => {
  let issuer: TestIssuer
  let redis: Awaited<ReturnType<typeof connectRedis>>
  const prefix = `${REVOKED_KEY_PREFIX}test-${process.pid}-`
  before(async () => {
    issuer = await startIssuer()
    redis = await connectRedis()
  })
  after(async () => {
    await issuer?.close()
    if (redis?.isOpen) {
      for await (const keys of redis.scanIterator({ MATCH: `${prefix}*` })) if (keys.length > 0) await redis.del(keys)
      await redis.close()
    }
  })
  const guardWith = (denylist: Denylist) =>
    createGuard({ issuer: issuer.issuer, jwksUri: issuer.jwksUri, allowHttp: true, audience: AUDIENCE, algorithms: ['ES256'], profile: 'rfc9068', revocation: { denylist } })

  test('the default key format is jotjwt:revoked:<jti>', () => {
    assert.equal(createRedisDenylist(redis).keyOf('abc'), 'jotjwt:revoked:abc')
  })

  test('a revoked jti is refused; its key expires at the token exp; other tokens pass', async () => {
    const denylist = createRedisDenylist(redis, { prefix })
    const guard = guardWith(denylist)
    const token = await issuer.mint()
    const other = await issuer.mint()
    const { jti, exp } = decodeJWTUnverified(token).payload as { jti: string; exp: number }
    assert.ok(!((await guard.authenticate(get(token))) instanceof Error))
    await denylist.revoke(jti, exp)
    // Written by any writer, read by the guard: the key is all that counts.
    assert.equal(await redis.expireTime(`${prefix}${jti}`), exp)
    const refused = await guard.authenticate(get(token))
    assert.ok(refused instanceof InvalidTokenError)
    assert.equal(guard.errorResponse(refused).headers['www-authenticate'], 'Bearer realm="api", error="invalid_token", error_description="the access token was revoked"')
    assert.ok(!((await guard.authenticate(get(other))) instanceof Error))
  })

  test('a token already expired is not stored', async () => {
    const denylist = createRedisDenylist(redis, { prefix })
    await denylist.revoke('gone', Date.now() / 1000 - 10)
    assert.equal(await redis.exists(`${prefix}gone`), 0)
  })

  test('Redis unreachable: 503 (fail closed), not 401 and not 500', async () => {
    const closed = createClient({ url: REDIS_URL, socket: { reconnectStrategy: false } })
    closed.on('error', () => undefined)
    await closed.connect()
    await closed.close()
    const guard = guardWith(createRedisDenylist(closed, { prefix }))
    const result = await guard.authenticate(get(await issuer.mint()))
    assert.ok(result instanceof ServiceUnavailableError)
    assert.equal(guard.errorResponse(result).status, 503)
  })

  test('the in-memory denylist forgets entries at exp', () => {
    let now = 1000
    const denylist = createMemoryDenylist({ currentTime: () => now })
    denylist.revoke('j', 1010)
    assert.equal(denylist.isRevoked('j', {}), true)
    now = 1010
    assert.equal(denylist.isRevoked('j', {}), false)
  })
})

describe('introspection (RFC 7662)', () => {
  let server: ReturnType<typeof createServer>
  let endpoint = ''
  let calls = 0
  let active = true
  let failing = false
  let lastRequest: { authorization: string | undefined; body: string } | undefined
  let delay = 0
  before(async () => {
    server = createServer((req: IncomingMessage, res) => {
      let body = ''
      req.on('data', (chunk) => (body += chunk))
      req.on('end', () => {
        calls++
        lastRequest = { authorization: req.headers.authorization, body }
        setTimeout(() => {
          if (failing) return void res.writeHead(500).end()
          res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ active }))
        }, delay)
      })
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}/introspect`
  })
  after(() => new Promise((resolve) => server.close(resolve)))

  test('client_secret_basic with form-encoded parts; the token and hint in the body', async () => {
    const check = createIntrospectionCheck({ endpoint, clientId: 'api:orders', clientSecret: 's p&c' })
    await check.isActive('tok.en', { jti: 'basic-1', exp: Date.now() / 1000 + 60 })
    assert.equal(lastRequest?.authorization, `Basic ${btoa('api%3Aorders:s+p%26c')}`)
    assert.equal(lastRequest?.body, 'token=tok.en&token_type_hint=access_token')
  })

  test('answers are cached per jti; active ones for cacheTtl, never past exp; inactive ones until exp', async () => {
    let now = 1_000_000
    const check = createIntrospectionCheck({ endpoint, clientId: 'c', clientSecret: 's', cacheTtl: 30 }, () => now)
    active = true
    calls = 0
    const claims = { jti: 'cache-1', exp: now / 1000 + 10 }
    assert.equal(await check.isActive('t', claims), true)
    assert.equal(await check.isActive('t', claims), true)
    assert.equal(calls, 1)
    now += 10_000 // exp reached, well within cacheTtl: the entry is gone
    assert.equal(await check.isActive('t', claims), true)
    assert.equal(calls, 2)
    active = false
    const revoked = { jti: 'cache-2', exp: now / 1000 + 3600 }
    assert.equal(await check.isActive('t', revoked), false)
    now += 3_000_000
    assert.equal(await check.isActive('t', revoked), false)
    assert.equal(calls, 3)
    active = true
  })

  test('concurrent requests for one token share one call', async () => {
    const check = createIntrospectionCheck({ endpoint, clientId: 'c', clientSecret: 's' })
    calls = 0
    delay = 50
    const claims = { jti: 'flight-1', exp: Date.now() / 1000 + 60 }
    await Promise.all(Array.from({ length: 10 }, () => check.isActive('t', claims)))
    delay = 0
    assert.equal(calls, 1)
  })

  test('the cache is bounded', async () => {
    const check = createIntrospectionCheck({ endpoint, clientId: 'c', clientSecret: 's', maxEntries: 2 })
    calls = 0
    const exp = Date.now() / 1000 + 60
    for (const jti of ['b1', 'b2', 'b3', 'b1']) await check.isActive('t', { jti, exp })
    assert.equal(calls, 4) // b1 was evicted by b3
  })

  test('in the guard: inactive is 401 revoked, a failing endpoint is 503 and is not cached', async () => {
    const issuer = await startIssuer()
    try {
      const guard = createGuard({
        issuer: issuer.issuer,
        jwksUri: issuer.jwksUri,
        allowHttp: true,
        audience: AUDIENCE,
        algorithms: ['ES256'],
        revocation: { introspection: { endpoint, clientId: 'c', clientSecret: 's' } },
      })
      active = false
      assert.ok((await guard.authenticate(get(await issuer.mint()))) instanceof InvalidTokenError)
      active = true
      failing = true
      const token = await issuer.mint()
      assert.ok((await guard.authenticate(get(token))) instanceof ServiceUnavailableError)
      failing = false
      assert.ok(!((await guard.authenticate(get(token))) instanceof Error))
    } finally {
      failing = false
      active = true
      await issuer.close()
    }
  })
})
