/**
 * Remote key sets against a real HTTP server on 127.0.0.1 (plain HTTP explicitly allowed): rotation,
 * the fetch budget under a flood of unknown kids, outages of every kind with stale-if-error and then
 * ERR_JWKS_STALE, Cache-Control within bounds over simulated time, and the operational extras
 * (HTTPS-only default, headers, custom fetch, persisted state, events). Server requests are counted;
 * time is the injectable clock (kept in milliseconds), except for the real (short) fetch timeout and
 * one smoke test on the real clock.
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import {
  type Duration,
  type JotErrorCode,
  type KeySetEvent,
  type JotKey,
  type JWK,
  type RemoteKeySetOptions,
  createRemoteKeySet,
  createVerifier,
  exportJWK,
  generateKeyPair,
  isJotError,
  signJWT,
} from 'jotjwt'
import { eventually, fakeClock, startServer, within, withoutUnhandledRejections, type Mode, type TestServer } from './server.js'

async function rejectsWith(promise: Promise<unknown>, code: JotErrorCode, causeCode?: JotErrorCode): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(isJotError(error), `expected a JotError, got ${String(error)}`)
    assert.equal(error.code, code, `${error.name}: ${error.message}`)
    if (causeCode !== undefined) {
      assert.ok(isJotError(error.cause), `expected a JotError cause, got ${String(error.cause)}`)
      assert.equal(error.cause.code, causeCode, error.cause.message)
    }
    return true
  })
}

const PATH = '/jwks.json'
const k1 = await generateKeyPair('ES256', { kid: 'k1' })
const k2 = await generateKeyPair('ES256', { kid: 'k2' })
const jwk1 = await exportJWK(k1.publicKey)
const jwk2 = await exportJWK(k2.publicKey)

let server: TestServer
before(async () => {
  server = await startServer()
})
after(() => server.close())

/** A fresh path per test, so request counts are independent. */
let paths = 0
function setup(keys: JWK[], options: RemoteKeySetOptions = {}) {
  const path = `/t${++paths}${PATH}`
  server.mode = 'ok'
  server.cacheControl = undefined
  server.age = undefined
  server.gate = undefined
  server.documents.set(path, { keys })
  const clock = fakeClock()
  const events: KeySetEvent[] = []
  let started = 0
  const keySet = createRemoteKeySet(server.origin + path, {
    allowHttp: true,
    currentTime: clock.currentTime,
    onEvent: (event) => events.push(event),
    fetch: (input, init) => {
      started++
      return fetch(input, init)
    },
    ...options,
  })
  const verify = createVerifier({ key: keySet, currentTime: clock.currentTime, requireExpiration: false })
  const token = (key: JotKey, kid?: string) =>
    signJWT({ sub: 'u' }, key, { issuedAt: clock.now, ...(kid === undefined ? {} : { kid }) })
  // Refreshes of expired or expiring keys run behind the answer: wait until every started fetch has reported.
  const settled = () => events.filter((e) => e.type === 'fetch' || e.type === 'fetch-failed').length
  const idle = () => eventually(() => started === settled(), 3000, 'background refresh settled')
  return { path, clock, events, keySet, verify, token, idle, requests: () => server.count(path) }
}

describe('remote key set: rotation', () => {
  it('a token with a newly published kid verifies on the first try', async () => {
    const { path, clock, verify, token, requests } = setup([jwk1])
    await verify(await token(k1.privateKey))
    assert.equal(requests(), 1)
    clock.advance(60) // the issuer rotates a minute later: past the cooldown, long before expiry
    server.documents.set(path, { keys: [jwk1, jwk2] })
    const { key } = await verify(await token(k2.privateKey))
    assert.equal(key.kid, 'k2')
    assert.equal(requests(), 2)
    await verify(await token(k1.privateKey))
    assert.equal(requests(), 2)
  })
})

describe('remote key set: the hot path', () => {
  it('fresh, imported keys answer synchronously; a first use, an unknown kid, stale keys and bad headers answer with a promise', async () => {
    const { clock, keySet, idle } = setup([jwk1])
    const header = { alg: 'ES256', kid: 'k1' }
    assert.ok(keySet(header, { serialization: 'compact' }) instanceof Promise) // not fetched yet
    await keySet(header, { serialization: 'compact' })
    const now = keySet(header, { serialization: 'compact' })
    assert.ok(Array.isArray(now), 'an array, not a promise')
    assert.equal((now as JotKey[])[0]!.kid, 'k1')
    const unknown = keySet({ alg: 'ES256', kid: 'k9' }, { serialization: 'compact' })
    assert.ok(unknown instanceof Promise)
    await rejectsWith(unknown as Promise<unknown>, 'ERR_JWKS_NO_MATCHING_KEY')
    let bad: unknown
    assert.doesNotThrow(() => {
      bad = keySet(null as never, { serialization: 'compact' })
    })
    await rejectsWith(bad as Promise<unknown>, 'ERR_INVALID_ARGUMENT')
    clock.advance(601) // past the default 10 minutes: stale keys still answer, but through the path that reports it
    const stale = keySet(header, { serialization: 'compact' })
    assert.ok(stale instanceof Promise)
    await stale
    await idle()
  })
})

describe('remote key set: fetch budget', () => {
  it('1,000 concurrent verifications with random unknown kids cost at most one fetch per cooldown window', async () => {
    await withoutUnhandledRejections(async () => {
      const { clock, verify, token, requests, events } = setup([jwk1], { cooldown: 30 })
      const valid = await token(k1.privateKey)
      await verify(valid)
      assert.equal(requests(), 1)
      const flood = async () => {
        const tokens = await Promise.all(Array.from({ length: 1000 }, () => token(k1.privateKey, crypto.randomUUID())))
        const results = await Promise.allSettled([...tokens.map((t) => verify(t)), verify(valid)])
        const rejected = results.slice(0, 1000).filter((r) => r.status === 'rejected')
        assert.equal(rejected.length, 1000)
        for (const r of rejected) assert.equal((r as PromiseRejectedResult).reason.code, 'ERR_JWKS_NO_MATCHING_KEY')
        assert.equal(results[1000]!.status, 'fulfilled', 'a known key keeps verifying during the flood')
      }
      await flood() // same window as the initial fetch
      assert.equal(requests(), 1)
      for (let window = 1; window <= 3; window++) {
        clock.advance(31)
        await flood()
        assert.equal(requests(), 1 + window)
        clock.advance(10)
        await flood() // still inside the window
        assert.equal(requests(), 1 + window)
      }
      assert.equal(events.filter((e) => e.type === 'fetch' && e.reason === 'unknown-kid').length, 3)
      assert.ok(events.filter((e) => e.type === 'unknown-kid' && e.action === 'cooldown').length > 3000)
    })
  })

  it('a kid found absent is answered from the negative cache until the cooldown allows a fetch', async () => {
    const { clock, verify, token, requests, events } = setup([jwk1], { cooldown: 10 })
    await verify(await token(k1.privateKey))
    clock.advance(11)
    const ghost = await token(k1.privateKey, 'ghost')
    await rejectsWith(verify(ghost), 'ERR_JWKS_NO_MATCHING_KEY')
    assert.equal(requests(), 2)
    clock.advance(5)
    await rejectsWith(verify(ghost), 'ERR_JWKS_NO_MATCHING_KEY')
    assert.equal(requests(), 2)
    assert.ok(events.some((e) => e.type === 'unknown-kid' && e.action === 'negative-cache'))
    clock.advance(6)
    await rejectsWith(verify(ghost), 'ERR_JWKS_NO_MATCHING_KEY')
    assert.equal(requests(), 3)
  })

  it('a next kid probed before its publication verifies as soon as the cooldown has passed', async () => {
    const { path, clock, verify, token, requests } = setup([jwk1]) // defaults: 30 s cooldown
    await verify(await token(k1.privateKey))
    clock.advance(31)
    await rejectsWith(verify(await token(k2.privateKey)), 'ERR_JWKS_NO_MATCHING_KEY') // an attacker guesses the next kid
    assert.equal(requests(), 2)
    server.documents.set(path, { keys: [jwk1, jwk2] })
    clock.advance(31)
    const { key } = await verify(await token(k2.privateKey))
    assert.equal(key.kid, 'k2')
    assert.equal(requests(), 3)
  })

  it('tokens no key could ever match (HS256, unknown alg) cause no fetch', async () => {
    const { verify, requests } = setup([jwk1])
    const header = (alg: string) => Buffer.from(JSON.stringify({ alg, kid: 'x' })).toString('base64url')
    await rejectsWith(verify(`${header('HS256')}.e30.c2ln`), 'ERR_JWKS_NO_MATCHING_KEY')
    await rejectsWith(verify(`${header('XX999')}.e30.c2ln`), 'ERR_JWKS_NO_MATCHING_KEY')
    assert.equal(requests(), 0)
  })
})

describe('remote key set: outages (stale-if-error, then ERR_JWKS_STALE)', () => {
  const failures: Array<[Mode, JotErrorCode]> = [
    ['down', 'ERR_JWKS_FETCH_FAILED'],
    ['status-500', 'ERR_JWKS_FETCH_FAILED'],
    ['garbage', 'ERR_JWKS_INVALID'],
    ['oversize', 'ERR_JWKS_FETCH_FAILED'],
    ['redirect', 'ERR_JWKS_FETCH_FAILED'],
    ['hang', 'ERR_JWKS_TIMEOUT'],
    ['hang-body', 'ERR_JWKS_TIMEOUT'],
  ]
  for (const [mode, code] of failures) {
    it(`${mode}: known keys keep verifying up to maxStale, then ${'ERR_JWKS_STALE'} (cause ${code})`, async () => {
      await withoutUnhandledRejections(async () => {
        const { clock, verify, token, requests, events, idle } = setup([jwk1], {
          cacheMaxAge: 60,
          maxStale: 1000,
          cooldown: 60,
          timeout: 0.2,
          maxResponseBytes: 64 * 1024,
        })
        const known = await token(k1.privateKey)
        await verify(known)
        server.mode = mode
        clock.advance(61) // expired, and past the cooldown: a refresh starts behind the answer and fails
        await verify(known)
        await idle()
        assert.equal(requests(), 2)
        const failed = events.filter((e) => e.type === 'fetch-failed')
        assert.equal(failed.length, 1)
        assert.equal((failed[0] as { error: { code: string } }).error.code, code)
        assert.ok(events.some((e) => e.type === 'stale'))
        await rejectsWith(verify(await token(k2.privateKey)), 'ERR_JWKS_NO_MATCHING_KEY')
        for (let t = 0; t < 400; t += 50) {
          clock.advance(50)
          await verify(known)
        }
        await idle()
        clock.advance(600) // 1001 s past expiry: more than maxStale
        await rejectsWith(verify(known), 'ERR_JWKS_STALE', code)
        await rejectsWith(verify(known), 'ERR_JWKS_STALE') // inside the cooldown: no new fetch
        server.mode = 'ok'
        clock.advance(61)
        await verify(known) // recovery
      })
    })
  }

  it('expired keys within maxStale answer at once; the refresh never makes a request wait', async () => {
    await withoutUnhandledRejections(async () => {
      const { clock, verify, token, events, idle } = setup([jwk1], { timeout: 1, cacheMaxAge: 60, cooldown: 30 })
      const known = await token(k1.privateKey)
      await verify(known)
      server.mode = 'hang'
      for (let round = 0; round < 3; round++) {
        clock.advance(61)
        const started = performance.now()
        await verify(known)
        const took = performance.now() - started
        assert.ok(took < 500, `a stale answer took ${Math.round(took)} ms (the refresh timeout is 1 s)`)
      }
      await idle()
      assert.ok(events.some((e) => e.type === 'fetch-failed' && e.error.code === 'ERR_JWKS_TIMEOUT'))
    })
  })

  it('a custom fetch that ignores the abort signal still times out, headers or body, and the set recovers', async () => {
    await withoutUnhandledRejections(async () => {
      let behaviour: 'never' | 'stall-body' | 'ok' = 'never'
      const body = JSON.stringify({ keys: [jwk1] })
      const { clock, verify, token } = setup([jwk1], {
        timeout: 0.1,
        cooldown: 1,
        fetch: async () => {
          if (behaviour === 'never') return new Promise<Response>(() => undefined)
          if (behaviour === 'ok') return new Response(body, { status: 200 })
          const stalled = new ReadableStream<Uint8Array>({ start: (controller) => controller.enqueue(new TextEncoder().encode('{"keys":[')) })
          return new Response(stalled, { status: 200 })
        },
      })
      const known = await token(k1.privateKey)
      await within(2000, rejectsWith(verify(known), 'ERR_JWKS_TIMEOUT'))
      clock.advance(2)
      behaviour = 'stall-body'
      await within(2000, rejectsWith(verify(known), 'ERR_JWKS_TIMEOUT'))
      clock.advance(2)
      behaviour = 'ok'
      await within(2000, verify(known))
    })
  })

  it('an endpoint that never worked fails with the fetch error, at most once per cooldown', async () => {
    await withoutUnhandledRejections(async () => {
      const { clock, verify, token, requests } = setup([jwk1], { cooldown: 30 })
      server.mode = 'status-500'
      const known = await token(k1.privateKey)
      await Promise.all(Array.from({ length: 50 }, () => rejectsWith(verify(known), 'ERR_JWKS_FETCH_FAILED')))
      assert.equal(requests(), 1)
      clock.advance(31)
      server.mode = 'ok'
      await verify(known)
      assert.equal(requests(), 2)
    })
  })

  it('a port with nothing listening fails cleanly', async () => {
    await withoutUnhandledRejections(async () => {
      const gone = await startServer()
      const origin = gone.origin
      await gone.close()
      const keySet = createRemoteKeySet(`${origin}/jwks.json`, { allowHttp: true })
      await rejectsWith(createVerifier({ key: keySet })(await signJWT({}, k1.privateKey, { expiresIn: 60 })), 'ERR_JWKS_FETCH_FAILED')
    })
  })
})

describe('remote key set: Cache-Control within bounds (simulated time)', () => {
  it('honours max-age, clamps it to [minCacheAge, maxCacheAge], subtracts Age, treats no-store as the minimum', async () => {
    const { clock, verify, token, requests, idle } = setup([jwk1], { minCacheAge: 60, maxCacheAge: 300, refreshAhead: 0 })
    const known = await token(k1.privateKey)
    const expectFetchesOver = async (cacheControl: string, age: number | undefined, lifetime: number) => {
      server.cacheControl = cacheControl
      server.age = age
      clock.advance(100_000) // expire whatever is cached
      const before = requests()
      await verify(known)
      assert.equal(requests(), before + 1)
      clock.advance(lifetime - 1)
      await verify(known)
      assert.equal(requests(), before + 1, `${cacheControl}: still fresh after ${lifetime - 1} s`)
      clock.advance(2)
      await verify(known)
      await idle()
      assert.equal(requests(), before + 2, `${cacheControl}: refetched after ${lifetime + 1} s`)
    }
    await expectFetchesOver('public, max-age=120', undefined, 120)
    await expectFetchesOver('max-age=5', undefined, 60)
    await expectFetchesOver('max-age=100000', undefined, 300)
    await expectFetchesOver('max-age=200', 50, 150)
    await expectFetchesOver('no-store', undefined, 60)
    await expectFetchesOver('private', undefined, 300) // no max-age: cacheMaxAge (600) clamped to 300
  })

  it('counts requests over an hour of traffic: one per max-age', async () => {
    const { clock, verify, token, requests, idle } = setup([jwk1], { refreshAhead: 0 })
    server.cacheControl = 'max-age=300'
    const known = await token(k1.privateKey)
    for (let second = 0; second < 3600; second += 10) {
      await verify(known)
      await idle()
      clock.advance(10)
    }
    assert.equal(requests(), 12)
  })

  it('refreshes ahead of expiry in the background', async () => {
    const { clock, verify, token, requests, events, idle } = setup([jwk1], { refreshAhead: 30 })
    server.cacheControl = 'max-age=300'
    const known = await token(k1.privateKey)
    await verify(known)
    clock.advance(265)
    await verify(known)
    assert.equal(requests(), 1)
    clock.advance(10) // 25 s before expiry
    await verify(known) // answered from the cache; the refresh runs behind it
    await idle()
    assert.equal(requests(), 2)
    assert.ok(events.some((e) => e.type === 'fetch' && e.reason === 'refresh-ahead'))
  })
})

describe('remote key set: configuration and state', () => {
  it('is HTTPS only unless plain HTTP is explicitly allowed', () => {
    for (const uri of ['http://127.0.0.1/jwks.json', 'ftp://x/jwks', 'not a url']) {
      assert.throws(() => createRemoteKeySet(uri), (e: unknown) => isJotError(e) && e.code === 'ERR_INVALID_ARGUMENT')
    }
    createRemoteKeySet('https://issuer.example/jwks.json')
  })

  it('sends custom headers and uses a custom fetch', async () => {
    let calls = 0
    const { path, verify, token } = setup([jwk1], {
      headers: { authorization: 'Bearer sidecar' },
      fetch: (input, init) => {
        calls++
        return fetch(input, init)
      },
    })
    await verify(await token(k1.privateKey))
    assert.equal(calls, 1)
    assert.equal(server.lastHeaders.get(path)?.authorization, 'Bearer sidecar')
  })

  it('exports and restores its cache state (serverless cold starts skip the fetch)', async () => {
    const { path, clock, keySet, verify, token, requests } = setup([jwk1])
    await verify(await token(k1.privateKey))
    const state = JSON.parse(JSON.stringify(keySet.exportState()))
    const restored = createRemoteKeySet(server.origin + path, { allowHttp: true, currentTime: clock.currentTime, state })
    await createVerifier({ key: restored, currentTime: clock.currentTime })(await signJWT({}, k1.privateKey, { expiresAt: clock.now + 60 }))
    assert.equal(requests(), 1)
    assert.deepEqual(restored.exportState(), state)
    assert.throws(
      () => createRemoteKeySet(`${server.origin}/other`, { allowHttp: true, state }),
      (e: unknown) => isJotError(e) && e.code === 'ERR_INVALID_ARGUMENT',
    )
  })

  it('reload() fetches now; a throwing onEvent hook never breaks verification', async () => {
    const { keySet, verify, token, requests } = setup([jwk1], {
      onEvent: () => {
        throw new Error('metrics down')
      },
    })
    await keySet.reload()
    await keySet.reload()
    assert.equal(requests(), 2)
    await verify(await token(k1.privateKey))
    assert.equal(requests(), 2)
  })
})

describe('remote key set: bounded memory for unknown kids', () => {
  it('a kid longer than 256 characters (and than every kid of the set) costs no fetch', async () => {
    const long = 'L'.repeat(300)
    const { clock, verify, token, requests } = setup([jwk1, { ...jwk2, kid: long }])
    await verify(await token(k1.privateKey))
    for (const kid of ['x'.repeat(4000), 'y'.repeat(301)]) {
      clock.advance(31) // past the cooldown each time
      await rejectsWith(verify(await token(k1.privateKey, kid)), 'ERR_JWKS_NO_MATCHING_KEY')
      assert.equal(requests(), 1, `a ${kid.length}-character kid caused a fetch`)
    }
    clock.advance(31)
    await rejectsWith(verify(await token(k1.privateKey, 'z'.repeat(300))), 'ERR_JWKS_NO_MATCHING_KEY') // as long as a real kid
    assert.equal(requests(), 2)
    assert.equal((await verify(await token(k2.privateKey, long))).key.kid, long)
  })

  it('remembers at most 1,000 absent kids', async () => {
    const { clock, verify, token, events } = setup([jwk1])
    await verify(await token(k1.privateKey))
    clock.advance(31)
    const ghosts = await Promise.all(Array.from({ length: 1500 }, (_, i) => token(k1.privateKey, `ghost-${i}`)))
    await Promise.allSettled(ghosts.map((ghost) => verify(ghost))) // all share one fetch and are found absent
    events.length = 0
    await Promise.allSettled(ghosts.map((ghost) => verify(ghost)))
    const remembered = events.filter((e) => e.type === 'unknown-kid' && e.action === 'negative-cache').length
    assert.equal(remembered, 1000)
  })
})

describe('remote key set: timing to the millisecond (simulated time)', () => {
  /** An unknown kid, so each probe asks the budget for a fetch (never the negative cache). */
  let probes = 0
  const probe = async (verify: (token: string) => Promise<unknown>, token: (key: JotKey, kid?: string) => Promise<string>) =>
    rejectsWith(verify(await token(k1.privateKey, `probe-${++probes}`)), 'ERR_JWKS_NO_MATCHING_KEY')

  const cooldowns: Array<[Duration, number]> = [
    [0.3, 300],
    ['0.3s', 300],
    [2, 2000],
  ]
  for (const [cooldown, ms] of cooldowns) {
    it(`a cooldown of ${JSON.stringify(cooldown)} lasts exactly ${ms} ms, even across a second boundary`, async () => {
      const { clock, verify, token, requests, events } = setup([jwk1], { cooldown })
      clock.advanceMs(900) // the clock is 100 ms short of a whole second
      await verify(await token(k1.privateKey))
      assert.equal(requests(), 1)
      clock.advanceMs(100) // a whole second now, still inside the window
      await probe(verify, token)
      clock.advanceMs(ms - 101) // 1 ms before the window ends
      await probe(verify, token)
      assert.equal(requests(), 1, `a fetch ${ms - 1} ms into a ${ms} ms cooldown`)
      assert.equal(events.filter((e) => e.type === 'unknown-kid' && e.action === 'cooldown').length, 2)
      clock.advanceMs(1)
      await probe(verify, token)
      assert.equal(requests(), 2, `no fetch once the ${ms} ms cooldown had passed`)
    })
  }

  it('the cooldown counts from the end of a fetch: a slow endpoint is not asked again at once', async () => {
    const { clock, verify, token, requests } = setup([jwk1], { cooldown: 2 })
    await verify(await token(k1.privateKey))
    clock.advance(2)
    let answer!: () => void
    server.gate = new Promise((resolve) => (answer = resolve))
    const slow = probe(verify, token) // starts a fetch the endpoint takes 5 s to answer
    await eventually(() => requests() === 2, 3000, 'the slow request reached the server')
    clock.advance(5)
    answer()
    await slow
    clock.advanceMs(1999)
    await probe(verify, token)
    assert.equal(requests(), 2, 'a fetch 1999 ms after the previous one ended, with a 2 s cooldown')
    clock.advanceMs(1)
    await probe(verify, token)
    assert.equal(requests(), 3)
  })

  it('the cooldown counts from the timeout of a hanging fetch: an outage is not retried back to back', async () => {
    await withoutUnhandledRejections(async () => {
      const { clock, verify, token, requests } = setup([jwk1], { cooldown: 1, timeout: 0.2 })
      await verify(await token(k1.privateKey))
      clock.advance(1)
      server.mode = 'hang'
      const hanging = probe(verify, token)
      await eventually(() => requests() === 2, 3000, 'the hanging request reached the server')
      clock.advance(3) // simulated time passes while the request hangs, until the timeout ends it
      await hanging
      await probe(verify, token)
      clock.advanceMs(999)
      await probe(verify, token)
      assert.equal(requests(), 2, 'a fetch within 1 s of the previous timeout')
      clock.advanceMs(1)
      await probe(verify, token)
      assert.equal(requests(), 3)
    })
  })

  const lifetimes: Array<[string, string | undefined, number]> = [
    ['cacheMaxAge 1.5 s', undefined, 1500],
    ['Cache-Control max-age=2', 'max-age=2', 2000],
  ]
  for (const [what, cacheControl, lifetime] of lifetimes) {
    it(`${what}: fresh for exactly ${lifetime} ms, then stale for exactly maxStale (2.5 s)`, async () => {
      await withoutUnhandledRejections(async () => {
        const { clock, verify, token, requests, events, idle, keySet } = setup([jwk1], {
          cacheMaxAge: 1.5,
          minCacheAge: 1,
          maxCacheAge: 10,
          cooldown: 0.5,
          refreshAhead: 0,
          maxStale: 2.5,
        })
        server.cacheControl = cacheControl
        clock.advanceMs(900)
        const known = await token(k1.privateKey)
        await verify(known)
        const fetchedAt = clock.now
        clock.advanceMs(lifetime - 1)
        await verify(known)
        assert.equal(requests(), 1, `refetched ${lifetime - 1} ms into a ${lifetime} ms lifetime`)
        assert.ok(!events.some((e) => e.type === 'stale'), `stale ${lifetime - 1} ms into a ${lifetime} ms lifetime`)
        assert.deepEqual(keySet.exportState(), { uri: keySet.uri, jwks: { keys: [jwk1] }, fetchedAt, expiresAt: fetchedAt + lifetime / 1000 })
        assert.deepEqual(
          events.filter((e) => e.type === 'fetch').map((e) => (e as { maxAge: number }).maxAge),
          [lifetime / 1000],
        )
        server.mode = 'status-500'
        clock.advanceMs(1) // expired: answered from the cache while a refresh fails behind it
        await verify(known)
        await idle()
        assert.equal(requests(), 2)
        clock.advanceMs(2499) // 1 ms short of maxStale past expiry: still answered
        await verify(known)
        await idle()
        const stale = events.filter((e) => e.type === 'stale').map((e) => (e as { staleFor: number }).staleFor)
        assert.deepEqual(stale, [0, 2.499])
        clock.advanceMs(1) // maxStale past expiry (the last refresh ended 1 ms ago: no fetch allowed)
        await rejectsWith(verify(known), 'ERR_JWKS_STALE')
        assert.equal(requests(), 3)
      })
    })
  }

  it('persisted state keeps its milliseconds: the cooldown resumes exactly', async () => {
    const { path, clock, keySet, verify, token, requests } = setup([jwk1], { cooldown: 0.3 })
    clock.advanceMs(900)
    await verify(await token(k1.privateKey))
    const state = JSON.parse(JSON.stringify(keySet.exportState()))
    clock.advanceMs(299)
    const restored = createRemoteKeySet(server.origin + path, { allowHttp: true, currentTime: clock.currentTime, cooldown: 0.3, state })
    const verifyRestored = createVerifier({ key: restored, currentTime: clock.currentTime, requireExpiration: false })
    await probe(verifyRestored, token)
    assert.equal(requests(), 1, 'the restored cooldown ended early')
    clock.advanceMs(1)
    await probe(verifyRestored, token)
    assert.equal(requests(), 2)
  })
})

describe('remote key set: real clock (smoke test)', () => {
  it('a storm of unknown kids within one cooldown costs exactly one fetch, and the window then reopens', async () => {
    await withoutUnhandledRejections(async () => {
      // No injected clock: Date.now. No assertion on elapsed time, only on request counts.
      const path = `/t${++paths}${PATH}`
      server.mode = 'ok'
      server.cacheControl = undefined
      server.age = undefined
      server.gate = undefined
      server.documents.set(path, { keys: [jwk1] })
      const keySet = createRemoteKeySet(server.origin + path, { allowHttp: true, cooldown: 1 })
      const verify = createVerifier({ key: keySet })
      const ghost = () => signJWT({}, k1.privateKey, { expiresIn: 60, kid: crypto.randomUUID() })
      const storm = await Promise.all(Array.from({ length: 200 }, ghost))
      const results = await Promise.allSettled(storm.map((t) => verify(t)))
      assert.ok(results.every((r) => r.status === 'rejected' && r.reason.code === 'ERR_JWKS_NO_MATCHING_KEY'))
      assert.equal(server.count(path), 1, 'the storm shared the first fetch and then met the cooldown')
      const next = await Promise.all(Array.from({ length: 200 }, ghost))
      let round = 0
      // Probe until the second fetch reaches the server, looking before each probe: a third fetch would
      // need the second one to have ended, hence to have been counted, first.
      await eventually(
        () => {
          if (server.count(path) >= 2) return true
          void Promise.allSettled([verify(next[round++ % next.length]!)])
          return false
        },
        10_000,
        'a fetch once the 1 s cooldown had passed',
      )
      assert.equal(server.count(path), 2)
    })
  })
})

describe('remote key set: option and state validation', () => {
  const uri = 'https://issuer.example/jwks.json'
  const invalid = (e: unknown) => isJotError(e) && e.code === 'ERR_INVALID_ARGUMENT'

  it('refuses settings that defeat the cache or the fetch budget', () => {
    assert.throws(() => createRemoteKeySet(uri, { cooldown: 10, negativeCacheTtl: 11 }), invalid)
    assert.throws(() => createRemoteKeySet(uri, { minCacheAge: 60, refreshAhead: 60 }), invalid)
    assert.throws(() => createRemoteKeySet(uri, { minCacheAge: 60, cooldown: 61 }), invalid)
    assert.throws(() => createRemoteKeySet(uri, { timeout: 0 }), invalid)
    createRemoteKeySet(uri, { minCacheAge: 60, cooldown: 60, refreshAhead: 59, negativeCacheTtl: 60, timeout: 0.1 })
  })

  it('refuses a cacheMaxAge outside [minCacheAge, maxCacheAge], naming both values', () => {
    const names = (pattern: RegExp) => (e: unknown) => invalid(e) && pattern.test((e as Error).message)
    assert.throws(() => createRemoteKeySet(uri, { cacheMaxAge: 30, minCacheAge: 60 }), names(/cacheMaxAge \(30 s\).*minCacheAge \(60 s\)/))
    assert.throws(() => createRemoteKeySet(uri, { cacheMaxAge: 30 }), names(/cacheMaxAge \(30 s\).*minCacheAge \(60 s\)/))
    assert.throws(() => createRemoteKeySet(uri, { cacheMaxAge: '2d' }), names(/cacheMaxAge \(172800 s\).*maxCacheAge \(86400 s\)/))
    createRemoteKeySet(uri, { cacheMaxAge: 60, minCacheAge: 60, maxCacheAge: 60, cooldown: 30, refreshAhead: 30 })
    // Only a cacheMaxAge the caller chose is checked: the default (10 min) moves into the bounds.
    createRemoteKeySet(uri, { minCacheAge: 900 })
    createRemoteKeySet(uri, { maxCacheAge: 300 })
  })

  it('reads fractional string durations to the millisecond', () => {
    createRemoteKeySet(uri, { timeout: '0.2s' })
    assert.throws(() => createRemoteKeySet(uri, { cooldown: '0.4s', negativeCacheTtl: '0.5s' }), invalid)
  })

  it('restored state is bounded: expiry clamped to fetchedAt + maxCacheAge, fetchedAt in the future refused', async () => {
    const { path, clock, requests } = setup([jwk1])
    const restore = (fetchedAt: number, expiresAt: number) =>
      createRemoteKeySet(server.origin + path, {
        allowHttp: true,
        currentTime: clock.currentTime,
        maxCacheAge: 3600,
        state: { uri: server.origin + path, jwks: { keys: [jwk1] }, fetchedAt, expiresAt },
      })
    assert.throws(() => restore(clock.now + 86_400, clock.now + 365 * 86_400), invalid)
    restore(clock.now + 30, clock.now + 60) // a little clock skew between instances is fine
    const restored = restore(clock.now - 10, clock.now + 365 * 86_400)
    assert.equal(restored.exportState()!.expiresAt, clock.now - 10 + 3600)
    const verify = createVerifier({ key: restored, currentTime: clock.currentTime, requireExpiration: false })
    const known = await signJWT({}, k1.privateKey, { issuedAt: clock.now })
    await verify(known)
    assert.equal(requests(), 0)
    clock.advance(3600)
    await verify(known)
    await eventually(() => requests() === 1, 3000, 'a refresh after the clamped expiry')
  })
})
