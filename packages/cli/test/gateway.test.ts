// `jotjwt gateway` as the command line sees it: --config required, configuration errors named by
// path (exit 2), and a running forward-auth service that answers and stops on SIGTERM. The
// decisions themselves are tested in packages/gateway.
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { writeFileSync } from 'node:fs'
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
})
