import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { OAuthError } from '../src/oauth/errors.js'
import { createRateLimiter } from '../src/oauth/rate-limit.js'
import { handleTokenRequest } from '../src/oauth/token.js'
import { T0, basic, createTestContext, form, rejectsWith, secretClient } from './oauth-helpers.js'

/** Seconds until `limit` lets the next request through, or 0 when it does now. */
function retryAfter(limit: (clientId: string, now: number) => void, clientId: string, now: number): number {
  try {
    limit(clientId, now)
    return 0
  } catch (error) {
    assert.ok(error instanceof OAuthError)
    assert.equal(error.status, 429)
    return Number(error.headers['Retry-After'])
  }
}

describe('token endpoint rate limit', () => {
  it('allows the configured number per window and answers 429 with Retry-After beyond it', () => {
    const limit = createRateLimiter({ limit: 3, window: 60, what: 'token requests' })
    const start = 600 * 60 // the start of a fixed window
    for (let i = 0; i < 3; i++) assert.equal(retryAfter(limit, 'a', start + i), 0)
    // Fits again once the previous window's weighted count leaves room: at start + 60 + 20,
    // 3 × (1 − 20/60) + 1 = 3 ≤ 3; that is 77 s after start + 3.
    assert.equal(retryAfter(limit, 'a', start + 3), 77)
    assert.equal(retryAfter(limit, 'b', start + 3), 0, 'other clients have their own budget')
    assert.ok(retryAfter(limit, 'a', start + 60 + 19) > 0)
    assert.equal(retryAfter(limit, 'a', start + 60 + 20), 0)
  })

  it('slides: no double burst across a window boundary', () => {
    const limit = createRateLimiter({ limit: 10, window: 60, what: 'token requests' })
    const boundary = 1000 * 60
    for (let i = 0; i < 10; i++) assert.equal(retryAfter(limit, 'a', boundary - 1), 0)
    // A fixed window would allow 10 more at the boundary; the sliding window allows none yet.
    assert.ok(retryAfter(limit, 'a', boundary) > 0)
  })

  it('forgets a window two windows old', () => {
    const limit = createRateLimiter({ limit: 1, window: 10, what: 'token requests' })
    assert.equal(retryAfter(limit, 'a', 100), 0)
    assert.equal(retryAfter(limit, 'a', 100), 20)
    assert.equal(retryAfter(limit, 'a', 120), 0)
  })

  it('is off at 0', () => {
    const limit = createRateLimiter({ limit: 0, window: 60, what: 'token requests' })
    for (let i = 0; i < 100; i++) assert.equal(retryAfter(limit, 'a', T0), 0)
  })

  it('applies to authenticated token requests, with a JSON error body', async () => {
    const client = await secretClient('svc', 'a-long-enough-client-secret')
    const { ctx } = createTestContext({ clients: [client], config: { rateLimit: { tokenRequestsPerClient: 2, window: '1m' } } })
    const request = (secret: string) => handleTokenRequest(form({ grant_type: 'client_credentials' }, { authorization: basic('svc', secret) }), ctx)
    // Failed authentications do not spend the client's budget (they cannot be attributed to it).
    await rejectsWith(request('wrong'), 'invalid_client')
    await request('a-long-enough-client-secret')
    await request('a-long-enough-client-secret')
    const error = await rejectsWith(request('a-long-enough-client-secret'), 'temporarily_unavailable', 429)
    assert.ok(Number(error.headers['Retry-After']) >= 1)
    assert.equal(error.body().error, 'temporarily_unavailable')
  })
})
