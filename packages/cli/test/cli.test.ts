import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { describe, it } from 'node:test'
import { jot } from './helpers.js'

const COMMANDS = ['decode', 'verify', 'sign', 'encrypt', 'decrypt', 'keygen', 'key', 'jwks']

describe('jot conventions', () => {
  it('--version names the CLI, library and Node versions', async () => {
    const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'))
    const { code, stdout } = await jot(['--version'])
    assert.equal(code, 0)
    assert.equal(stdout, `jot-cli ${version} (jot 0.1.0, Node ${process.versions.node})\n`)
  })

  it('--help lists every command and the exit codes; no arguments is a usage error', async () => {
    const { code, stdout } = await jot(['--help'])
    assert.equal(code, 0)
    for (const command of COMMANDS) assert.match(stdout, new RegExp(`^  ${command} `, 'm'))
    assert.match(stdout, /Exit codes: 0 ok/)
    const bare = await jot([])
    assert.equal(bare.code, 2)
    assert.match(bare.stderr, /^Usage: jot <command>/)
  })

  it('every command has --help with usage, options and examples', async () => {
    const results = await Promise.all(COMMANDS.map((command) => jot([command, '--help'])))
    results.forEach(({ code, stdout }, index) => {
      assert.equal(code, 0)
      assert.match(stdout, new RegExp(`^Usage: jot ${COMMANDS[index]} `))
      assert.match(stdout, /\nOptions:\n[\s\S]*--help[\s\S]*\nExamples:\n {2}jot /)
    })
    assert.equal((await jot(['help', 'verify'])).stdout, results[1]!.stdout)
  })

  it('unknown commands and options are usage errors (exit 2); stack traces only with --debug', async () => {
    const command = await jot(['frobnicate'])
    assert.deepEqual([command.code, command.stderr], [2, 'jot: error: unknown command "frobnicate"\nRun "jot --help" for usage.\n'])
    const option = await jot(['decode', '--frobnicate'])
    assert.equal(option.code, 2)
    assert.match(option.stderr, /Unknown option '--frobnicate'/)
    const plain = await jot(['decode', 'x.y'])
    assert.equal(plain.stderr.split('\n').length, 2)
    const debug = await jot(['decode', '--debug', 'x.y'])
    assert.match(debug.stderr, /\n {4}at /)
  })
})
