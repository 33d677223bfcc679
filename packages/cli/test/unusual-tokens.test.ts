/**
 * The CLI reads every token the library reads: NumericDates beyond what a JavaScript Date can hold,
 * claims nested thousands of levels deep, and claims named like Object.prototype's members. Output
 * stays bounded and exact.
 */
import assert from 'node:assert/strict'
import { createHmac } from 'node:crypto'
import { describe, it } from 'node:test'
import { jot } from './helpers.js'

const b64url = (json: string) => Buffer.from(json).toString('base64url')
const now = Math.floor(Date.now() / 1000)
const SECRET = 'a shared secret of at least thirty-two bytes'
const HEADER = JSON.stringify({ alg: 'HS256' })

/** A token from claims as JSON text, so that members such as "__proto__" stay ordinary members. */
function hs256(claims: string): string {
  const input = `${b64url(HEADER)}.${b64url(claims)}`
  return `${input}.${createHmac('sha256', SECRET).update(input).digest('base64url')}`
}

/** `{"deep":[[[…["bottom"]…]]]}`, `depth` arrays deep. */
function nestedClaims(depth: number): string {
  return `{"sub":"u","exp":${now + 300},"deep":${'['.repeat(depth)}"bottom"${']'.repeat(depth)}}`
}

/** How deep `value` nests arrays, and what is at the bottom (without recursion: it is very deep). */
function arrayDepth(value: unknown): { depth: number; bottom: unknown } {
  let depth = 0
  while (Array.isArray(value)) {
    assert.equal(value.length, 1)
    value = value[0]
    depth++
  }
  return { depth, bottom: value }
}

describe('NumericDates beyond the range of a Date', () => {
  const cases: [string, number][] = [
    ['exp', 8.7e12], // a little after +275760-09-13, where Date ends
    ['exp', 1e300],
    ['nbf', -1e13],
    ['iat', -1e300],
    ['auth_time', Number.MAX_VALUE],
    ['exp', now + 0.5], // fractional, within range
  ]

  it('decode shows each, naming the end of the range instead of a date', async () => {
    for (const [claim, value] of cases) {
      const token = hs256(`{"${claim}":${value}}`)
      const human = await jot(['decode', token])
      assert.equal(human.code, 0, `${claim} ${value}: ${human.stderr}`)
      const line = human.stdout.split('\n').find((text) => text.startsWith(`  "${claim}": `))
      assert.ok(line, human.stdout)
      if (Math.abs(value) > 8.64e12) {
        assert.match(line, value > 0 ? /\/\/ after \+275760-09-13T00:00:00Z, / : /\/\/ before -271821-04-20T00:00:00Z, /)
      } else assert.match(line, /\/\/ \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z, /)

      const json = await jot(['decode', '--json', token])
      assert.equal(json.code, 0, json.stderr)
      const time = JSON.parse(json.stdout).times[claim]
      assert.equal(time.value, value)
      assert.equal(time.iso === null, Math.abs(value) > 8.64e12)
      assert.equal(typeof time.relative, 'string')
    }
  })

  it('verify accepts a token that expires after the end of Date, and says so', async () => {
    const token = hs256(`{"sub":"u","iat":${now},"exp":1e300,"nbf":-1e300}`)
    const result = await jot(['verify', '--key-env', 'SECRET', '--alg', 'HS256', token], { env: { SECRET } })
    assert.equal(result.code, 0, result.stderr)
    assert.match(result.stdout, /"exp": 1e\+300, {2}\/\/ after \+275760-09-13T00:00:00Z, expires in \S+ years/)
    assert.match(result.stdout, /warning: very long lifetime/)
  })
})

describe('claims nested thousands of levels deep', () => {
  /** decode and verify read tokens up to 1 MiB (the library's default 16 KiB cap is for servers). */
  const runs = (depth: number, json: string[]) => {
    const token = hs256(nestedClaims(depth))
    return Promise.all([jot(['decode', ...json, token]), jot(['verify', ...json, '--key-env', 'SECRET', '--alg', 'HS256', token], { env: { SECRET } })])
  }

  for (const depth of [2000, 5000, 10_000]) {
    it(`${depth} deep: shown elided beyond the layout depth; output stays small`, async () => {
      for (const { code, stdout, stderr } of await runs(depth, [])) {
        assert.equal(code, 0, stderr)
        assert.ok(stdout.length < 10_000, `bounded: ${stdout.length} characters`)
        assert.match(stdout, /\[… 1 item\]/)
        assert.match(stdout, /"sub": "u"/)
      }
    })

    it(`${depth} deep: --json prints them in full, nesting beyond the layout depth on one line`, async () => {
      for (const { code, stdout, stderr } of await runs(depth, ['--json'])) {
        assert.equal(code, 0, stderr)
        assert.ok(stdout.length < 2 * depth + 10_000, `linear in the depth: ${stdout.length} characters`)
        assert.deepEqual(arrayDepth(JSON.parse(stdout).payload.deep), { depth, bottom: 'bottom' })
      }
    })
  }

  it('100,000 deep, read from stdin: decode, decode --json and verify --json', async () => {
    const token = hs256(nestedClaims(100_000))
    const human = await jot(['decode'], { input: token })
    assert.equal(human.code, 0, human.stderr)
    assert.match(human.stdout, /\[… 1 item\]/)
    const json = await jot(['decode', '--json'], { input: token })
    assert.equal(json.code, 0, json.stderr)
    assert.deepEqual(arrayDepth(JSON.parse(json.stdout).payload.deep), { depth: 100_000, bottom: 'bottom' })
    const verified = await jot(['verify', '--json', '--key-env', 'SECRET', '--alg', 'HS256', '-'], { input: token, env: { SECRET } })
    assert.equal(verified.code, 0, verified.stderr)
    assert.deepEqual(arrayDepth(JSON.parse(verified.stdout).payload.deep), { depth: 100_000, bottom: 'bottom' })
  })

  it('a large flat token (40 KiB of groups, as some ID tokens carry) verifies', async () => {
    const groups = JSON.stringify(Array.from({ length: 1000 }, (_, index) => `group-${index}-${'x'.repeat(20)}`))
    const token = hs256(`{"sub":"u","exp":${now + 300},"groups":${groups}}`)
    assert.ok(token.length > 32 * 1024)
    const result = await jot(['verify', '--json', '--key-env', 'SECRET', '--alg', 'HS256', token], { env: { SECRET } })
    assert.equal(result.code, 0, result.stderr)
    assert.equal(JSON.parse(result.stdout).payload.groups.length, 1000)
  })
})

describe('claims named like members of Object.prototype', () => {
  it('header values that are objects with a member named toString or valueOf: shown, never an unexpected error', async () => {
    const hostile = '{"toString":1,"valueOf":{}}'
    const jws = `${b64url(`{"alg":${hostile},"kid":${hostile},"typ":${hostile}}`)}.${b64url(`{"exp":${hostile}}`)}.c2ln`
    const jwe = `${b64url(`{"alg":${hostile},"enc":${hostile},"cty":${hostile}}`)}.YQ.Yg.Yw.ZA`
    const runs = {
      'decode, JWS': await jot(['decode', jws]),
      'decode, JWE': await jot(['decode', jwe]),
      'decrypt, JWE': await jot(['decrypt', '--key-env', 'SECRET', '--alg', 'A256KW', jwe], { env: { SECRET: 'k'.repeat(32) } }),
      'verify, JWS': await jot(['verify', '--key-env', 'SECRET', '--alg', 'HS256', jws], { env: { SECRET } }),
      'a JWK whose crv is such an object': await jot(['key', '--to', 'pem', '-'], { input: `{"kty":"EC","crv":${hostile},"x":"AA","y":"AA"}` }),
    }
    for (const [name, result] of Object.entries(runs)) {
      assert.doesNotMatch(result.stderr, /unexpected error/, `${name}: ${result.stderr}`)
      assert.ok(result.code === 0 || result.code === 1 || result.code === 2, `${name}: exit ${result.code}`)
    }
    assert.equal(runs['decode, JWS'].code, 0, runs['decode, JWS'].stderr)
    assert.ok(runs['decode, JWS'].stdout.startsWith('JWT, signed with {"toString":1,"valueOf":{}}'), runs['decode, JWS'].stdout)
    assert.equal(runs['decode, JWE'].code, 0, runs['decode, JWE'].stderr)
  })

  it('are shown as claims, with no time annotation', async () => {
    const claims = '{"constructor":1,"toString":2,"__proto__":3,"hasOwnProperty":4,"valueOf":5,"exp":9999999999}'
    const human = await jot(['decode', hs256(claims)])
    assert.equal(human.code, 0, human.stderr)
    for (const name of ['constructor', 'toString', '__proto__', 'hasOwnProperty', 'valueOf']) {
      const line = human.stdout.split('\n').find((text) => text.startsWith(`  "${name}": `))
      assert.ok(line && !line.includes('//'), `${name}: ${line}`)
    }
    assert.match(human.stdout, /"exp": 9999999999 {2}\/\/ 2286-11-20T17:46:39Z/)
    const json = JSON.parse((await jot(['decode', '--json', hs256(claims)])).stdout)
    assert.deepEqual(Object.keys(json.times), ['exp'])
    assert.deepEqual(Object.keys(json.payload), ['constructor', 'toString', '__proto__', 'hasOwnProperty', 'valueOf', 'exp'])
  })
})
