// `jotjwt gateway` as the command line sees it: --config required, configuration errors named by
// path (exit 2), and a running forward-auth service that answers and stops on SIGTERM. The
// decisions themselves are tested in packages/gateway.
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { writeFileSync } from 'node:fs'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import { CLI, jot, scratchDir } from './helpers.js'

const dir = scratchDir()
after(() => dir.remove())

const CONFIG = `
providers:
  orders:
    issuer: https://as.example
    jwks: { local: { jwks: { keys: [] } } }
    audiences: [https://api.example]
    algorithms: [ES256]
rules:
  - match: { pathPrefix: /health }
    requires: none
  - requires: { provider: orders }
`

describe('jotjwt gateway', () => {
  it('needs --config (exit 2)', async () => {
    const run = await jot(['gateway'])
    assert.equal(run.code, 2, run.stderr)
    assert.match(run.stderr, /--config FILE is required/)
  })

  it('an invalid configuration: every problem by path, exit 2', async () => {
    const file = join(dir.path, 'bad.yaml')
    writeFileSync(file, CONFIG.replace('algorithms: [ES256]', 'algorithms: []').replace('provider: orders', 'provider: billing'))
    const run = await jot(['gateway', '--config', file])
    assert.equal(run.code, 2, run.stderr)
    assert.match(run.stderr, /providers\.orders\.algorithms: /)
  })

  it('runs the forward-auth service: allows by rule, challenges without a token, stops on SIGTERM', async () => {
    const file = join(dir.path, 'gateway.yaml')
    writeFileSync(file, CONFIG)
    const child = spawn(process.execPath, [CLI, 'gateway', '--config', file, '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] })
    try {
      let out = ''
      child.stdout.setEncoding('utf8')
      while (!/on (http:\S+)/.test(out)) out += (await once(child.stdout, 'data'))[0]
      const url = /on (http:\S+)/.exec(out)![1]!
      assert.equal((await fetch(`${url}/health`)).status, 200)
      const refused = await fetch(`${url}/orders`)
      assert.equal(refused.status, 401)
      assert.equal(refused.headers.get('www-authenticate'), 'Bearer realm="api"')
    } finally {
      child.kill('SIGTERM')
    }
    const [code] = await once(child, 'exit')
    assert.equal(code, 0)
  })

  it('with a proxy section: the reverse proxy, JSON logs on stdout, SIGHUP reloads, SIGTERM drains and exits 0', async () => {
    const upstream = createServer((_req, res) => res.end('upstream'))
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve))
    const file = join(dir.path, 'proxy.yaml')
    const port = (upstream.address() as AddressInfo).port
    writeFileSync(file, `${CONFIG}proxy:\n  admin: { port: 0 }\n  upstreams: { app: { url: http://127.0.0.1:${port} } }\n  defaultUpstream: app\n`)
    const child = spawn(process.execPath, [CLI, 'gateway', '--config', file, '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] })
    const lines: Record<string, unknown>[] = []
    let buffer = ''
    child.stdout.setEncoding('utf8')
    child.stdout.on('data', (chunk: string) => {
      buffer += chunk
      const complete = buffer.split('\n')
      buffer = complete.pop()!
      for (const line of complete) lines.push(JSON.parse(line) as Record<string, unknown>)
    })
    const logged = async (message: string) => {
      while (!lines.some((entry) => entry.msg === message)) await once(child.stdout, 'data')
      return lines.find((entry) => entry.msg === message)!
    }
    try {
      const { url } = (await logged('reverse proxy listening')) as { url: string }
      assert.equal(await (await fetch(`${url}/health`)).text(), 'upstream')
      assert.equal((await fetch(`${url}/orders`)).status, 401)
      child.kill('SIGHUP')
      await logged('configuration reloaded')
    } finally {
      child.kill('SIGTERM')
    }
    const [code] = await once(child, 'exit')
    assert.equal(code, 0)
    assert.ok(lines.some((entry) => entry.msg === 'reverse proxy stopped'))
    upstream.close()
  })
})
