/**
 * `jotjwt verify --key FILE` (or `--key-env VAR`) never takes an issuer's PUBLIC key as an HMAC
 * secret, whatever form the key is stored in. Each case mints an HS256 token the way an attacker who
 * holds only the public key would: the MAC key is exactly the bytes the key file or variable holds.
 * A raw secret is read only when --alg names its algorithm.
 */
import assert from 'node:assert/strict'
import { createHmac, generateKeyPairSync, randomBytes } from 'node:crypto'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import { b64url, jot, scratchDir } from './helpers.js'

const { publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
const pem = publicKey.export({ type: 'spki', format: 'pem' }) as string
const spki = publicKey.export({ type: 'spki', format: 'der' })
const certificatePem = readFileSync(new URL('../../jot/test/unit/fixtures/cert-rsa.pem', import.meta.url), 'utf8')
const certificate = Buffer.from(certificatePem.replace(/-----[^-]+-----|\s/g, ''), 'base64')

/** An OpenSSH `ssh-rsa` line (RFC 4253 §6.6: string "ssh-rsa", mpint e, mpint n). */
function sshRsaLine(): string {
  const string = (bytes: Buffer): Buffer => {
    const length = Buffer.alloc(4)
    length.writeUInt32BE(bytes.length)
    return Buffer.concat([length, bytes])
  }
  const mpint = (value: string): Buffer => {
    const bytes = Buffer.from(value, 'base64url')
    return string(bytes[0]! & 0x80 ? Buffer.concat([Buffer.of(0), bytes]) : bytes)
  }
  const jwk = publicKey.export({ format: 'jwk' })
  return `ssh-rsa ${Buffer.concat([string(Buffer.from('ssh-rsa')), mpint(jwk.e!), mpint(jwk.n!)]).toString('base64')} issuer@example`
}

/** The public key in the forms it is kept in, as the exact bytes of a key file. */
const FORMS: ReadonlyArray<readonly [string, Buffer, RegExp]> = [
  ['a DER SPKI public key', spki, /ERR_KEY_ALG_MISMATCH/],
  ['a DER X.509 certificate', certificate, /ERR_KEY_ALG_MISMATCH/],
  ['the base64 body of the PEM, on one line', Buffer.from(spki.toString('base64')), /ERR_KEY_ALG_MISMATCH/],
  ['an OpenSSH ssh-rsa line', Buffer.from(sshRsaLine()), /is an SSH key.*ssh-keygen -e -m PKCS8/],
  ['a JSON array of JWKs', Buffer.from(JSON.stringify([publicKey.export({ format: 'jwk' })])), /is a JSON array; a JWK Set is an object/],
  ['the PEM saved as UTF-16LE with a BOM', Buffer.from(`\ufeff${pem}`, 'utf16le'), /ERR_KEY_ALG_MISMATCH/],
  ['the PEM saved as UTF-16BE without a BOM', Buffer.from(pem, 'utf16le').swap16(), /ERR_KEY_ALG_MISMATCH/],
  ['the base64 of the PEM file, as a Kubernetes Secret holds it', Buffer.from(Buffer.from(pem).toString('base64')), /ERR_KEY_ALG_MISMATCH/],
  ['the base64 body in quotes, as docker --env-file keeps them', Buffer.from(`"${spki.toString('base64')}"`), /ERR_KEY_ALG_MISMATCH/],
  ['the hex of the DER', Buffer.from(spki.toString('hex')), /ERR_KEY_ALG_MISMATCH/],
  ['the PEM saved as UTF-32LE', utf32le(pem), /holds NUL bytes, so it is not read as a secret/],
  ['two DER certificates in one file (a bundle)', Buffer.concat([certificate, certificate]), /holds NUL bytes, so it is not read as a secret/],
]

/** `text` encoded as UTF-32LE (every character of a PEM is ASCII). */
function utf32le(text: string): Buffer {
  const bytes = Buffer.alloc(text.length * 4)
  for (let i = 0; i < text.length; i++) bytes.writeUInt32LE(text.charCodeAt(i), i * 4)
  return bytes
}

/** What an attacker holding only `key` mints: HS256 over a fresh, unexpired claims set. */
function forge(key: Buffer): string {
  const signingInput = `${b64url({ alg: 'HS256', typ: 'JWT' })}.${b64url({ sub: 'attacker', exp: Math.floor(Date.now() / 1000) + 600 })}`
  return `${signingInput}.${createHmac('sha256', key).update(signingInput).digest('base64url')}`
}

describe('jotjwt verify: public key material is never an HMAC secret', () => {
  const dir = scratchDir()
  after(() => dir.remove())

  FORMS.forEach(([name, bytes, reason], index) => {
    it(`refuses an HS256 token MACed with ${name}, given as --key FILE, with or without --alg HS256`, async () => {
      const file = join(dir.path, `public-${index}.key`)
      writeFileSync(file, bytes)
      const token = forge(bytes)
      for (const extra of [[], ['--alg', 'HS256']]) {
        const result = await jot(['verify', '--key', file, ...extra, token])
        assert.equal(result.code, 1, `${extra.join(' ')}: ${result.stdout}${result.stderr}`)
        assert.doesNotMatch(result.stdout, /Valid/)
        assert.match(result.stderr, reason)
      }
    })

    // Environment variables hold text without NUL characters: the base64, OpenSSH and JSON forms.
    if (!bytes.includes(0)) {
      it(`refuses an HS256 token MACed with ${name}, given as --key-env VAR`, async () => {
        const env = { JOT_TEST_ISSUER_KEY: bytes.toString('utf8') }
        const result = await jot(['verify', '--key-env', 'JOT_TEST_ISSUER_KEY', forge(bytes)], { env })
        assert.equal(result.code, 1, result.stdout + result.stderr)
        assert.match(result.stderr, reason)
      })
    }
  })

  it('reads a DER public key, a one-line base64 PEM body and the base64 of a PEM file as the RSA key they are', async () => {
    const der = join(dir.path, 'issuer.der')
    writeFileSync(der, spki)
    const jwk = JSON.parse((await jot(['key', '--to', 'jwk', der])).stdout)
    assert.deepEqual([jwk.kty, jwk.n], ['RSA', publicKey.export({ format: 'jwk' }).n])
    const env = { JOT_TEST_ISSUER_KEY: spki.toString('base64') }
    const fromEnv = JSON.parse((await jot(['key', '--to', 'jwk', '--key-env', 'JOT_TEST_ISSUER_KEY'], { env })).stdout)
    assert.equal(fromEnv.n, jwk.n)
    const kubernetes = { JOT_TEST_ISSUER_KEY: Buffer.from(pem).toString('base64') }
    const fromSecret = JSON.parse((await jot(['key', '--to', 'jwk', '--key-env', 'JOT_TEST_ISSUER_KEY'], { env: kubernetes })).stdout)
    assert.equal(fromSecret.n, jwk.n)
  })

  it('a raw secret needs --alg: without it the key is refused and the message says what to do', async () => {
    const secret = randomBytes(32).toString('base64')
    const file = join(dir.path, 'shared.secret')
    writeFileSync(file, `${secret}\n`)
    const token = forge(Buffer.from(secret))
    const refused = await jot(['verify', '--key', file, token])
    assert.equal(refused.code, 2)
    assert.match(refused.stderr, /is not a key jot reads \(PEM, DER or JWK\); if it is a secret, name its algorithm with --alg/)
    assert.ok(!refused.stderr.includes(secret))
    const signed = await jot(['sign', '--key', file, '--sub', 'u', '--exp', '1m'])
    assert.equal(signed.code, 2)
    assert.match(signed.stderr, /--alg/)
    assert.equal((await jot(['verify', '--key', file, '--alg', 'HS256', token])).code, 0)
  })

  it('a binary secret file (NUL bytes) is refused even with --alg; the same bytes as an oct JWK are used', async () => {
    const secret = Buffer.concat([Buffer.of(0), randomBytes(31)])
    const file = join(dir.path, 'binary.secret')
    writeFileSync(file, secret)
    const token = forge(secret)
    const refused = await jot(['verify', '--key', file, '--alg', 'HS256', token])
    assert.equal(refused.code, 1)
    assert.match(refused.stderr, /holds NUL bytes, so it is not read as a secret; give a binary secret as a JWK/)
    const jwk = join(dir.path, 'binary.jwk')
    writeFileSync(jwk, JSON.stringify({ kty: 'oct', k: secret.toString('base64url') }))
    assert.equal((await jot(['verify', '--key', jwk, '--alg', 'HS256', token])).code, 0)
  })
})
