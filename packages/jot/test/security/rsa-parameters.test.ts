/**
 * RSA public parameters, enforced on every import path (JWK; SPKI, PKCS#1 and X.509 certificates as PEM
 * and DER; PKCS#8 and PKCS#1 private keys) for every RSA algorithm (RS*, PS*, RSA-OAEP*, RSA1_5), on the
 * backend this run uses: 3 ≤ e < 2^32 and odd, a modulus of 2048–16384 bits and odd, and no ROCA
 * fingerprint (CVE-2017-15361; vectors in test/vectors/roca.json).
 */
import assert from 'node:assert/strict'
import { createHash, createPrivateKey, generateKeyPairSync, randomBytes } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { describe, it } from 'node:test'
import { type JWK, cryptoBackend, exportJWK, generateKeyPair, importDER, importJWK, importKey, importPEM, signJWT, verifyJWT } from 'jotjwt'
import { der, toPEM } from '../der.js'
import { rejectsWith } from '../helpers.js'

interface ROCAVectors {
  moduli: { file: string; bits: number; n: string }[]
  pem: {
    spki: { file: string; pem: string }
    pkcs1Private: { file: string; pem: string }
    certificates: { file: string; pem: string }[]
  }
}
const roca = JSON.parse(readFileSync(new URL('../vectors/roca.json', import.meta.url), 'utf8')) as ROCAVectors

const b64u = (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64url')
const unb64u = (text: string): Uint8Array => new Uint8Array(Buffer.from(text, 'base64url'))

/** Big-endian bytes of a non-negative integer (0 is one zero byte, as a JWK `e` of "AA" would be). */
function unsigned(value: bigint): Uint8Array {
  const hex = value.toString(16)
  return new Uint8Array(Buffer.from(hex.length % 2 ? `0${hex}` : hex, 'hex'))
}

/** A DER INTEGER for an unsigned big-endian value: minimal, with a zero byte where the top bit is set. */
function integer(value: Uint8Array): Uint8Array {
  let start = 0
  while (start < value.length - 1 && value[start] === 0) start++
  const bytes = value.subarray(start)
  return der(0x02, ...(bytes[0]! & 0x80 ? [Uint8Array.of(0)] : []), bytes)
}

/** RFC 8017 A.1.1 RSAPublicKey. */
const rsaPublicKey = (n: Uint8Array, e: Uint8Array): Uint8Array => der(0x30, integer(n), integer(e))

/** RFC 5280 SubjectPublicKeyInfo with rsaEncryption (1.2.840.113549.1.1.1) and NULL parameters. */
const RSA_ENCRYPTION = der(0x30, der(0x06, Uint8Array.of(0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01)), der(0x05))
const spki = (n: Uint8Array, e: Uint8Array): Uint8Array => der(0x30, RSA_ENCRYPTION, der(0x03, Uint8Array.of(0), rsaPublicKey(n, e)))

/** sha256WithRSAEncryption (1.2.840.113549.1.1.11), the certificate's signature algorithm. */
const SHA256_WITH_RSA = der(0x30, der(0x06, Uint8Array.of(0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0b)), der(0x05))

/**
 * An X.509 v3 certificate around an SPKI. Its names and validity are empty and its signature is empty:
 * import takes only the subject public key from a certificate and judges nothing else.
 */
function certificate(subjectPublicKeyInfo: Uint8Array): Uint8Array {
  const empty = der(0x30)
  const version = der(0xa0, der(0x02, Uint8Array.of(2)))
  const tbs = der(0x30, version, der(0x02, Uint8Array.of(1)), SHA256_WITH_RSA, empty, empty, empty, subjectPublicKeyInfo)
  return der(0x30, tbs, SHA256_WITH_RSA, der(0x03, Uint8Array.of(0)))
}

/** Each public key path, importing (n, e) for `alg`. */
const FORMS = {
  JWK: (n: Uint8Array, e: Uint8Array, alg: RSAAlgorithm) => importJWK({ kty: 'RSA', n: b64u(n), e: b64u(e) }, { alg }),
  'SPKI PEM': (n: Uint8Array, e: Uint8Array, alg: RSAAlgorithm) => importPEM(toPEM(spki(n, e), 'PUBLIC KEY'), { alg }),
  'PKCS#1 PEM': (n: Uint8Array, e: Uint8Array, alg: RSAAlgorithm) => importPEM(toPEM(rsaPublicKey(n, e), 'RSA PUBLIC KEY'), { alg }),
  'certificate PEM': (n: Uint8Array, e: Uint8Array, alg: RSAAlgorithm) => importKey(toPEM(certificate(spki(n, e)), 'CERTIFICATE'), { alg }),
  'SPKI DER': (n: Uint8Array, e: Uint8Array, alg: RSAAlgorithm) => importDER(spki(n, e), { alg }),
  'PKCS#1 DER': (n: Uint8Array, e: Uint8Array, alg: RSAAlgorithm) => importDER(rsaPublicKey(n, e), { alg }),
  'certificate DER': (n: Uint8Array, e: Uint8Array, alg: RSAAlgorithm) => importKey(certificate(spki(n, e)), { alg }),
} as const

type RSAAlgorithm = 'RS256' | 'PS384' | 'RSA-OAEP-256'
/** A signature algorithm of each RSA family, and a key encryption one (its public key is imported to encrypt). */
const ALGORITHMS: readonly RSAAlgorithm[] = ['RS256', 'PS384', 'RSA-OAEP-256']

const F4 = unsigned(65537n)
const base = generateKeyPairSync('rsa', { modulusLength: 2048 })
const n2048 = unb64u((base.publicKey.export({ format: 'jwk' }) as JWK).n!)

/** A random odd modulus of exactly `bits` bits (import does not test primality; size and parity are what count). */
function oddModulus(bits: number): Uint8Array {
  const bytes = new Uint8Array(randomBytes(Math.ceil(bits / 8)))
  const top = (bits - 1) % 8
  bytes[0] = (bytes[0]! & ((1 << top) - 1)) | (1 << top)
  bytes[bytes.length - 1]! |= 1
  return bytes
}

const evenModulus = n2048.slice()
evenModulus[evenModulus.length - 1]! &= 0xfe

interface RefusedCase {
  readonly name: string
  readonly n: Uint8Array
  readonly e: Uint8Array
  readonly code: 'ERR_KEY_TOO_WEAK' | 'ERR_NOT_SUPPORTED'
  /** What the message must name, so the cases stay distinguishable for the person reading it. */
  readonly message: RegExp
}

const REFUSED: readonly RefusedCase[] = [
  { name: 'e = 1 (a signature is the padded message itself)', n: n2048, e: unsigned(1n), code: 'ERR_KEY_TOO_WEAK', message: /exponent/ },
  { name: 'e = 0', n: n2048, e: unsigned(0n), code: 'ERR_KEY_TOO_WEAK', message: /exponent/ },
  { name: 'e = 2', n: n2048, e: unsigned(2n), code: 'ERR_KEY_TOO_WEAK', message: /exponent/ },
  { name: 'e = 65536 (even)', n: n2048, e: unsigned(65536n), code: 'ERR_KEY_TOO_WEAK', message: /exponent/ },
  { name: 'e = 2^32 + 1', n: n2048, e: unsigned(2n ** 32n + 1n), code: 'ERR_NOT_SUPPORTED', message: /exponent/ },
  { name: 'e = 2^2048 - 1', n: n2048, e: unsigned(2n ** 2048n - 1n), code: 'ERR_NOT_SUPPORTED', message: /exponent/ },
  { name: 'an even modulus', n: evenModulus, e: F4, code: 'ERR_KEY_TOO_WEAK', message: /even/ },
  { name: 'a 1024-bit modulus', n: oddModulus(1024), e: F4, code: 'ERR_KEY_TOO_WEAK', message: /2048/ },
  { name: 'a 2047-bit modulus', n: oddModulus(2047), e: F4, code: 'ERR_KEY_TOO_WEAK', message: /2048/ },
  { name: 'a 16385-bit modulus', n: oddModulus(16385), e: F4, code: 'ERR_NOT_SUPPORTED', message: /16384/ },
  ...roca.moduli.map(({ file, bits, n }): RefusedCase => ({
    name: `the ${bits}-bit ROCA modulus ${file}`,
    n: new Uint8Array(Buffer.from(n, 'hex')),
    e: F4,
    code: 'ERR_KEY_TOO_WEAK',
    message: /ROCA/,
  })),
]

describe('weak or out-of-range RSA public parameters are refused on every path', () => {
  for (const { name, n, e, code, message } of REFUSED) {
    for (const [form, load] of Object.entries(FORMS)) {
      for (const alg of ALGORITHMS) {
        it(`${name}: ${form} for ${alg} → ${code}`, async () => {
          await rejectsWith(load(n, e, alg), code, (error) => assert.match(error.message, message))
        })
      }
    }
  }

  it('a JWK "n" with leading zero bytes is measured without them', async () => {
    const padded = new Uint8Array([0, 0, ...oddModulus(2047)])
    await rejectsWith(FORMS.JWK(padded, F4, 'RS256'), 'ERR_KEY_TOO_WEAK', (error) => assert.match(error.message, /got 2047/))
  })
})

describe('the bounds themselves are accepted', () => {
  const accepted: [string, Uint8Array, Uint8Array][] = [
    ['e = 3', n2048, unsigned(3n)],
    ['e = 2^32 - 1', n2048, unsigned(2n ** 32n - 1n)],
    ['a 16384-bit modulus', oddModulus(16384), F4],
  ]
  for (const [name, n, e] of accepted) {
    for (const [form, load] of Object.entries(FORMS)) {
      it(`${name}: ${form}`, async () => {
        const key = await load(n, e, 'RS256')
        assert.equal(key.bits, n.length * 8)
      })
    }
  }
})

describe('e = 1 would let anyone forge signatures', () => {
  // RFC 8017 §8.2.2: verification computes s^e mod n and compares it with the EMSA-PKCS1-v1_5
  // encoding of the message. With e = 1 that encoding, sent as the signature, is a valid signature.
  it('a token "signed" with the public encoding alone is refused, because its key is', async () => {
    const claims = JSON.stringify({ sub: 'admin', exp: Math.floor(Date.now() / 1000) + 3600 })
    const signingInput = `${b64u(Buffer.from('{"alg":"RS256"}'))}.${b64u(Buffer.from(claims))}`
    const digestInfo = Buffer.from('3031300d060960864801650304020105000420', 'hex')
    const digest = createHash('sha256').update(signingInput).digest()
    const t = Buffer.concat([digestInfo, digest])
    const encoded = Buffer.concat([Buffer.of(0, 1), Buffer.alloc(n2048.length - t.length - 3, 0xff), Buffer.of(0), t])
    const forged = `${signingInput}.${b64u(encoded)}`
    const jwk = { kty: 'RSA', n: b64u(n2048), e: b64u(unsigned(1n)) }
    await rejectsWith(verifyJWT(forged, () => importJWK(jwk, { alg: 'RS256' })), 'ERR_KEY_TOO_WEAK')
  })
})

describe('ROCA: the published vulnerable keys are refused', () => {
  const refusedAsROCA = (promise: Promise<unknown>) =>
    rejectsWith(promise, 'ERR_KEY_TOO_WEAK', (error) => assert.match(error.message, /ROCA/))
  const privatePem = roca.pem.pkcs1Private.pem
  const privateKey = createPrivateKey(privatePem)

  for (const alg of ALGORITHMS) {
    it(`${roca.pem.spki.file} (SPKI PEM) for ${alg}`, async () => {
      await refusedAsROCA(importPEM(roca.pem.spki.pem, { alg }))
    })
    for (const { file, pem } of roca.pem.certificates) {
      it(`${file} (certificate) for ${alg}`, async () => {
        await refusedAsROCA(importKey(pem, { alg }))
      })
    }
    it(`${roca.pem.pkcs1Private.file}: PKCS#1 private key for ${alg}`, async () => {
      await refusedAsROCA(importPEM(privatePem, { alg }))
    })
    it(`${roca.pem.pkcs1Private.file}: as PKCS#8 for ${alg}`, async () => {
      await refusedAsROCA(importPEM(privateKey.export({ type: 'pkcs8', format: 'pem' }) as string, { alg }))
    })
    it(`${roca.pem.pkcs1Private.file}: as PKCS#8 DER for ${alg}`, async () => {
      await refusedAsROCA(importDER(new Uint8Array(privateKey.export({ type: 'pkcs8', format: 'der' })), { alg }))
    })
    it(`${roca.pem.pkcs1Private.file}: as a private JWK for ${alg}`, async () => {
      await refusedAsROCA(importJWK(privateKey.export({ format: 'jwk' }) as JWK, { alg }))
    })
  }

  it('RSA1_5 decryption keys (unsafeAllowRSA1_5) are held to the same bar', async () => {
    await refusedAsROCA(importPEM(privatePem, { alg: 'RSA1_5', unsafeAllowRSA1_5: true }))
  })
})

describe('ordinary RSA keys pass', () => {
  for (const modulusLength of [2048, 3072, 4096]) {
    it(`a freshly generated ${modulusLength}-bit key (public and private, PEM and JWK) is accepted`, async () => {
      const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength })
      const signer = await importPEM(privateKey.export({ type: 'pkcs8', format: 'pem' }) as string, { alg: 'RS256' })
      const verifier = await importJWK(publicKey.export({ format: 'jwk' }) as JWK, { alg: 'RS256' })
      assert.equal(verifier.bits, modulusLength)
      const { payload } = await verifyJWT(await signJWT({ sub: 'alice', exp: Math.floor(Date.now() / 1000) + 60 }, signer), verifier)
      assert.equal(payload.sub, 'alice')
    })
  }

  it(`generateKeyPair keys import again (${cryptoBackend})`, async () => {
    const { publicKey } = await generateKeyPair('PS256')
    const jwk = await exportJWK(publicKey)
    assert.equal((await importJWK(jwk, { alg: 'PS256' })).bits, 2048)
  })
})

describe('generateKeyPair stays within the same range', () => {
  it('modulusLength 16385 is not supported (refused before any work)', async () => {
    await rejectsWith(generateKeyPair('RS256', { modulusLength: 16385 }), 'ERR_NOT_SUPPORTED')
  })
})
