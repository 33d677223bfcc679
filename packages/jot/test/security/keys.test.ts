/**
 * Key-import refusals: weak secrets and RSA moduli, keys for the wrong algorithm or curve, JWK
 * metadata that restricts a key, public keys asked to sign, `none` and unknown algorithms, malformed
 * PEM/JWK, and error messages that never echo key material.
 */
import assert from 'node:assert/strict'
import { type KeyObject, generateKeyPairSync, randomBytes } from 'node:crypto'
import { describe, it } from 'node:test'
import { inspect } from 'node:util'
import {
  type JWK,
  type JWSAlgorithmName,
  base64url,
  createSigner,
  cryptoBackend,
  generateKeyPair,
  generateSecret,
  importJWK,
  importKey,
  importPEM,
  importSecret,
  signCompactJWS,
  signFlattenedJWS,
  signGeneralJWS,
  signJWT,
  verifyJWT,
} from 'jotjwt'
import { rejectsWith } from '../helpers.js'


/** Every message in the error and its cause chain. */
function messagesOf(error: unknown): string {
  const out: string[] = []
  for (let e = error, depth = 0; e !== undefined && e !== null && depth < 10; depth++) {
    out.push(e instanceof Error ? `${e.name}: ${e.message}` : String(e))
    e = e instanceof Error ? e.cause : undefined
  }
  return out.join('\n')
}

/** Asserts no 12-character run of `secret` (ignoring PEM whitespace) appears in the error messages. */
function assertNoLeak(error: unknown, ...secrets: string[]): void {
  const text = messagesOf(error)
  for (const secret of secrets) {
    const compact = secret.replace(/-----[^-]+-----/g, '').replace(/\s+/g, '')
    for (let i = 0; i + 12 <= compact.length; i += 4) {
      const chunk = compact.slice(i, i + 12)
      assert.ok(!text.includes(chunk), `error message leaks key material (${JSON.stringify(chunk)}): ${text}`)
    }
  }
}

const spkiPem = (key: KeyObject): string => key.export({ type: 'spki', format: 'pem' }) as string
const pkcs8Pem = (key: KeyObject): string => key.export({ type: 'pkcs8', format: 'pem' }) as string
const jwkOf = (key: KeyObject): JWK => key.export({ format: 'jwk' }) as JWK

const rsa2048 = generateKeyPairSync('rsa', { modulusLength: 2048 })
const rsa1024 = generateKeyPairSync('rsa', { modulusLength: 1024 })
const p256 = generateKeyPairSync('ec', { namedCurve: 'prime256v1' })
const p384 = generateKeyPairSync('ec', { namedCurve: 'secp384r1' })
const ed25519 = generateKeyPairSync('ed25519')
const ed448 = generateKeyPairSync('ed448')

const bytes = (length: number, fill = 0x61): Uint8Array => new Uint8Array(length).fill(fill)

describe('HMAC secret strength', () => {
  const cases: ReadonlyArray<readonly [JWSAlgorithmName, number]> = [
    ['HS256', 32],
    ['HS384', 48],
    ['HS512', 64],
  ]
  for (const [alg, size] of cases) {
    it(`${alg}: a ${size - 1}-byte secret is too weak`, async () => {
      await rejectsWith(importSecret(bytes(size - 1), { alg }), 'ERR_KEY_TOO_WEAK')
    })

    it(`${alg}: a ${size - 1}-byte secret is too weak through importKey`, async () => {
      await rejectsWith(importKey(bytes(size - 1), { alg }), 'ERR_KEY_TOO_WEAK')
    })

    it(`${alg}: a ${size - 1}-character text secret is too weak`, async () => {
      await rejectsWith(importSecret('s'.repeat(size - 1), { alg }), 'ERR_KEY_TOO_WEAK')
    })

    it(`${alg}: a ${size - 1}-byte oct JWK is too weak`, async () => {
      await rejectsWith(importJWK({ kty: 'oct', k: base64url.encode(bytes(size - 1)) }, { alg }), 'ERR_KEY_TOO_WEAK')
    })

    it(`${alg}: a ${size}-byte secret is accepted`, async () => {
      const key = await importSecret(bytes(size), { alg })
      assert.equal(key.alg, alg)
      assert.equal(key.type, 'secret')
    })

    it(`${alg}: a ${size - 1}-byte secret is accepted with unsafeAllowShortSecret`, async () => {
      const key = await importSecret(bytes(size - 1), { alg, unsafeAllowShortSecret: true })
      assert.equal(key.alg, alg)
    })

    it(`${alg}: generateSecret with length ${size - 1} is too weak`, async () => {
      await rejectsWith(generateSecret(alg, { length: size - 1 }), 'ERR_KEY_TOO_WEAK')
    })
  }

  it('text secrets are measured in UTF-8 bytes, not characters', async () => {
    // 16 × "é" = 32 bytes: enough for HS256. 31 ASCII chars: not.
    await importSecret('é'.repeat(16), { alg: 'HS256' })
    await rejectsWith(importSecret('é'.repeat(15), { alg: 'HS256' }), 'ERR_KEY_TOO_WEAK')
  })

  it('an empty byte secret is too weak', async () => {
    await rejectsWith(importSecret(new Uint8Array(0), { alg: 'HS256' }), 'ERR_KEY_TOO_WEAK')
  })

  it('an empty text secret is too weak', async () => {
    await rejectsWith(importSecret('', { alg: 'HS256' }), 'ERR_KEY_TOO_WEAK')
  })

  it('an empty secret is too weak even with unsafeAllowShortSecret', async () => {
    await rejectsWith(importSecret('', { alg: 'HS256', unsafeAllowShortSecret: true }), 'ERR_KEY_TOO_WEAK')
    await rejectsWith(importKey(new Uint8Array(0), { alg: 'HS512', unsafeAllowShortSecret: true }), 'ERR_KEY_TOO_WEAK')
  })

  it('an empty oct JWK is too weak', async () => {
    await rejectsWith(importJWK({ kty: 'oct', k: '' }, { alg: 'HS256', unsafeAllowShortSecret: true }), 'ERR_KEY_TOO_WEAK')
  })
})

describe('RSA modulus size', () => {
  for (const alg of ['RS256', 'PS256', 'RS512'] as const) {
    it(`${alg}: RSA-1024 public key PEM (SPKI) is too weak`, async () => {
      await rejectsWith(importKey(spkiPem(rsa1024.publicKey), { alg }), 'ERR_KEY_TOO_WEAK')
    })

    it(`${alg}: RSA-1024 private key PEM (PKCS#8) is too weak`, async () => {
      await rejectsWith(importKey(pkcs8Pem(rsa1024.privateKey), { alg }), 'ERR_KEY_TOO_WEAK')
    })

    it(`${alg}: RSA-1024 public JWK is too weak`, async () => {
      await rejectsWith(importJWK(jwkOf(rsa1024.publicKey), { alg }), 'ERR_KEY_TOO_WEAK')
    })

    it(`${alg}: RSA-1024 private JWK is too weak`, async () => {
      await rejectsWith(importKey(jwkOf(rsa1024.privateKey), { alg }), 'ERR_KEY_TOO_WEAK')
    })

    it(`${alg}: generateKeyPair with modulusLength 1024 is too weak`, async () => {
      await rejectsWith(generateKeyPair(alg, { modulusLength: 1024 }), 'ERR_KEY_TOO_WEAK')
    })
  }

  it('RSA-1024 PKCS#1 PEMs (RSA PUBLIC KEY / RSA PRIVATE KEY) are too weak', async () => {
    await rejectsWith(
      importPEM(rsa1024.publicKey.export({ type: 'pkcs1', format: 'pem' }) as string, { alg: 'RS256' }),
      'ERR_KEY_TOO_WEAK',
    )
    await rejectsWith(
      importPEM(rsa1024.privateKey.export({ type: 'pkcs1', format: 'pem' }) as string, { alg: 'RS256' }),
      'ERR_KEY_TOO_WEAK',
    )
  })

  it('a 2047-bit RSA key is too weak', async () => {
    const rsa2047 = generateKeyPairSync('rsa', { modulusLength: 2047 })
    await rejectsWith(importKey(spkiPem(rsa2047.publicKey), { alg: 'RS256' }), 'ERR_KEY_TOO_WEAK')
  })

  it('generateKeyPair with modulusLength 2047 is too weak', async () => {
    await rejectsWith(generateKeyPair('RS256', { modulusLength: 2047 }), 'ERR_KEY_TOO_WEAK')
  })

  it('control: a 2048-bit RSA key is accepted', async () => {
    const key = await importKey(spkiPem(rsa2048.publicKey), { alg: 'RS256' })
    assert.equal(key.bits, 2048)
  })
})

describe('key type and curve must fit the algorithm', () => {
  it('P-384 public key PEM for ES256 is a mismatch', async () => {
    await rejectsWith(importKey(spkiPem(p384.publicKey), { alg: 'ES256' }), 'ERR_KEY_ALG_MISMATCH')
  })

  it('P-384 private key PEM for ES256 is a mismatch', async () => {
    await rejectsWith(importKey(pkcs8Pem(p384.privateKey), { alg: 'ES256' }), 'ERR_KEY_ALG_MISMATCH')
  })

  it('P-384 SEC1 "EC PRIVATE KEY" PEM for ES256 is a mismatch', async () => {
    const sec1 = p384.privateKey.export({ type: 'sec1', format: 'pem' }) as string
    await rejectsWith(importPEM(sec1, { alg: 'ES256' }), 'ERR_KEY_ALG_MISMATCH')
  })

  it('P-384 public JWK for ES256 is a mismatch', async () => {
    await rejectsWith(importJWK(jwkOf(p384.publicKey), { alg: 'ES256' }), 'ERR_KEY_ALG_MISMATCH')
  })

  it('P-384 private JWK for ES256 is a mismatch', async () => {
    await rejectsWith(importJWK(jwkOf(p384.privateKey), { alg: 'ES256' }), 'ERR_KEY_ALG_MISMATCH')
  })

  it('P-256 JWK for ES384 is a mismatch', async () => {
    await rejectsWith(importJWK(jwkOf(p256.publicKey), { alg: 'ES384' }), 'ERR_KEY_ALG_MISMATCH')
  })

  it('P-256 JWK relabelled "crv": "P-384" is refused (wrong coordinate length or curve)', async () => {
    await rejectsWith(importJWK({ ...jwkOf(p256.publicKey), crv: 'P-384' }, { alg: 'ES256' }), 'ERR_KEY_ALG_MISMATCH')
  })

  it('Ed448 public key PEM for the Ed25519 algorithm is a mismatch', async () => {
    await rejectsWith(importKey(spkiPem(ed448.publicKey), { alg: 'Ed25519' }), 'ERR_KEY_ALG_MISMATCH')
  })

  it('Ed448 JWK for the Ed25519 algorithm is a mismatch', async () => {
    await rejectsWith(importJWK(jwkOf(ed448.publicKey), { alg: 'Ed25519' }), 'ERR_KEY_ALG_MISMATCH')
  })

  it('Ed25519 key for the Ed448 algorithm is a mismatch', async () => {
    await rejectsWith(importKey(spkiPem(ed25519.publicKey), { alg: 'Ed448' }), 'ERR_KEY_ALG_MISMATCH')
  })

  it('RSA public key PEM for ES256 is a mismatch', async () => {
    await rejectsWith(importKey(spkiPem(rsa2048.publicKey), { alg: 'ES256' }), 'ERR_KEY_ALG_MISMATCH')
  })

  it('RSA JWK for ES256 is a mismatch', async () => {
    await rejectsWith(importJWK(jwkOf(rsa2048.publicKey), { alg: 'ES256' }), 'ERR_KEY_ALG_MISMATCH')
  })

  it('EC key PEM for RS256 is a mismatch', async () => {
    await rejectsWith(importKey(spkiPem(p256.publicKey), { alg: 'RS256' }), 'ERR_KEY_ALG_MISMATCH')
  })

  it('EC JWK for EdDSA is a mismatch', async () => {
    await rejectsWith(importJWK(jwkOf(p256.publicKey), { alg: 'EdDSA' }), 'ERR_KEY_ALG_MISMATCH')
  })

  it('Ed25519 key PEM for ES256 is a mismatch', async () => {
    await rejectsWith(importKey(spkiPem(ed25519.publicKey), { alg: 'ES256' }), 'ERR_KEY_ALG_MISMATCH')
  })

  it('an oct JWK for RS256 is a mismatch', async () => {
    await rejectsWith(importJWK({ kty: 'oct', k: base64url.encode(bytes(32)) }, { alg: 'RS256' }), 'ERR_KEY_ALG_MISMATCH')
  })

  it('a secret for RS256 is a mismatch', async () => {
    await rejectsWith(importSecret(bytes(32), { alg: 'RS256' }), 'ERR_KEY_ALG_MISMATCH')
    await rejectsWith(importKey(bytes(256), { alg: 'ES256' }), 'ERR_KEY_ALG_MISMATCH')
  })

  it('a PEM for HS256 through importPEM is a mismatch', async () => {
    await rejectsWith(importPEM(spkiPem(rsa2048.publicKey), { alg: 'HS256' }), 'ERR_KEY_ALG_MISMATCH')
  })

  it('an RSA JWK for HS256 is a mismatch', async () => {
    await rejectsWith(importJWK(jwkOf(rsa2048.publicKey), { alg: 'HS256' }), 'ERR_KEY_ALG_MISMATCH')
  })
})

describe('asymmetric key material offered as an HMAC secret', () => {
  it('a private key PEM as an HS256 secret is a mismatch', async () => {
    await rejectsWith(importSecret(pkcs8Pem(p256.privateKey), { alg: 'HS256' }), 'ERR_KEY_ALG_MISMATCH')
  })

  it('a certificate-style PEM with leading explanatory text as an HS256 secret is a mismatch', async () => {
    // `openssl x509 -text`, PKCS#12 "Bag Attributes" and similar put text before the PEM block;
    // importPEM reads such files, so importSecret must recognize them as key material too.
    const pem = `Bag Attributes\n    localKeyID: 01 02 03 04\nsubject=CN = example\n${spkiPem(rsa2048.publicKey)}`
    await importPEM(pem, { alg: 'RS256' }) // it is a PEM key as far as jot is concerned
    await rejectsWith(importSecret(pem, { alg: 'HS256' }), 'ERR_KEY_ALG_MISMATCH')
  })

  it('a JWK Set (JWKS document) JSON as an HS256 secret is a mismatch', async () => {
    const jwks = JSON.stringify({ keys: [jwkOf(rsa2048.publicKey)] })
    await rejectsWith(importSecret(jwks, { alg: 'HS256' }), 'ERR_KEY_ALG_MISMATCH')
  })

  it('a private JWK JSON as an HS256 secret is a mismatch', async () => {
    await rejectsWith(importSecret(JSON.stringify(jwkOf(ed25519.privateKey)), { alg: 'HS256' }), 'ERR_KEY_ALG_MISMATCH')
  })
})

describe('JWK metadata restricts the key', () => {
  it('a JWK whose "alg" contradicts the requested algorithm is a mismatch', async () => {
    await rejectsWith(importJWK({ ...jwkOf(p256.publicKey), alg: 'ES384' }, { alg: 'ES256' }), 'ERR_KEY_ALG_MISMATCH')
  })

  it('an RSA JWK with "alg": "RS256" imported for PS256 is a mismatch', async () => {
    await rejectsWith(importJWK({ ...jwkOf(rsa2048.publicKey), alg: 'RS256' }, { alg: 'PS256' }), 'ERR_KEY_ALG_MISMATCH')
  })

  it('an oct JWK with "alg": "HS512" imported for HS256 is a mismatch', async () => {
    await rejectsWith(importJWK({ kty: 'oct', k: base64url.encode(bytes(64)), alg: 'HS512' }, { alg: 'HS256' }), 'ERR_KEY_ALG_MISMATCH')
  })

  it('a JWK with "alg": "none" is a mismatch', async () => {
    await rejectsWith(importJWK({ ...jwkOf(p256.publicKey), alg: 'none' }, { alg: 'ES256' }), 'ERR_KEY_ALG_MISMATCH')
  })

  it('a JWK with "use": "enc" is a mismatch', async () => {
    await rejectsWith(importJWK({ ...jwkOf(rsa2048.publicKey), use: 'enc' }, { alg: 'RS256' }), 'ERR_KEY_ALG_MISMATCH')
  })

  it('a JWK with "key_ops": ["encrypt"] is a mismatch', async () => {
    await rejectsWith(importJWK({ ...jwkOf(rsa2048.publicKey), key_ops: ['encrypt'] }, { alg: 'RS256' }), 'ERR_KEY_ALG_MISMATCH')
  })

  it('a public JWK with "key_ops": ["sign"] only is a mismatch', async () => {
    await rejectsWith(importJWK({ ...jwkOf(p256.publicKey), key_ops: ['sign'] }, { alg: 'ES256' }), 'ERR_KEY_ALG_MISMATCH')
  })

  it('a private JWK with "key_ops": ["verify"] only is a mismatch', async () => {
    await rejectsWith(importJWK({ ...jwkOf(p256.privateKey), key_ops: ['verify'] }, { alg: 'ES256' }), 'ERR_KEY_ALG_MISMATCH')
  })

  it('a JWK with non-array "key_ops" is invalid', async () => {
    await rejectsWith(
      importJWK({ ...jwkOf(p256.publicKey), key_ops: 'verify' as unknown as string[] }, { alg: 'ES256' }),
      'ERR_KEY_INVALID',
    )
  })

  it('control: matching "alg", "use": "sig" and "key_ops": ["verify"] are accepted', async () => {
    const key = await importJWK({ ...jwkOf(p256.publicKey), alg: 'ES256', use: 'sig', key_ops: ['verify'] }, { alg: 'ES256' })
    assert.equal(key.alg, 'ES256')
  })
})

describe('key usage', () => {
  it('signJWT with a public key is refused', async () => {
    const publicKey = await importKey(spkiPem(p256.publicKey), { alg: 'ES256' })
    await rejectsWith(signJWT({ sub: 'a' }, publicKey), 'ERR_KEY_USAGE_INVALID')
  })

  it('signCompactJWS with a public key is refused', async () => {
    const publicKey = await importKey(spkiPem(rsa2048.publicKey), { alg: 'RS256' })
    await rejectsWith(signCompactJWS('x', publicKey), 'ERR_KEY_USAGE_INVALID')
  })

  it('signFlattenedJWS with a public key is refused', async () => {
    const publicKey = await importJWK(jwkOf(ed25519.publicKey), { alg: 'EdDSA' })
    await rejectsWith(signFlattenedJWS('x', publicKey), 'ERR_KEY_USAGE_INVALID')
  })

  it('signGeneralJWS with a public key among the signers is refused', async () => {
    const { privateKey, publicKey } = await generateKeyPair('ES256')
    await rejectsWith(signGeneralJWS('x', [{ key: privateKey }, { key: publicKey }]), 'ERR_KEY_USAGE_INVALID')
  })

  it('createSigner with a generated public key is refused when signing', async () => {
    const { publicKey } = await generateKeyPair('EdDSA')
    await rejectsWith(async () => createSigner({ key: publicKey })({ sub: 'a' }), 'ERR_KEY_USAGE_INVALID')
  })
})

describe('algorithm names', () => {
  it('importKey with alg "none" is not allowed', async () => {
    await rejectsWith(importKey(bytes(32), { alg: 'none' as JWSAlgorithmName }), 'ERR_ALG_NOT_ALLOWED')
  })

  it('importSecret, importPEM and importJWK with alg "none" are not allowed', async () => {
    await rejectsWith(importSecret(bytes(32), { alg: 'none' as JWSAlgorithmName }), 'ERR_ALG_NOT_ALLOWED')
    await rejectsWith(importPEM(spkiPem(p256.publicKey), { alg: 'none' as JWSAlgorithmName }), 'ERR_ALG_NOT_ALLOWED')
    await rejectsWith(importJWK(jwkOf(p256.publicKey), { alg: 'none' as JWSAlgorithmName }), 'ERR_ALG_NOT_ALLOWED')
  })

  it('generateKeyPair and generateSecret with "none" are not allowed', async () => {
    await rejectsWith(generateKeyPair('none' as JWSAlgorithmName), 'ERR_ALG_NOT_ALLOWED')
    await rejectsWith(generateSecret('none' as JWSAlgorithmName), 'ERR_ALG_NOT_ALLOWED')
  })

  for (const alg of ['HS1', 'RS1', 'hs256', 'ES256k', 'A256GCM', 'RSA-OAEP-1024', 'HS256 ', '']) {
    it(`importKey with the unknown alg ${JSON.stringify(alg)} is not supported`, async () => {
      await rejectsWith(importKey(bytes(64), { alg: alg as JWSAlgorithmName }), 'ERR_NOT_SUPPORTED')
    })
  }

  for (const alg of ['__proto__', 'constructor', 'toString', 'valueOf', 'hasOwnProperty']) {
    it(`"${alg}" as alg never resolves to an algorithm (importKey)`, async () => {
      await rejectsWith(importKey(bytes(64), { alg: alg as JWSAlgorithmName }), 'ERR_NOT_SUPPORTED')
    })

    it(`"${alg}" as alg never resolves to an algorithm (generateKeyPair)`, async () => {
      await rejectsWith(generateKeyPair(alg as JWSAlgorithmName), 'ERR_NOT_SUPPORTED')
    })

    it(`"${alg}" as a JWK "crv" never resolves to a curve`, async () => {
      await rejectsWith(
        importJWK({ ...jwkOf(p256.publicKey), crv: alg }, { alg: 'ES256' }),
        'ERR_NOT_SUPPORTED',
      )
    })
  }

  it('ES256K: supported on node:crypto, ERR_NOT_SUPPORTED on WebCrypto', async () => {
    const k1 = generateKeyPairSync('ec', { namedCurve: 'secp256k1' })
    const importing = importKey(spkiPem(k1.publicKey), { alg: 'ES256K' })
    const generating = generateKeyPair('ES256K')
    if (cryptoBackend === 'webcrypto') {
      await rejectsWith(importing, 'ERR_NOT_SUPPORTED')
      await rejectsWith(generating, 'ERR_NOT_SUPPORTED')
    } else {
      assert.equal((await importing).curve, 'secp256k1')
      const { privateKey, publicKey } = await generating
      await verifyJWT(await signJWT({ sub: 'a' }, privateKey, { expiresIn: 60 }), publicKey)
    }
  })
})

describe('malformed key material', () => {
  const realPem = spkiPem(rsa2048.publicKey)
  const body = realPem.split('\n').slice(1, -2).join('\n')
  const garbage: ReadonlyArray<readonly [string, string]> = [
    ['text that is not PEM', 'this is not a key'],
    ['the empty string', ''],
    ['a PEM body that is not base64', '-----BEGIN PUBLIC KEY-----\n!!!!not*base64!!!!\n-----END PUBLIC KEY-----\n'],
    ['a PEM body of random bytes', `-----BEGIN PUBLIC KEY-----\n${randomBytes(96).toString('base64')}\n-----END PUBLIC KEY-----\n`],
    ['a truncated PEM body', `-----BEGIN PUBLIC KEY-----\n${body.slice(0, 120)}\n-----END PUBLIC KEY-----\n`],
    ['a PEM without its END line', `-----BEGIN PUBLIC KEY-----\n${body}\n`],
    ['mismatched BEGIN/END labels', realPem.replace('END PUBLIC KEY', 'END PRIVATE KEY')],
    ['an unknown PEM label', realPem.replaceAll('PUBLIC KEY', 'SOMETHING ELSE')],
    ['a public key under a PRIVATE KEY label', realPem.replaceAll('PUBLIC KEY', 'PRIVATE KEY')],
  ]
  for (const [name, pem] of garbage) {
    it(`importKey refuses ${name} as KEY_INVALID`, async () => {
      await rejectsWith(importKey(pem, { alg: 'RS256' }), 'ERR_KEY_INVALID')
    })
  }

  const ecJwk = jwkOf(p256.publicKey) as JWK & { x: string; y: string }
  const short = (value: string): string => base64url.encode(base64url.decode(value).subarray(1))
  const long = (value: string): string => {
    const raw = base64url.decode(value)
    const out = new Uint8Array(raw.length + 1)
    out.set(raw, 1)
    return base64url.encode(out)
  }

  it('an EC JWK with a 31-byte x is invalid', async () => {
    await rejectsWith(importJWK({ ...ecJwk, x: short(ecJwk.x) }, { alg: 'ES256' }), 'ERR_KEY_INVALID')
  })

  it('an EC JWK with a 33-byte y (leading zero added) is invalid', async () => {
    await rejectsWith(importJWK({ ...ecJwk, y: long(ecJwk.y) }, { alg: 'ES256' }), 'ERR_KEY_INVALID')
  })

  it('an EC private JWK with a short d is invalid', async () => {
    const jwk = jwkOf(p256.privateKey) as JWK & { d: string }
    await rejectsWith(importJWK({ ...jwk, d: short(jwk.d) }, { alg: 'ES256' }), 'ERR_KEY_INVALID')
  })

  it('an OKP JWK with a 31-byte x is invalid', async () => {
    const jwk = jwkOf(ed25519.publicKey) as JWK & { x: string }
    await rejectsWith(importJWK({ ...jwk, x: short(jwk.x) }, { alg: 'EdDSA' }), 'ERR_KEY_INVALID')
  })

  it('an EC JWK whose point is not on the curve is invalid (invalid-curve attack)', async () => {
    const x = base64url.encode(bytes(32, 1))
    const y = base64url.encode(bytes(32, 2))
    await rejectsWith(importJWK({ kty: 'EC', crv: 'P-256', x, y }, { alg: 'ES256' }), 'ERR_KEY_INVALID')
  })

  it('an EC JWK missing y is invalid', async () => {
    const { y: _y, ...withoutY } = ecJwk
    await rejectsWith(importJWK(withoutY, { alg: 'ES256' }), 'ERR_KEY_INVALID')
  })

  it('an EC JWK with a non-string x is invalid', async () => {
    await rejectsWith(importJWK({ ...ecJwk, x: 42 as unknown as string }, { alg: 'ES256' }), 'ERR_KEY_INVALID')
  })

  it('a JWK member that is not strict base64url is invalid', async () => {
    const padded = `${ecJwk.x}=`
    await rejectsWith(importJWK({ ...ecJwk, x: padded }, { alg: 'ES256' }), 'ERR_KEY_INVALID')
    const std = Buffer.from(base64url.decode(ecJwk.x)).toString('base64')
    await rejectsWith(importJWK({ ...ecJwk, x: std }, { alg: 'ES256' }), 'ERR_KEY_INVALID')
  })

  it('an RSA JWK with an empty modulus is invalid', async () => {
    await rejectsWith(importJWK({ ...jwkOf(rsa2048.publicKey), n: '' }, { alg: 'RS256' }), 'ERR_KEY_INVALID')
  })
})

describe('error messages never contain key material', () => {
  it('a PEM refused as an HMAC secret', async () => {
    const pem = pkcs8Pem(p256.privateKey)
    await rejectsWith(importSecret(pem, { alg: 'HS256' }), 'ERR_KEY_ALG_MISMATCH', (error) => assertNoLeak(error, pem))
  })

  it('a JWK JSON refused as an HMAC secret', async () => {
    const text = JSON.stringify(jwkOf(p256.privateKey))
    const { d } = jwkOf(p256.privateKey) as { d: string }
    await rejectsWith(importSecret(text, { alg: 'HS256' }), 'ERR_KEY_ALG_MISMATCH', (error) => assertNoLeak(error, d))
  })

  it('a short text secret', async () => {
    const secret = 'correct-horse-battery-staple'
    await rejectsWith(importSecret(secret, { alg: 'HS256' }), 'ERR_KEY_TOO_WEAK', (error) => assertNoLeak(error, secret))
  })

  it('a short oct JWK', async () => {
    const k = base64url.encode(new TextEncoder().encode('sup3r-s3cret-value-123'))
    await rejectsWith(importJWK({ kty: 'oct', k }, { alg: 'HS256' }), 'ERR_KEY_TOO_WEAK', (error) => assertNoLeak(error, k))
  })

  it('a weak RSA private key PEM', async () => {
    const pem = pkcs8Pem(rsa1024.privateKey)
    await rejectsWith(importKey(pem, { alg: 'RS256' }), 'ERR_KEY_TOO_WEAK', (error) => assertNoLeak(error, pem))
  })

  it('a garbage PEM body', async () => {
    const secretBody = 'c2VjcmV0LWtleS1tYXRlcmlhbC1kby1ub3QtbGVhay1pdA'
    const pem = `-----BEGIN PRIVATE KEY-----\n${secretBody}\n-----END PRIVATE KEY-----\n`
    await rejectsWith(importKey(pem, { alg: 'ES256' }), 'ERR_KEY_INVALID', (error) => assertNoLeak(error, secretBody))
  })

  it('a corrupted private key PEM (valid base64, broken DER)', async () => {
    const pem = pkcs8Pem(p256.privateKey)
    const der = Buffer.from(pem.replace(/-----[^-]+-----/g, '').replace(/\s/g, ''), 'base64')
    const broken = der.subarray(0, der.length - 7)
    const brokenPem = `-----BEGIN PRIVATE KEY-----\n${broken.toString('base64')}\n-----END PRIVATE KEY-----\n`
    await rejectsWith(importKey(brokenPem, { alg: 'ES256' }), 'ERR_KEY_INVALID', (error) => assertNoLeak(error, brokenPem))
  })

  it('a private JWK with a wrong-length d', async () => {
    const jwk = jwkOf(p256.privateKey) as JWK & { d: string }
    const d = base64url.encode(base64url.decode(jwk.d).subarray(2))
    await rejectsWith(importJWK({ ...jwk, d }, { alg: 'ES256' }), 'ERR_KEY_INVALID', (error) => assertNoLeak(error, d))
  })

  it('a private JWK with a non-base64url d', async () => {
    const jwk = jwkOf(p256.privateKey) as JWK & { d: string }
    const d = `${jwk.d.slice(0, 20)}+/${jwk.d.slice(22)}`
    await rejectsWith(importJWK({ ...jwk, d }, { alg: 'ES256' }), 'ERR_KEY_INVALID', (error) => assertNoLeak(error, d))
  })

  it('a JotKey never prints its material', async () => {
    const secret = 'an-hmac-secret-that-is-long-enough-for-hs256'
    const key = await importSecret(secret, { alg: 'HS256' })
    const jwk = jwkOf(p256.privateKey) as JWK & { d: string }
    const ecKey = await importJWK(jwk, { alg: 'ES256' })
    for (const shown of [inspect(key, { depth: 10, showHidden: true }), JSON.stringify(key), String(key)]) {
      assert.ok(!shown.includes(secret), shown)
      assert.ok(!shown.includes(base64url.encode(new TextEncoder().encode(secret))), shown)
    }
    for (const shown of [inspect(ecKey, { depth: 10, showHidden: true }), JSON.stringify(ecKey)]) {
      assert.ok(!shown.includes(jwk.d), shown)
    }
  })
})
