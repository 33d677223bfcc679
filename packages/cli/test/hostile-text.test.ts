/**
 * Attacker text never reaches the terminal raw. Tokens, keys, key sets and remote documents whose
 * strings carry terminal escapes (clear the screen, then draw a fake "Valid: signature verified"),
 * C1 controls, bidi overrides and invisible characters are shown escaped on every path: human
 * output, warnings, error lines on stderr. `--json` stays exact: it parses back to the very values.
 */
import assert from 'node:assert/strict'
import { createHmac, generateKeyPairSync, sign, type JsonWebKey } from 'node:crypto'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { after, before, describe, it } from 'node:test'
import { encryptCompactJWE, importJWK, type JWK } from 'jotjwt'
import { jot, type RunResult } from './helpers.js'

/** Each piece alone, so that a failure names the kind of character that got through. */
const PIECES = [
  '\u001b[2J\u001b[H Valid: signature verified', // ESC: clear screen, cursor home, a fake verdict
  '\u001b]0;title\u0007', // OSC: set the window title, ended by BEL
  '\u009b31m', // C1 CSI: the one-byte form of ESC [
  'back\bspace',
  'carriage\rreturn',
  'line\nbreak\n Valid: signature verified',
  'tab\there',
  'del\u007f',
  'nul\u0000',
  '\u202eevil\u202c', // right-to-left override … pop
  '\u2066isolate\u2069',
  'zero\u200bwidth\u200d\u200e\u200f',
  'line\u2028paragraph\u2029',
  '\ufeffbom',
  'arabic\u061cmark',
  'soft\u00adhyphen',
  'lone\ud800surrogate',
  'tag\u{E0041}character',
  '\u001b[32mpalette\u001b[39m', // the very codes of the CLI's own palette (green), which colour output keeps for itself
]
const EVIL = PIECES.join(' ')
/** Command-line arguments cannot hold NUL, and a lone surrogate does not survive UTF-8. */
const EVIL_ARG = PIECES.filter((piece) => !piece.includes('\u0000') && !piece.includes('\ud800')).join(' ')

/**
 * What must never reach a terminal raw: C0 and C1 controls and DEL (Cc), format characters such as
 * bidi overrides, zero-width characters, the BOM and the soft hyphen (Cf), line and paragraph
 * separators (Zl, Zp), and lone surrogates (Cs). A line feed is the output's own layout.
 */
const UNSAFE = /[\p{Cc}\p{Cf}\p{Cs}\p{Zl}\p{Zp}]/u

/** A lone surrogate written to a pipe arrives as U+FFFD, which no input here holds: it counts as raw too. */
function assertTerminalSafe(text: string, where: string): void {
  let offset = 0
  for (const char of text) {
    if ((char !== '\n' && UNSAFE.test(char)) || char === '\ufffd') {
      const code = char.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')
      assert.fail(`${where}: raw U+${code} at offset ${offset}: ${JSON.stringify(text.slice(Math.max(0, offset - 30), offset + 30))}`)
    }
    offset += char.length
  }
}

function assertSafe(result: RunResult, where: string): void {
  assertTerminalSafe(result.stdout, `${where} stdout`)
  assertTerminalSafe(result.stderr, `${where} stderr`)
}

/** Coloured output without the palette's own codes (bold, dim, red … cyan, and their resets). */
function withoutPaletteColours(text: string): string {
  return [1, 2, 22, 31, 32, 33, 34, 35, 36, 39].reduce((rest, code) => rest.replaceAll(`\u001b[${code}m`, ''), text)
}

/** The attacker's newline must not start a line of its own: the only verdict is the CLI's. */
function assertNoForgedVerdict(text: string, where: string): void {
  const forged = text.split('\n').filter((line, index) => /Valid: signature verified/.test(line) && !(index === 0 && line.startsWith('Valid:')))
  for (const line of forged) assert.ok(!/^\s*Valid/.test(line), `${where}: a forged line: ${JSON.stringify(line)}`)
}

const b64url = (value: unknown) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url')
const now = Math.floor(Date.now() / 1000)
const SECRET = 'a shared secret of at least thirty-two bytes'

function hs256(header: unknown, payload: unknown, secret = SECRET): string {
  const input = `${b64url(header)}.${b64url(payload)}`
  return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`
}

const hostileHeader = { alg: 'HS256', typ: 'JWT', kid: EVIL, [EVIL]: EVIL }
const hostilePayload = {
  sub: EVIL,
  iss: EVIL,
  exp: now + 300,
  iat: now,
  [EVIL]: EVIL,
  nested: { deeper: [EVIL, { [EVIL]: [EVIL, 1, null] }] },
}
const validToken = hs256(hostileHeader, hostilePayload)

describe('hostile strings in a token are escaped in human output', () => {
  it('decode: alg, kid, typ, header members, claim names, claim values and nested values', async () => {
    const header = { alg: EVIL, typ: EVIL, kid: EVIL, [EVIL]: [EVIL] }
    const result = await jot(['decode', `${b64url(header)}.${b64url(hostilePayload)}.c2ln`])
    assert.equal(result.code, 0, result.stderr)
    assertSafe(result, 'decode')
    assert.match(result.stdout, /^JWT, signed with \\u001b\[2J\\u001b\[H Valid: signature verified \\u001b\]0;title\\u0007 \\u009b31m/)
    assert.ok(result.stdout.includes('"sub": "\\u001b[2J\\u001b[H Valid: signature verified'), 'escaped as in JSON')
    assert.ok(result.stdout.includes('\\u202eevil\\u202c'))
    assert.ok(result.stdout.includes('tag\\udb40\\udc41character'))
    assertNoForgedVerdict(result.stdout, 'decode')
  })

  it('decode of a JWE: alg and enc in the status line, the protected header below', async () => {
    const jwe = `${b64url({ alg: EVIL, enc: EVIL, kid: EVIL, cty: 'JWT' })}.ZW5j.aXY.Y2lwaGVy.dGFn`
    const result = await jot(['decode', jwe])
    assert.equal(result.code, 0, result.stderr)
    assertSafe(result, 'decode JWE')
    assert.equal(result.stdout.split('\n')[0]!.startsWith('JWE, encrypted with \\u001b[2J'), true, result.stdout)
    assertNoForgedVerdict(result.stdout, 'decode JWE')
  })

  it('decode with colour: the only escape sequences are the palette\'s own', async () => {
    const result = await jot(['decode', validToken], { env: { FORCE_COLOR: '1' } })
    assert.equal(result.code, 0, result.stderr)
    assert.ok(result.stdout.includes('\u001b[36m'), 'coloured')
    assertTerminalSafe(withoutPaletteColours(result.stdout), 'decode in colour')
    assert.ok(!result.stdout.includes('\u001b[32mpalette'), 'the token\'s own palette codes are escaped')
  })

  it('verify, valid: the kid in the status line, the claims below', async () => {
    const result = await jot(['verify', '--key-env', 'SECRET', '--alg', 'HS256', validToken], { env: { SECRET } })
    assert.equal(result.code, 0, result.stderr)
    assertSafe(result, 'verify')
    assert.match(result.stdout, /^Valid: signature verified \(HS256, kid \\u001b\[2J\\u001b\[H Valid: signature verified /)
    assertNoForgedVerdict(result.stdout, 'verify')
  })

  it('verify, invalid: wrong key, an unknown alg, a claim that does not match', async () => {
    const runs = {
      'wrong key': await jot(['verify', '--key-env', 'SECRET', '--alg', 'HS256', validToken], { env: { SECRET: `${SECRET} but another` } }),
      'unknown alg': await jot(['verify', '--key-env', 'SECRET', '--alg', 'HS256', hs256({ ...hostileHeader, alg: EVIL }, hostilePayload)], { env: { SECRET } }),
      'issuer mismatch': await jot(['verify', '--key-env', 'SECRET', '--alg', 'HS256', '--issuer', 'https://issuer.example', validToken], { env: { SECRET } }),
      'typ mismatch': await jot(['verify', '--key-env', 'SECRET', '--alg', 'HS256', '--typ', 'at+jwt', hs256({ ...hostileHeader, typ: EVIL }, hostilePayload)], { env: { SECRET } }),
    }
    for (const [name, result] of Object.entries(runs)) {
      assert.equal(result.code, 1, `${name}: ${result.stderr}`)
      assert.equal(result.stdout, '')
      assertSafe(result, `verify, ${name}`)
      assert.match(result.stderr, /^jotjwt verify: invalid: ERR_\w+/)
      assert.equal(result.stderr.split('\n').length, 2, `${name}: one line`)
    }
  })
})

describe('error lines that quote hostile input are escaped', () => {
  it('malformed JSON whose parse error quotes the raw bytes: decode, verify, sign', async () => {
    const header = b64url({ alg: 'HS256' })
    const runs = {
      'decode, claims': await jot(['decode', `${header}.${b64url(EVIL)}.c2ln`]),
      'decode, header': await jot(['decode', `${b64url(EVIL)}.${b64url({})}.c2ln`]),
      'verify, claims': await jot(['verify', '--key-env', 'SECRET', '--alg', 'HS256', hs256({ alg: 'HS256' }, EVIL)], { env: { SECRET } }),
      'sign, claims': await jot(['sign', '--key-env', 'SECRET', '--alg', 'HS256', EVIL_ARG], { env: { SECRET } }),
      'sign --debug': await jot(['sign', '--debug', '--key-env', 'SECRET', '--alg', 'HS256', EVIL_ARG], { env: { SECRET } }),
    }
    for (const [name, result] of Object.entries(runs)) {
      assert.notEqual(result.code, 0, name)
      assertSafe(result, name)
      assert.match(result.stderr, /\\u001b\[2J/, `${name}: shows what was there, escaped`)
    }
    assert.match(runs['decode, claims'].stderr, /^jotjwt decode: error: ERR_JSON_INVALID: .*Unexpected token '\\u001b'/)
    assert.match(runs['sign --debug'].stderr, /\nUsageError: the claims argument is not valid JSON: .*\\u001b\[2J/, 'the stack trace too')
  })

  it('--debug: the message inside the stack trace is escaped like the error line, colour codes and line breaks included', async () => {
    const result = await jot(['decode', '--debug', 'a.b.c', EVIL_ARG], { env: { FORCE_COLOR: '1' } })
    assert.equal(result.code, 2)
    assertTerminalSafe(withoutPaletteColours(result.stderr), 'decode --debug in colour')
    assert.ok(!result.stderr.includes('\u001b[32mpalette'), 'the argument\'s own palette codes are escaped')
    assertNoForgedVerdict(result.stderr, 'decode --debug')
    assert.match(result.stderr, /\nUsageError: unexpected argument ".*line\\u000abreak\\u000a Valid: signature verified.*"\n {4}at /)
  })

  it('usage errors: an unknown command, an unexpected argument, an unknown option', async () => {
    const runs = {
      'unknown command': await jot([EVIL_ARG]),
      'unexpected argument': await jot(['decode', 'a.b.c', EVIL_ARG]),
      'unknown option': await jot(['decode', `--${EVIL_ARG}`]),
    }
    for (const [name, result] of Object.entries(runs)) {
      assert.equal(result.code, 2, name)
      assertSafe(result, name)
      assertNoForgedVerdict(result.stderr, name)
    }
  })
})

describe('--json output is exact JSON with every unsafe character written as \\uXXXX', () => {
  it('decode --json and verify --json parse back to the original header and claims', async () => {
    const decoded = await jot(['decode', '--json', validToken])
    assert.equal(decoded.code, 0, decoded.stderr)
    assertSafe(decoded, 'decode --json')
    assert.deepEqual(JSON.parse(decoded.stdout).header, hostileHeader)
    assert.deepEqual(JSON.parse(decoded.stdout).payload, hostilePayload)

    const verified = await jot(['verify', '--json', '--key-env', 'SECRET', '--alg', 'HS256', validToken], { env: { SECRET } })
    assert.equal(verified.code, 0, verified.stderr)
    assertSafe(verified, 'verify --json')
    const result = JSON.parse(verified.stdout)
    assert.deepEqual([result.valid, result.header, result.payload], [true, hostileHeader, hostilePayload])
  })

  it('a failure as JSON keeps the message exactly, escaped', async () => {
    const invalid = await jot(['verify', '--json', '--key-env', 'SECRET', '--alg', 'HS256', hs256({ alg: EVIL }, hostilePayload)], { env: { SECRET } })
    assert.equal(invalid.code, 1)
    assertSafe(invalid, 'verify --json, invalid')
    assert.deepEqual(Object.keys(JSON.parse(invalid.stdout)), ['valid', 'error', 'message'])
    const usage = await jot(['verify', '--json', '--key-env', 'SECRET', validToken, EVIL_ARG], { env: { SECRET } })
    assert.equal(usage.code, 2)
    assertSafe(usage, 'verify --json, usage')
    assert.deepEqual(JSON.parse(usage.stdout), { valid: false, error: 'usage', message: `unexpected argument "${EVIL_ARG}"` })
  })
})

describe('decrypt: hostile claims in an encrypted JWT', () => {
  const KEY = 'k'.repeat(32)
  let jwe = ''
  before(async () => {
    const claims = { ...hostilePayload, exp: undefined }
    const encrypted = await jot(['encrypt', '--key-env', 'KEY', '--alg', 'A256KW', '--exp', '5m', JSON.stringify(claims)], { env: { KEY } })
    assert.equal(encrypted.code, 0, encrypted.stderr)
    jwe = encrypted.stdout.trim()
  })

  it('human output, --json and --plaintext are all escaped; both JSON forms parse back exactly', async () => {
    const human = await jot(['decrypt', '--key-env', 'KEY', '--alg', 'A256KW', jwe], { env: { KEY } })
    assert.equal(human.code, 0, human.stderr)
    assertSafe(human, 'decrypt')
    assertNoForgedVerdict(human.stdout, 'decrypt')
    const json = await jot(['decrypt', '--json', '--key-env', 'KEY', '--alg', 'A256KW', jwe], { env: { KEY } })
    assertSafe(json, 'decrypt --json')
    assert.equal(JSON.parse(json.stdout).payload.sub, EVIL)
    const plaintext = await jot(['decrypt', '--plaintext', '--key-env', 'KEY', '--alg', 'A256KW', jwe], { env: { KEY } })
    assert.equal(plaintext.code, 0, plaintext.stderr)
    assertSafe(plaintext, 'decrypt --plaintext')
    assert.deepEqual(JSON.parse(plaintext.stdout).nested, hostilePayload.nested)
  })
})

describe('decrypt --plaintext: a plaintext that is not JSON', () => {
  it('in colour, its colour codes are escaped like every other escape sequence, not taken for the palette\'s', async () => {
    const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' })
    const recipient = await importJWK(publicKey.export({ format: 'jwk' }) as JWK, { alg: 'ECDH-ES' })
    const plaintext = `\u001b[32mValid: signature verified\u001b[39m\n${EVIL_ARG}`
    const jwe = await encryptCompactJWE(plaintext, recipient)
    const env = { KEY: JSON.stringify(privateKey.export({ format: 'jwk' })), FORCE_COLOR: '1' }
    const result = await jot(['decrypt', '--plaintext', '--key-env', 'KEY', jwe], { env })
    assert.equal(result.code, 0, result.stderr)
    assertSafe(result, 'decrypt --plaintext in colour')
    assert.ok(result.stdout.startsWith('\\u001b[32mValid: signature verified\\u001b[39m\n'), result.stdout)
  })
})

describe('a remote JWK Set and discovery document with hostile members', () => {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' })
  const publicJwk = publicKey.export({ format: 'jwk' }) as JsonWebKey
  const set = { keys: [{ ...publicJwk, kid: EVIL, alg: 'ES256', use: 'sig', [EVIL]: EVIL }] }
  let server: Server
  let origin = ''

  before(async () => {
    server = createServer((request, response) => {
      const send = (body: string) => {
        response.writeHead(200, { 'content-type': 'application/json' })
        response.end(body)
      }
      if (request.url === '/jwks.json') return send(JSON.stringify(set))
      if (request.url === '/.well-known/openid-configuration') return send(JSON.stringify({ issuer: origin, jwks_uri: `${origin}/jwks.json`, [EVIL]: EVIL }))
      // Not JSON: the parse error quotes these bytes.
      return send(EVIL)
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  })
  after(() => server.close())

  function es256(header: unknown, payload: unknown): string {
    const input = `${b64url(header)}.${b64url(payload)}`
    return `${input}.${sign('sha256', Buffer.from(input), { key: privateKey, dsaEncoding: 'ieee-p1363' }).toString('base64url')}`
  }

  it('jwks URL: the key table on stderr and the set on stdout', async () => {
    const result = await jot(['jwks', `${origin}/jwks.json`])
    assert.equal(result.code, 0, result.stderr)
    assertSafe(result, 'jwks URL')
    assert.match(result.stderr, /\n\\u001b\[2J\\u001b\[H Valid: signature verified .*\s+EC\s+P-256\s+ES256\s+sig\n$/)
    assert.equal(result.stderr.trim().split('\n').length, 2, 'one row per key')
    assert.deepEqual(JSON.parse(result.stdout), set)
  })

  it('jwks URL in colour and as --json; jwks --issuer', async () => {
    const coloured = await jot(['jwks', `${origin}/jwks.json`], { env: { FORCE_COLOR: '1' } })
    assert.equal(coloured.code, 0, coloured.stderr)
    assertTerminalSafe(withoutPaletteColours(coloured.stdout), 'jwks in colour')
    assert.ok(!`${coloured.stdout}${coloured.stderr}`.includes('\u001b[32mpalette'), 'the set\'s own palette codes are escaped')
    const json = await jot(['jwks', '--json', `${origin}/jwks.json`])
    assertSafe(json, 'jwks --json')
    assert.deepEqual(JSON.parse(json.stdout), set)
    const issuer = await jot(['jwks', '--issuer', origin])
    assert.equal(issuer.code, 0, issuer.stderr)
    assertSafe(issuer, 'jwks --issuer')
    assert.equal(JSON.parse(issuer.stdout).configuration[EVIL], EVIL)
  })

  it('verify --jwks: the remote key\'s kid in the status line', async () => {
    const token = es256({ alg: 'ES256', kid: EVIL }, { sub: EVIL, exp: now + 300 })
    const result = await jot(['verify', '--jwks', `${origin}/jwks.json`, token])
    assert.equal(result.code, 0, result.stderr)
    assertSafe(result, 'verify --jwks')
    assert.match(result.stdout, /^Valid: signature verified \(ES256, kid \\u001b\[2J/)
    assertNoForgedVerdict(result.stdout, 'verify --jwks')
  })

  it('a JWKS that is not JSON: the error line quotes it escaped', async () => {
    const fetched = await jot(['jwks', `${origin}/garbage`])
    const verified = await jot(['verify', '--jwks', `${origin}/garbage`, es256({ alg: 'ES256' }, { exp: now + 300 })])
    for (const [name, result] of [['jwks', fetched], ['verify', verified]] as const) {
      assert.equal(result.code, 3, `${name}: ${result.stderr}`)
      assertSafe(result, `${name} of a garbage JWKS`)
    }
  })
})
