/**
 * Public key material is never an HMAC secret, in whatever form it is stored: DER (SPKI, PKCS#8,
 * PKCS#1, SEC1, X.509), base64 of DER (a PEM body without its armour, as keys are kept in environment
 * variables), OpenSSH and RFC 4716 SSH keys, JSON (a JWK array too) and PEM, also when the text is
 * UTF-16. Whoever holds the public key could otherwise mint HS256 tokens that verify (RFC 8725 §3.1).
 * DER keys and certificates import as what they are, for their own algorithm.
 *
 * The refusal must not cost real secrets: it fires only on a complete, well-formed structure, so
 * random secrets (bytes, base64 or hex text, binary with NUL bytes) still import, as the properties
 * at the end show, including for bytes that start with a valid DER SEQUENCE header.
 */
import assert from 'node:assert/strict'
import { type KeyObject, createHmac, generateKeyPairSync } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import {
  type JWSAlgorithmName,
  createLocalKeySet,
  exportJWK,
  importDER,
  importJWK,
  importKey,
  importPEM,
  importSecret,
  inspectDER,
  inspectKeyMaterial,
  inspectPEM,
  signJWT,
  verifyJWT,
} from 'jotjwt'
import { fromPEM } from '../der.js'
import { rejectsWith } from '../helpers.js'

const fixture = (name: string): string => readFileSync(new URL(`../unit/fixtures/${name}`, import.meta.url), 'utf8')

const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 })
const p256 = generateKeyPairSync('ec', { namedCurve: 'P-256' })
const ed25519 = generateKeyPairSync('ed25519')
// Key types jot does not sign with are key material all the same.
const dsa = generateKeyPairSync('dsa', { modulusLength: 1024, divisorLength: 160 })
const x25519 = generateKeyPairSync('x25519')

const der = (key: KeyObject, type: 'spki' | 'pkcs8' | 'pkcs1' | 'sec1'): Uint8Array =>
  new Uint8Array(key.export({ type, format: 'der' } as never) as Buffer)
const pem = (key: KeyObject, type: 'spki' | 'pkcs8'): string => key.export({ type, format: 'pem' }) as string
const base64 = (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64')

/** RFC 4253 §6.6 / RFC 5656 §3.1 public key blob, as `ssh-keygen` writes it in an OpenSSH line. */
function opensshLine(key: KeyObject): string {
  const string = (bytes: Uint8Array | string): Buffer => {
    const body = Buffer.from(bytes)
    const length = Buffer.alloc(4)
    length.writeUInt32BE(body.length)
    return Buffer.concat([length, body])
  }
  const mpint = (value: string): Buffer => {
    const bytes = Buffer.from(value, 'base64url')
    return string(bytes[0]! & 0x80 ? Buffer.concat([Buffer.of(0), bytes]) : bytes)
  }
  const jwk = key.export({ format: 'jwk' })
  let type: string
  let blob: Buffer
  if (jwk.kty === 'RSA') {
    type = 'ssh-rsa'
    blob = Buffer.concat([string(type), mpint(jwk.e!), mpint(jwk.n!)])
  } else if (jwk.kty === 'EC') {
    type = 'ecdsa-sha2-nistp256'
    const point = Buffer.concat([Buffer.of(4), Buffer.from(jwk.x!, 'base64url'), Buffer.from(jwk.y!, 'base64url')])
    blob = Buffer.concat([string(type), string('nistp256'), string(point)])
  } else {
    type = 'ssh-ed25519'
    blob = Buffer.concat([string(type), string(Buffer.from(jwk.x!, 'base64url'))])
  }
  return `${type} ${blob.toString('base64')} user@host`
}

function utf16(text: string, endian: 'le' | 'be', bom: boolean): Uint8Array {
  const bytes = Buffer.from(`${bom ? '\ufeff' : ''}${text}`, 'utf16le')
  return new Uint8Array(endian === 'be' ? bytes.swap16() : bytes)
}

const rsaPem = pem(rsa.publicKey, 'spki')
const rsaSpki = der(rsa.publicKey, 'spki')
const rsaCertificate = fromPEM(fixture('cert-rsa.pem'))
const rsaJwk = rsa.publicKey.export({ format: 'jwk' })

/** Each form public (and private) key material is kept in, as the bytes or text a secret would be read from. */
const KEY_MATERIAL: ReadonlyArray<readonly [string, Uint8Array | string, string]> = [
  ['a DER SPKI RSA public key', rsaSpki, 'der'],
  ['a DER SPKI P-256 public key', der(p256.publicKey, 'spki'), 'der'],
  ['a DER SPKI Ed25519 public key', der(ed25519.publicKey, 'spki'), 'der'],
  ['a DER SPKI DSA public key (a type jot cannot import)', der(dsa.publicKey, 'spki'), 'der'],
  ['a DER SPKI X25519 public key', der(x25519.publicKey, 'spki'), 'der'],
  ['a DER PKCS#1 RSA public key', der(rsa.publicKey, 'pkcs1'), 'der'],
  ['a DER PKCS#8 private key', der(p256.privateKey, 'pkcs8'), 'der'],
  ['a DER PKCS#1 RSA private key', der(rsa.privateKey, 'pkcs1'), 'der'],
  ['a DER SEC1 EC private key', der(p256.privateKey, 'sec1'), 'der'],
  ['a DER X.509 v3 certificate (RSA)', rsaCertificate, 'der'],
  ['a DER X.509 v3 certificate (P-256)', fromPEM(fixture('cert-ec.pem')), 'der'],
  ['a DER X.509 v1 certificate (Ed25519)', fromPEM(fixture('cert-ed25519-v1.pem')), 'der'],
  ['the base64 body of a PEM on one line', base64(rsaSpki), 'der'],
  ['the base64 body of a PEM in 64-character lines, with a newline', `${rsaPem.split('\n').slice(1, -2).join('\n')}\n`, 'der'],
  ['the base64 of a DER certificate', base64(rsaCertificate), 'der'],
  ['the base64url of a DER SPKI', Buffer.from(rsaSpki).toString('base64url'), 'der'],
  ['an OpenSSH ssh-rsa public key line', opensshLine(rsa.publicKey), 'ssh'],
  ['an OpenSSH ssh-ed25519 public key line', opensshLine(ed25519.publicKey), 'ssh'],
  ['an OpenSSH ecdsa-sha2-nistp256 public key line', opensshLine(p256.publicKey), 'ssh'],
  ['an authorized_keys line with options', `no-pty,from="10.0.0.1" ${opensshLine(ed25519.publicKey)}\n`, 'ssh'],
  ['an OpenSSH private key', '-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----\n', 'pem'],
  ['an RFC 4716 SSH2 public key', `---- BEGIN SSH2 PUBLIC KEY ----\nComment: "user@host"\n${opensshLine(rsa.publicKey).split(' ')[1]}\n---- END SSH2 PUBLIC KEY ----\n`, 'ssh'],
  ['a JSON array of JWKs', JSON.stringify([rsaJwk]), 'json'],
  ['a JWK Set', JSON.stringify({ keys: [rsaJwk] }), 'json'],
  ['a PEM with a lower-case armour label', rsaPem.replaceAll('PUBLIC KEY', 'public key'), 'pem'],
  ['a PEM in UTF-16LE with a BOM', utf16(rsaPem, 'le', true), 'pem'],
  ['a PEM in UTF-16LE without a BOM', utf16(rsaPem, 'le', false), 'pem'],
  ['a PEM in UTF-16BE with a BOM', utf16(rsaPem, 'be', true), 'pem'],
  ['a PEM in UTF-16BE without a BOM', utf16(rsaPem, 'be', false), 'pem'],
  ['a PEM in UTF-16BE with its last byte cut (a stripped newline)', utf16(`${rsaPem}`, 'be', false).subarray(0, -1), 'pem'],
  ['a JWK in UTF-16LE', utf16(JSON.stringify(rsaJwk), 'le', true), 'json'],
  ['an ssh-rsa line in UTF-16LE', utf16(opensshLine(rsa.publicKey), 'le', true), 'ssh'],
  ['a base64 PEM body in UTF-16LE', utf16(base64(rsaSpki), 'le', false), 'der'],
  // One more wrapping, as keys are handed around: a Kubernetes Secret's data is base64 of the file,
  // `docker --env-file` keeps quotes, `.env` files write line breaks as \n.
  ['the base64 of a PEM file (a Kubernetes Secret)', Buffer.from(rsaPem).toString('base64'), 'pem'],
  ['the base64 of a certificate PEM file, in 76-character lines', Buffer.from(fixture('cert-rsa.pem')).toString('base64').replace(/.{76}/g, '$&\n'), 'pem'],
  ['the base64 of a JWK', Buffer.from(JSON.stringify(rsaJwk)).toString('base64'), 'json'],
  ['the base64url of a JWK Set', Buffer.from(JSON.stringify({ keys: [rsaJwk] })).toString('base64url'), 'json'],
  ['the base64 of an ssh-ed25519 line', Buffer.from(opensshLine(ed25519.publicKey)).toString('base64'), 'ssh'],
  ['the base64 of a base64 PEM body', Buffer.from(base64(rsaSpki)).toString('base64'), 'der'],
  ['the hex of a DER SPKI', Buffer.from(rsaSpki).toString('hex'), 'der'],
  ['the hex of a DER certificate, in capitals', Buffer.from(rsaCertificate).toString('hex').toUpperCase(), 'der'],
  ['a base64 PEM body with its line breaks written as \\n', rsaPem.split('\n').slice(1, -2).join('\\n'), 'der'],
  ['a base64 PEM body in double quotes', `"${base64(rsaSpki)}"`, 'der'],
  ['a base64 PEM body in single quotes', `'${base64(rsaSpki)}'`, 'der'],
  ['a JWK as a JSON string', JSON.stringify(JSON.stringify(rsaJwk)), 'json'],
]

describe('public key material offered as an HMAC secret', () => {
  for (const [name, material, format] of KEY_MATERIAL) {
    it(`importSecret and importKey refuse ${name}`, async () => {
      for (const alg of ['HS256', 'HS512'] as const) {
        await rejectsWith(importSecret(material, { alg, unsafeAllowShortSecret: true }), 'ERR_KEY_ALG_MISMATCH')
        await rejectsWith(importKey(material, { alg, unsafeAllowShortSecret: true }), 'ERR_KEY_ALG_MISMATCH')
      }
      if (typeof material === 'string') {
        // Text arrives as a string or as bytes (a file read without an encoding): both are refused.
        await rejectsWith(importSecret(new TextEncoder().encode(material), { alg: 'HS256' }), 'ERR_KEY_ALG_MISMATCH')
      } else {
        // Binary read as UTF-8 text is mangled (U+FFFD), yet still refused: as key material, or as
        // text with NUL characters.
        await assert.rejects(importSecret(Buffer.from(material).toString('utf8'), { alg: 'HS256', unsafeAllowShortSecret: true }), (error: { code?: string }) =>
          ['ERR_KEY_ALG_MISMATCH', 'ERR_KEY_INVALID'].includes(error.code!),
        )
      }
      assert.equal(inspectKeyMaterial(material)?.format, format)
    })
  }

  it('the refusal names what was found, never the material', async () => {
    await rejectsWith(importSecret(rsaSpki, { alg: 'HS256' }), 'ERR_KEY_ALG_MISMATCH', (error) => {
      assert.match(error.message, /DER SubjectPublicKeyInfo/)
      assert.ok(!error.message.includes(base64(rsaSpki).slice(40, 60)))
    })
    await rejectsWith(importSecret(base64(rsaCertificate), { alg: 'HS256' }), 'ERR_KEY_ALG_MISMATCH', (error) => {
      assert.match(error.message, /base64.*Certificate/)
    })
  })

  it('an HS256 token MACed with a DER public key does not verify with that DER imported as a key', async () => {
    const header = Buffer.from('{"alg":"HS256","typ":"JWT"}').toString('base64url')
    const payload = Buffer.from(JSON.stringify({ sub: 'forged', exp: Math.floor(Date.now() / 1000) + 60 })).toString('base64url')
    const mac = createHmac('sha256', rsaSpki).update(`${header}.${payload}`).digest('base64url')
    const publicKey = await importKey(rsaSpki, { alg: 'RS256' })
    await rejectsWith(verifyJWT(`${header}.${payload}.${mac}`, publicKey), 'ERR_ALG_NOT_ALLOWED')
  })

  it('an oct JWK whose k is key material is refused too: importJWK, importKey and a local key set', async () => {
    for (const material of [rsaSpki, new TextEncoder().encode(rsaPem), new TextEncoder().encode(Buffer.from(rsaPem).toString('base64'))]) {
      const jwk = { kty: 'oct', k: Buffer.from(material).toString('base64url') }
      await rejectsWith(importJWK(jwk, { alg: 'HS256' }), 'ERR_KEY_ALG_MISMATCH')
      await rejectsWith(importKey(jwk, { alg: 'HS512', unsafeAllowShortSecret: true }), 'ERR_KEY_ALG_MISMATCH')
    }
    const header = Buffer.from('{"alg":"HS256","kid":"k"}').toString('base64url')
    const payload = Buffer.from(JSON.stringify({ exp: Math.floor(Date.now() / 1000) + 60 })).toString('base64url')
    const forged = `${header}.${payload}.${createHmac('sha256', rsaSpki).update(`${header}.${payload}`).digest('base64url')}`
    const keys = createLocalKeySet({ keys: [{ kty: 'oct', kid: 'k', k: Buffer.from(rsaSpki).toString('base64url') }] }, { allowSymmetricKeys: true })
    await rejectsWith(verifyJWT(forged, keys), 'ERR_JWKS_NO_MATCHING_KEY')
    const secret = crypto.getRandomValues(new Uint8Array(32))
    assert.equal((await importJWK({ kty: 'oct', k: Buffer.from(secret).toString('base64url') }, { alg: 'HS256' })).type, 'secret')
  })

  it('text with NUL characters is refused as a secret (binary read as text, or UTF-16 read as UTF-8)', async () => {
    await rejectsWith(importSecret(`${'s'.repeat(40)}\u0000${'s'.repeat(8)}`, { alg: 'HS256' }), 'ERR_KEY_INVALID')
  })
})

describe('DER keys and certificates import as what they are', () => {
  const pairs: ReadonlyArray<readonly [JWSAlgorithmName, { publicKey: KeyObject; privateKey: KeyObject }, string]> = [
    ['RS256', rsa, 'cert-rsa.pem'],
    ['ES256', p256, 'cert-ec.pem'],
    ['EdDSA', ed25519, 'cert-ed25519-v1.pem'],
  ]
  for (const [alg, pair, certificate] of pairs) {
    it(`${alg}: SPKI and PKCS#8 DER sign and verify, through importDER and importKey`, async () => {
      const privateKey = await importDER(der(pair.privateKey, 'pkcs8'), { alg })
      const publicKey = await importKey(der(pair.publicKey, 'spki'), { alg })
      assert.deepEqual([privateKey.type, publicKey.type, publicKey.alg], ['private', 'public', alg])
      const token = await signJWT({ sub: 'der' }, privateKey, { expiresIn: '1m' })
      assert.equal((await verifyJWT(token, publicKey)).payload.sub, 'der')
      assert.deepEqual(await exportJWK(publicKey), await exportJWK(await importPEM(pem(pair.publicKey, 'spki'), { alg })))
    })

    it(`${alg}: an X.509 certificate in DER gives its public key, as its PEM does`, async () => {
      const text = fixture(certificate)
      const fromDER = await importKey(fromPEM(text), { alg })
      assert.equal(fromDER.type, 'public')
      assert.deepEqual(await exportJWK(fromDER), await exportJWK(await importPEM(text, { alg })))
      assert.deepEqual(inspectDER(fromPEM(text)), inspectPEM(text))
    })
  }

  it('PKCS#1 and SEC1 DER import too, and inspectDER describes every form as inspectPEM does', async () => {
    const rsaPublic = await importDER(der(rsa.publicKey, 'pkcs1'), { alg: 'PS256' })
    const rsaPrivate = await importDER(der(rsa.privateKey, 'pkcs1'), { alg: 'PS256' })
    const ecPrivate = await importDER(der(p256.privateKey, 'sec1'), { alg: 'ES256' })
    assert.deepEqual([rsaPublic.type, rsaPrivate.type, ecPrivate.type], ['public', 'private', 'private'])
    assert.deepEqual(inspectDER(der(rsa.privateKey, 'pkcs1')), { kind: 'private', kty: 'RSA' })
    assert.deepEqual(inspectDER(der(p256.privateKey, 'sec1')), { kind: 'private', kty: 'EC', crv: 'P-256' })
    assert.deepEqual(inspectDER(der(x25519.publicKey, 'spki')), { kind: 'public', kty: 'OKP', crv: 'X25519' })
  })

  it('a DER key is bound to its algorithm like any key: HS256, another type, trailing bytes and garbage are refused', async () => {
    await rejectsWith(importDER(rsaSpki, { alg: 'HS256' }), 'ERR_KEY_ALG_MISMATCH')
    await rejectsWith(importDER(rsaSpki, { alg: 'ES256' }), 'ERR_KEY_ALG_MISMATCH')
    await rejectsWith(importDER(der(dsa.publicKey, 'spki'), { alg: 'RS256' }), 'ERR_NOT_SUPPORTED')
    await rejectsWith(importDER(Uint8Array.from([...rsaSpki, 0]), { alg: 'RS256' }), 'ERR_KEY_INVALID')
    await rejectsWith(importDER(new Uint8Array(64).fill(0x61), { alg: 'RS256' }), 'ERR_KEY_INVALID')
    await rejectsWith(importDER('MIIB' as unknown as Uint8Array, { alg: 'RS256' }), 'ERR_INVALID_ARGUMENT')
    // importKey still calls bytes that are no key structure a secret, which RS256 cannot use.
    await rejectsWith(importKey(new Uint8Array(256).fill(0x61), { alg: 'RS256' }), 'ERR_KEY_ALG_MISMATCH')
  })
})

/**
 * Why real secrets are not refused: every DER shape requires a complete structure. The first byte
 * must be 0x30 and the length after it must cover exactly the rest of the input; then the components
 * must be complete TLVs that end exactly where the SEQUENCE ends, with the tags of one of six shapes
 * (at least two tag bytes and one more exact length). For uniformly random bytes that is at least
 * five independent one-byte coincidences, a probability under 2^-38 per secret before the nested
 * checks; base64 and hex secrets decode (or fail to decode) to random bytes, so the same bound holds.
 * The properties below would fail at once for a check that looks at the first byte or the outer TLV.
 */
describe('real secrets still import', () => {
  const algFor = (length: number): JWSAlgorithmName => (length >= 64 ? 'HS512' : 'HS256')
  const imports = async (secret: Uint8Array | string, alg: JWSAlgorithmName): Promise<void> => {
    const key = await importSecret(secret, { alg })
    assert.equal(key.type, 'secret')
    assert.equal(inspectKeyMaterial(secret), undefined)
  }

  it('random 32- and 64-byte secrets', async () => {
    const secret = fc.constantFrom(32, 64).chain((length) => fc.uint8Array({ minLength: length, maxLength: length }))
    await fc.assert(fc.asyncProperty(secret, (bytes) => imports(bytes, algFor(bytes.length))), { numRuns: 2000 })
  })

  it('random secrets behind a valid DER SEQUENCE header (0x30, exact length)', async () => {
    const secret = fc.uint8Array({ minLength: 30, maxLength: 125 }).map((body) => Uint8Array.of(0x30, body.length, ...body))
    await fc.assert(fc.asyncProperty(secret, (bytes) => imports(bytes, 'HS256')), { numRuns: 2000 })
  })

  it('random base64, base64url and hex text secrets (openssl rand -base64 32 and friends)', async () => {
    const bytes = fc.uint8Array({ minLength: 32, maxLength: 64 })
    const text = fc.oneof(
      bytes.map((b) => Buffer.from(b).toString('base64')),
      bytes.map((b) => Buffer.from(b).toString('base64url')),
      bytes.map((b) => Buffer.from(b).toString('hex')),
      bytes.map((b) => Buffer.from(Uint8Array.of(0x30, b.length, ...b)).toString('base64')),
      // Wrapped once more, as key material is: base64 of base64 or hex text, in quotes.
      bytes.map((b) => Buffer.from(Buffer.from(b).toString('hex')).toString('base64')),
      bytes.map((b) => Buffer.from(Buffer.from(b).toString('base64')).toString('base64')),
      bytes.map((b) => `"${Buffer.from(b).toString('base64')}"`),
    )
    await fc.assert(fc.asyncProperty(text, (secret) => imports(secret, 'HS256')), { numRuns: 2000 })
  })

  it('a large text is read in time linear in its size, whatever its words (no per-word failure path)', () => {
    // Words that are not an SSH blob once cost an exception each: 2 MiB of them took seconds.
    for (const word of ['ab ', 'a ABCDEF== ']) {
      const text = word.repeat((2 << 20) / word.length)
      const started = performance.now()
      assert.equal(inspectKeyMaterial(text), undefined)
      const elapsed = performance.now() - started
      assert.ok(elapsed < 3000, `${JSON.stringify(word)} × ${text.length / word.length}: ${Math.round(elapsed)} ms`)
    }
  })

  it('binary secrets with NUL bytes, and passphrases', async () => {
    const binary = fc.uint8Array({ minLength: 32, maxLength: 64 }).map((b) => Uint8Array.of(...b.subarray(0, 16), 0, 0, ...b.subarray(16)))
    await fc.assert(fc.asyncProperty(binary, (bytes) => imports(bytes, 'HS256')), { numRuns: 500 })
    await imports('correct horse battery staple, and then some more', 'HS256')
    await imports('ssh-rsa is what this passphrase starts with, but it is no key', 'HS256')
  })
})
