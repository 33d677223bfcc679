// The jti denylist in Redis (the guard's key format): a revoked token is refused with 401
// invalid_token, also after the same token was accepted and its verification cached. Needs Redis,
// like the guard's denylist tests.
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { decodeJWTUnverified } from 'jotjwt'
import { createRedisDenylist, REVOKED_KEY_PREFIX } from 'jotjwt-guard/redis'
import type { RunningGateway } from 'jotjwt-gateway'
import { AUDIENCE, startIssuer, type TestIssuer } from '../../guard/test/helpers/issuer.js'
import { connectRedis, REDIS_URL } from '../../guard/test/helpers/redis.js'
import { ask, bearer, start } from './helpers/gateway.js'

describe('jti denylist in Redis', () => {
  const prefix = `${REVOKED_KEY_PREFIX}gateway-test-${process.pid}-`
  let issuer: TestIssuer
  let gateway: RunningGateway
  let redis: Awaited<ReturnType<typeof connectRedis>>
  const config = (url: string) => ({
    trustedProxies: ['127.0.0.1'],
    revocation: { redis: { url, prefix } },
    cache: true,
    providers: { orders: { issuer: issuer.issuer, jwks: { remote: { url: issuer.jwksUri } }, allowHttp: true, audiences: [AUDIENCE], algorithms: ['ES256'], profile: 'rfc9068' } },
    rules: [{ requires: { provider: 'orders' } }],
  })
  before(async () => {
    issuer = await startIssuer()
    redis = await connectRedis()
    gateway = await start(config(REDIS_URL))
  })
  after(async () => {
    await gateway?.close()
    await issuer?.close()
    if (redis?.isOpen) {
      for await (const keys of redis.scanIterator({ MATCH: `${prefix}*` })) if (keys.length > 0) await redis.del(keys)
      await redis.quit()
    }
  })

  test('a token revoked after it was accepted (and cached) is refused from then on', async () => {
    const token = await issuer.mint()
    assert.equal((await ask(gateway, 'GET', '/orders', bearer(token))).status, 200)
    assert.equal(gateway.gateway.cache?.entries, 1, 'the verification is cached: the next request is a hit')
    const { jti, exp } = decodeJWTUnverified(token).payload as { jti: string; exp: number }
    await createRedisDenylist(redis, { prefix }).revoke(jti, exp)
    const refused = await ask(gateway, 'GET', '/orders', bearer(token))
    assert.equal(refused.status, 401)
    assert.equal(refused.headers['www-authenticate'], 'Bearer realm="api", error="invalid_token", error_description="the access token was revoked"')
    assert.equal((await ask(gateway, 'GET', '/orders', bearer(await issuer.mint()))).status, 200, 'other tokens pass')
  })
})
