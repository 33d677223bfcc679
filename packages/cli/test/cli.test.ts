import assert from 'node:assert/strict'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { after, describe, it } from 'node:test'
import { jot, scratchDir } from './helpers.js'

const COMMANDS = ['decode', 'verify', 'sign', 'encrypt', 'decrypt', 'keygen', 'key', 'jwks', 'dpop']

describe('jot conventions', () => {
  it('--version names the CLI, library and Node versions', async () => {
    const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'))
    const { code, stdout } = await jot(['--version'])
    assert.equal(code, 0)
    assert.equal(stdout, `jotjwt-cli ${version} (jotjwt 0.1.0, Node ${process.versions.node})\n`)
  })

  it('--help lists every command and the exit codes; no arguments is a usage error', async () => {
    const { code, stdout } = await jot(['--help'])
    assert.equal(code, 0)
    for (const command of COMMANDS) assert.match(stdout, new RegExp(`^  ${command} `, 'm'))
    assert.match(stdout, /Exit codes: 0 ok/)
    const bare = await jot([])
    assert.equal(bare.code, 2)
    assert.match(bare.stderr, /^Usage: jotjwt <command>/)
  })

  it('every command has --help with usage, options and examples', async () => {
    const results = await Promise.all(COMMANDS.map((command) => jot([command, '--help'])))
    results.forEach(({ code, stdout }, index) => {
      assert.equal(code, 0)
      assert.match(stdout, new RegExp(`^Usage: jotjwt ${COMMANDS[index]} `))
      assert.match(stdout, /\nOptions:\n[\s\S]*--help[\s\S]*\nExamples:\n {2}jotjwt /)
    })
    assert.equal((await jot(['help', 'verify'])).stdout, results[1]!.stdout)
  })

  it('unknown commands and options are usage errors (exit 2); stack traces only with --debug', async () => {
    const command = await jot(['frobnicate'])
    assert.deepEqual([command.code, command.stderr], [2, 'jotjwt: error: unknown command "frobnicate"\nRun "jotjwt --help" for usage.\n'])
    const option = await jot(['decode', '--frobnicate'])
    assert.equal(option.code, 2)
    assert.match(option.stderr, /Unknown option '--frobnicate'/)
    const plain = await jot(['decode', 'x.y'])
    assert.equal(plain.stderr.split('\n').length, 2)
    const debug = await jot(['decode', '--debug', 'x.y'])
    assert.match(debug.stderr, /\n {4}at /)
  })
})

describe('input size limit', () => {
  const MiB = 1 << 20
  const dir = scratchDir()
  after(() => dir.remove())

  it('stdin over 4 MiB is refused with one clear line (exit 1), whatever it is for', async () => {
    const token = await jot(['decode'], { input: 'a'.repeat(4 * MiB + 1) })
    assert.deepEqual([token.code, token.stdout, token.stderr], [1, '', 'jotjwt decode: error: cannot read the token on stdin: it is larger than 4 MiB, the most jot reads for one input\n'])
    const claims = await jot(['sign', '-', '--key-env', 'JOT_TEST_SECRET', '--alg', 'HS256', '--exp', '1m'], {
      input: `{"sub":"${'x'.repeat(4 * MiB)}"}`,
      env: { JOT_TEST_SECRET: 'a-32-byte-or-longer-secret-value!!' },
    })
    assert.equal(claims.code, 1)
    assert.match(claims.stderr, /^jotjwt sign: error: cannot read the claims on stdin: it is larger than 4 MiB/)
  })

  it('stops reading at the limit instead of buffering an endless stream', async () => {
    let sent = 0
    const endless = Readable.from(
      (function* () {
        // 64 MiB at most, so a CLI that does read everything still ends (and fails the test).
        for (let chunk = 0; chunk < 64; chunk++, sent += MiB) yield Buffer.alloc(MiB, 0x61)
      })(),
      // Bytes, not objects: otherwise the stream would pull 16 chunks ahead of the pipe.
      { objectMode: false, highWaterMark: 64 * 1024 },
    )
    const { code, stderr } = await jot(['decode', '-'], { input: endless })
    assert.equal(code, 1)
    assert.match(stderr, /cannot read the token on stdin: it is larger than 4 MiB/)
    assert.ok(sent < 32 * MiB, `the CLI read ${sent / MiB} MiB before stopping`)
  })

  it('a key file over 4 MiB is refused before it is parsed, without echoing it (exit 1); smaller ones still work', async () => {
    const big = join(dir.path, 'big.key')
    writeFileSync(big, 'SECRETSECRET'.repeat((4 * MiB) / 12 + 1))
    const result = await jot(['key', '--to', 'jwk', big])
    assert.deepEqual([result.code, result.stdout], [1, ''])
    assert.equal(result.stderr, `jotjwt key: error: cannot read the key file "${big}": it is larger than 4 MiB, the most jot reads for one input\n`)
    const small = join(dir.path, 'small.key')
    writeFileSync(small, 'a-32-byte-or-longer-secret-value!!')
    assert.equal((await jot(['key', '--to', 'jwk', '--alg', 'HS256', small])).code, 0)
  })
})
