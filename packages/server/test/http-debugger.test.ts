// The debugger page (jotjwt-debugger) next to the service: served in dev mode on a listener of its
// own (another origin than the issuer's endpoints), off by default in production, listed in the
// startup banner, stopped with the service; the keys it needs are readable from its origin (CORS).
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createServer, type Server } from 'node:net'
import { after, describe, test } from 'node:test'
import { checkDeployment, ConfigError, debuggerPort, loadConfig, validateConfig } from '../src/config/load.js'
import { startupBanner } from '../src/service/banner.js'
import { startService } from '../src/service/service.js'

const scratch = mkdtempSync(join(tmpdir(), 'jotjwt-debugger-'))
after(() => rmSync(scratch, { recursive: true, force: true }))
const KEY = Buffer.alloc(32, 7).toString('base64url')

/** A listener on `port`, or undefined when the port is taken. */
function listenOn(port: number): Promise<Server | undefined> {
  return new Promise((resolve) => {
    const server = createServer()
    server.once('error', () => resolve(undefined))
    server.listen(port, '127.0.0.1', () => resolve(server))
  })
}

async function freePort(): Promise<number> {
  const server = (await listenOn(0))!
  const { port } = server.address() as { port: number }
  await new Promise((resolve) => server.close(resolve))
  return port
}

describe('the debugger page next to the service', () => {
  test('dev mode serves it on its own origin, lists it in the banner, and stops it with the service', async () => {
    const service = await startService({ dev: true, dataDir: join(scratch, 'dev'), listen: { port: 0 }, log: { level: 'silent' } })
    const pageUrl = service.debuggerUrl
    try {
      assert.ok(pageUrl, 'a debugger URL')
      assert.notEqual(new URL(pageUrl).origin, new URL(service.url).origin)
      // listen.port 0: dev mode picks the service's port before it starts, and the page takes a free
      // port of its own, not the one after the service's (which another process may hold). The
      // kernel hands out free ports in no order, so P + 1 by chance is about one in 28,000.
      assert.notEqual(Number(new URL(pageUrl).port), Number(new URL(service.url).port) + 1)
      const page = await fetch(pageUrl)
      assert.equal(page.status, 200)
      assert.match(page.headers.get('content-security-policy')!, /default-src 'none'.*frame-ancestors 'none'/)
      assert.match(await page.text(), /<title>jot debugger<\/title>/)
      assert.equal((await fetch(`${service.url}/app.js`)).status, 404, 'the page is not a route of the issuer')
      // The page reads the issuer's public documents from its own origin.
      for (const path of ['/.well-known/openid-configuration', '/jwks.json']) {
        const answer = await fetch(`${service.url}${path}`, { headers: { origin: new URL(pageUrl).origin } })
        assert.equal(answer.headers.get('access-control-allow-origin'), '*', path)
      }
      assert.match(startupBanner(service, { cli: 'jotjwt' }), new RegExp(`^  debugger {3}${pageUrl.replace(/[.]/g, '\\.')}  \\(JWT debugger page`, 'm'))
    } finally {
      await service.close()
    }
    await assert.rejects(fetch(pageUrl), 'closed with the service')
  })

  test('outside dev mode it is off unless enabled, and then on the port after the service\'s', async () => {
    const base = { issuer: 'http://127.0.0.1:1', listen: { port: 0 }, dataDir: join(scratch, 'prod'), keys: { encryptionKey: KEY }, log: { level: 'silent' as const } }
    const off = await startService(base)
    try {
      assert.equal(off.debuggerUrl, undefined)
    } finally {
      await off.close()
    }
    const config = await loadConfig({ env: { JOTJWT_ISSUER: 'http://127.0.0.1:9000', JOTJWT_PORT: '9000', JOTJWT_KEY_ENCRYPTION_KEY: KEY, JOTJWT_DEBUGGER: '1' } })
    assert.equal(config.debugger.enabled, true)
    assert.equal(debuggerPort(config), 9001)
    assert.equal(debuggerPort(validateConfig({ dev: true, listen: { port: 0 } })), 0, 'a free one when the service takes a free one')
    assert.equal(debuggerPort(validateConfig({ dev: true, listen: { port: 0 }, debugger: { port: 7000 } })), 7000)
    const on = await startService({ ...base, debugger: { enabled: true, port: 0 } })
    try {
      assert.match(on.debuggerUrl!, /^http:\/\/127\.0\.0\.1:\d+\/$/)
    } finally {
      await on.close()
    }
  })

  test('a taken default port gives way to a free one; a taken configured port fails the start, saying what to set', async () => {
    // A port L for the service whose next port L + 1 this test holds.
    let blocker: Server | undefined
    let listenPort = 0
    while (blocker === undefined) {
      listenPort = await freePort()
      blocker = await listenOn(listenPort + 1)
    }
    try {
      const dataDir = join(scratch, 'taken')
      const service = await startService({ dev: true, dataDir, listen: { port: listenPort }, log: { level: 'silent' } })
      try {
        assert.ok(service.debuggerUrl)
        assert.notEqual(Number(new URL(service.debuggerUrl).port), listenPort + 1)
        assert.equal((await fetch(service.debuggerUrl)).status, 200)
      } finally {
        await service.close()
      }
      await assert.rejects(
        startService({ dev: true, dataDir, listen: { port: 0 }, debugger: { port: listenPort + 1 }, log: { level: 'silent' } }),
        (error: NodeJS.ErrnoException) =>
          error.code === 'EADDRINUSE' && error.message.startsWith(`the debugger page cannot listen on 127.0.0.1:${listenPort + 1}: `) && /JOTJWT_DEBUGGER_PORT/.test(error.message),
      )
    } finally {
      await new Promise((resolve) => blocker.close(resolve))
    }
  })

  test('the page may not share the issuer\'s origin', () => {
    const config = validateConfig({ dev: true, listen: { port: 8080 }, debugger: { port: 8080 } })
    assert.throws(() => checkDeployment(config), (error: unknown) => error instanceof ConfigError && /debugger\.port: the debugger page needs an origin of its own/.test(error.message))
  })
})
