/**
 * JWS/JWT attack classes. Every hostile token here is crafted by hand (and, where the point is that
 * only one thing is wrong, signed with a real key), then presented to the public verification API;
 * each case asserts the exact error code jot promises for it.
 */
import assert from 'node:assert/strict'
import {
  type KeyObject,
  createHmac,
  generateKeyPairSync,
  sign as nodeSign,
} from 'node:crypto'
import { describe, it } from 'node:test'
import {
  DEFAULT_MAX_TOKEN_LENGTH,
  type FlattenedJWS,
  type GeneralJWS,
  type JotKey,
  type JWSAlgorithmName,
  type KeyResolver,
  base64url,
  decodeJWTUnverified,
  encryptFlattenedJWE,
  generateSecret,
  importKey,
  importSecret,
  isJotError,
  signCompactJWS,
  signFlattenedJWS,
  signGeneralJWS,
  signJWT,
  verifyCompactJWS,
  verifyFlattenedJWS,
  verifyGeneralJWS,
  verifyJWT,
} from 'jotjwt'
import { rejectsWith } from '../helpers.js'

// ---------------------------------------------------------------------------------------------
// helpers


const enc = new TextEncoder()
const bytesOf = (value: string | Uint8Array): Uint8Array => (typeof value === 'string' ? enc.encode(value) : value)
const b64 = (value: string | Uint8Array): string => base64url.encode(bytesOf(value))
const concat = (...parts: Uint8Array[]): Uint8Array => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0))
  let offset = 0
  for (const part of parts) {
    out.set(part, offset)
    offset += part.length
  }
  return out
}

/** A resolver that fails the test if it is ever called (proves a check ran before key selection). */
const forbiddenResolver: KeyResolver = () => {
  assert.fail('the key resolver must not be called for this token')
}

const NOW = Math.floor(Date.now() / 1000)
const EXP = NOW + 3600
const CLAIMS = `{"sub":"alice","exp":${EXP}}`

// HS256 with a real 32-byte secret; tokens are MACed by hand with node:crypto.
const SECRET = new Uint8Array(32).map((_, i) => (i * 7 + 3) & 0xff)
const hsKey = await importSecret(SECRET, { alg: 'HS256' })

/** MACs `protectedB64.payloadB64` with SECRET and returns the compact token. */
function hs256Segments(protectedB64: string, payloadB64: string, secret: Uint8Array | string = SECRET): string {
  const mac = createHmac('sha256', secret).update(`${protectedB64}.${payloadB64}`).digest()
  return `${protectedB64}.${payloadB64}.${base64url.encode(new Uint8Array(mac))}`
}

/** Hand-built HS256 token from raw header and claims text/bytes. */
function hs256(header: string | Uint8Array, claims: string | Uint8Array = CLAIMS, secret?: Uint8Array | string): string {
  return hs256Segments(b64(header), b64(claims), secret)
}

/** Hand-built flattened JWS (HS256, SECRET) over arbitrary protected text and raw payload. */
function hs256Flattened(protectedText: string, payload: string, header?: Record<string, unknown>): FlattenedJWS {
  const protectedB64 = b64(protectedText)
  const mac = createHmac('sha256', SECRET).update(concat(enc.encode(`${protectedB64}.`), enc.encode(payload))).digest()
  const jws: FlattenedJWS = { protected: protectedB64, payload, signature: base64url.encode(new Uint8Array(mac)) }
  if (header !== undefined) jws.header = header
  return jws
}

function nodeKeyPair(type: 'rsa' | 'ec' | 'ed25519', namedCurve?: string): { publicKey: KeyObject; privateKey: KeyObject } {
  if (type === 'rsa') return generateKeyPairSync('rsa', { modulusLength: 2048 })
  if (type === 'ec') return generateKeyPairSync('ec', { namedCurve: namedCurve! })
  return generateKeyPairSync('ed25519')
}
const spkiPem = (key: KeyObject): string => key.export({ type: 'spki', format: 'pem' }) as string
const pkcs8Pem = (key: KeyObject): string => key.export({ type: 'pkcs8', format: 'pem' }) as string

const rsa = nodeKeyPair('rsa')
const p256 = nodeKeyPair('ec', 'prime256v1')
const p384 = nodeKeyPair('ec', 'secp384r1')
const p521 = nodeKeyPair('ec', 'secp521r1')
const ed = nodeKeyPair('ed25519')

const rsaPublicPem = spkiPem(rsa.publicKey)
const rsaPublicJwkText = JSON.stringify(rsa.publicKey.export({ format: 'jwk' }))
const ecPublicPem = spkiPem(p256.publicKey)
const ecPublicJwkText = JSON.stringify(p256.publicKey.export({ format: 'jwk' }))

const rs256Public = await importKey(rsaPublicPem, { alg: 'RS256' })
const rs256Private = await importKey(pkcs8Pem(rsa.privateKey), { alg: 'RS256' })
const ps256Private = await importKey(pkcs8Pem(rsa.privateKey), { alg: 'PS256' })
const es256Public = await importKey(ecPublicPem, { alg: 'ES256' })
const es256Private = await importKey(pkcs8Pem(p256.privateKey), { alg: 'ES256' })
const es384Public = await importKey(spkiPem(p384.publicKey), { alg: 'ES384' })
const es384Private = await importKey(pkcs8Pem(p384.privateKey), { alg: 'ES384' })
const es512Public = await importKey(spkiPem(p521.publicKey), { alg: 'ES512' })
const es512Private = await importKey(pkcs8Pem(p521.privateKey), { alg: 'ES512' })
const edPublic = await importKey(spkiPem(ed.publicKey), { alg: 'EdDSA' })
const edPrivate = await importKey(pkcs8Pem(ed.privateKey), { alg: 'EdDSA' })

/** ES256 token over arbitrary header/claims text, signed by hand with node:crypto (raw r||s). */
function es256(header: string, claims: string = CLAIMS): string {
  const input = `${b64(header)}.${b64(claims)}`
  const signature = nodeSign('sha256', enc.encode(input), { key: p256.privateKey, dsaEncoding: 'ieee-p1363' })
  return `${input}.${base64url.encode(new Uint8Array(signature))}`
}

function signatureOf(token: string): Uint8Array {
  return base64url.decode(token.split('.')[2]!)
}

function withSignature(token: string, signature: Uint8Array): string {
  const [h, p] = token.split('.')
  return `${h}.${p}.${base64url.encode(signature)}`
}

function intToBytes(value: bigint, size: number): Uint8Array {
  const out = new Uint8Array(size)
  for (let i = size - 1; i >= 0; i--) {
    out[i] = Number(value & 0xffn)
    value >>= 8n
  }
  assert.equal(value, 0n, 'integer does not fit')
  return out
}

// ---------------------------------------------------------------------------------------------

describe('forging helpers (controls)', () => {
  it('a hand-MACed HS256 JWT verifies', async () => {
    const { payload } = await verifyJWT(hs256('{"alg":"HS256","typ":"JWT"}'), hsKey)
    assert.equal(payload.sub, 'alice')
  })

  it('a hand-signed ES256 JWT verifies', async () => {
    const { payload } = await verifyJWT(es256('{"alg":"ES256"}'), es256Public)
    assert.equal(payload.sub, 'alice')
  })

  it('a hand-MACed flattened JWS verifies', async () => {
    const result = await verifyFlattenedJWS(hs256Flattened('{"alg":"HS256"}', b64('hi')), hsKey)
    assert.equal(new TextDecoder().decode(result.payload), 'hi')
  })
})

describe('alg: none', () => {
  const noneHeader = b64('{"alg":"none"}')
  const noneToken = `${noneHeader}.${b64(CLAIMS)}.`

  it('verifyJWT refuses an unsecured JWT (HS256 key given)', async () => {
    await rejectsWith(verifyJWT(noneToken, hsKey), 'ERR_ALG_NOT_ALLOWED')
  })

  it('verifyJWT refuses an unsecured JWT (RS256 key given)', async () => {
    await rejectsWith(verifyJWT(noneToken, rs256Public), 'ERR_ALG_NOT_ALLOWED')
  })

  it('verifyJWT refuses alg none even when "none" is in the algorithms allowlist', async () => {
    await rejectsWith(
      verifyJWT(noneToken, hsKey, { algorithms: ['none' as 'HS256', 'HS256'] }),
      'ERR_ALG_NOT_ALLOWED',
    )
  })

  it('verifyJWT refuses alg none before calling the key resolver', async () => {
    await rejectsWith(verifyJWT(noneToken, forbiddenResolver), 'ERR_ALG_NOT_ALLOWED')
  })

  it('verifyJWT refuses alg none that carries a (bogus) signature', async () => {
    await rejectsWith(verifyJWT(`${noneToken}${b64('sig')}`, hsKey), 'ERR_ALG_NOT_ALLOWED')
  })

  for (const alg of ['None', 'NONE', 'nOnE']) {
    it(`verifyJWT refuses the case variant "${alg}"`, async () => {
      await rejectsWith(verifyJWT(`${b64(`{"alg":"${alg}"}`)}.${b64(CLAIMS)}.`, hsKey), 'ERR_ALG_NOT_ALLOWED')
    })
  }

  it('verifyCompactJWS refuses an unsecured JWS', async () => {
    await rejectsWith(verifyCompactJWS(`${noneHeader}.${b64('hello')}.`, hsKey), 'ERR_ALG_NOT_ALLOWED')
  })

  it('verifyFlattenedJWS refuses alg none in the protected header', async () => {
    await rejectsWith(
      verifyFlattenedJWS({ protected: noneHeader, payload: b64('hello'), signature: '' }, hsKey),
      'ERR_ALG_NOT_ALLOWED',
    )
  })

  it('verifyFlattenedJWS refuses alg none in the unprotected header', async () => {
    await rejectsWith(
      verifyFlattenedJWS({ header: { alg: 'none' }, payload: b64('hello'), signature: '' }, hsKey),
      'ERR_ALG_NOT_ALLOWED',
    )
  })

  it('verifyFlattenedJWS refuses alg none given as JSON text', async () => {
    const text = JSON.stringify({ protected: noneHeader, payload: b64('hello'), signature: '' })
    await rejectsWith(verifyFlattenedJWS(text, es256Public), 'ERR_ALG_NOT_ALLOWED')
  })

  it('verifyGeneralJWS refuses a lone alg none signature', async () => {
    const jws: GeneralJWS = { payload: b64('hello'), signatures: [{ protected: noneHeader, signature: '' }] }
    await rejectsWith(verifyGeneralJWS(jws, hsKey), 'ERR_ALG_NOT_ALLOWED')
  })

  it('verifyGeneralJWS refuses alg none next to a signature that fails', async () => {
    const real = await signGeneralJWS('hello', [{ key: await importSecret(new Uint8Array(32).fill(9), { alg: 'HS256' }) }])
    const jws: GeneralJWS = {
      payload: real.payload!,
      signatures: [{ protected: noneHeader, signature: '' }, real.signatures[0]!],
    }
    // The second entry is a real HS256 signature by another secret: it is checked and fails, so the
    // documented outcome is a signature failure; the none entry never counts as verified.
    await rejectsWith(verifyGeneralJWS(jws, hsKey), 'ERR_JWS_SIGNATURE_INVALID')
  })

  it('verifyGeneralJWS never picks an alg none entry, even next to a valid signature', async () => {
    const real = await signGeneralJWS('hello', [{ key: hsKey }])
    const jws: GeneralJWS = {
      payload: real.payload!,
      signatures: [{ protected: noneHeader, signature: '' }, real.signatures[0]!],
    }
    const result = await verifyGeneralJWS(jws, hsKey)
    assert.equal(result.signatureIndex, 1)
    assert.equal(result.protectedHeader.alg, 'HS256')
  })

  it('decodeJWTUnverified still decodes it, but verifyJWT never accepts it', async () => {
    const { header } = decodeJWTUnverified(noneToken)
    assert.equal(header.alg, 'none')
    await rejectsWith(verifyJWT(noneToken, hsKey), 'ERR_ALG_NOT_ALLOWED')
  })
})

describe('algorithm confusion: HS256 keyed with public key material', () => {
  const cases = [
    ['RSA public key PEM text', rsaPublicPem, () => rs256Public],
    ['RSA public key PEM text without trailing newline', rsaPublicPem.trimEnd(), () => rs256Public],
    ['RSA public key JWK JSON text', rsaPublicJwkText, () => rs256Public],
    ['EC public key PEM text', ecPublicPem, () => es256Public],
    ['EC public key JWK JSON text', ecPublicJwkText, () => es256Public],
  ] as const

  for (const [name, secretText, realKey] of cases) {
    it(`HS256 MACed with the ${name} is refused by the real public key`, async () => {
      const token = hs256('{"alg":"HS256","typ":"JWT"}', CLAIMS, secretText)
      await rejectsWith(verifyJWT(token, realKey()), 'ERR_ALG_NOT_ALLOWED')
    })

    it(`HS256 MACed with the ${name} is refused by verifyCompactJWS`, async () => {
      const token = hs256('{"alg":"HS256"}', 'hello', secretText)
      await rejectsWith(verifyCompactJWS(token, realKey()), 'ERR_ALG_NOT_ALLOWED')
    })

    it(`HS256 MACed with the ${name} is refused even with HS256 in the allowlist and a resolver`, async () => {
      const token = hs256('{"alg":"HS256","typ":"JWT"}', CLAIMS, secretText)
      const key = realKey()
      await rejectsWith(
        verifyJWT(token, () => key, { algorithms: [key.alg as JWSAlgorithmName, 'HS256'] }),
        'ERR_ALG_NOT_ALLOWED',
      )
    })

    it(`importKey refuses the ${name} as an HS256 secret`, async () => {
      await rejectsWith(importKey(secretText, { alg: 'HS256' }), 'ERR_KEY_ALG_MISMATCH')
    })

    it(`importSecret refuses the ${name} as an HS256 secret`, async () => {
      await rejectsWith(importSecret(secretText, { alg: 'HS256' }), 'ERR_KEY_ALG_MISMATCH')
    })

    it(`importSecret refuses the ${name} as UTF-8 bytes, even with unsafeAllowShortSecret`, async () => {
      await rejectsWith(
        importSecret(enc.encode(secretText), { alg: 'HS512', unsafeAllowShortSecret: true }),
        'ERR_KEY_ALG_MISMATCH',
      )
    })
  }

  it('importSecret refuses PEM text with leading whitespace', async () => {
    await rejectsWith(importSecret(`\n\n  ${rsaPublicPem}`, { alg: 'HS256' }), 'ERR_KEY_ALG_MISMATCH')
  })

  it('importSecret refuses pretty-printed JWK JSON', async () => {
    const pretty = JSON.stringify(JSON.parse(ecPublicJwkText), null, 2)
    await rejectsWith(importSecret(pretty, { alg: 'HS256' }), 'ERR_KEY_ALG_MISMATCH')
  })
})

describe('algorithm / key mismatch', () => {
  it('an RS256 key refuses a PS256 token made with the same RSA key', async () => {
    const token = await signJWT({ sub: 'alice' }, ps256Private, { expiresIn: 60 })
    await rejectsWith(verifyJWT(token, rs256Public), 'ERR_ALG_NOT_ALLOWED')
  })

  it('an ES256 key refuses an ES384 token', async () => {
    const token = await signJWT({ sub: 'alice' }, es384Private, { expiresIn: 60 })
    await rejectsWith(verifyJWT(token, es256Public), 'ERR_ALG_NOT_ALLOWED')
  })

  it('an ES384 key refuses an ES256 token', async () => {
    const token = await signJWT({ sub: 'alice' }, es256Private, { expiresIn: 60 })
    await rejectsWith(verifyJWT(token, es384Public), 'ERR_ALG_NOT_ALLOWED')
  })

  it('an EdDSA key refuses a token whose header says Ed25519', async () => {
    const input = `${b64('{"alg":"Ed25519"}')}.${b64(CLAIMS)}`
    const signature = nodeSign(null, enc.encode(input), ed.privateKey)
    await rejectsWith(
      verifyJWT(`${input}.${base64url.encode(new Uint8Array(signature))}`, edPublic),
      'ERR_ALG_NOT_ALLOWED',
    )
  })

  it('the algorithms allowlist excludes the token alg (key would match)', async () => {
    const token = await signJWT({ sub: 'alice' }, es256Private, { expiresIn: 60 })
    await rejectsWith(verifyJWT(token, es256Public, { algorithms: ['ES384', 'RS256'] }), 'ERR_ALG_NOT_ALLOWED')
  })

  it('the allowlist is checked before the key resolver runs', async () => {
    const token = await signJWT({ sub: 'alice' }, es256Private, { expiresIn: 60 })
    await rejectsWith(verifyJWT(token, forbiddenResolver, { algorithms: ['RS256'] }), 'ERR_ALG_NOT_ALLOWED')
  })

  it('the allowlist applies to verifyCompactJWS, verifyFlattenedJWS and verifyGeneralJWS', async () => {
    const compact = await signCompactJWS('x', hsKey)
    await rejectsWith(verifyCompactJWS(compact, hsKey, { algorithms: ['HS512'] }), 'ERR_ALG_NOT_ALLOWED')
    const flattened = await signFlattenedJWS('x', hsKey)
    await rejectsWith(verifyFlattenedJWS(flattened, hsKey, { algorithms: ['HS512'] }), 'ERR_ALG_NOT_ALLOWED')
    const general = await signGeneralJWS('x', [{ key: hsKey }])
    await rejectsWith(verifyGeneralJWS(general, hsKey, { algorithms: ['HS512'] }), 'ERR_ALG_NOT_ALLOWED')
  })

  it('a resolver returning a key of another algorithm is refused', async () => {
    const token = await signJWT({ sub: 'alice' }, es256Private, { expiresIn: 60 })
    await rejectsWith(verifyJWT(token, () => rs256Public), 'ERR_ALG_NOT_ALLOWED')
  })

  it('alg is compared case-sensitively ("hs256" is not HS256)', async () => {
    await rejectsWith(verifyJWT(hs256('{"alg":"hs256"}'), hsKey), 'ERR_ALG_NOT_ALLOWED')
  })

  for (const alg of ['__proto__', 'constructor', 'toString', 'hasOwnProperty']) {
    it(`the inherited property name "${alg}" as alg never matches`, async () => {
      await rejectsWith(verifyJWT(hs256(`{"alg":"${alg}"}`), hsKey), 'ERR_ALG_NOT_ALLOWED')
    })
  }

  it('a header without alg is invalid', async () => {
    await rejectsWith(verifyJWT(hs256('{"typ":"JWT"}'), hsKey), 'ERR_JWS_INVALID')
  })

  for (const alg of ['256', 'null', '["HS256"]', '{"HS256":true}', '""']) {
    it(`alg ${alg} (not a non-empty string) is invalid`, async () => {
      await rejectsWith(verifyJWT(hs256(`{"alg":${alg}}`), hsKey), 'ERR_JWS_INVALID')
    })
  }

  it('an embedded attacker "jwk" header is ignored: the configured key decides', async () => {
    const attacker = generateKeyPairSync('ec', { namedCurve: 'prime256v1' })
    const header = JSON.stringify({ alg: 'ES256', jwk: attacker.publicKey.export({ format: 'jwk' }) })
    const input = `${b64(header)}.${b64(CLAIMS)}`
    const signature = nodeSign('sha256', enc.encode(input), { key: attacker.privateKey, dsaEncoding: 'ieee-p1363' })
    await rejectsWith(
      verifyJWT(`${input}.${base64url.encode(new Uint8Array(signature))}`, es256Public),
      'ERR_JWS_SIGNATURE_INVALID',
    )
  })
})

describe('ECDSA signature values (CVE-2022-21449 and friends)', () => {
  const curves = [
    {
      alg: 'ES256',
      size: 32,
      order: 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n,
      privateKey: () => es256Private,
      publicKey: () => es256Public,
    },
    {
      alg: 'ES384',
      size: 48,
      order:
        0xffffffffffffffffffffffffffffffffffffffffffffffffc7634d81f4372ddf581a0db248b0a77aecec196accc52973n,
      privateKey: () => es384Private,
      publicKey: () => es384Public,
    },
    {
      alg: 'ES512',
      size: 66,
      order:
        0x01fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffa51868783bf2f966b7fcc0148f709a5d03bb5c9b8899c47aebb6fb71e91386409n,
      privateKey: () => es512Private,
      publicKey: () => es512Public,
    },
  ] as const

  for (const { alg, size, order, privateKey, publicKey } of curves) {
    const mutations: ReadonlyArray<readonly [string, (r: Uint8Array, s: Uint8Array) => Uint8Array]> = [
      ['r = s = 0 (all-zero signature)', () => new Uint8Array(2 * size)],
      ['r = 0', (_r, s) => concat(new Uint8Array(size), s)],
      ['s = 0', (r) => concat(r, new Uint8Array(size))],
      ['r = n', (_r, s) => concat(intToBytes(order, size), s)],
      ['s = n', (r) => concat(r, intToBytes(order, size))],
      ['r = s = n', () => concat(intToBytes(order, size), intToBytes(order, size))],
      ['r = n + 1', (_r, s) => concat(intToBytes(order + 1n, size), s)],
      ['s = n + 1', (r) => concat(r, intToBytes(order + 1n, size))],
      ['r = all 0xff bytes (> n)', (_r, s) => concat(new Uint8Array(size).fill(0xff), s)],
      ['s = all 0xff bytes (> n)', (r) => concat(r, new Uint8Array(size).fill(0xff))],
    ]

    it(`${alg}: control, the untouched signature verifies`, async () => {
      const token = await signJWT({ sub: 'alice' }, privateKey(), { expiresIn: 60 })
      await verifyJWT(token, publicKey())
    })

    for (const [name, mutate] of mutations) {
      it(`${alg}: ${name} is refused`, async () => {
        const token = await signJWT({ sub: 'alice' }, privateKey(), { expiresIn: 60 })
        const signature = signatureOf(token)
        assert.equal(signature.length, 2 * size)
        const forged = mutate(signature.subarray(0, size), signature.subarray(size))
        assert.equal(forged.length, 2 * size)
        await rejectsWith(verifyJWT(withSignature(token, forged), publicKey()), 'ERR_JWS_SIGNATURE_INVALID')
      })
    }
  }

  it('ES256: all-zero signature is refused by verifyCompactJWS, verifyFlattenedJWS and verifyGeneralJWS', async () => {
    const zero = base64url.encode(new Uint8Array(64))
    const compact = await signCompactJWS('hello', es256Private)
    const [h, p] = compact.split('.') as [string, string]
    await rejectsWith(verifyCompactJWS(`${h}.${p}.${zero}`, es256Public), 'ERR_JWS_SIGNATURE_INVALID')
    await rejectsWith(
      verifyFlattenedJWS({ protected: h, payload: p, signature: zero }, es256Public),
      'ERR_JWS_SIGNATURE_INVALID',
    )
    await rejectsWith(
      verifyGeneralJWS({ payload: p, signatures: [{ protected: h, signature: zero }] }, es256Public),
      'ERR_JWS_SIGNATURE_INVALID',
    )
  })

  it('ES256: a DER-encoded signature instead of raw r||s is refused', async () => {
    const input = `${b64('{"alg":"ES256"}')}.${b64(CLAIMS)}`
    const der = nodeSign('sha256', enc.encode(input), { key: p256.privateKey, dsaEncoding: 'der' })
    assert.equal(der[0], 0x30)
    await rejectsWith(verifyJWT(`${input}.${base64url.encode(new Uint8Array(der))}`, es256Public), 'ERR_JWS_SIGNATURE_INVALID')
  })

  it('ES384: a DER-encoded signature instead of raw r||s is refused', async () => {
    const input = `${b64('{"alg":"ES384"}')}.${b64(CLAIMS)}`
    const der = nodeSign('sha384', enc.encode(input), { key: p384.privateKey, dsaEncoding: 'der' })
    await rejectsWith(verifyJWT(`${input}.${base64url.encode(new Uint8Array(der))}`, es384Public), 'ERR_JWS_SIGNATURE_INVALID')
  })
})

describe('signature length', () => {
  const signers = [
    ['HS256', () => hsKey, () => hsKey],
    ['RS256', () => rs256Private, () => rs256Public],
    ['PS256', () => ps256Private, () => importKey(rsaPublicPem, { alg: 'PS256' })],
    ['ES256', () => es256Private, () => es256Public],
    ['EdDSA', () => edPrivate, () => edPublic],
  ] as const

  for (const [alg, privateKey, publicKey] of signers) {
    it(`${alg}: truncated by one byte is refused`, async () => {
      const token = await signJWT({ sub: 'alice' }, privateKey(), { expiresIn: 60 })
      const signature = signatureOf(token)
      await rejectsWith(
        verifyJWT(withSignature(token, signature.subarray(0, signature.length - 1)), await publicKey()),
        'ERR_JWS_SIGNATURE_INVALID',
      )
    })

    it(`${alg}: truncated to half is refused`, async () => {
      const token = await signJWT({ sub: 'alice' }, privateKey(), { expiresIn: 60 })
      const signature = signatureOf(token)
      await rejectsWith(
        verifyJWT(withSignature(token, signature.subarray(0, signature.length >> 1)), await publicKey()),
        'ERR_JWS_SIGNATURE_INVALID',
      )
    })

    it(`${alg}: extended by a zero byte is refused`, async () => {
      const token = await signJWT({ sub: 'alice' }, privateKey(), { expiresIn: 60 })
      const extended = concat(signatureOf(token), new Uint8Array([0]))
      await rejectsWith(verifyJWT(withSignature(token, extended), await publicKey()), 'ERR_JWS_SIGNATURE_INVALID')
    })

    it(`${alg}: a leading zero byte prepended is refused`, async () => {
      const token = await signJWT({ sub: 'alice' }, privateKey(), { expiresIn: 60 })
      const extended = concat(new Uint8Array([0]), signatureOf(token))
      await rejectsWith(verifyJWT(withSignature(token, extended), await publicKey()), 'ERR_JWS_SIGNATURE_INVALID')
    })

    it(`${alg}: an empty signature is refused`, async () => {
      const token = await signJWT({ sub: 'alice' }, privateKey(), { expiresIn: 60 })
      await rejectsWith(verifyJWT(withSignature(token, new Uint8Array(0)), await publicKey()), 'ERR_JWS_SIGNATURE_INVALID')
    })

    it(`${alg}: a flipped bit is refused`, async () => {
      const token = await signJWT({ sub: 'alice' }, privateKey(), { expiresIn: 60 })
      const signature = Uint8Array.from(signatureOf(token))
      signature[signature.length >> 1]! ^= 0x10
      await rejectsWith(verifyJWT(withSignature(token, signature), await publicKey()), 'ERR_JWS_SIGNATURE_INVALID')
    })
  }
})

describe('crit', () => {
  it('an unknown critical extension is refused', async () => {
    await rejectsWith(
      verifyJWT(hs256('{"alg":"HS256","crit":["urn:example:x"],"urn:example:x":1}'), hsKey),
      'ERR_JWS_CRIT_UNSUPPORTED',
    )
  })

  it('an unknown critical extension is refused by verifyCompactJWS', async () => {
    await rejectsWith(
      verifyCompactJWS(hs256('{"alg":"HS256","crit":["exp-x"],"exp-x":1}', 'hello'), hsKey),
      'ERR_JWS_CRIT_UNSUPPORTED',
    )
  })

  it('an unknown critical extension is refused by verifyFlattenedJWS', async () => {
    await rejectsWith(
      verifyFlattenedJWS(hs256Flattened('{"alg":"HS256","crit":["exp-x"],"exp-x":1}', b64('hi')), hsKey),
      'ERR_JWS_CRIT_UNSUPPORTED',
    )
  })

  it('an unknown critical extension is refused before the key resolver runs', async () => {
    await rejectsWith(
      verifyJWT(hs256('{"alg":"HS256","crit":["x"],"x":1}'), forbiddenResolver),
      'ERR_JWS_CRIT_UNSUPPORTED',
    )
  })

  it('crit in the unprotected header is invalid', async () => {
    const jws = hs256Flattened('{"alg":"HS256","x":1}', b64('hi'), { crit: ['x'] })
    await rejectsWith(verifyFlattenedJWS(jws, hsKey, { crit: ['x'] }), 'ERR_JWS_INVALID')
  })

  it('crit in the unprotected header of a general JWS is invalid', async () => {
    const flat = hs256Flattened('{"alg":"HS256"}', b64('hi'))
    const jws: GeneralJWS = {
      payload: flat.payload!,
      signatures: [{ protected: flat.protected!, header: { crit: ['x'], x: 1 }, signature: flat.signature }],
    }
    await rejectsWith(verifyGeneralJWS(jws, hsKey, { crit: ['x'] }), 'ERR_JWS_INVALID')
  })

  it('an empty crit array is invalid', async () => {
    await rejectsWith(verifyJWT(hs256('{"alg":"HS256","crit":[]}'), hsKey), 'ERR_JWS_INVALID')
  })

  for (const crit of ['"x"', '{"x":true}', 'null', '1']) {
    it(`crit ${crit} (not an array) is invalid`, async () => {
      await rejectsWith(verifyJWT(hs256(`{"alg":"HS256","crit":${crit},"x":1}`), hsKey, { crit: ['x'] }), 'ERR_JWS_INVALID')
    })
  }

  for (const crit of ['[1]', '[""]', '[null]', '[["x"]]']) {
    it(`crit ${crit} (non-string or empty entry) is invalid`, async () => {
      await rejectsWith(verifyJWT(hs256(`{"alg":"HS256","crit":${crit}}`), hsKey), 'ERR_JWS_INVALID')
    })
  }

  it('crit listing a name twice is invalid', async () => {
    await rejectsWith(
      verifyJWT(hs256('{"alg":"HS256","crit":["x","x"],"x":1}'), hsKey, { crit: ['x'] }),
      'ERR_JWS_INVALID',
    )
  })

  for (const registered of ['alg', 'kid', 'typ', 'jwk', 'crit']) {
    it(`crit listing the registered parameter "${registered}" is invalid`, async () => {
      const header = JSON.stringify({ alg: 'HS256', kid: 'k', typ: 'JWT', crit: [registered] })
      await rejectsWith(verifyJWT(hs256(header), hsKey, { crit: [registered] }), 'ERR_JWS_INVALID')
    })
  }

  it('crit naming an understood parameter that is absent is invalid', async () => {
    await rejectsWith(verifyJWT(hs256('{"alg":"HS256","crit":["x"]}'), hsKey, { crit: ['x'] }), 'ERR_JWS_INVALID')
  })

  it('crit naming a parameter that is only in the unprotected header is invalid', async () => {
    const jws = hs256Flattened('{"alg":"HS256","crit":["x"]}', b64('hi'), { x: 1 })
    await rejectsWith(verifyFlattenedJWS(jws, hsKey, { crit: ['x'] }), 'ERR_JWS_INVALID')
  })

  it('a custom critical parameter is accepted when passed in options.crit (JWT)', async () => {
    const { header, payload } = await verifyJWT(hs256('{"alg":"HS256","crit":["x"],"x":1}'), hsKey, { crit: ['x'] })
    assert.equal(header.x, 1)
    assert.equal(payload.sub, 'alice')
  })

  it('a custom critical parameter is accepted when passed in options.crit (compact and flattened JWS)', async () => {
    await verifyCompactJWS(hs256('{"alg":"HS256","crit":["x"],"x":1}', 'hi'), hsKey, { crit: ['x'] })
    await verifyFlattenedJWS(hs256Flattened('{"alg":"HS256","crit":["x"],"x":1}', b64('hi')), hsKey, { crit: ['x'] })
  })

  it('options.crit for one name does not make another name understood', async () => {
    await rejectsWith(
      verifyJWT(hs256('{"alg":"HS256","crit":["x","y"],"x":1,"y":2}'), hsKey, { crit: ['x'] }),
      'ERR_JWS_CRIT_UNSUPPORTED',
    )
  })
})

describe('b64 (RFC 7797)', () => {
  it('b64:false in a compact JWT is invalid', async () => {
    await rejectsWith(verifyJWT(hs256('{"alg":"HS256","b64":false,"crit":["b64"]}'), hsKey), 'ERR_JWS_INVALID')
  })

  it('b64:false in a compact JWS is invalid', async () => {
    const protectedB64 = b64('{"alg":"HS256","b64":false,"crit":["b64"]}')
    const token = hs256Segments(protectedB64, 'hello')
    await rejectsWith(verifyCompactJWS(token, hsKey), 'ERR_JWS_INVALID')
  })

  it('b64:false in a compact JWT is invalid for decodeJWTUnverified too', () => {
    const token = hs256('{"alg":"HS256","b64":false,"crit":["b64"]}')
    assert.throws(() => decodeJWTUnverified(token), (e: unknown) => isJotError(e) && e.code === 'ERR_JWS_INVALID')
  })

  it('b64 not listed in crit is invalid (flattened)', async () => {
    await rejectsWith(verifyFlattenedJWS(hs256Flattened('{"alg":"HS256","b64":false}', 'raw payload'), hsKey), 'ERR_JWS_INVALID')
  })

  it('b64:true not listed in crit is invalid (flattened)', async () => {
    await rejectsWith(verifyFlattenedJWS(hs256Flattened('{"alg":"HS256","b64":true}', b64('x')), hsKey), 'ERR_JWS_INVALID')
  })

  it('b64 not listed in crit is invalid (compact)', async () => {
    await rejectsWith(verifyCompactJWS(hs256Segments(b64('{"alg":"HS256","b64":false}'), 'hello'), hsKey), 'ERR_JWS_INVALID')
  })

  it('b64 in the unprotected header is invalid', async () => {
    const jws = hs256Flattened('{"alg":"HS256"}', 'raw', { b64: false })
    await rejectsWith(verifyFlattenedJWS(jws, hsKey), 'ERR_JWS_INVALID')
  })

  for (const value of ['"false"', '0', 'null']) {
    it(`b64: ${value} (not a boolean) is invalid`, async () => {
      const jws = hs256Flattened(`{"alg":"HS256","b64":${value},"crit":["b64"]}`, 'raw')
      await rejectsWith(verifyFlattenedJWS(jws, hsKey), 'ERR_JWS_INVALID')
    })
  }

  it('control: a proper b64:false flattened JWS verifies', async () => {
    const jws = await signFlattenedJWS('$.02', hsKey, { b64: false })
    const { payload } = await verifyFlattenedJWS(jws, hsKey)
    assert.equal(new TextDecoder().decode(payload), '$.02')
  })
})

describe('duplicate member names', () => {
  const header = '{"alg":"HS256","typ":"JWT"}'
  const dupClaims: ReadonlyArray<readonly [string, string, string]> = [
    ['duplicate claim "sub"', `{"sub":"a","sub":"b","exp":${EXP}}`, 'sub'],
    ['duplicate claim "exp"', `{"sub":"a","exp":1,"exp":${EXP}}`, 'exp'],
    ['escaped duplicate "a" vs "\\u0061"', `{"a":1,"\\u0061":2,"exp":${EXP}}`, 'a'],
    ['escaped duplicate "sub" vs "\\u0073ub"', `{"sub":"a","\\u0073ub":"b","exp":${EXP}}`, 'sub'],
    ['duplicate inside a nested object', `{"sub":"a","ctx":{"role":"user","role":"admin"},"exp":${EXP}}`, 'role'],
    ['duplicate inside an object in an array', `{"sub":"a","list":[1,{"k":1,"k":2}],"exp":${EXP}}`, 'k'],
    ['duplicate "__proto__"', `{"__proto__":{},"__proto__":{},"exp":${EXP}}`, '__proto__'],
  ]

  for (const [name, claims, member] of dupClaims) {
    it(`${name} (HS256) is refused`, async () => {
      await rejectsWith(verifyJWT(hs256(header, claims), hsKey), 'ERR_JSON_DUPLICATE_MEMBER', (error) => {
        assert.equal((error as { member?: string }).member, member)
      })
    })
  }

  it('duplicate claim (ES256-signed by hand) is refused', async () => {
    await rejectsWith(verifyJWT(es256('{"alg":"ES256"}', `{"sub":"a","sub":"b","exp":${EXP}}`), es256Public), 'ERR_JSON_DUPLICATE_MEMBER')
  })

  it('duplicate header "alg" (same value) is refused', async () => {
    await rejectsWith(verifyJWT(hs256('{"alg":"HS256","alg":"HS256"}'), hsKey), 'ERR_JSON_DUPLICATE_MEMBER')
  })

  it('duplicate header "alg" (none, then HS256) is refused', async () => {
    await rejectsWith(verifyJWT(hs256('{"alg":"none","alg":"HS256"}'), hsKey), 'ERR_JSON_DUPLICATE_MEMBER')
  })

  it('escaped duplicate header "alg" vs "\\u0061lg" is refused', async () => {
    await rejectsWith(verifyJWT(hs256('{"alg":"HS256","\\u0061lg":"HS256"}'), hsKey), 'ERR_JSON_DUPLICATE_MEMBER')
  })

  it('duplicate header "kid" is refused by verifyCompactJWS', async () => {
    await rejectsWith(verifyCompactJWS(hs256('{"alg":"HS256","kid":"a","kid":"b"}', 'x'), hsKey), 'ERR_JSON_DUPLICATE_MEMBER')
  })

  it('duplicate header "crit" is refused', async () => {
    await rejectsWith(
      verifyJWT(hs256('{"alg":"HS256","crit":["x"],"crit":["x"],"x":1}'), hsKey, { crit: ['x'] }),
      'ERR_JSON_DUPLICATE_MEMBER',
    )
  })

  it('duplicate header in a flattened JWS protected header is refused', async () => {
    await rejectsWith(
      verifyFlattenedJWS(hs256Flattened('{"alg":"HS256","alg":"HS256"}', b64('x')), hsKey),
      'ERR_JSON_DUPLICATE_MEMBER',
    )
  })

  it('duplicate members in flattened JWS JSON text are refused', async () => {
    const jws = hs256Flattened('{"alg":"HS256"}', b64('x'))
    const text = `{"protected":"${jws.protected}","payload":"${b64('evil')}","payload":"${jws.payload}","signature":"${jws.signature}"}`
    await rejectsWith(verifyFlattenedJWS(text, hsKey), 'ERR_JSON_DUPLICATE_MEMBER')
  })

  it('duplicate members in general JWS JSON text are refused', async () => {
    const jws = hs256Flattened('{"alg":"HS256"}', b64('x'))
    const entry = `{"protected":"${jws.protected}","signature":"${jws.signature}"}`
    const text = `{"payload":"${jws.payload}","signatures":[${entry}],"signatures":[${entry}]}`
    await rejectsWith(verifyGeneralJWS(text, hsKey), 'ERR_JSON_DUPLICATE_MEMBER')
  })

  it('no false positive: same names in sibling objects, and names inside string values', async () => {
    const claims = JSON.stringify({
      sub: 'a',
      x: { k: 1 },
      y: { k: 2 },
      s: '{"sub":"b","sub":"c"}',
      t: 'sub',
      q: '\\"sub\\":',
      arr: [{ k: 1 }, { k: 1 }],
      exp: EXP,
    })
    const { payload } = await verifyJWT(hs256(header, claims), hsKey)
    assert.equal(payload.sub, 'a')
  })

  it('a "__proto__" claim does not pollute prototypes', async () => {
    const { payload } = await verifyJWT(hs256(header, `{"__proto__":{"admin":true},"exp":${EXP}}`), hsKey)
    assert.equal((payload as Record<string, unknown>).admin, undefined)
    assert.equal(({} as Record<string, unknown>).admin, undefined)
  })
})

describe('base64url and encoding strictness', () => {
  const header = b64('{"alg":"HS256"}')
  const claims = b64(CLAIMS)

  it('padding in the header segment is refused', async () => {
    const padded = `${header}${'='.repeat((4 - (header.length % 4)) % 4 || 4)}`
    await rejectsWith(verifyJWT(hs256Segments(padded, claims), hsKey), 'ERR_BASE64URL_INVALID')
  })

  it('padding in the payload segment is refused (MAC computed over it)', async () => {
    const padded = `${claims}${'='.repeat((4 - (claims.length % 4)) % 4 || 4)}`
    await rejectsWith(verifyJWT(hs256Segments(header, padded), hsKey), 'ERR_BASE64URL_INVALID')
  })

  it('padding in the signature segment is refused', async () => {
    const token = hs256Segments(header, claims)
    await rejectsWith(verifyJWT(`${token}=`, hsKey), 'ERR_BASE64URL_INVALID')
  })

  it('standard-alphabet "+" and "/" are refused', async () => {
    // A header whose base64url encoding contains "-" and "_", MACed as-is; then swapped for "+" "/".
    const text = '{"alg":"HS256","x":"\u00fb\u00ff\u00fe>?"}'
    const h = b64(text)
    assert.ok(/[-_]/.test(h), h)
    const standard = h.replaceAll('-', '+').replaceAll('_', '/')
    await rejectsWith(verifyJWT(hs256Segments(standard, claims), hsKey), 'ERR_BASE64URL_INVALID')
    const token = hs256Segments(header, claims)
    const signature = token.split('.')[2]!
    await rejectsWith(verifyJWT(`${header}.${claims}.+${signature.slice(1)}`, hsKey), 'ERR_BASE64URL_INVALID')
    await rejectsWith(verifyJWT(`${header}.${claims}./${signature.slice(1)}`, hsKey), 'ERR_BASE64URL_INVALID')
  })

  it('whitespace inside a segment is refused', async () => {
    const spaced = `${claims.slice(0, 8)} ${claims.slice(8)}`
    await rejectsWith(verifyJWT(hs256Segments(header, spaced), hsKey), 'ERR_BASE64URL_INVALID')
    const wrapped = `${claims.slice(0, 8)}\n${claims.slice(8)}`
    await rejectsWith(verifyJWT(hs256Segments(header, wrapped), hsKey), 'ERR_BASE64URL_INVALID')
  })

  it('a trailing newline after the token is refused', async () => {
    await rejectsWith(verifyJWT(`${hs256Segments(header, claims)}\n`, hsKey), 'ERR_BASE64URL_INVALID')
  })

  it('leading whitespace before the token is refused', async () => {
    await rejectsWith(verifyJWT(` ${hs256Segments(header, claims)}`, hsKey), 'ERR_BASE64URL_INVALID')
  })

  it('a non-canonical last character of the signature is refused', async () => {
    const token = hs256Segments(header, claims)
    const signature = token.split('.')[2]!
    assert.equal(signature.length % 4, 3) // 32 bytes: the last character has 2 spare bits
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
    const last = alphabet.indexOf(signature.at(-1)!)
    const tweaked = `${signature.slice(0, -1)}${alphabet[last | 1]}`
    assert.notEqual(tweaked, signature)
    await rejectsWith(verifyJWT(`${header}.${claims}.${tweaked}`, hsKey), 'ERR_BASE64URL_INVALID')
  })

  it('a non-canonical last character of the payload is refused (MAC computed over it)', async () => {
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
    // Pick claims whose encoding leaves spare bits in the last character.
    let text = CLAIMS
    while (b64(text).length % 4 === 0) text = `${text} `
    const encoded = b64(text)
    const last = alphabet.indexOf(encoded.at(-1)!)
    const tweaked = `${encoded.slice(0, -1)}${alphabet[last | 1]}`
    assert.notEqual(tweaked, encoded)
    await rejectsWith(verifyJWT(hs256Segments(header, tweaked), hsKey), 'ERR_BASE64URL_INVALID')
  })

  it('a segment of impossible length (4k + 1) is refused', async () => {
    const cut = claims.slice(0, Math.floor((claims.length - 1) / 4) * 4 + 1)
    assert.equal(cut.length % 4, 1)
    await rejectsWith(verifyJWT(hs256Segments(header, cut), hsKey), 'ERR_BASE64URL_INVALID')
  })

  it('non-ASCII characters in a segment are refused', async () => {
    await rejectsWith(verifyJWT(hs256Segments(`${header}\u00e9`, claims), hsKey), 'ERR_BASE64URL_INVALID')
  })

  const badUtf8: ReadonlyArray<readonly [string, Uint8Array]> = [
    ['a lone continuation byte', new Uint8Array([0x80])],
    ['an invalid start byte 0xff', new Uint8Array([0xff])],
    ['a truncated 2-byte sequence', new Uint8Array([0xc3, 0x28])],
    ['an overlong "/" (0xc0 0xaf)', new Uint8Array([0xc0, 0xaf])],
    ['an encoded surrogate (0xed 0xa0 0x80)', new Uint8Array([0xed, 0xa0, 0x80])],
  ]
  for (const [name, bytes] of badUtf8) {
    it(`invalid UTF-8 in the header (${name}) is refused`, async () => {
      const text = concat(enc.encode('{"alg":"HS256","x":"'), bytes, enc.encode('"}'))
      await rejectsWith(verifyJWT(hs256(text), hsKey), 'ERR_JSON_INVALID')
    })

    it(`invalid UTF-8 in the claims (${name}) is refused`, async () => {
      const text = concat(enc.encode('{"sub":"'), bytes, enc.encode(`","exp":${EXP}}`))
      await rejectsWith(verifyJWT(hs256('{"alg":"HS256"}', text), hsKey), 'ERR_JSON_INVALID')
    })
  }

  it('a UTF-8 BOM before the header JSON is refused', async () => {
    const text = concat(new Uint8Array([0xef, 0xbb, 0xbf]), enc.encode('{"alg":"HS256"}'))
    await rejectsWith(verifyJWT(hs256(text), hsKey), 'ERR_JSON_INVALID')
  })

  it('a UTF-8 BOM before the claims JSON is refused', async () => {
    const text = concat(new Uint8Array([0xef, 0xbb, 0xbf]), enc.encode(CLAIMS))
    await rejectsWith(verifyJWT(hs256('{"alg":"HS256"}', text), hsKey), 'ERR_JSON_INVALID')
  })

  for (const value of ['[]', '["alg","HS256"]', '"HS256"', 'null', '1', 'true']) {
    it(`a header that is ${value} (not an object) is refused`, async () => {
      await rejectsWith(verifyJWT(hs256Segments(b64(value), claims), hsKey), 'ERR_JSON_INVALID')
    })

    it(`claims that are ${value} (not an object) are refused`, async () => {
      await rejectsWith(verifyJWT(hs256Segments(header, b64(value)), hsKey), 'ERR_JSON_INVALID')
    })
  }

  it('empty claims (zero bytes) are refused', async () => {
    await rejectsWith(verifyJWT(hs256Segments(header, ''), hsKey), 'ERR_JSON_INVALID')
  })

  it('a header that is not JSON at all is refused', async () => {
    await rejectsWith(verifyJWT(hs256('{alg:HS256}'), hsKey), 'ERR_JSON_INVALID')
  })

  it('a header with trailing garbage after the object is refused', async () => {
    await rejectsWith(verifyJWT(hs256('{"alg":"HS256"}x'), hsKey), 'ERR_JSON_INVALID')
  })

  it('an empty protected header segment in compact form is invalid', async () => {
    await rejectsWith(verifyJWT(`.${claims}.${hs256Segments(header, claims).split('.')[2]}`, hsKey), 'ERR_JWS_INVALID')
  })
})

describe('token size', () => {
  const bigClaims = (size: number): string => JSON.stringify({ sub: 'alice', pad: 'x'.repeat(size), exp: EXP })

  it(`a token over the default ${DEFAULT_MAX_TOKEN_LENGTH} characters is refused before any crypto`, async () => {
    assert.equal(DEFAULT_MAX_TOKEN_LENGTH, 16 * 1024)
    const token = hs256('{"alg":"HS256"}', bigClaims(13_000))
    assert.ok(token.length > DEFAULT_MAX_TOKEN_LENGTH)
    await rejectsWith(verifyJWT(token, forbiddenResolver), 'ERR_TOKEN_TOO_LARGE')
  })

  it('a token just over the default limit is refused; one at the limit is not', async () => {
    const base = hs256('{"alg":"HS256"}', bigClaims(0))
    const filler = 'A'.repeat(DEFAULT_MAX_TOKEN_LENGTH - base.length + 1)
    const tooLong = `${base}${filler}`
    assert.equal(tooLong.length, DEFAULT_MAX_TOKEN_LENGTH + 1)
    await rejectsWith(verifyJWT(tooLong, forbiddenResolver), 'ERR_TOKEN_TOO_LARGE')
    // Exactly at the limit: not a size error (it fails later, on the signature).
    await rejectsWith(verifyJWT(tooLong.slice(0, -1), hsKey), 'ERR_JWS_SIGNATURE_INVALID')
  })

  it('a huge garbage string (1 MiB) is refused as too large, not parsed', async () => {
    await rejectsWith(verifyJWT('a.'.repeat(512 * 1024), forbiddenResolver), 'ERR_TOKEN_TOO_LARGE')
  })

  it('a custom maxTokenLength is enforced (verifyJWT)', async () => {
    const token = hs256('{"alg":"HS256"}')
    await verifyJWT(token, hsKey, { maxTokenLength: token.length })
    await rejectsWith(verifyJWT(token, forbiddenResolver, { maxTokenLength: token.length - 1 }), 'ERR_TOKEN_TOO_LARGE')
  })

  it('a custom maxTokenLength is enforced (verifyCompactJWS)', async () => {
    const token = await signCompactJWS('x'.repeat(100), hsKey)
    await rejectsWith(verifyCompactJWS(token, forbiddenResolver, { maxTokenLength: 64 }), 'ERR_TOKEN_TOO_LARGE')
  })

  it('a custom maxTokenLength is enforced (verifyFlattenedJWS, object and text)', async () => {
    const jws = await signFlattenedJWS('x'.repeat(100), hsKey)
    await rejectsWith(verifyFlattenedJWS(jws, forbiddenResolver, { maxTokenLength: 64 }), 'ERR_TOKEN_TOO_LARGE')
    await rejectsWith(verifyFlattenedJWS(JSON.stringify(jws), forbiddenResolver, { maxTokenLength: 64 }), 'ERR_TOKEN_TOO_LARGE')
  })

  it('a custom maxTokenLength is enforced (verifyGeneralJWS, object and text)', async () => {
    const jws = await signGeneralJWS('x'.repeat(100), [{ key: hsKey }])
    await rejectsWith(verifyGeneralJWS(jws, forbiddenResolver, { maxTokenLength: 64 }), 'ERR_TOKEN_TOO_LARGE')
    await rejectsWith(verifyGeneralJWS(JSON.stringify(jws), forbiddenResolver, { maxTokenLength: 64 }), 'ERR_TOKEN_TOO_LARGE')
  })

  it('a general JWS with many signatures over the default limit is refused before any crypto', async () => {
    const one = (await signGeneralJWS('x', [{ key: hsKey }])).signatures[0]!
    const jws: GeneralJWS = { payload: b64('x'.repeat(16_000)), signatures: [one, one, one] }
    await rejectsWith(verifyGeneralJWS(jws, forbiddenResolver), 'ERR_TOKEN_TOO_LARGE')
  })

  it('decodeJWTUnverified enforces the length limit too', () => {
    const token = hs256('{"alg":"HS256"}', bigClaims(13_000))
    assert.throws(() => decodeJWTUnverified(token), (e: unknown) => isJotError(e) && e.code === 'ERR_TOKEN_TOO_LARGE')
  })
})

describe('token shape', () => {
  it('a JWE-shaped 5-segment token is refused by verifyJWT', async () => {
    const jwe = [b64('{"alg":"RSA-OAEP","enc":"A256GCM"}'), b64('k'), b64('iv'), b64('ct'), b64('tag')].join('.')
    await rejectsWith(verifyJWT(jwe, forbiddenResolver), 'ERR_JWS_INVALID')
  })

  it('a JWE-shaped 5-segment token is refused by verifyCompactJWS', async () => {
    const jwe = [b64('{"alg":"dir","enc":"A128GCM"}'), '', b64('iv'), b64('ct'), b64('tag')].join('.')
    await rejectsWith(verifyCompactJWS(jwe, forbiddenResolver), 'ERR_JWS_INVALID')
  })

  for (const segments of [1, 2, 4, 6]) {
    it(`a token with ${segments} segment(s) is refused`, async () => {
      const token = Array.from({ length: segments }, () => b64('{"alg":"HS256"}')).join('.')
      await rejectsWith(verifyJWT(token, forbiddenResolver), 'ERR_JWS_INVALID')
    })
  }

  it('the empty string is refused', async () => {
    await rejectsWith(verifyJWT('', forbiddenResolver), 'ERR_JWS_INVALID')
  })

  it('a JWS JSON serialization is not a JWT', async () => {
    const jws = JSON.stringify(await signFlattenedJWS(CLAIMS, hsKey))
    await rejectsWith(verifyJWT(jws, forbiddenResolver), 'ERR_JWS_INVALID')
  })

  it('a flattened JWS passed to verifyGeneralJWS and vice versa is invalid', async () => {
    const flattened = await signFlattenedJWS('x', hsKey)
    await rejectsWith(verifyGeneralJWS(flattened as unknown as GeneralJWS, hsKey), 'ERR_JWS_INVALID')
    const general = await signGeneralJWS('x', [{ key: hsKey }])
    await rejectsWith(verifyFlattenedJWS(general as unknown as FlattenedJWS, hsKey), 'ERR_JWS_INVALID')
  })

  it('a header parameter both protected and unprotected is invalid', async () => {
    const jws = hs256Flattened('{"alg":"HS256","kid":"a"}', b64('x'), { kid: 'b' })
    await rejectsWith(verifyFlattenedJWS(jws, hsKey), 'ERR_JWS_INVALID')
  })

  it('an unprotected alg cannot override the protected one', async () => {
    const jws = hs256Flattened('{"alg":"HS256"}', b64('x'), { alg: 'none' })
    await rejectsWith(verifyFlattenedJWS(jws, hsKey), 'ERR_JWS_INVALID')
  })
})

describe('key handling on the verify path', () => {
  it('a verification key that is not a JotKey is refused', async () => {
    const token = hs256('{"alg":"HS256"}')
    await rejectsWith(verifyJWT(token, SECRET as unknown as JotKey), 'ERR_INVALID_ARGUMENT')
    await rejectsWith(verifyJWT(token, rsaPublicPem as unknown as JotKey), 'ERR_INVALID_ARGUMENT')
  })

  it('a resolver returning something other than a JotKey is refused', async () => {
    const token = hs256('{"alg":"HS256"}')
    await rejectsWith(verifyJWT(token, (() => SECRET) as unknown as KeyResolver), 'ERR_INVALID_ARGUMENT')
  })
})

describe('JWE JSON serializations at JWS entry points', () => {
  it('verifyFlattenedJWS and verifyGeneralJWS name a JWE as such (RFC 8725 §3.3)', async () => {
    const key = await generateSecret('A128KW')
    const jwe = await encryptFlattenedJWE('secret', key, { enc: 'A128GCM' })
    const signingKey = await generateSecret('HS256')
    for (const verify of [verifyFlattenedJWS, verifyGeneralJWS]) {
      await assert.rejects(verify(jwe as never, signingKey), (e: { code?: string; message?: string }) => e.code === 'ERR_JWS_INVALID' && /JWE/.test(e.message ?? ''))
    }
  })
})
