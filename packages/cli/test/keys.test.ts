import assert from 'node:assert/strict'
import { generateKeyPairSync } from 'node:crypto'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { jot, scratchDir } from './helpers.js'

const dir = scratchDir()
const at = (name: string) => join(dir.path, name)
after(() => dir.remove())

describe('jotjwt keygen and jotjwt key', () => {
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
    assert.match(unknown.stderr, /^jotjwt keygen: error: unknown algorithm "RS999"; signature: HS256/)
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
    const secret = await jot(['key', '--to', 'pem', '--alg', 'HS256', at('secret.txt')])
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

/** DER TLV with a definite length (short or long form). */
function tlv(tag: number, ...parts: Uint8Array[]): Buffer {
  const body = Buffer.concat(parts)
  const length = body.length < 0x80 ? [body.length] : body.length < 0x100 ? [0x81, body.length] : [0x82, body.length >> 8, body.length & 0xff]
  return Buffer.concat([Buffer.from([tag, ...length]), body])
}

function pem(label: string, der: Buffer): string {
  return `-----BEGIN ${label}-----\n${der.toString('base64').match(/.{1,64}/g)!.join('\n')}\n-----END ${label}-----\n`
}

/** RFC 9881 §2: id-ml-dsa-44/65/87 are 2.16.840.1.101.3.4.3.17/18/19, with absent parameters. */
const ML_DSA = { 'ML-DSA-44': { arc: 17, publicKeyLength: 1312 }, 'ML-DSA-65': { arc: 18, publicKeyLength: 1952 }, 'ML-DSA-87': { arc: 19, publicKeyLength: 2592 } }
type MlDsa = keyof typeof ML_DSA
const mlDsaIdentifier = (alg: MlDsa) => tlv(0x30, tlv(0x06, Buffer.from([0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x03, ML_DSA[alg].arc])))

/** An SPKI of the right length (any bytes are a well-formed ML-DSA public key encoding). */
const mlDsaSPKI = (alg: MlDsa) => pem('PUBLIC KEY', tlv(0x30, mlDsaIdentifier(alg), tlv(0x03, Buffer.alloc(1), Buffer.alloc(ML_DSA[alg].publicKeyLength, 7))))
/** A seed-only PKCS#8 (RFC 9881 §6: privateKey is `[0] IMPLICIT OCTET STRING (SIZE (32))`). */
const mlDsaPKCS8 = (alg: MlDsa) => pem('PRIVATE KEY', tlv(0x30, tlv(0x02, Buffer.alloc(1)), mlDsaIdentifier(alg), tlv(0x04, tlv(0x80, Buffer.alloc(32, 9)))))

/** Decided by the Node version, as in the library's own suites: ML-DSA reached Node in 24.7. */
const [major, minor] = process.versions.node.split('.').map(Number) as [number, number]
const mlDsaExpected = major > 24 || (major === 24 && minor >= 7)

describe('PEM keys are read by the library, never by node:crypto directly', () => {
  it('a key type or curve the library does not take gets its error (exit 1), not "pass --alg"', async () => {
    writeFileSync(at('brainpool.pem'), generateKeyPairSync('ec', { namedCurve: 'brainpoolP256r1' }).publicKey.export({ type: 'spki', format: 'pem' }))
    const curve = await jot(['key', at('brainpool.pem')])
    assert.equal(curve.code, 1)
    assert.match(curve.stderr, /^jotjwt key: error: ERR_NOT_SUPPORTED: EC curve with OID 1\.3\.36\.3\.3\.2\.8\.1\.1\.7 is not supported\n$/)
    writeFileSync(at('pss.pem'), generateKeyPairSync('rsa-pss', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }))
    const pss = await jot(['sign', '--key', at('pss.pem'), '--exp', '1m'])
    assert.equal(pss.code, 1)
    assert.match(pss.stderr, /ERR_NOT_SUPPORTED: RSASSA-PSS \(id-RSASSA-PSS\) keys are not supported/)
    writeFileSync(at('garbage.pem'), '-----BEGIN PUBLIC KEY-----\nbm90IGEga2V5\n-----END PUBLIC KEY-----\n')
    const garbage = await jot(['key', at('garbage.pem')])
    assert.equal(garbage.code, 1)
    assert.match(garbage.stderr, /^jotjwt key: error: ERR_KEY_INVALID: malformed DER/)
  })

  it('each key type still gets its default algorithm: X25519 (key agreement only) and Ed448', async () => {
    const x25519 = generateKeyPairSync('x25519').privateKey.export({ type: 'pkcs8', format: 'pem' }) as string
    const agreement = await jot(['key', '--public', '-'], { input: x25519 })
    assert.equal(agreement.code, 0, agreement.stderr)
    assert.deepEqual([JSON.parse(agreement.stdout).crv, JSON.parse(agreement.stdout).d], ['X25519', undefined])
    writeFileSync(at('ed448.pem'), generateKeyPairSync('ed448').privateKey.export({ type: 'pkcs8', format: 'pem' }))
    const signed = await jot(['sign', '--key', at('ed448.pem'), '--exp', '1m'])
    assert.equal(signed.code, 0, signed.stderr)
    assert.equal(JSON.parse(Buffer.from(signed.stdout.split('.')[0]!, 'base64url').toString()).alg, 'EdDSA')
  })

  it('an ML-DSA PEM names its parameter set, so no --alg is needed; a contradicting --alg is refused', async () => {
    writeFileSync(at('ml-dsa-65.public.pem'), mlDsaSPKI('ML-DSA-65'))
    writeFileSync(at('ml-dsa-87.private.pem'), mlDsaPKCS8('ML-DSA-87'))
    const mismatch = await jot(['key', '--alg', 'ML-DSA-44', at('ml-dsa-65.public.pem')])
    assert.equal(mismatch.code, 1)
    assert.match(mismatch.stderr, /ERR_KEY_ALG_MISMATCH: the key is an ML-DSA-65 key, not ML-DSA-44/)

    const publicKey = await jot(['key', at('ml-dsa-65.public.pem')])
    const signed = await jot(['sign', '--key', at('ml-dsa-87.private.pem'), '--exp', '1m'])
    if (!mlDsaExpected) {
      // This Node has no ML-DSA: the library's NOT_SUPPORTED, naming the parameter set read from the OID.
      for (const [result, alg] of [[publicKey, 'ML-DSA-65'], [signed, 'ML-DSA-87']] as const) {
        assert.equal(result.code, 1, result.stderr)
        assert.match(result.stderr, new RegExp(`ERR_NOT_SUPPORTED: ${alg} is not supported by this runtime: .*Node\\.js 24\\.7 or later`))
      }
      return
    }
    assert.equal(publicKey.code, 0, publicKey.stderr)
    const jwk = JSON.parse(publicKey.stdout)
    assert.deepEqual([jwk.kty, jwk.alg], ['AKP', 'ML-DSA-65'])
    assert.equal(signed.code, 0, signed.stderr)
    assert.equal(JSON.parse(Buffer.from(signed.stdout.split('.')[0]!, 'base64url').toString()).alg, 'ML-DSA-87')
    const pair = await jot(['keygen', 'ML-DSA-44', '--pem', '--out', at('ml-dsa-44')])
    assert.equal(pair.code, 0, pair.stderr)
    const token = (await jot(['sign', '--key', at('ml-dsa-44.private.pem'), '--exp', '1m'])).stdout.trim()
    const verified = await jot(['verify', '--key', at('ml-dsa-44.public.pem'), token])
    assert.equal(verified.code, 0, verified.stderr)
    assert.match(verified.stdout, /^Valid: signature verified \(ML-DSA-44/)
  })
})
