import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { b64url, jot, WRAPPED_EDDSA_TOKEN } from './helpers.js'

/** ANSI escape: the start of every colour sequence. */
const ESC = '\u001b'
const now = () => Math.floor(Date.now() / 1000)

describe('jotjwt decode', () => {
  it('decodes the wrapped EdDSA token from the issue: header, times as ISO UTC, lifetime 5 minutes', async () => {
    const { code, stdout, stderr } = await jot(['decode', WRAPPED_EDDSA_TOKEN])
    assert.equal(code, 0, stderr)
    assert.match(stdout, /signature NOT verified/)
    assert.match(stdout, /"alg": "EdDSA",\n\s+"kid": "JOv2HJlKb0JMc_ATrGBKmaY6gQN7eQNQYxteyFhrCLA=",\n\s+"typ": "JWT"/)
    assert.match(stdout, /"exp": 1654885447, {2}\/\/ 2022-06-10T18:24:07Z, expired \d+ years? ago/)
    assert.match(stdout, /"iat": 1654885147, {2}\/\/ 2022-06-10T18:19:07Z, issued \d+ years? ago/)
    assert.match(stdout, /"nbf": 1654884847, {2}\/\/ 2022-06-10T18:14:07Z, valid since \d+ years? ago/)
    assert.match(stdout, /Lifetime {2}5m \(iat to exp\)/)
    assert.ok(!stdout.includes(ESC), 'no colour when stdout is not a terminal')
  })

  it('gives the same facts as JSON, reading the token from stdin', async () => {
    const { code, stdout } = await jot(['decode', '--json'], { input: WRAPPED_EDDSA_TOKEN })
    assert.equal(code, 0)
    const result = JSON.parse(stdout)
    assert.deepEqual(result.header, { alg: 'EdDSA', kid: 'JOv2HJlKb0JMc_ATrGBKmaY6gQN7eQNQYxteyFhrCLA=', typ: 'JWT' })
    assert.equal(result.payload.name, 'matt@infrahq.com')
    assert.equal(result.times.iat.iso, '2022-06-10T18:19:07Z')
    assert.equal(result.times.nbf.iso, '2022-06-10T18:14:07Z')
    assert.equal(result.times.exp.iso, '2022-06-10T18:24:07Z')
    assert.equal(result.lifetime, 300)
    assert.deepEqual(result.warnings, [])
  })

  it('ignores a Bearer prefix, quotes and indentation around the token', async () => {
    const { code, stdout } = await jot(['decode', '--json', '-'], { input: `Authorization: Bearer "  ${WRAPPED_EDDSA_TOKEN.replaceAll('\n', '\n    ')}"` })
    assert.equal(code, 0)
    assert.equal(JSON.parse(stdout).payload.nonce, 'OxQpMFSv4p')
  })

  it('warns about alg "none", a missing exp and a very long lifetime', async () => {
    const unsigned = `${b64url({ alg: 'none' })}.${b64url({ sub: 'x' })}.`
    const none = await jot(['decode', unsigned])
    assert.equal(none.code, 0)
    assert.match(none.stdout, /Unsecured JWT/)
    assert.match(none.stdout, /warning: alg is "none": the token is unsigned/)
    assert.match(none.stdout, /warning: no "exp": the token never expires/)

    const long = `${b64url({ alg: 'HS256' })}.${b64url({ iat: now(), exp: now() + 90 * 86400 })}.c2ln`
    const result = JSON.parse((await jot(['decode', '--json', long])).stdout)
    assert.equal(result.lifetime, 90 * 86400)
    assert.match(result.warnings.join('\n'), /very long lifetime \(90d\)/)
    assert.match(result.times.exp.relative, /^expires in 89d 23h|^expires in 90d$/)
  })

  it('shows a JWE protected header and says the payload is encrypted', async () => {
    const header = { alg: 'RSA-OAEP-256', enc: 'A256GCM', cty: 'JWT', kid: 'k1' }
    const jwe = `${b64url(header)}.ZW5j.aXY.Y2lwaGVy.dGFn`
    const { code, stdout } = await jot(['decode', jwe])
    assert.equal(code, 0)
    assert.match(stdout, /JWE, encrypted with RSA-OAEP-256 \/ A256GCM \(a nested JWT/)
    assert.match(stdout, /Protected header\n\{\n {2}"alg": "RSA-OAEP-256"/)
    assert.match(stdout, /The payload is encrypted/)
    const json = JSON.parse((await jot(['decode', '--json', jwe])).stdout)
    assert.deepEqual([json.type, json.encrypted, json.nested, json.header], ['JWE', true, true, header])
  })

  it('colours only when asked, and NO_COLOR wins', async () => {
    const forced = await jot(['decode', WRAPPED_EDDSA_TOKEN], { env: { FORCE_COLOR: '1' } })
    assert.ok(forced.stdout.includes(`${ESC}[36m"alg"${ESC}[39m`), 'member names in cyan')
    const plain = await jot(['decode', WRAPPED_EDDSA_TOKEN], { env: { FORCE_COLOR: '1', NO_COLOR: '1' } })
    assert.ok(!plain.stdout.includes(ESC))
  })

  it('rejects garbage with one line and exit 1', async () => {
    for (const garbage of ['not-a-token', 'a.b.c', `${b64url({ alg: 'HS256' })}.bm90IGpzb24.c2ln`]) {
      const { code, stdout, stderr } = await jot(['decode', garbage])
      assert.equal(code, 1, garbage)
      assert.equal(stdout, '')
      assert.match(stderr, /^jotjwt decode: error: .+\n$/, stderr)
    }
  })

  it('is a usage error (exit 2) with no token on stdin or an extra argument', async () => {
    assert.equal((await jot(['decode'])).code, 2)
    const extra = await jot(['decode', 'a.b.c', 'extra'])
    assert.equal(extra.code, 2)
    assert.match(extra.stderr, /unexpected argument "extra"\nRun "jotjwt decode --help" for usage\.\n$/)
  })
})
