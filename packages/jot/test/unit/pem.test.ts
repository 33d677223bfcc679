/**
 * PEM/DER key parsing: every format node:crypto (OpenSSL) writes is read and normalized to the SPKI or
 * PKCS#8 bytes OpenSSL itself would produce; certificates yield their subject public key; malformed
 * or unsupported input fails with an exact error code, and hostile bytes only ever raise JotErrors.
 */
import assert from 'node:assert/strict'
import {
  X509Certificate,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
} from 'node:crypto'
import { readFileSync } from 'node:fs'
import { describe, it } from 'node:test'
import { JotError, isJotError, type JotErrorCode } from '../../src/errors.js'
import { CURVES, type Curve } from '../../src/jwa/curves.js'
import { DERReader, TAG, children, decodeOID, encodeDER, encodeOID, readDER } from '../../src/key/asn1.js'
import { canonicalPKCS8, encodePEM, isSamePublicKey, parseDER, parsePEM, subjectPublicKey, type ParsedKeyMaterial } from '../../src/key/pem.js'
import { buildPKCS8, ML_DSA, ML_DSA_ALGS, readPKCS8 } from '../ml-dsa-material.js'

const fixture = (name: string): string => readFileSync(new URL(`fixtures/${name}`, import.meta.url), 'utf8')

/** PEM armor with any label (encodePEM deliberately writes only the two normalized labels). */
function armor(der: Uint8Array, label: string): string {
  const lines = Buffer.from(der).toString('base64').match(/.{1,64}/g) ?? []
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`
}

function dearmor(pem: string): Uint8Array {
  return new Uint8Array(Buffer.from(pem.replace(/-----[^-]+-----/g, '').replace(/\s/g, ''), 'base64'))
}

function spkiOf(key: KeyObject): Uint8Array {
  return new Uint8Array(key.export({ type: 'spki', format: 'der' }))
}

function pkcs8Of(key: KeyObject): Uint8Array {
  return new Uint8Array(key.export({ type: 'pkcs8', format: 'der' }))
}

function throwsCode(fn: () => unknown, code: JotErrorCode, message?: RegExp): void {
  assert.throws(fn, (error: unknown) => {
    assert.ok(isJotError(error), `expected a JotError, got ${String(error)}`)
    assert.equal(error.code, code, error.message)
    if (message) assert.match(error.message, message)
    return true
  })
}

function assertSameKey(parsed: ParsedKeyMaterial, publicKey: KeyObject): void {
  // The normalized PKCS#8 must load in OpenSSL and belong to the original key pair.
  const loaded = createPrivateKey({ key: Buffer.from(parsed.der), format: 'der', type: 'pkcs8' })
  assert.deepEqual(spkiOf(createPublicKey(loaded)), spkiOf(publicKey))
}

interface KeySpec {
  readonly name: string
  readonly kty: 'RSA' | 'EC' | 'OKP'
  readonly curve?: Curve
  readonly generate: () => { publicKey: KeyObject; privateKey: KeyObject }
}

const SPECS: readonly KeySpec[] = [
  { name: 'RSA 2048', kty: 'RSA', generate: () => generateKeyPairSync('rsa', { modulusLength: 2048 }) },
  { name: 'P-256', kty: 'EC', curve: 'P-256', generate: () => generateKeyPairSync('ec', { namedCurve: 'P-256' }) },
  { name: 'P-384', kty: 'EC', curve: 'P-384', generate: () => generateKeyPairSync('ec', { namedCurve: 'P-384' }) },
  { name: 'P-521', kty: 'EC', curve: 'P-521', generate: () => generateKeyPairSync('ec', { namedCurve: 'P-521' }) },
  {
    name: 'secp256k1',
    kty: 'EC',
    curve: 'secp256k1',
    generate: () => generateKeyPairSync('ec', { namedCurve: 'secp256k1' }),
  },
  { name: 'Ed25519', kty: 'OKP', curve: 'Ed25519', generate: () => generateKeyPairSync('ed25519') },
  { name: 'Ed448', kty: 'OKP', curve: 'Ed448', generate: () => generateKeyPairSync('ed448') },
]

const KEYS = SPECS.map((spec) => ({ spec, ...spec.generate() }))

function expectMaterial(parsed: ParsedKeyMaterial, spec: KeySpec, format: 'spki' | 'pkcs8', der: Uint8Array): void {
  assert.equal(parsed.format, format)
  assert.equal(parsed.kind, format === 'spki' ? 'public' : 'private')
  assert.equal(parsed.kty, spec.kty)
  assert.equal(parsed.curve, spec.curve)
  assert.equal('curve' in parsed, spec.curve !== undefined)
  assert.deepEqual(parsed.der, der)
  assert.ok(Object.isFrozen(parsed))
}

describe('parsePEM reads every format node:crypto writes', () => {
  for (const { spec, publicKey, privateKey } of KEYS) {
    describe(spec.name, () => {
      it('PUBLIC KEY (SPKI) as is, and encodePEM writes it back byte for byte', () => {
        const pem = publicKey.export({ type: 'spki', format: 'pem' }) as string
        const parsed = parsePEM(pem)
        expectMaterial(parsed, spec, 'spki', spkiOf(publicKey))
        assert.equal(encodePEM(parsed.der, 'PUBLIC KEY'), pem)
        expectMaterial(parseDER(spkiOf(publicKey), 'spki'), spec, 'spki', spkiOf(publicKey))
      })

      it('PRIVATE KEY (PKCS#8) as is, and encodePEM writes it back byte for byte', () => {
        const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }) as string
        const parsed = parsePEM(pem)
        expectMaterial(parsed, spec, 'pkcs8', pkcs8Of(privateKey))
        assert.equal(encodePEM(parsed.der, 'PRIVATE KEY'), pem)
        expectMaterial(parseDER(pkcs8Of(privateKey), 'pkcs8'), spec, 'pkcs8', pkcs8Of(privateKey))
      })

      if (spec.kty === 'RSA') {
        it('RSA PUBLIC KEY (PKCS#1) becomes the same SPKI OpenSSL writes', () => {
          const parsed = parsePEM(publicKey.export({ type: 'pkcs1', format: 'pem' }) as string)
          expectMaterial(parsed, spec, 'spki', spkiOf(publicKey))
        })

        it('RSA PRIVATE KEY (PKCS#1) becomes the same PKCS#8 OpenSSL writes', () => {
          const parsed = parsePEM(privateKey.export({ type: 'pkcs1', format: 'pem' }) as string)
          expectMaterial(parsed, spec, 'pkcs8', pkcs8Of(privateKey))
          assertSameKey(parsed, publicKey)
        })
      }

      if (spec.kty === 'EC') {
        it('EC PRIVATE KEY (SEC1) becomes the same PKCS#8 OpenSSL writes', () => {
          const parsed = parsePEM(privateKey.export({ type: 'sec1', format: 'pem' }) as string)
          expectMaterial(parsed, spec, 'pkcs8', pkcs8Of(privateKey))
          assertSameKey(parsed, publicKey)
        })
      }
    })
  }
})

describe('CERTIFICATE yields the subject public key as SPKI', () => {
  const cases = [
    { file: 'cert-rsa.pem', kty: 'RSA', curve: undefined },
    { file: 'cert-ec.pem', kty: 'EC', curve: 'P-256' },
    { file: 'cert-ed25519-v1.pem', kty: 'OKP', curve: 'Ed25519' }, // v1: no [0] version field
    { file: 'cert-ec-text.pem', kty: 'EC', curve: 'P-256' }, // `openssl x509 -text` output
  ] as const
  for (const { file, kty, curve } of cases) {
    it(file, () => {
      const pem = fixture(file)
      const parsed = parsePEM(pem)
      assert.equal(parsed.format, 'spki')
      assert.equal(parsed.kind, 'public')
      assert.equal(parsed.kty, kty)
      assert.equal(parsed.curve, curve)
      assert.deepEqual(parsed.der, spkiOf(new X509Certificate(pem).publicKey))
    })
  }

  it('the v1 fixture really has no version field, the v3 ones do', () => {
    const tbsFirstTag = (file: string): number | undefined => {
      const certificate = children(readDER(dearmor(fixture(file)), TAG.SEQUENCE, 'Certificate'))
      return children(certificate.read(TAG.SEQUENCE, 'tbsCertificate')).peekTag()
    }
    assert.equal(tbsFirstTag('cert-ed25519-v1.pem'), TAG.INTEGER)
    assert.equal(tbsFirstTag('cert-ec.pem'), TAG.CONTEXT_0)
  })
})

describe('PEM armor', () => {
  const { publicKey } = KEYS.find((key) => key.spec.name === 'P-256')!
  const pem = publicKey.export({ type: 'spki', format: 'pem' }) as string
  const der = spkiOf(publicKey)

  it('tolerates surrounding whitespace, CRLF line breaks, any line length and text around the block', () => {
    const body = Buffer.from(der).toString('base64')
    for (const text of [
      `\n\t  ${pem}\n\n  `,
      pem.replace(/\n/g, '\r\n'),
      `-----BEGIN PUBLIC KEY-----\n${body}\n-----END PUBLIC KEY-----`,
      `-----BEGIN PUBLIC KEY-----\n${body.slice(0, 10)}\n\n${body.slice(10)}\n-----END PUBLIC KEY-----`,
      `Subject: CN=example\nsome notes\n${pem}trailing notes\n`,
    ]) {
      assert.deepEqual(parsePEM(text).der, der)
    }
  })

  it('rejects input without exactly one well-formed block', () => {
    throwsCode(() => parsePEM(''), 'ERR_KEY_INVALID', /no PEM block/)
    throwsCode(() => parsePEM(Buffer.from(der).toString('base64')), 'ERR_KEY_INVALID', /no PEM block/)
    throwsCode(() => parsePEM(pem + pem), 'ERR_KEY_INVALID', /exactly one PEM block, found 2/)
    const params = armor(encodeOID(CURVES['P-256']!.oid), 'EC PARAMETERS')
    const sec1 = KEYS.find((key) => key.spec.name === 'P-256')!.privateKey.export({ type: 'sec1', format: 'pem' })
    throwsCode(() => parsePEM(params + (sec1 as string)), 'ERR_KEY_INVALID', /EC PARAMETERS, EC PRIVATE KEY/)
    throwsCode(() => parsePEM(pem.replace('-----END PUBLIC KEY-----', '')), 'ERR_KEY_INVALID', /no matching END/)
    throwsCode(() => parsePEM(pem.replace('END PUBLIC KEY', 'END PRIVATE KEY')), 'ERR_KEY_INVALID', /no matching END/)
    throwsCode(() => parsePEM(pem.replace('BEGIN PUBLIC KEY', 'BEGIN  PUBLIC KEY')), 'ERR_KEY_INVALID', /BEGIN line/)
    throwsCode(() => parsePEM('-----BEGIN PUBLIC KEY-----\n-----END PUBLIC KEY-----\n'), 'ERR_KEY_INVALID', /base64/)
  })

  it('decodes the base64 body strictly', () => {
    const lines = pem.split('\n')
    const withBody = (body: string): string => `${lines[0]}\n${body}\n-----END PUBLIC KEY-----\n`
    const body = Buffer.from(der).toString('base64')
    assert.ok(body.endsWith('='))
    // Setting the lowest bit of the last data character puts data into the padding bits.
    const last = body.replace(/=+$/, '').length - 1
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'
    const nonCanonical = body.slice(0, last) + alphabet[alphabet.indexOf(body[last]!) | 1] + body.slice(last + 1)
    for (const bad of [
      body.replace(/^./, '!'), // outside the alphabet
      body.replace(/^(.{8})./, '$1-'), // base64url is not base64
      body.replace(/^(.{8})./, '$1 '), // whitespace inside a line
      body.replace(/^(.{8})./, '$1\t'),
      body.slice(0, 8) + '=' + body.slice(9), // padding in the middle
      body + '=', // over-padded
      body.slice(0, -1), // missing padding
      nonCanonical,
    ]) {
      throwsCode(() => parsePEM(withBody(bad)), 'ERR_KEY_INVALID', /base64/)
    }
  })

  it('rejects unknown labels and refuses encrypted keys with a hint', () => {
    throwsCode(() => parsePEM(armor(der, 'FOO KEY')), 'ERR_KEY_INVALID', /"FOO KEY" is not key material/)
    throwsCode(() => parsePEM(armor(der, 'CERTIFICATE REQUEST')), 'ERR_KEY_INVALID')
    const rsa = KEYS[0]!.privateKey
    const encrypted = rsa.export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'secret' })
    throwsCode(() => parsePEM(encrypted as string), 'ERR_NOT_SUPPORTED', /decrypt it first/)
    const legacy = rsa.export({ type: 'pkcs1', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'secret' })
    assert.match(legacy as string, /Proc-Type: 4,ENCRYPTED/)
    throwsCode(() => parsePEM(legacy as string), 'ERR_NOT_SUPPORTED', /decrypt it first/)
    throwsCode(() => parsePEM(armor(der, 'OPENSSH PRIVATE KEY')), 'ERR_NOT_SUPPORTED')
  })

  it('takes the format from the label, never from the content', () => {
    throwsCode(() => parsePEM(armor(der, 'PRIVATE KEY')), 'ERR_KEY_INVALID')
    throwsCode(() => parsePEM(armor(der, 'RSA PUBLIC KEY')), 'ERR_KEY_INVALID')
    throwsCode(() => parsePEM(armor(der, 'CERTIFICATE')), 'ERR_KEY_INVALID')
  })

  it('rejects arguments of the wrong type as caller bugs', () => {
    throwsCode(() => parsePEM(der as unknown as string), 'ERR_INVALID_ARGUMENT')
    throwsCode(() => parseDER(pem as unknown as Uint8Array, 'spki'), 'ERR_INVALID_ARGUMENT')
    throwsCode(() => parseDER(der, 'jwk' as 'spki'), 'ERR_INVALID_ARGUMENT')
    throwsCode(() => encodePEM(der, 'RSA PUBLIC KEY' as 'PUBLIC KEY'), 'ERR_INVALID_ARGUMENT')
    throwsCode(() => encodePEM(new Uint8Array(0), 'PUBLIC KEY'), 'ERR_INVALID_ARGUMENT')
  })
})

describe('key algorithm identification', () => {
  it('refuses RSASSA-PSS keys, pointing to rsaEncryption', () => {
    const { publicKey, privateKey } = generateKeyPairSync('rsa-pss', { modulusLength: 2048 })
    throwsCode(() => parseDER(spkiOf(publicKey), 'spki'), 'ERR_NOT_SUPPORTED', /rsaEncryption/)
    throwsCode(() => parsePEM(privateKey.export({ type: 'pkcs8', format: 'pem' }) as string), 'ERR_NOT_SUPPORTED', /rsaEncryption/)
  })

  it('refuses X25519 and X448 keys as key-agreement keys', () => {
    for (const type of ['x25519', 'x448'] as const) {
      const { publicKey, privateKey } = generateKeyPairSync(type as 'x25519')
      throwsCode(() => parseDER(spkiOf(publicKey), 'spki'), 'ERR_NOT_SUPPORTED', /key agreement/)
      throwsCode(() => parseDER(pkcs8Of(privateKey), 'pkcs8'), 'ERR_NOT_SUPPORTED', /key agreement/)
    }
  })

  it('refuses curves jot does not sign with, in SPKI, PKCS#8 and SEC1', () => {
    const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'brainpoolP256r1' })
    throwsCode(() => parseDER(spkiOf(publicKey), 'spki'), 'ERR_NOT_SUPPORTED', /1\.3\.36\.3\.3\.2\.8\.1\.1\.7/)
    throwsCode(() => parseDER(pkcs8Of(privateKey), 'pkcs8'), 'ERR_NOT_SUPPORTED')
    throwsCode(() => parsePEM(privateKey.export({ type: 'sec1', format: 'pem' }) as string), 'ERR_NOT_SUPPORTED')
  })

  it('refuses explicit EC domain parameters (RFC 5480 §2.1.1, CVE-2020-0601)', () => {
    const { publicKey, privateKey } = generateKeyPairSync('ec', {
      namedCurve: 'P-256',
      paramEncoding: 'explicit',
      publicKeyEncoding: { type: 'spki', format: 'pem' },
      privateKeyEncoding: { type: 'sec1', format: 'pem' },
    })
    throwsCode(() => parsePEM(publicKey), 'ERR_NOT_SUPPORTED', /named curve/)
    throwsCode(() => parsePEM(privateKey), 'ERR_NOT_SUPPORTED', /named curve/)
  })

  it('refuses unknown key algorithms', () => {
    const spki = encodeDER(
      TAG.SEQUENCE,
      encodeDER(TAG.SEQUENCE, encodeOID('1.2.840.10040.4.1')),
      encodeDER(TAG.BIT_STRING, Uint8Array.of(0, 1)),
    )
    throwsCode(() => parseDER(spki, 'spki'), 'ERR_NOT_SUPPORTED', /DSA/)
    const other = encodeDER(TAG.SEQUENCE, encodeDER(TAG.SEQUENCE, encodeOID('1.2.3.4')), encodeDER(TAG.BIT_STRING, Uint8Array.of(0)))
    throwsCode(() => parseDER(other, 'spki'), 'ERR_NOT_SUPPORTED', /1\.2\.3\.4/)
  })
})

describe('key structure checks', () => {
  const byName = (name: string) => KEYS.find((key) => key.spec.name === name)!
  const p256 = byName('P-256')
  const ed25519 = byName('Ed25519')
  const algorithmIdentifier = (...parts: Uint8Array[]) => encodeDER(TAG.SEQUENCE, ...parts)
  const spki = (algorithm: Uint8Array, key: Uint8Array) =>
    encodeDER(TAG.SEQUENCE, algorithm, encodeDER(TAG.BIT_STRING, Uint8Array.of(0), key))
  const pkcs8 = (algorithm: Uint8Array, key: Uint8Array) =>
    encodeDER(TAG.SEQUENCE, encodeDER(TAG.INTEGER, Uint8Array.of(0)), algorithm, encodeDER(TAG.OCTET_STRING, key))
  const ecAlgorithm = (curve: string) => algorithmIdentifier(encodeOID('1.2.840.10045.2.1'), encodeOID(CURVES[curve]!.oid))
  const sec1 = new Uint8Array(p256.privateKey.export({ type: 'sec1', format: 'der' }))

  it('EC PRIVATE KEY without curve parameters is invalid (RFC 5915 §3)', () => {
    // The ECPrivateKey inside OpenSSL's PKCS#8 omits [0]; as a standalone SEC1 key that is an error.
    const inner = readDER(pkcs8Of(p256.privateKey), TAG.SEQUENCE, 'PrivateKeyInfo')
    const fields = children(inner)
    fields.next('version')
    fields.next('algorithm')
    const ecPrivateKey = fields.read(TAG.OCTET_STRING, 'privateKey').contents
    assert.equal(children(readDER(ecPrivateKey, TAG.SEQUENCE, 'ECPrivateKey')).next('v').tag, TAG.INTEGER)
    throwsCode(() => parsePEM(armor(ecPrivateKey, 'EC PRIVATE KEY')), 'ERR_KEY_INVALID', /no curve parameters/)
  })

  it('PKCS#8 whose ECPrivateKey names another curve than the AlgorithmIdentifier is invalid', () => {
    assert.equal(parseDER(pkcs8(ecAlgorithm('P-256'), sec1), 'pkcs8').curve, 'P-256')
    throwsCode(() => parseDER(pkcs8(ecAlgorithm('P-384'), sec1), 'pkcs8'), 'ERR_KEY_INVALID', /different curve/)
  })

  it('EC points and OKP keys must have the curve size', () => {
    const point = spkiOf(p256.publicKey).subarray(-65)
    assert.equal(parseDER(spki(ecAlgorithm('P-256'), point), 'spki').curve, 'P-256')
    throwsCode(() => parseDER(spki(ecAlgorithm('P-384'), point), 'spki'), 'ERR_KEY_INVALID', /P-384 point/)
    throwsCode(() => parseDER(spki(ecAlgorithm('P-256'), point.subarray(1)), 'spki'), 'ERR_KEY_INVALID')
    const edAlgorithm = algorithmIdentifier(encodeOID(CURVES.Ed25519!.oid))
    const x = spkiOf(ed25519.publicKey).subarray(-32)
    assert.equal(parseDER(spki(edAlgorithm, x), 'spki').curve, 'Ed25519')
    throwsCode(() => parseDER(spki(edAlgorithm, x.subarray(1)), 'spki'), 'ERR_KEY_INVALID', /32 bytes/)
    throwsCode(() => parseDER(pkcs8(edAlgorithm, encodeDER(TAG.OCTET_STRING, x.subarray(1))), 'pkcs8'), 'ERR_KEY_INVALID')
    // RFC 8410 §3: Ed25519 AlgorithmIdentifier parameters must be absent.
    const withNull = algorithmIdentifier(encodeOID(CURVES.Ed25519!.oid), Uint8Array.of(5, 0))
    throwsCode(() => parseDER(spki(withNull, x), 'spki'), 'ERR_KEY_INVALID')
  })

  it('rsaEncryption requires NULL parameters and an RSAPublicKey', () => {
    const rsaPublic = new Uint8Array(KEYS[0]!.publicKey.export({ type: 'pkcs1', format: 'der' }))
    const rsaOID = encodeOID('1.2.840.113549.1.1.1')
    assert.equal(parseDER(spki(algorithmIdentifier(rsaOID, Uint8Array.of(5, 0)), rsaPublic), 'spki').kty, 'RSA')
    throwsCode(() => parseDER(spki(algorithmIdentifier(rsaOID), rsaPublic), 'spki'), 'ERR_KEY_INVALID')
    throwsCode(() => parseDER(spki(algorithmIdentifier(rsaOID, Uint8Array.of(5, 0)), point256()), 'spki'), 'ERR_KEY_INVALID')
    function point256() {
      return spkiOf(p256.publicKey).subarray(-65)
    }
  })

  it('PKCS#8 v2 (RFC 5958) is read and normalized to v1 without attributes or public key', () => {
    const v1 = pkcs8Of(ed25519.privateKey)
    const fields = children(readDER(v1, TAG.SEQUENCE, 'PrivateKeyInfo'))
    fields.next('version')
    const algorithm = fields.next('algorithm').encoded
    const privateKey = fields.next('privateKey').encoded
    const publicKey = encodeDER(0x81, Uint8Array.of(0), spkiOf(ed25519.publicKey).subarray(-32))
    const build = (version: number) =>
      encodeDER(TAG.SEQUENCE, encodeDER(TAG.INTEGER, Uint8Array.of(version)), algorithm, privateKey, publicKey)
    const parsed = parseDER(build(1), 'pkcs8')
    assert.equal(parsed.curve, 'Ed25519')
    assert.deepEqual(parsed.der, v1)
    // The stated public key is not dropped silently: it is handed back for the importer to check.
    assert.deepEqual(parsed.statedPublicKey, spkiOf(ed25519.publicKey).subarray(-32))
    assert.equal('statedPublicKey' in parseDER(v1, 'pkcs8'), false)
    assert.equal('statedPublicKey' in parseDER(spkiOf(ed25519.publicKey), 'spki'), false)
    throwsCode(() => parseDER(build(0), 'pkcs8'), 'ERR_KEY_INVALID', /trailing/)
    throwsCode(() => parseDER(build(2), 'pkcs8'), 'ERR_KEY_INVALID', /version/)
    const badPublicKey = encodeDER(0x81, Uint8Array.of(0), new Uint8Array(31))
    const withBadPublicKey = encodeDER(TAG.SEQUENCE, encodeDER(TAG.INTEGER, Uint8Array.of(1)), algorithm, privateKey, badPublicKey)
    throwsCode(() => parseDER(withBadPublicKey, 'pkcs8'), 'ERR_KEY_INVALID', /32 bytes/)
  })

  it('RFC 8410 §10.3 example (v2 with attributes and public key) loads in OpenSSL after normalization', () => {
    const pem = [
      '-----BEGIN PRIVATE KEY-----',
      'MHICAQEwBQYDK2VwBCIEINTuctv5E1hK1bbY8fdp+K06/nwoy/HU++CXqI9EdVhC',
      'oB8wHQYKKoZIhvcNAQkJFDEPDA1DdXJkbGUgQ2hhaXJzgSEAGb9ECWmEzf6FQbrB',
      'Z9w7lshQhqowtrbLDFw4rXAxZuE=',
      '-----END PRIVATE KEY-----',
    ].join('\n')
    const parsed = parsePEM(pem)
    assert.equal(parsed.curve, 'Ed25519')
    const loaded = createPrivateKey({ key: Buffer.from(parsed.der), format: 'der', type: 'pkcs8' })
    const x = spkiOf(createPublicKey(loaded)).subarray(-32)
    assert.equal(Buffer.from(x).toString('hex'), '19bf44096984cdfe8541bac167dc3b96c85086aa30b6b6cb0c5c38ad703166e1')
    // The example's stated publicKey is the one its private key derives.
    assert.ok(isSamePublicKey(parsed.statedPublicKey!, subjectPublicKey(spkiOf(createPublicKey(loaded)))))
  })
})

describe('stated public keys', () => {
  const p256 = KEYS.find((key) => key.spec.name === 'P-256')!
  const point = spkiOf(p256.publicKey).subarray(-65)
  const x = point.subarray(1, 33)
  const parity = point[64]! & 1

  it('subjectPublicKey is the BIT STRING contents of an SPKI', () => {
    for (const { publicKey } of KEYS) {
      const spki = spkiOf(publicKey)
      const fields = children(readDER(spki, TAG.SEQUENCE, 'SubjectPublicKeyInfo'))
      fields.next('algorithm')
      assert.deepEqual(subjectPublicKey(spki), fields.next('subjectPublicKey').contents.subarray(1))
    }
    throwsCode(() => subjectPublicKey(pkcs8Of(p256.privateKey)), 'ERR_KEY_INVALID')
    throwsCode(() => subjectPublicKey(spkiOf(p256.publicKey).subarray(0, -1)), 'ERR_KEY_INVALID')
  })

  it('isSamePublicKey: equal bytes, or a compressed EC point with the same X and the parity of Y', () => {
    assert.equal(isSamePublicKey(point, point), true)
    assert.equal(isSamePublicKey(Uint8Array.of(0x02 | parity, ...x), point), true)
    assert.equal(isSamePublicKey(Uint8Array.of(0x02 | (parity ^ 1), ...x), point), false, 'wrong parity')
    const otherX = Uint8Array.from(x)
    otherX[31]! ^= 1
    assert.equal(isSamePublicKey(Uint8Array.of(0x02 | parity, ...otherX), point), false, 'wrong X')
    const otherY = Uint8Array.from(point)
    otherY[40]! ^= 1
    assert.equal(isSamePublicKey(otherY, point), false, 'same X, other Y, uncompressed')
    // Only a compressed prefix against an uncompressed point of twice the size takes the EC path.
    assert.equal(isSamePublicKey(Uint8Array.of(0x04, ...x), point), false)
    assert.equal(isSamePublicKey(Uint8Array.of(0x02 | parity, ...x), Uint8Array.of(0x05, ...point.subarray(1))), false)
    assert.equal(isSamePublicKey(Uint8Array.of(0x02 | parity, ...x.subarray(1)), point), false)
    assert.equal(isSamePublicKey(new Uint8Array(0), point), false)
    // Equal-length keys (OKP, ML-DSA, RSAPublicKey DER) compare as bytes, whatever their first byte.
    const raw = Uint8Array.of(0x02, ...new Uint8Array(31))
    assert.equal(isSamePublicKey(raw, Uint8Array.from(raw)), true)
    assert.equal(isSamePublicKey(raw, Uint8Array.of(0x03, ...new Uint8Array(31))), false)
  })
})

describe('canonical PKCS#8 for export (ML-DSA: the seed alone)', () => {
  const seed = Uint8Array.from({ length: 32 }, (_, i) => i)

  for (const alg of ML_DSA_ALGS) {
    it(`${alg}: the "both" and seed forms become the seed form; the expandedKey form is refused`, () => {
      const canonical = buildPKCS8(alg, { form: 'seed', seed })
      const expandedKey = new Uint8Array(ML_DSA[alg].expandedKey).fill(7)
      assert.deepEqual(canonicalPKCS8(buildPKCS8(alg, { form: 'both', seed, expandedKey })), canonical)
      assert.deepEqual(canonicalPKCS8(canonical), canonical)
      const { alg: oidAlg, key } = readPKCS8(canonicalPKCS8(buildPKCS8(alg, { form: 'both', seed, expandedKey })))
      assert.equal(oidAlg, alg)
      assert.equal(key.form, 'seed')
      // The seed form is `[0] IMPLICIT OCTET STRING (SIZE (32))`: tag 0x80, length 32.
      assert.deepEqual([...canonical.subarray(-34, -32)], [0x80, 32])
      // Attributes and a v2 publicKey are not carried over.
      const [, algorithm, privateKey] = pkcs8Fields(canonical)
      const v2 = encodeDER(TAG.SEQUENCE, Uint8Array.of(2, 1, 1), algorithm!, privateKey!, encodeDER(0xa0), encodeDER(0x81, Uint8Array.of(0), new Uint8Array(ML_DSA[alg].publicKey)))
      assert.deepEqual(canonicalPKCS8(v2), canonical)
      throwsCode(() => canonicalPKCS8(buildPKCS8(alg, { form: 'expandedKey', expandedKey })), 'ERR_NOT_SUPPORTED', /seed/)
      throwsCode(() => canonicalPKCS8(buildPKCS8(alg, { form: 'seed', seed: seed.subarray(1) })), 'ERR_KEY_INVALID', /seed/)
    })
  }

  it('other keys are returned as they are', () => {
    for (const { privateKey } of KEYS) {
      const pkcs8 = pkcs8Of(privateKey)
      assert.deepEqual(canonicalPKCS8(pkcs8), pkcs8)
    }
    const x25519 = pkcs8Of(generateKeyPairSync('x25519').privateKey)
    assert.deepEqual(canonicalPKCS8(x25519), x25519)
  })
})

/** A PrivateKeyInfo's version, AlgorithmIdentifier and privateKey TLVs. */
function pkcs8Fields(pkcs8: Uint8Array): Uint8Array[] {
  const fields = children(readDER(pkcs8, TAG.SEQUENCE, 'PrivateKeyInfo'))
  return ['version', 'algorithm', 'privateKey'].map((name) => fields.next(name).encoded)
}

describe('strict DER', () => {
  const ed25519 = spkiOf(KEYS.find((key) => key.spec.name === 'Ed25519')!.publicKey) // 30 2a ...
  const samples: [Uint8Array, 'spki' | 'pkcs8'][] = KEYS.flatMap(({ publicKey, privateKey }) => [
    [spkiOf(publicKey), 'spki'],
    [pkcs8Of(privateKey), 'pkcs8'],
  ])

  it('rejects every truncation', () => {
    for (const [der, format] of samples) {
      for (let length = 0; length < der.length; length++) {
        throwsCode(() => parseDER(der.subarray(0, length), format), 'ERR_KEY_INVALID')
      }
    }
  })

  it('rejects trailing bytes after the outer SEQUENCE and inside it', () => {
    for (const [der, format] of samples) {
      throwsCode(() => parseDER(Uint8Array.from([...der, 0]), format), 'ERR_KEY_INVALID', /truncated|trailing/)
      throwsCode(() => parseDER(Uint8Array.from([...der, 0x05, 0x00]), format), 'ERR_KEY_INVALID', /trailing/)
    }
    assert.equal(ed25519[1], 0x2a)
    const padded = Uint8Array.from([0x30, 0x2c, ...ed25519.subarray(2), 0x05, 0x00])
    throwsCode(() => parseDER(padded, 'spki'), 'ERR_KEY_INVALID', /trailing/)
  })

  it('rejects non-minimal and indefinite lengths', () => {
    const body = ed25519.subarray(2)
    throwsCode(() => parseDER(Uint8Array.from([0x30, 0x81, 0x2a, ...body]), 'spki'), 'ERR_KEY_INVALID', /non-minimal length/)
    throwsCode(() => parseDER(Uint8Array.from([0x30, 0x82, 0x00, 0x2a, ...body]), 'spki'), 'ERR_KEY_INVALID', /non-minimal length/)
    throwsCode(() => parseDER(Uint8Array.from([0x30, 0x80, ...body, 0, 0]), 'spki'), 'ERR_KEY_INVALID', /indefinite/)
    throwsCode(() => parseDER(Uint8Array.from([0x30, 0x85, 1, 0, 0, 0, 0, ...body]), 'spki'), 'ERR_KEY_INVALID', /oversized/)
    throwsCode(() => parseDER(Uint8Array.from([0x30, 0x84, 0xff, 0xff, 0xff, 0xff, ...body]), 'spki'), 'ERR_KEY_INVALID', /truncated/)
  })

  it('rejects non-minimal INTEGERs and constructed encodings of primitives', () => {
    const pkcs8 = pkcs8Of(KEYS.find((key) => key.spec.name === 'Ed25519')!.privateKey) // 30 2e 02 01 00 ...
    assert.deepEqual([...pkcs8.subarray(2, 5)], [0x02, 0x01, 0x00])
    const longVersion = Uint8Array.from([0x30, 0x2f, 0x02, 0x02, 0x00, 0x00, ...pkcs8.subarray(5)])
    throwsCode(() => parseDER(longVersion, 'pkcs8'), 'ERR_KEY_INVALID', /non-minimal INTEGER/)
    const constructed = Uint8Array.from(ed25519)
    constructed[ed25519.length - 35] = 0x23 // BIT STRING → constructed BIT STRING (BER only)
    throwsCode(() => parseDER(constructed, 'spki'), 'ERR_KEY_INVALID', /unexpected tag/)
  })
})

describe('asn1 helpers', () => {
  it('encodes and decodes every OID jot knows', () => {
    for (const oid of [...Object.values(CURVES).map((curve) => curve.oid), '1.2.840.113549.1.1.1', '2.999.1']) {
      assert.equal(decodeOID(readDER(encodeOID(oid), TAG.OID, 'oid'), 'oid'), oid)
    }
    assert.deepEqual([...encodeOID('1.2.840.10045.2.1')], [6, 7, 0x2a, 0x86, 0x48, 0xce, 0x3d, 2, 1])
  })

  it('rejects malformed OIDs', () => {
    for (const contents of [[], [0x2a, 0x80, 0x01], [0x2a, 0x86], [0x2a, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f]]) {
      throwsCode(() => decodeOID(readDER(Uint8Array.from([6, contents.length, ...contents]), TAG.OID, 'o'), 'o'), 'ERR_KEY_INVALID')
    }
  })

  it('bounds nesting depth and refuses multi-byte tags', () => {
    let nested = encodeDER(TAG.SEQUENCE)
    for (let i = 0; i < 20; i++) nested = encodeDER(TAG.SEQUENCE, nested)
    throwsCode(() => {
      let reader = new DERReader(nested)
      for (;;) reader = children(reader.read(TAG.SEQUENCE, 'level'))
    }, 'ERR_KEY_INVALID', /nested too deeply/)
    throwsCode(() => new DERReader(Uint8Array.of(0x3f, 0x81, 0x01, 0x00)).next('x'), 'ERR_KEY_INVALID', /multi-byte tag/)
  })
})

describe('hostile input only ever raises JotErrors', () => {
  // mulberry32: a seeded PRNG so a failure reproduces.
  let seed = 0x6a6f74
  const random = (): number => {
    seed = (seed + 0x6d2b79f5) | 0
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  const int = (max: number): number => Math.floor(random() * max)

  function attempt(fn: () => unknown): void {
    try {
      fn()
    } catch (error) {
      assert.ok(error instanceof JotError, `non-JotError escaped: ${String(error)}`)
      // No key material in messages: nothing resembling a base64 or hex dump.
      assert.doesNotMatch(error.message, /[A-Za-z0-9+/]{40,}|(?:[0-9a-f]{2}){16,}/i)
    }
  }

  function mutate(bytes: Uint8Array): Uint8Array {
    const copy = [...bytes]
    for (let edits = 1 + int(3); edits > 0; edits--) {
      const at = int(copy.length + 1)
      const choice = int(4)
      if (choice === 0) copy.splice(at, 1)
      else if (choice === 1) copy.splice(at, 0, int(256))
      else if (choice === 2) copy[Math.min(at, copy.length - 1)] = [0x00, 0x80, 0x81, 0xff, 0x30, 0x02][int(6)]!
      else copy[Math.min(at, copy.length - 1)] = int(256)
    }
    return Uint8Array.from(copy)
  }

  const corpus: [Uint8Array, string][] = [
    ...KEYS.flatMap(({ publicKey, privateKey, spec }): [Uint8Array, string][] => [
      [spkiOf(publicKey), 'PUBLIC KEY'],
      [pkcs8Of(privateKey), 'PRIVATE KEY'],
      ...(spec.kty === 'RSA'
        ? ([
            [new Uint8Array(publicKey.export({ type: 'pkcs1', format: 'der' })), 'RSA PUBLIC KEY'],
            [new Uint8Array(privateKey.export({ type: 'pkcs1', format: 'der' })), 'RSA PRIVATE KEY'],
          ] as [Uint8Array, string][])
        : []),
      ...(spec.kty === 'EC'
        ? ([[new Uint8Array(privateKey.export({ type: 'sec1', format: 'der' })), 'EC PRIVATE KEY']] as [Uint8Array, string][])
        : []),
    ]),
    ...['cert-rsa.pem', 'cert-ec.pem', 'cert-ed25519-v1.pem'].map((file): [Uint8Array, string] => [
      dearmor(fixture(file)),
      'CERTIFICATE',
    ]),
  ]

  it('random bytes', () => {
    for (let i = 0; i < 3000; i++) {
      const length = int(120)
      const bytes = Uint8Array.from({ length }, () => int(256))
      if (length > 0 && i % 2 === 0) bytes[0] = 0x30
      for (const format of ['spki', 'pkcs8'] as const) attempt(() => parseDER(bytes, format))
      attempt(() => parsePEM(armor(bytes, ['CERTIFICATE', 'EC PRIVATE KEY', 'RSA PRIVATE KEY'][i % 3]!)))
    }
  })

  it('mutated and truncated real keys and certificates, in every label', () => {
    for (const [der, label] of corpus) {
      for (let i = 0; i < 300; i++) attempt(() => parsePEM(armor(mutate(der), label)))
      for (let length = 0; length < der.length; length += 1 + int(8)) {
        attempt(() => parsePEM(armor(der.subarray(0, length), label)))
      }
    }
  })

  it('mutated PEM text', () => {
    const alphabet = 'AZaz09+/=-\n\r :\t!'
    for (const [der, label] of corpus) {
      const text = armor(der, label)
      for (let i = 0; i < 100; i++) {
        const chars = [...text]
        for (let edits = 1 + int(3); edits > 0; edits--) chars[int(chars.length)] = alphabet[int(alphabet.length)]!
        attempt(() => parsePEM(chars.join('')))
      }
    }
  })
})
