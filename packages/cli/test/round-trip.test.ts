import assert from 'node:assert/strict'
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { jot, scratchDir } from './helpers.js'

const dir = scratchDir()
const at = (name: string) => join(dir.path, name)
after(() => dir.remove())

describe('keygen → sign → verify → decode at the terminal', () => {
  let token = ''
  before(async () => {
    const keygen = await jot(['keygen', 'EdDSA', '--out', at('issuer')])
    assert.equal(keygen.code, 0, keygen.stderr)
    assert.equal((await jot(['keygen', 'EdDSA', '--out', at('other')])).code, 0)
  })

  it('keygen writes a private key (mode 0600) and a public key with kid = RFC 7638 thumbprint', async () => {
    const privateJwk = JSON.parse(readFileSync(at('issuer.private.jwk'), 'utf8'))
    const publicJwk = JSON.parse(readFileSync(at('issuer.public.jwk'), 'utf8'))
    assert.equal(statSync(at('issuer.private.jwk')).mode & 0o777, 0o600)
    assert.equal(privateJwk.kid, publicJwk.kid)
    assert.equal(typeof privateJwk.d, 'string')
    assert.equal(publicJwk.d, undefined)
    const thumbprint = await jot(['key', '--thumbprint', at('issuer.public.jwk')])
    assert.equal(thumbprint.stdout.trim(), publicJwk.kid)
    const again = await jot(['keygen', 'EdDSA', '--out', at('issuer')])
    assert.equal(again.code, 3, 'never overwrites a key without --force')
    assert.match(again.stderr, /it exists \(pass --force to replace it\)/)
  })

  it('keygen --force replaces key files with mode 0600 and never writes through a symlink', async () => {
    writeFileSync(at('decoy.txt'), 'not a key')
    symlinkSync(at('decoy.txt'), at('linked.private.jwk'))
    writeFileSync(at('linked.public.jwk'), '{}', { mode: 0o644 })
    const forced = await jot(['keygen', 'EdDSA', '--force', '--out', at('linked')])
    assert.equal(forced.code, 0, forced.stderr)
    assert.equal(readFileSync(at('decoy.txt'), 'utf8'), 'not a key', 'the symlink target is untouched')
    assert.ok(!lstatSync(at('linked.private.jwk')).isSymbolicLink())
    assert.equal(statSync(at('linked.private.jwk')).mode & 0o777, 0o600)
    assert.equal(typeof JSON.parse(readFileSync(at('linked.private.jwk'), 'utf8')).d, 'string')
  })

  it('keygen writes both files of a pair or neither: an existing public key leaves no private key behind', async () => {
    writeFileSync(at('half.public.jwk'), '{"kept":true}')
    const refused = await jot(['keygen', 'EdDSA', '--out', at('half')])
    assert.equal(refused.code, 3)
    assert.equal(refused.stderr, `jotjwt keygen: error: cannot write "${at('half.public.jwk')}": it exists (pass --force to replace it)\n`)
    assert.ok(!existsSync(at('half.private.jwk')), 'no private key without its public key')
    assert.equal(readFileSync(at('half.public.jwk'), 'utf8'), '{"kept":true}')
    assert.deepEqual(readdirSync(dir.path).filter((name) => name.startsWith('half')), ['half.public.jwk'], 'no temporary files left')
  })

  it('keygen --force replaces nothing when one of the files cannot be written', async () => {
    assert.equal((await jot(['keygen', 'EdDSA', '--out', at('pair')])).code, 0)
    const before = readFileSync(at('pair.private.jwk'), 'utf8')
    rmSync(at('pair.public.jwk'))
    mkdirSync(at('pair.public.jwk'))
    const refused = await jot(['keygen', 'EdDSA', '--force', '--out', at('pair')])
    assert.equal(refused.code, 3)
    assert.equal(readFileSync(at('pair.private.jwk'), 'utf8'), before, 'the old private key is still there')
    assert.match(refused.stderr, /cannot write ".*pair\.public\.jwk": it is a directory/)
    assert.deepEqual(readdirSync(dir.path).filter((name) => name.startsWith('pair')).sort(), ['pair.private.jwk', 'pair.public.jwk'])
  })

  it('sign prints a token signed with the key, claims from flags', async () => {
    const signed = await jot(['sign', '--key', at('issuer.private.jwk'), '--sub', 'user-42', '--aud', 'api', '--iss', 'https://issuer.example', '--exp', '5m', '--claim', 'admin=true', '--claim', 'tier=gold'])
    assert.equal(signed.code, 0, signed.stderr)
    assert.equal(signed.stderr, '')
    token = signed.stdout.trim()
    assert.match(token, /^[\w-]+\.[\w-]+\.[\w-]+$/)
  })

  it('verify accepts it (exit 0) and shows the checked claims', async () => {
    const { code, stdout } = await jot(['verify', '--key', at('issuer.public.jwk'), '--audience', 'api', '--issuer', 'https://issuer.example', token])
    assert.equal(code, 0)
    assert.match(stdout, /^Valid: signature verified \(EdDSA, kid [\w-]+\) with key file/)
    assert.match(stdout, /"admin": true,/)
    assert.match(stdout, /"tier": "gold",/)
    assert.match(stdout, /Lifetime {2}5m/)
  })

  it('decode shows the same token with human times', async () => {
    const { code, stdout } = await jot(['decode', token])
    assert.equal(code, 0)
    assert.match(stdout, /"exp": \d+, {2}\/\/ \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ, expires in (5m|4m 5\ds)/)
    assert.match(stdout, /"sub": "user-42"/)
  })

  it('verify rejects a token for another key, audience, issuer or algorithm: exit 1 with code and reason', async () => {
    const cases: [string[], RegExp][] = [
      [['--key', at('other.public.jwk'), '--audience', 'api'], /invalid: ERR_JWS_SIGNATURE_INVALID/],
      [['--key', at('issuer.public.jwk'), '--audience', 'other'], /invalid: ERR_JWT_CLAIM_INVALID \(claim aud, reason mismatch\)/],
      [['--key', at('issuer.public.jwk'), '--audience', 'api', '--issuer', 'https://evil.example'], /claim iss, reason mismatch/],
      [['--key', at('issuer.public.jwk')], /claim aud, reason unexpected.*pass --audience/],
      [['--key', at('issuer.public.jwk'), '--audience', 'api', '--alg', 'ES256'], /ERR_KEY_ALG_MISMATCH: ES256 needs/],
      [['--key', at('issuer.public.jwk'), '--audience', 'api', '--typ', 'at+jwt'], /claim typ, reason mismatch/],
    ]
    for (const [flags, message] of cases) {
      const { code, stdout, stderr } = await jot(['verify', ...flags, token])
      assert.equal(code, 1, flags.join(' '))
      assert.equal(stdout, '')
      assert.match(stderr, message)
      assert.equal(stderr.split('\n').length, 2, 'one line')
    }
  })

  it('verify --json reports the failure as data; --quiet prints nothing', async () => {
    const json = await jot(['verify', '--json', '--key', at('other.public.jwk'), '--audience', 'api', token])
    assert.equal(json.code, 1)
    assert.deepEqual(JSON.parse(json.stdout), { valid: false, error: 'ERR_JWS_SIGNATURE_INVALID', message: 'signature verification failed' })
    const quiet = await jot(['verify', '-q', '--key', at('issuer.public.jwk'), '--audience', 'api', token])
    assert.deepEqual([quiet.code, quiet.stdout, quiet.stderr], [0, '', ''])
  })

  it('verify --json prints an object for every failure, keeping the exit code; success output is unchanged', async () => {
    const missing = await jot(['verify', '--json', '--key', at('nope.jwk'), token])
    assert.equal(missing.code, 3)
    assert.deepEqual(JSON.parse(missing.stdout), { valid: false, error: 'cli', message: `cannot read the key file "${at('nope.jwk')}": no such file` })
    assert.match(missing.stderr, /^jotjwt verify: error: cannot read the key file/, 'the line on stderr stays')
    writeFileSync(at('garbage.pem'), '-----BEGIN PUBLIC KEY-----\nbm90IGEga2V5\n-----END PUBLIC KEY-----\n')
    const badKey = await jot(['verify', '--json', '--alg', 'EdDSA', '--key', at('garbage.pem'), token])
    assert.equal(badKey.code, 1)
    assert.deepEqual(Object.keys(JSON.parse(badKey.stdout)), ['valid', 'error', 'message'])
    assert.equal(JSON.parse(badKey.stdout).error, 'ERR_KEY_INVALID')
    const usage = await jot(['verify', '--json', '--key', at('issuer.public.jwk'), token, 'extra'])
    assert.equal(usage.code, 2)
    assert.deepEqual(JSON.parse(usage.stdout), { valid: false, error: 'usage', message: 'unexpected argument "extra"' })
    const claim = await jot(['verify', '--json', '--key', at('issuer.public.jwk'), '--audience', 'other', token])
    assert.equal(claim.code, 1)
    const { message, ...failure } = JSON.parse(claim.stdout)
    assert.deepEqual([failure, typeof message], [{ valid: false, error: 'ERR_JWT_CLAIM_INVALID', claim: 'aud', reason: 'mismatch' }, 'string'])
    const valid = await jot(['verify', '--json', '--key', at('issuer.public.jwk'), '--audience', 'api', token])
    assert.deepEqual([valid.code, valid.stderr], [0, ''])
    const result = JSON.parse(valid.stdout)
    assert.deepEqual(Object.keys(result), ['valid', 'header', 'payload', 'times', 'lifetime', 'warnings'])
    assert.deepEqual([result.valid, result.payload.sub, result.lifetime], [true, 'user-42', 300])
  })

  it('verify reports an expired token, and --clock-tolerance and --allow-no-exp work', async () => {
    const key = at('issuer.private.jwk')
    const expired = (await jot(['sign', '--key', key, '--claim', `exp=${Math.floor(Date.now() / 1000) - 10}`])).stdout.trim()
    const rejected = await jot(['verify', '--key', at('issuer.public.jwk'), expired])
    assert.equal(rejected.code, 1)
    assert.match(rejected.stderr, /ERR_JWT_EXPIRED \(claim exp, reason expired\)/)
    assert.equal((await jot(['verify', '--key', at('issuer.public.jwk'), '--clock-tolerance', '1m', expired])).code, 0)

    const noExp = await jot(['sign', '--key', key, '--sub', 'x'])
    assert.match(noExp.stderr, /warning: no --exp/)
    const token = noExp.stdout.trim()
    assert.match((await jot(['verify', '--key', at('issuer.public.jwk'), token])).stderr, /ERR_JWT_CLAIM_MISSING \(claim exp, reason missing\)/)
    assert.equal((await jot(['verify', '--key', at('issuer.public.jwk'), '--allow-no-exp', token])).code, 0)
  })

  it('signs with claims from a JSON argument, a file, stdin, and an HMAC secret from the environment', async () => {
    const secret = { JOT_TEST_SECRET: 'a-32-byte-or-longer-secret-value!!' }
    const hmac = ['--key-env', 'JOT_TEST_SECRET', '--alg', 'HS256']
    const fromArgument = await jot(['sign', '{"sub":"arg","n":1}', ...hmac, '--exp', '60'], { env: secret })
    const fromStdin = await jot(['sign', '-', ...hmac, '--exp', '1m'], { env: secret, input: '{"sub":"stdin"}' })
    writeFileSync(at('claims.json'), '{"sub":"file"}')
    const fromFile = await jot(['sign', '--claims', at('claims.json'), ...hmac, '--exp', '1m'], { env: secret })
    for (const [result, sub] of [[fromArgument, 'arg'], [fromStdin, 'stdin'], [fromFile, 'file']] as const) {
      assert.equal(result.code, 0, result.stderr)
      assert.doesNotMatch(result.stdout + result.stderr, /secret-value/, 'the secret is never echoed')
      const verified = await jot(['verify', '--json', ...hmac, result.stdout.trim()], { env: secret })
      assert.equal(verified.code, 0, verified.stderr)
      const { header, payload } = JSON.parse(verified.stdout)
      assert.deepEqual([header.alg, payload.sub, payload.exp - payload.iat], ['HS256', sub, 60])
    }
  })

  it('sign and verify fail clearly: missing file (3), unknown algorithm (2), public key (1), secret as PEM (1)', async () => {
    const missing = await jot(['sign', '--key', at('nope.jwk'), '--exp', '1m'])
    assert.deepEqual([missing.code, missing.stderr], [3, `jotjwt sign: error: cannot read the key file "${at('nope.jwk')}": no such file\n`])
    const unknown = await jot(['sign', '--key', at('issuer.private.jwk'), '--alg', 'XS256'])
    assert.equal(unknown.code, 2)
    assert.match(unknown.stderr, /unknown signature algorithm "XS256"; known: HS256, .*EdDSA/)
    const none = await jot(['sign', '--key', at('issuer.private.jwk'), '--alg', 'none'])
    assert.equal(none.code, 2)
    const publicKey = await jot(['sign', '--key', at('issuer.public.jwk'), '--exp', '1m'])
    assert.equal(publicKey.code, 1)
    assert.match(publicKey.stderr, /ERR_KEY_USAGE_INVALID/)
    const missingKey = await jot(['verify', '--key', at('nope.jwk'), 'a.b.c'])
    assert.equal(missingKey.code, 3)
    const noKey = await jot(['verify', 'a.b.c'])
    assert.equal(noKey.code, 2)
    assert.match(noKey.stderr, /no key: pass --key FILE, --key-env VAR, --jwks URL, or --issuer URL/)
    const garbage = await jot(['verify', '--key', at('issuer.public.jwk'), 'garbage'])
    assert.equal(garbage.code, 1)
    assert.match(garbage.stderr, /^jotjwt verify: invalid: ERR_JWS_INVALID/)
  })
})
