// `jotjwt serve` as the command line sees it: flags, the optional jotjwt-server package, and
// configuration errors (exit 2, every problem listed). The running service itself is tested in
// packages/server (test/http-dev-start.test.ts runs `serve --dev` end to end).
import assert from 'node:assert/strict'
import { cpSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { after, describe, it } from 'node:test'
import { fileURLToPath } from 'node:url'
import { isSecretHash } from 'jotjwt-server'
import { jot, scratchDir } from './helpers.js'

const dir = scratchDir()
after(() => dir.remove())
const cliRoot = join(dirname(fileURLToPath(import.meta.url)), '..')

describe('jotjwt serve', () => {
  it('--port must be a port number (exit 2, before anything starts)', async () => {
    for (const port of ['http', '65536', '-1', '80.5']) {
      const run = await jot(['serve', '--dev', `--port=${port}`])
      assert.equal(run.code, 2, `${port}: ${run.stderr}`)
      assert.match(run.stderr, /--port takes a port number/)
    }
  })

  it('without the jotjwt-server package: says how to install it, exit 3', async () => {
    // An installation of the CLI and the library only, as `npm install -g jotjwt-cli` makes it.
    const modules = join(dir.path, 'global', 'node_modules')
    mkdirSync(join(modules, 'jotjwt-cli'), { recursive: true })
    cpSync(join(cliRoot, 'dist'), join(modules, 'jotjwt-cli', 'dist'), { recursive: true })
    cpSync(join(cliRoot, 'package.json'), join(modules, 'jotjwt-cli', 'package.json'))
    symlinkSync(dirname(fileURLToPath(import.meta.resolve('jotjwt/package.json'))), join(modules, 'jotjwt'), 'dir')
    const run = await jot(['serve', '--dev'], { cli: join(modules, 'jotjwt-cli', 'dist', 'main.js') })
    assert.equal(run.code, 3, run.stderr)
    assert.match(run.stderr, /install jotjwt-server where jotjwt-cli is installed \(npm install -g jotjwt-server/)
  })

  it('an invalid configuration: every problem by setting, exit 2', async () => {
    const file = join(dir.path, 'bad.yaml')
    writeFileSync(file, 'listen: { port: http }\nkeys: { publishAhead: soon }\n')
    const run = await jot(['serve', '--config', file])
    assert.equal(run.code, 2, run.stderr)
    assert.match(run.stderr, /listen\.port: /)
    assert.match(run.stderr, /keys\.publishAhead: /)
  })

  it('outside dev mode without a key-encryption key or issuer: refused, exit 2', async () => {
    const run = await jot(['serve'], { env: { JOTJWT_DATA_DIR: join(dir.path, 'data') } })
    assert.equal(run.code, 2, run.stderr)
    assert.match(run.stderr, /keys\.encryptionKey: required outside dev mode/)
    assert.match(run.stderr, /issuer: required outside dev mode/)
  })

  it('--hash-secret: a hash of the secret on stdin (a new salt each time), never the secret', async () => {
    const secret = 'billing-secret-0123456789abcdef'
    const runs = [await jot(['serve', '--hash-secret'], { input: `${secret}\n` }), await jot(['serve', '--hash-secret'], { input: secret })]
    for (const run of runs) {
      assert.equal(run.code, 0, run.stderr)
      assert.ok(isSecretHash(run.stdout.trim()), run.stdout)
      assert.ok(!run.stdout.includes(secret))
    }
    assert.notEqual(runs[0]!.stdout, runs[1]!.stdout)
    const short = await jot(['serve', '--hash-secret'], { input: 'short' })
    assert.equal(short.code, 2)
  })

  it('--hash-password: a hash of the password on stdin, at least 8 characters', async () => {
    const run = await jot(['serve', '--hash-password'], { input: 'horse battery\n' })
    assert.equal(run.code, 0, run.stderr)
    assert.ok(isSecretHash(run.stdout.trim()), run.stdout)
    assert.ok(!run.stdout.includes('horse battery'))
    const short = await jot(['serve', '--hash-password'], { input: 'short' })
    assert.equal(short.code, 2)
    assert.match(short.stderr, /a password is 8 to 512 characters/)
    assert.equal((await jot(['serve', '--hash-password', '--hash-secret'], { input: 'horse battery' })).code, 2)
  })
})
