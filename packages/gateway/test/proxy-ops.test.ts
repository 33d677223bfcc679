// Operating the reverse proxy: Prometheus counters that move with the decisions, access logs that
// never carry a token, hot reload from the file (a valid change applies, an invalid one keeps the
// running configuration and says why), readiness that waits for the keys, and a graceful stop.
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { request } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { WebSocket } from 'ws'
import { loadConfig, startProxy, validateConfig, type RunningProxy } from 'jotjwt-gateway'
import { AUDIENCE, CLIENT_ID, startIssuer, unsecuredToken, type TestIssuer } from '../../guard/test/helpers/issuer.js'
import { bearer, send } from './helpers/gateway.js'
import { logCollector, metric, startTestProxy, startUpstream, type TestUpstream } from './helpers/proxy.js'

/** Polls `check` until it holds (bounded: fails after 10 s). */
async function until(check: () => boolean | Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 500; i++) {
    if (await check()) return
    await sleep(20)
  }
  assert.fail(`never: ${what}`)
}

function corp(issuer: TestIssuer, extra: Record<string, unknown> = {}) {
  return { issuer: issuer.issuer, jwks: { remote: { url: issuer.jwksUri } }, allowHttp: true, audiences: [AUDIENCE], algorithms: ['ES256'], claimsToHeaders: [{ claim: 'sub', header: 'x-user' }], ...extra }
}

describe('metrics and access logs', () => {
  let issuer: TestIssuer
  let upstream: TestUpstream
  let proxy: RunningProxy
  const logs = logCollector()
  before(async () => {
    issuer = await startIssuer()
    upstream = await startUpstream('app')
    proxy = await startTestProxy(
      {
        providers: { corp: corp(issuer, { tokenSource: { header: true, query: true, cookie: 'session' } }) },
        rules: [
          { match: { pathPrefix: '/admin' }, requires: { provider: 'corp' }, authorize: { scopes: { all: ['admin'] } } },
          { match: { pathPrefix: '/down' }, requires: { provider: 'corp' }, route: [{ upstream: 'gone' }] },
          { match: { pathPrefix: '/' }, requires: { provider: 'corp' } },
        ],
        proxy: { upstreams: { app: { url: upstream.url }, gone: { url: 'http://127.0.0.1:9' } }, defaultUpstream: 'app' },
      },
      { logDestination: logs.destination },
    )
  })
  after(async () => {
    await proxy?.close()
    await upstream?.close()
    await issuer?.close()
  })

  test('counters move as requests are allowed and denied, by reason; JWKS fetches and upstream latency are counted', async () => {
    const allowed = () => metric(proxy, 'jot_gateway_requests_total', { decision: 'allowed' })
    const denied = (reason: string) => metric(proxy, 'jot_gateway_requests_total', { decision: 'denied', reason })
    const before = { allowed: await allowed(), missing: await denied('missing_token'), invalid: await denied('invalid_token'), scope: await denied('insufficient_scope') }
    const token = await issuer.mint()
    for (let i = 0; i < 3; i++) assert.equal((await send(`${proxy.url}/orders`, { headers: bearer(token) })).status, 200)
    assert.equal((await send(`${proxy.url}/orders`)).status, 401)
    assert.equal((await send(`${proxy.url}/orders`, { headers: bearer(unsecuredToken(issuer.issuer)) })).status, 401)
    assert.equal((await send(`${proxy.url}/orders`, { headers: bearer(await issuer.mint({}, { expiresIn: -600 })) })).status, 401)
    assert.equal((await send(`${proxy.url}/admin`, { headers: bearer(token) })).status, 403)
    assert.equal(await allowed(), before.allowed + 3)
    assert.equal(await denied('missing_token'), before.missing + 1)
    assert.equal(await denied('invalid_token'), before.invalid + 2)
    assert.equal(await denied('insufficient_scope'), before.scope + 1)
    assert.ok((await metric(proxy, 'jot_gateway_jwks_fetches_total', { provider: 'corp', result: 'ok' })) >= 1)
    assert.ok((await metric(proxy, 'jot_gateway_upstream_duration_seconds_count', { upstream: 'app', class: '2xx' })) >= 3)
    assert.equal((await send(`${proxy.url}/down`, { headers: bearer(token) })).status, 502)
    assert.equal(await metric(proxy, 'jot_gateway_upstream_failures_total', { upstream: 'gone', kind: 'unreachable' }), 1)
  })

  test('access logs name iss, sub, kid, the decision and failure code, and never contain a token', async () => {
    const sent: string[] = []
    const mint = async (claims?: Record<string, unknown>, options?: Parameters<TestIssuer['mint']>[1]) => {
      const token = await issuer.mint(claims, options)
      sent.push(token)
      return token
    }
    const good = await mint()
    await send(`${proxy.url}/orders/1?x=1`, { headers: bearer(good) })
    await send(`${proxy.url}/orders/2?access_token=${await mint()}&y=2`)
    await send(`${proxy.url}/orders/3`, { headers: { cookie: `session=${await mint()}` } })
    await send(`${proxy.url}/orders/4`, { headers: bearer(await mint({}, { expiresIn: -600 })) })
    await send(`${proxy.url}/admin`, { headers: bearer(await mint()) })
    await send(`${proxy.url}/down`, { headers: bearer(await mint()) })
    await send(`${proxy.url}/orders/${await mint()}`, { headers: bearer(good) })
    const tampered = `${good.slice(0, -4)}AAAA`
    sent.push(tampered)
    await send(`${proxy.url}/orders/5`, { headers: bearer(tampered) })
    const unsecured = unsecuredToken(issuer.issuer)
    sent.push(unsecured)
    await send(`${proxy.url}/orders/6`, { headers: bearer(unsecured) })
    const socket = new WebSocket(`${proxy.url.replace('http', 'ws')}/ws?access_token=${await mint()}`)
    await new Promise((resolve) => socket.once('error', resolve).once('unexpected-response', resolve))
    socket.terminate()
    await until(() => logs.entries().some((entry) => entry.target === '/orders/6'), 'the last request logged')

    const text = logs.lines.join('')
    for (const token of sent) {
      const [header, payload, signature] = token.split('.')
      for (const [part, value] of [['token', token], ['payload', payload], ['signature', signature], ['header.payload', `${header}.${payload}`]] as const) {
        if (value) assert.ok(!text.includes(value), `a log line contains a ${part}`)
      }
    }
    const entries = logs.entries().filter((entry) => entry.msg === 'request')
    const ok = entries.find((entry) => entry.target === '/orders/1?x=1')!
    assert.equal(ok.decision, 'allowed')
    assert.equal(ok.status, 200)
    assert.equal(ok.iss, issuer.issuer)
    assert.equal(ok.sub, 'orders-client')
    assert.match(String(ok.kid), /^k-/)
    assert.equal(typeof ok.ms, 'number')
    assert.equal(entries.find((entry) => entry.target === '/orders/2?access_token=[redacted]&y=2')?.status, 200)
    const expired = entries.find((entry) => entry.target === '/orders/4')!
    assert.deepEqual([expired.decision, expired.status, expired.failure, expired.cause, expired.iss], ['denied', 401, 'invalid_token', 'ERR_JWT_EXPIRED', issuer.issuer])
    assert.equal(entries.find((entry) => entry.target === '/admin')?.failure, 'insufficient_scope')
    assert.equal(entries.find((entry) => entry.target === '/down')?.upstreamFailure, 'unreachable')
    assert.ok(entries.some((entry) => entry.target === '/orders/[redacted]'))
  })
})

describe('hot reload', () => {
  let dir: string
  let issuer: TestIssuer
  let stable: TestUpstream
  let canary: TestUpstream
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'jot-proxy-reload-'))
    issuer = await startIssuer()
    stable = await startUpstream('stable')
    canary = await startUpstream('canary')
  })
  after(async () => {
    await Promise.all([stable?.close(), canary?.close(), issuer?.close()])
    rmSync(dir, { recursive: true, force: true })
  })

  const configText = (upstream: string) =>
    JSON.stringify({
      listen: { port: 0 },
      providers: { corp: corp(issuer) },
      rules: [{ requires: { provider: 'corp' }, route: [{ upstream }] }],
      proxy: { admin: { port: 0 }, upstreams: { stable: { url: stable.url }, canary: { url: canary.url } } },
    })

  test('a valid change to the file applies; an invalid one keeps the running configuration and logs why', async () => {
    const file = join(dir, 'gateway.json')
    writeFileSync(file, configText('stable'))
    const logs = logCollector()
    const proxy = await startProxy(await loadConfig(file), { configFile: file, logDestination: logs.destination })
    try {
      const token = await issuer.mint()
      const upstreamNow = async () => (JSON.parse((await send(`${proxy.url}/x`, { headers: bearer(token) })).body) as { upstream: string }).upstream
      assert.equal(await upstreamNow(), 'stable')

      writeFileSync(file, configText('canary'))
      await until(async () => (await metric(proxy, 'jot_gateway_config_reloads_total', { result: 'ok' })) === 1, 'the reload')
      assert.equal(await upstreamNow(), 'canary')

      writeFileSync(file, configText('canary').replace('"algorithms":["ES256"]', '"algorithms":[]'))
      await until(async () => (await metric(proxy, 'jot_gateway_config_reloads_total', { result: 'invalid' })) === 1, 'the refused reload')
      const refused = logs.entries().find((entry) => entry.msg === 'configuration refused: the running configuration stays')
      assert.ok(refused, logs.lines.join(''))
      assert.match(JSON.stringify(refused.problems), /providers\.corp\.algorithms/)
      assert.equal(await upstreamNow(), 'canary', 'still the last valid configuration')

      writeFileSync(file, 'rules: [')
      await until(async () => (await metric(proxy, 'jot_gateway_config_reloads_total', { result: 'invalid' })) === 2, 'the unparsable file refused')
      assert.equal(await upstreamNow(), 'canary')
      assert.equal(proxy.isReady(), true)
    } finally {
      await proxy.close()
    }
  })
})

describe('hot reload and the verified-token cache', () => {
  let issuer: TestIssuer
  let stable: TestUpstream
  let canary: TestUpstream
  before(async () => {
    issuer = await startIssuer()
    stable = await startUpstream('stable')
    canary = await startUpstream('canary')
  })
  after(async () => {
    await Promise.all([stable?.close(), canary?.close(), issuer?.close()])
  })

  const config = (provider: Record<string, unknown>, upstream: string, cache: unknown = true) =>
    validateConfig({
      listen: { port: 0 },
      cache,
      providers: { corp: provider },
      rules: [{ requires: { provider: 'corp' }, route: [{ upstream }] }],
      proxy: { admin: { port: 0 }, upstreams: { stable: { url: stable.url }, canary: { url: canary.url } } },
    })
  const entries = (proxy: RunningProxy) => metric(proxy, 'jot_gateway_token_cache_entries')

  test('a reload that leaves the verification settings alone keeps what the cache holds; one that changes them drops it', async () => {
    const proxy = await startProxy(config(corp(issuer), 'stable'), { logDestination: { write: () => undefined } })
    try {
      const token = await issuer.mint()
      const ask = async () => {
        const response = await send(`${proxy.url}/x`, { headers: bearer(token) })
        return response.status === 200 ? (JSON.parse(response.body) as { upstream: string }).upstream : response.status
      }
      assert.equal(await ask(), 'stable')
      assert.equal(await entries(proxy), 1)

      // The route and a claim header change: nothing about how tokens verify.
      assert.deepEqual(await proxy.reload(config(corp(issuer, { claimsToHeaders: [{ claim: 'sub', header: 'x-caller' }] }), 'canary')), { ok: true })
      assert.equal(await entries(proxy), 1, 'the verification cached before the reload is kept')
      assert.equal(await ask(), 'canary')
      assert.equal(canary.seen.at(-1)?.headers['x-caller'], CLIENT_ID, 'the new claim header applies')
      assert.equal(await entries(proxy), 1, 'a hit: the token was not verified again')

      // The audience changes: a verification cached under the old audience must not be used.
      assert.deepEqual(await proxy.reload(config(corp(issuer, { audiences: ['https://api.example/billing'] }), 'canary')), { ok: true })
      assert.equal(await ask(), 401)

      // The cache's own settings change: a new, empty cache.
      assert.deepEqual(await proxy.reload(config(corp(issuer), 'canary', { maxEntries: 100 })), { ok: true })
      assert.equal(await entries(proxy), 0)
      assert.equal(await ask(), 'canary')
      assert.equal(await entries(proxy), 1)
    } finally {
      await proxy.close()
    }
  })

  test('a reload re-reads a key file: the cache is dropped when its contents change', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'jot-proxy-keyfile-'))
    const file = join(dir, 'key.pem')
    writeFileSync(file, issuer.publicPem)
    const local = { issuer: issuer.issuer, jwks: { local: { file } }, audiences: [AUDIENCE], algorithms: ['ES256'] }
    const proxy = await startProxy(config(local, 'stable'), { logDestination: { write: () => undefined } })
    try {
      const token = await issuer.mint()
      assert.equal((await send(`${proxy.url}/x`, { headers: bearer(token) })).status, 200)
      assert.deepEqual(await proxy.reload(config(local, 'stable')), { ok: true })
      assert.equal(await entries(proxy), 1, 'same file, same contents: kept')
      // The issuer's key is replaced in the file: tokens it signed must verify against the new key.
      const other = await startIssuer()
      try {
        writeFileSync(file, other.publicPem)
        assert.deepEqual(await proxy.reload(config(local, 'stable')), { ok: true })
        assert.equal((await send(`${proxy.url}/x`, { headers: bearer(token) })).status, 401)
      } finally {
        await other.close()
      }
    } finally {
      await proxy.close()
      rmSync(dir, { recursive: true, force: true })
    }
  })
})

describe('readiness and shutdown', () => {
  test('/ready is 503 until the first JWKS fetch succeeds, then 200; /live is 200 throughout', async () => {
    const issuer = await startIssuer()
    issuer.setDown(true)
    const upstream = await startUpstream('app')
    const proxy = await startTestProxy({ providers: { corp: corp(issuer) }, rules: [{ requires: { provider: 'corp' } }], proxy: { upstreams: { app: { url: upstream.url } }, defaultUpstream: 'app' } })
    try {
      assert.equal((await fetch(`${proxy.adminUrl}/ready`)).status, 503)
      assert.equal((await fetch(`${proxy.adminUrl}/live`)).status, 200)
      await until(() => issuer.jwksRequests() >= 1, 'a first fetch attempt')
      assert.equal((await fetch(`${proxy.adminUrl}/ready`)).status, 503, 'the JWKS endpoint is down')
      issuer.setDown(false)
      await until(async () => (await fetch(`${proxy.adminUrl}/ready`)).status === 200, 'ready once the keys load')
    } finally {
      await proxy.close()
      await upstream.close()
      await issuer.close()
    }
  })

  test('close stops accepting, lets the in-flight request finish, then resolves', async () => {
    let release!: () => void
    const released = new Promise<void>((resolve) => (release = resolve))
    let arrived!: () => void
    const arrival = new Promise<void>((resolve) => (arrived = resolve))
    const upstream = await startUpstream('slow', (_req, res) => {
      arrived()
      void released.then(() => res.end('done'))
      return true
    })
    const proxy = await startTestProxy({ providers: {}, rules: [{ requires: 'none' }], proxy: { upstreams: { app: { url: upstream.url } }, defaultUpstream: 'app' } })
    try {
      const inFlight = send(`${proxy.url}/slow`)
      await arrival
      let closed = false
      const closing = proxy.close().then(() => (closed = true))
      await until(async () => (await fetch(`${proxy.adminUrl}/ready`).then((r) => r.status, () => 0)) !== 200, 'not ready while draining')
      const refused = await new Promise<string>((resolve) => request(`${proxy.url}/other`, { agent: false }, () => resolve('answered')).on('error', (error: NodeJS.ErrnoException) => resolve(String(error.code))).end())
      assert.equal(refused, 'ECONNREFUSED', 'no new connections')
      assert.equal(closed, false, 'close waits for the in-flight request')
      release()
      const answer = await inFlight
      assert.deepEqual([answer.status, answer.body], [200, 'done'])
      await closing
    } finally {
      release()
      await proxy.close()
      await upstream.close()
    }
  })
})
