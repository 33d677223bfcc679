import assert from 'node:assert/strict'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { jot, scratchDir } from './helpers.js'

const dir = scratchDir()
const at = (name: string) => join(dir.path, name)
after(() => dir.remove())

describe('jot keygen and jot key', () => {
  before(async () => {
    assert.equal((await jot(['keygen', 'ES256', '--pem', '--out', at('api')])).code, 0)
  })

  it('keygen --pem writes PKCS#8 and SPKI; keygen without --out prints both JWKs', async () => {
    assert.match(readFileSync(at('api.private.pem'), 'utf8'), /^-----BEGIN PRIVATE KEY-----\n/)
    assert.match(readFileSync(at('api.public.pem'), 'utf8'), /^-----BEGIN PUBLIC KEY-----\n/)
    const { code, stdout } = await jot(['keygen', 'ECDH-ES+A256KW', '--curve', 'X25519'])
    assert.equal(code, 0)
    const { privateKey, publicKey } = JSON.parse(stdout)
    assert.deepEqual([publicKey.crv, publicKey.alg, publicKey.use, publicKey.kid], ['X25519', 'ECDH-ES+A256KW', 'enc', privateKey.kid])
  })

  it('key converts PEM to JWK (kid = thumbprint, no alg unless stated) and back', async () => {
    const jwk = await jot(['key', at('api.public.pem')])
    assert.equal(jwk.code, 0)
    const parsed = JSON.parse(jwk.stdout)
    assert.deepEqual([parsed.kty, parsed.crv, parsed.alg, parsed.use], ['EC', 'P-256', undefined, undefined])
    assert.equal(parsed.kid, (await jot(['key', '--thumbprint', at('api.public.pem')])).stdout.trim())
    writeFileSync(at('api.public.jwk'), jwk.stdout)
    const pem = await jot(['key', at('api.public.jwk')])
    assert.equal(pem.stdout, readFileSync(at('api.public.pem'), 'utf8'))
    const bound = JSON.parse((await jot(['key', '--alg', 'ES256', '--kid', 'k1', '-'], { input: readFileSync(at('api.public.pem'), 'utf8') })).stdout)
    assert.deepEqual([bound.alg, bound.use, bound.kid], ['ES256', 'sig', 'k1'])
  })

  it('key --public derives the public key from a private one', async () => {
    const { code, stdout } = await jot(['key', '--public', '--to', 'pem', at('api.private.pem')])
    assert.equal(code, 0)
    assert.equal(stdout, readFileSync(at('api.public.pem'), 'utf8'))
    const jwk = JSON.parse((await jot(['key', '--public', at('api.private.pem')])).stdout)
    assert.equal(jwk.d, undefined)
  })

  it('fails clearly: unknown algorithm (2), missing file (3), garbage key (1), secret as PEM (2)', async () => {
    const unknown = await jot(['keygen', 'RS999'])
    assert.equal(unknown.code, 2)
    assert.match(unknown.stderr, /^jot keygen: error: unknown algorithm "RS999"; signature: HS256/)
    assert.equal((await jot(['keygen'])).code, 2)
    assert.equal((await jot(['keygen', 'HS256', '--pem'])).code, 2)
    const missing = await jot(['key', at('missing.pem')])
    assert.equal(missing.code, 3)
    assert.match(missing.stderr, /cannot read the key file ".*missing\.pem": no such file/)
    writeFileSync(at('garbage.pem'), '-----BEGIN PUBLIC KEY-----\nbm90IGEga2V5\n-----END PUBLIC KEY-----\n')
    const garbage = await jot(['key', '--alg', 'ES256', at('garbage.pem')])
    assert.equal(garbage.code, 1)
    assert.match(garbage.stderr, /ERR_KEY_INVALID/)
    writeFileSync(at('secret.txt'), 'a-32-byte-or-longer-secret-value!!\n')
    const secret = await jot(['key', '--to', 'pem', at('secret.txt')])
    assert.equal(secret.code, 2)
    assert.doesNotMatch(secret.stderr, /secret-value/)
  })
})

describe('secrets in malformed key material', () => {
  it('a JWK file or environment variable with invalid JSON is refused without echoing any of it', async () => {
    const secret = 'SUPERSECRETVALUE123'
    writeFileSync(at('broken.jwk'), `{"kty":"oct","k":${secret}}`)
    const fromFile = await jot(['sign', '--key', at('broken.jwk'), '--alg', 'HS256', '--sub', 'u'])
    const fromEnv = await jot(['sign', '--key-env', 'JOT_TEST_BROKEN', '--alg', 'HS256', '--sub', 'u'], { env: { JOT_TEST_BROKEN: `{"kty":"oct","k":${secret}}` } })
    for (const result of [fromFile, fromEnv]) {
      assert.notEqual(result.code, 0)
      assert.match(result.stderr, /not valid JSON/)
      assert.ok(!`${result.stdout}${result.stderr}`.includes('SUPERSECRE'), result.stderr)
    }
  })
})
