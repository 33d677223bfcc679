import assert from 'node:assert/strict'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { jot, scratchDir } from './helpers.js'

const dir = scratchDir()
const at = (name: string) => join(dir.path, name)
after(() => dir.remove())

describe('jotjwt encrypt and jotjwt decrypt', () => {
  before(async () => {
    const made = await Promise.all([
      jot(['keygen', 'ECDH-ES+A256KW', '--curve', 'X25519', '--out', at('recipient')]),
      jot(['keygen', 'ECDH-ES+A256KW', '--curve', 'X25519', '--out', at('eavesdropper')]),
      jot(['keygen', 'EdDSA', '--out', at('issuer')]),
    ])
    for (const result of made) assert.equal(result.code, 0, result.stderr)
  })

  it('encrypts claims to a public key; decode says encrypted; decrypt reads and checks them', async () => {
    const encrypted = await jot(['encrypt', '--key', at('recipient.public.jwk'), '--sub', 'user-42', '--claim', 'email=a@example.com', '--exp', '15m'])
    assert.equal(encrypted.code, 0, encrypted.stderr)
    const token = encrypted.stdout.trim()
    assert.equal(token.split('.').length, 5)
    const decoded = await jot(['decode', token])
    assert.match(decoded.stdout, /JWE, encrypted with ECDH-ES\+A256KW \/ A256GCM/)
    assert.doesNotMatch(decoded.stdout, /a@example\.com/)
    const decrypted = await jot(['decrypt', '--json', '--key', at('recipient.private.jwk'), token])
    assert.equal(decrypted.code, 0, decrypted.stderr)
    const result = JSON.parse(decrypted.stdout)
    assert.deepEqual([result.valid, result.payload.email, result.lifetime], [true, 'a@example.com', 900])
  })

  it('a nested JWT: signed then encrypted; decrypt verifies the inner signature with --verify-key', async () => {
    const nested = (await jot(['encrypt', '--key', at('recipient.public.jwk'), '--sign-key', at('issuer.private.jwk'), '--iss', 'https://issuer.example', '--exp', '5m', '--zip'])).stdout.trim()
    const verified = await jot(['decrypt', '--key', at('recipient.private.jwk'), '--verify-key', at('issuer.public.jwk'), '--issuer', 'https://issuer.example', nested])
    assert.equal(verified.code, 0, verified.stderr)
    assert.match(verified.stdout, /^Valid: decrypted \(ECDH-ES\+A256KW \/ A256GCM\), inner signature verified \(EdDSA\)/)
    assert.match(verified.stdout, /Header \(inner JWS\)\n\{\n {2}"alg": "EdDSA"/)

    const unverified = await jot(['decrypt', '--key', at('recipient.private.jwk'), nested])
    assert.equal(unverified.code, 1, 'an unverified nested JWT is not a valid token')
    assert.match(unverified.stdout, /inner signature and claims NOT verified/)
    assert.match(unverified.stderr, /unverified:/)
    const accepted = await jot(['decrypt', '--key', at('recipient.private.jwk'), '--unverified', nested])
    assert.equal(accepted.code, 0, accepted.stderr)

    const inner = await jot(['decrypt', '--plaintext', '--key', at('recipient.private.jwk'), nested])
    const piped = await jot(['verify', '--key', at('issuer.public.jwk'), '-'], { input: inner.stdout })
    assert.equal(piped.code, 0, piped.stderr)

    const forged = await jot(['decrypt', '--key', at('recipient.private.jwk'), '--verify-key', at('recipient.public.jwk'), nested])
    assert.equal(forged.code, 1)
  })

  it('encrypts with a password from the environment (PBES2), which decrypt must allow with --alg', async () => {
    const env = { JOT_TEST_PASSWORD: 'correct horse battery staple' }
    const token = (await jot(['encrypt', '--key-env', 'JOT_TEST_PASSWORD', '--alg', 'PBES2-HS256+A128KW', '--enc', 'A128CBC-HS256', '--exp', '1m'], { env })).stdout.trim()
    const refused = await jot(['decrypt', '--key-env', 'JOT_TEST_PASSWORD', token], { env })
    assert.equal(refused.code, 2)
    assert.match(refused.stderr, /if it is a secret, name its algorithm with --alg/)
    const allowed = await jot(['decrypt', '--key-env', 'JOT_TEST_PASSWORD', '--alg', 'PBES2-HS256+A128KW', token], { env })
    assert.equal(allowed.code, 0, allowed.stderr)
    assert.doesNotMatch(allowed.stdout + allowed.stderr + refused.stderr, /horse/)
  })

  it('fails clearly: wrong key (1), garbage (1), missing file (3), unknown algorithm (2)', async () => {
    const token = (await jot(['encrypt', '--key', at('recipient.public.jwk'), '--exp', '1m'])).stdout.trim()
    const wrong = await jot(['decrypt', '--key', at('eavesdropper.private.jwk'), token])
    assert.equal(wrong.code, 1)
    assert.match(wrong.stderr, /^jotjwt decrypt: invalid: ERR_JWE_DECRYPTION_FAILED/)
    const garbage = await jot(['decrypt', '--key', at('recipient.private.jwk'), 'a.b.c.d.e'])
    assert.equal(garbage.code, 1)
    assert.equal((await jot(['decrypt', '--key', at('recipient.private.jwk'), 'a.b.c'])).code, 2)
    assert.equal((await jot(['encrypt', '--key', at('nope.jwk'), '--exp', '1m'])).code, 3)
    const json = await jot(['decrypt', '--json', '--key', at('nope.jwk'), token])
    assert.equal(json.code, 3)
    assert.deepEqual(JSON.parse(json.stdout), { valid: false, error: 'cli', message: `cannot read the key file "${at('nope.jwk')}": no such file` })
    const unknown = await jot(['encrypt', '--key', at('recipient.public.jwk'), '--enc', 'A512GCM'])
    assert.equal(unknown.code, 2)
    assert.match(unknown.stderr, /unknown content encryption algorithm "A512GCM"/)
  })
})
