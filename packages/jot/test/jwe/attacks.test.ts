// Negative tests for every JWE entry point, each with its exact error code: tampering, wrong keys,
// key unwrap oracles (RFC 7516 §11.5), PBES2 work limits, decompression bombs, invalid-curve ECDH
// public keys, misplaced `zip`, and the lengths of IVs, tags and CEKs.
import assert from 'node:assert/strict'
import { constants, createCipheriv, generateKeyPairSync, publicEncrypt, createPublicKey, randomBytes } from 'node:crypto'
import { spawnSync } from 'node:child_process'
import { describe, it } from 'node:test'
import { constants as zlib, deflateRawSync } from 'node:zlib'
import {
  base64url,
  cryptoBackend,
  decryptCompactJWE,
  decryptFlattenedJWE,
  decryptGeneralJWE,
  encryptCompactJWE,
  encryptFlattenedJWE,
  encryptGeneralJWE,
  exportPEM,
  generateKeyPair,
  generateSecret,
  importKey,
  importSecret,
  MAX_DECOMPRESSED_LENGTH_LIMIT,
  signFlattenedJWS,
  toPublicKey,
  type ContentEncryptionName,
} from 'jotjwt'
import { importRsa1_5WhereSafe, probePkcs1ImplicitRejection } from '../pkcs1-probe.js'

const b64 = (text: string) => base64url.encode(text)
const header = (token: string) => JSON.parse(new TextDecoder().decode(base64url.decode(token.split('.')[0]!)))
const withHeader = (token: string, value: object) => [b64(JSON.stringify(value)), ...token.split('.').slice(1)].join('.')
/** Flips one bit in a base64url segment's first byte, keeping it canonical. */
function flip(segment: string): string {
  const bytes = base64url.decode(segment)
  bytes[0]! ^= 1
  return base64url.encode(bytes)
}
function tamper(token: string, index: number): string {
  const parts = token.split('.')
  parts[index] = flip(parts[index]!)
  return parts.join('.')
}

/** 1 GiB of zeros as raw DEFLATE: one flushed 1 MiB block repeated, then an empty final block. */
function gibibyteOfZeros(): Uint8Array {
  const block = deflateRawSync(Buffer.alloc(2 ** 20), { finishFlush: zlib.Z_FULL_FLUSH })
  return Buffer.concat([...Array<Buffer>(1024).fill(block), deflateRawSync(Buffer.alloc(0))])
}

/**
 * A `zip: "DEF"` JWE (dir, A128GCM) whose plaintext is the given bytes as they are, assembled with
 * node:crypto so that the DEFLATE stream can be one jot would never produce.
 */
async function zipJWE(deflated: Uint8Array): Promise<{ token: string; key: Awaited<ReturnType<typeof importSecret>> }> {
  const cek = randomBytes(16)
  const key = await importSecret(cek, { alg: 'dir', enc: 'A128GCM' })
  const protectedB64 = b64(JSON.stringify({ alg: 'dir', enc: 'A128GCM', zip: 'DEF' }))
  const iv = randomBytes(12)
  const cipher = createCipheriv('aes-128-gcm', cek, iv).setAAD(Buffer.from(protectedB64))
  const ciphertext = Buffer.concat([cipher.update(deflated), cipher.final()])
  return { token: [protectedB64, '', iv.toString('base64url'), ciphertext.toString('base64url'), cipher.getAuthTag().toString('base64url')].join('.'), key }
}

const ENCS: ContentEncryptionName[] = ['A128GCM', 'A256GCM', 'A128CBC-HS256', 'A256CBC-HS512']

describe('tampering is one indistinguishable decryption failure', () => {
  for (const enc of ENCS) {
    it(`${enc}: tag, IV, ciphertext, encrypted key, protected header and AAD`, async () => {
      const key = await generateSecret('A128KW')
      const token = await encryptCompactJWE('attack at dawn', key, { enc })
      for (const index of [1, 2, 3, 4]) {
        await assert.rejects(decryptCompactJWE(tamper(token, index), key), { code: 'ERR_JWE_DECRYPTION_FAILED', message: 'decryption failed' })
      }
      await assert.rejects(decryptCompactJWE(withHeader(token, { ...header(token), x: 1 }), key), { code: 'ERR_JWE_DECRYPTION_FAILED' })
      const flattened = await encryptFlattenedJWE('attack at dawn', key, { enc, aad: 'context' })
      await assert.rejects(decryptFlattenedJWE({ ...flattened, aad: b64('contexT') }, key), { code: 'ERR_JWE_DECRYPTION_FAILED' })
      const { aad: _aad, ...withoutAad } = flattened
      await assert.rejects(decryptFlattenedJWE(withoutAad, key), { code: 'ERR_JWE_DECRYPTION_FAILED' })
    })
  }

  it('a wrong key fails exactly like tampering (same code, same message)', async () => {
    for (const alg of ['A256KW', 'A192GCMKW'] as const) {
      const token = await encryptCompactJWE('x', await generateSecret(alg))
      await assert.rejects(decryptCompactJWE(token, await generateSecret(alg)), { code: 'ERR_JWE_DECRYPTION_FAILED', message: 'decryption failed' })
    }
    const alice = await generateKeyPair('RSA-OAEP-256')
    const mallory = await generateKeyPair('RSA-OAEP-256')
    const token = await encryptCompactJWE('x', alice.publicKey)
    await assert.rejects(decryptCompactJWE(token, mallory.privateKey), { code: 'ERR_JWE_DECRYPTION_FAILED', message: 'decryption failed' })
    const dir = await generateSecret('dir', { enc: 'A256GCM' })
    const dirToken = await encryptCompactJWE('x', dir)
    await assert.rejects(decryptCompactJWE(dirToken, await generateSecret('dir', { enc: 'A256GCM' })), { code: 'ERR_JWE_DECRYPTION_FAILED' })
  })

  it('a truncated encrypted key, or a CEK of the wrong length inside a valid RSA-OAEP block, is the same failure (random CEK, RFC 7516 §11.5)', async () => {
    const kek = await generateSecret('A128KW')
    const token = await encryptCompactJWE('x', kek, { enc: 'A128GCM' })
    const parts = token.split('.')
    parts[1] = base64url.encode(base64url.decode(parts[1]!).subarray(0, 16))
    await assert.rejects(decryptCompactJWE(parts.join('.'), kek), { code: 'ERR_JWE_DECRYPTION_FAILED' })

    const { privateKey, publicKey } = await generateKeyPair('RSA-OAEP')
    const rsa = createPublicKey(await exportPEM(publicKey))
    const valid = (await encryptCompactJWE('x', publicKey, { enc: 'A256GCM' })).split('.')
    const shortCek = publicEncrypt({ key: rsa, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha1' }, Buffer.alloc(16, 1))
    valid[1] = shortCek.toString('base64url')
    await assert.rejects(decryptCompactJWE(valid.join('.'), privateKey), { code: 'ERR_JWE_DECRYPTION_FAILED' })
  })
})

describe('lengths and shapes are checked before any decryption', () => {
  it('a GCM tag must be exactly 128 bits and the IV exactly the enc size', async () => {
    const key = await generateSecret('A128KW')
    const parts = (await encryptCompactJWE('x', key, { enc: 'A128GCM' })).split('.')
    const short = [...parts]
    short[4] = base64url.encode(base64url.decode(parts[4]!).subarray(0, 12))
    await assert.rejects(decryptCompactJWE(short.join('.'), key), { code: 'ERR_JWE_INVALID', message: /tag/ })
    const iv = [...parts]
    iv[2] = base64url.encode(new Uint8Array(16))
    await assert.rejects(decryptCompactJWE(iv.join('.'), key), { code: 'ERR_JWE_INVALID', message: /IV/ })
  })

  it('alg or enc that do not fit the key, or are not allowed, are refused', async () => {
    const key = await generateSecret('A128KW')
    const token = await encryptCompactJWE('x', key)
    await assert.rejects(decryptCompactJWE(withHeader(token, { ...header(token), alg: 'A256KW' }), key), { code: 'ERR_ALG_NOT_ALLOWED' })
    await assert.rejects(decryptCompactJWE(token, key, { contentEncryptionAlgorithms: ['A128GCM'] }), { code: 'ERR_ALG_NOT_ALLOWED' })
    await assert.rejects(decryptCompactJWE(token, key, { keyManagementAlgorithms: ['A256KW'] }), { code: 'ERR_ALG_NOT_ALLOWED' })
    const dir = await generateSecret('dir', { enc: 'A128GCM' })
    const dirToken = await encryptCompactJWE('x', dir)
    await assert.rejects(decryptCompactJWE(withHeader(dirToken, { ...header(dirToken), enc: 'A256GCM' }), dir), { code: 'ERR_ALG_NOT_ALLOWED' })
    await assert.rejects(encryptCompactJWE('x', dir, { enc: 'A256GCM' }), { code: 'ERR_INVALID_ARGUMENT' })
  })

  it('unknown crit extensions are refused', async () => {
    const key = await generateSecret('A128KW')
    const token = await encryptCompactJWE('x', key, { protectedHeader: { crit: ['exp'], exp: 1 } })
    await assert.rejects(decryptCompactJWE(token, key), { code: 'ERR_JWE_CRIT_UNSUPPORTED' })
    assert.equal(new TextDecoder().decode((await decryptCompactJWE(token, key, { crit: ['exp'] })).plaintext), 'x')
  })

  it('dir and direct ECDH-ES cannot be one of several recipients', async () => {
    const a = await generateSecret('A128KW')
    const dir = await generateSecret('dir', { enc: 'A256GCM' })
    await assert.rejects(encryptGeneralJWE('x', [{ key: a }, { key: dir }]), { code: 'ERR_INVALID_ARGUMENT' })
    const ecdh = await generateKeyPair('ECDH-ES')
    const single = await encryptGeneralJWE('x', [{ key: ecdh.publicKey }])
    const two = await encryptGeneralJWE('x', [{ key: a }, { key: await generateSecret('A128KW') }])
    const spliced = { ...single, recipients: [...two.recipients, { header: { alg: 'ECDH-ES', epk: header(`${single.protected}.`).epk } }] }
    await assert.rejects(decryptGeneralJWE(spliced, ecdh.privateKey), { code: 'ERR_JWE_INVALID' })
  })
})

describe('PBES2 work is bounded (CVE-2022-36083)', () => {
  it('PBES2 is refused unless allowed; p2c above the cap fails fast, before any PBKDF2', async () => {
    const password = await importSecret('correct horse battery staple', { alg: 'PBES2-HS256+A128KW' })
    const token = await encryptCompactJWE('x', password, { p2c: 2048 })
    await assert.rejects(decryptCompactJWE(token, password), { code: 'ERR_ALG_NOT_ALLOWED' })
    const allowed = { keyManagementAlgorithms: ['PBES2-HS256+A128KW' as const] }
    assert.equal(new TextDecoder().decode((await decryptCompactJWE(token, password, allowed)).plaintext), 'x')

    const hostile = withHeader(token, { ...header(token), p2c: 2_000_000_000 })
    const started = performance.now()
    await assert.rejects(decryptCompactJWE(hostile, password, allowed), { code: 'ERR_JWE_PBES2_COUNT_EXCEEDED' })
    assert.ok(performance.now() - started < 200, 'refused before any PBKDF2 work')
    await assert.rejects(decryptCompactJWE(withHeader(token, { ...header(token), p2c: 10_001 }), password, allowed), {
      code: 'ERR_JWE_PBES2_COUNT_EXCEEDED',
    })
    await assert.rejects(decryptCompactJWE(token, password, { ...allowed, maxPBES2Count: 1000 }), { code: 'ERR_JWE_PBES2_COUNT_EXCEEDED' })
  })

  it('p2s must be at least 8 bytes, and the password non-empty', async () => {
    const password = await importSecret('pw', { alg: 'PBES2-HS512+A256KW' })
    const token = await encryptCompactJWE('x', password, { p2c: 1000 })
    const allowed = { keyManagementAlgorithms: ['PBES2-HS512+A256KW' as const] }
    await assert.rejects(decryptCompactJWE(withHeader(token, { ...header(token), p2s: b64('1234567') }), password, allowed), {
      code: 'ERR_JWE_INVALID',
    })
    await assert.rejects(importSecret('', { alg: 'PBES2-HS512+A256KW' }), { code: 'ERR_KEY_TOO_WEAK' })
  })
})

describe('general JWE: key management work is bounded per token, not per recipient', () => {
  const alg = 'PBES2-HS512+A256KW' as const
  const allowed = { keyManagementAlgorithms: [alg] }

  it('maxPBES2Count bounds the p2c of all recipients together', async () => {
    const password = await importSecret('pw', { alg })
    const other = await importSecret('other', { alg })
    // 16 recipients at the cap, none for this password: without a shared budget, 16 full PBKDF2 runs.
    const jwe = await encryptGeneralJWE('x', Array.from({ length: 16 }, () => ({ key: other })), { p2c: 10_000 })
    await assert.rejects(decryptGeneralJWE(jwe, password, allowed), { code: 'ERR_JWE_PBES2_COUNT_EXCEEDED', message: /all recipients/ })
    // Within the budget, a later recipient still decrypts.
    const mixed = await encryptGeneralJWE('x', [{ key: other }, { key: password }], { p2c: 1000 })
    const { recipientIndex } = await decryptGeneralJWE(mixed, password, allowed)
    assert.equal(recipientIndex, 1)
    await assert.rejects(decryptGeneralJWE(mixed, password, { ...allowed, maxPBES2Count: 1500 }), { code: 'ERR_JWE_PBES2_COUNT_EXCEEDED' })
  })

  it('recipients addressed to another kid are skipped before any work', async () => {
    const password = await importSecret('pw', { alg, kid: 'me' })
    const other = await importSecret('other', { alg, kid: 'them' })
    const decoys = Array.from({ length: 15 }, () => ({ key: other }))
    const jwe = await encryptGeneralJWE('x', [...decoys, { key: password }], { p2c: 10_000 })
    const { recipientIndex } = await decryptGeneralJWE(jwe, password, allowed)
    assert.equal(recipientIndex, 15, 'the decoys did not use up the PBES2 budget')
    await assert.rejects(decryptGeneralJWE({ ...jwe, recipients: jwe.recipients.slice(0, 15) }, password, allowed), {
      code: 'ERR_JWE_DECRYPTION_FAILED',
    })
  })

  it('at most four RSA or ECDH unwraps per token', async () => {
    const mine = await generateKeyPair('RSA-OAEP-256')
    const others = await Promise.all(Array.from({ length: 5 }, () => generateKeyPair('RSA-OAEP-256')))
    const decoys = others.map(({ publicKey }) => ({ key: publicKey }))
    const late = await encryptGeneralJWE('x', [...decoys, { key: mine.publicKey }])
    await assert.rejects(decryptGeneralJWE(late, mine.privateKey), { code: 'ERR_JWE_INVALID', message: /distinct "kid"s/ })
    const early = await encryptGeneralJWE('x', [...decoys.slice(0, 3), { key: mine.publicKey }, ...decoys.slice(3)])
    assert.equal((await decryptGeneralJWE(early, mine.privateKey)).recipientIndex, 3)
  })
})

describe('compression (zip: "DEF")', () => {
  it('a decompression bomb stops at the cap: bounded time and memory', async () => {
    // 1 GiB of zeros in about 1 MB: fully inflating it takes seconds and a gigabyte of memory.
    const bomb = await zipJWE(gibibyteOfZeros())
    const maxRSS = () => process.resourceUsage().maxRSS * 1024
    const peakBefore = maxRSS()
    const started = performance.now()
    await assert.rejects(decryptCompactJWE(bomb.token, bomb.key, { maxTokenLength: 2_000_000 }), { code: 'ERR_JWE_DECOMPRESSION_LIMIT' })
    const elapsed = performance.now() - started
    assert.ok(elapsed < 1000, `aborted at the cap, not after inflating 1 GiB (${Math.round(elapsed)} ms)`)
    const growth = maxRSS() - peakBefore
    assert.ok(growth < 256 * 2 ** 20, `peak memory grew by ${Math.round(growth / 2 ** 20)} MiB, not by the inflated size`)
    await assert.rejects(decryptCompactJWE(bomb.token, bomb.key, { maxTokenLength: 2_000_000, maxDecompressedLength: 0 }), {
      code: 'ERR_JWE_DECOMPRESSION_LIMIT',
    })
    const key = await generateSecret('A256KW')
    const small = await encryptCompactJWE('compress me '.repeat(100), key, { protectedHeader: { zip: 'DEF' } })
    assert.equal(new TextDecoder().decode((await decryptCompactJWE(small, key)).plaintext), 'compress me '.repeat(100))
  })

  it('a DEFLATE stream must end exactly at the end of the plaintext, on both backends', async () => {
    const hello = deflateRawSync('hello')
    const valid = await zipJWE(hello)
    assert.equal(new TextDecoder().decode((await decryptCompactJWE(valid.token, valid.key)).plaintext), 'hello')
    for (const deflated of [Buffer.concat([hello, Buffer.from('JUNK')]), Buffer.concat([hello, Buffer.alloc(1)]), hello.subarray(0, -1)]) {
      const { token, key } = await zipJWE(deflated)
      await assert.rejects(decryptCompactJWE(token, key), { code: 'ERR_JWE_INVALID', message: /DEFLATE/ })
    }
  })

  it('maxDecompressedLength is bounded, so both backends accept and refuse the same values', async () => {
    const key = await generateSecret('A256KW')
    const token = await encryptCompactJWE('hello '.repeat(10), key, { protectedHeader: { zip: 'DEF' } })
    const { plaintext } = await decryptCompactJWE(token, key, { maxDecompressedLength: MAX_DECOMPRESSED_LENGTH_LIMIT })
    assert.equal(plaintext.length, 60)
    for (const maxDecompressedLength of [MAX_DECOMPRESSED_LENGTH_LIMIT + 1, 2 ** 32, 2 ** 33, Number.MAX_SAFE_INTEGER]) {
      await assert.rejects(decryptCompactJWE(token, key, { maxDecompressedLength }), { code: 'ERR_INVALID_ARGUMENT', message: /maxDecompressedLength/ })
    }
  })

  it('unsafeFixedInputs.deflated is encrypted only if it inflates to exactly the plaintext, in every serialization', async () => {
    const key = await generateSecret('A128KW')
    const text = 'compress me '.repeat(20)
    const fixed = (deflated: unknown) => ({
      protectedHeader: { zip: 'DEF' },
      unsafeAllowFixedInputsForTesting: true,
      unsafeFixedInputs: { deflated: deflated as Uint8Array },
    })
    const refused = { code: 'ERR_INVALID_ARGUMENT', message: /unsafeFixedInputs\.deflated/ }
    // A stored block (what no zlib level-6 encoder produces for this text) is a valid alternative.
    const stored = deflateRawSync(text, { level: 0 })
    const token = await encryptCompactJWE(text, key, fixed(stored))
    assert.equal(new TextDecoder().decode((await decryptCompactJWE(token, key)).plaintext), text)
    for (const deflated of [deflateRawSync(text.toUpperCase()), deflateRawSync(text.slice(1)), deflateRawSync(`${text}.`)]) {
      await assert.rejects(encryptCompactJWE(text, key, fixed(deflated)), refused)
      await assert.rejects(encryptFlattenedJWE(text, key, fixed(deflated)), refused)
      await assert.rejects(encryptGeneralJWE(text, [{ key }, { key: await generateSecret('A256KW') }], fixed(deflated)), refused)
    }
    await assert.rejects(encryptCompactJWE(text, key, fixed(Array.from(stored))), refused)
    await assert.rejects(encryptCompactJWE(text, key, fixed(new Uint8Array(0))), refused)
    await assert.rejects(encryptCompactJWE('', key, fixed(deflateRawSync('x'))), refused)
    assert.equal(new TextDecoder().decode((await decryptCompactJWE(await encryptCompactJWE('', key, fixed(deflateRawSync(''))), key)).plaintext), '')
    await assert.rejects(encryptCompactJWE(text, key, { ...fixed(stored), unsafeAllowFixedInputsForTesting: false }), {
      code: 'ERR_INVALID_ARGUMENT',
      message: /unsafeAllowFixedInputsForTesting/,
    })
  })

  it('"zip" outside the protected header is refused, on both sides', async () => {
    const key = await generateSecret('A128KW')
    const jwe = await encryptFlattenedJWE('x', key)
    await assert.rejects(decryptFlattenedJWE({ ...jwe, unprotected: { zip: 'DEF' } }, key), { code: 'ERR_JWE_INVALID', message: /zip/ })
    await assert.rejects(decryptFlattenedJWE({ ...jwe, header: { zip: 'DEF' } }, key), { code: 'ERR_JWE_INVALID', message: /zip/ })
    await assert.rejects(encryptFlattenedJWE('x', key, { sharedUnprotectedHeader: { zip: 'DEF' } }), { code: 'ERR_JWE_INVALID' })
  })
})

describe('ECDH-ES ephemeral keys are validated (invalid-curve attack)', () => {
  it('an epk that is not on the curve, on another curve, or private is refused before key agreement', async () => {
    const { privateKey, publicKey } = await generateKeyPair('ECDH-ES+A128KW', { curve: 'P-256' })
    const token = await encryptCompactJWE('x', publicKey)
    const { epk } = header(token)
    const offCurve = { ...epk, y: base64url.encode(new Uint8Array(32).fill(1)) }
    await assert.rejects(decryptCompactJWE(withHeader(token, { ...header(token), epk: offCurve }), privateKey), {
      code: 'ERR_JWE_INVALID',
      message: /not a point on P-256/,
    })
    const other = (await generateKeyPair('ECDH-ES+A128KW', { curve: 'P-384' })).publicKey
    const p384 = header(await encryptCompactJWE('x', other)).epk
    await assert.rejects(decryptCompactJWE(withHeader(token, { ...header(token), epk: p384 }), privateKey), { code: 'ERR_JWE_INVALID' })
    await assert.rejects(decryptCompactJWE(withHeader(token, { ...header(token), epk: { ...epk, d: epk.x } }), privateKey), {
      code: 'ERR_JWE_INVALID',
    })
    const { epk: _epk, ...noEpk } = header(token)
    await assert.rejects(decryptCompactJWE(withHeader(token, noEpk), privateKey), { code: 'ERR_JWE_INVALID' })
  })

  for (const [curve, size] of [['P-384', 48], ['P-521', 66]] as const) {
    it(`${curve}: an epk off the curve is refused`, async () => {
      const { privateKey, publicKey } = await generateKeyPair('ECDH-ES', { curve })
      const token = await encryptCompactJWE('x', publicKey)
      const offCurve = { ...header(token).epk, y: base64url.encode(new Uint8Array(size).fill(1)) }
      await assert.rejects(decryptCompactJWE(withHeader(token, { ...header(token), epk: offCurve }), privateKey), {
        code: 'ERR_JWE_INVALID',
        message: new RegExp(`not a point on ${curve}`),
      })
    })
  }

  it('an all-zero (low-order) X448 point is refused', async (t) => {
    let pair
    try {
      pair = await generateKeyPair('ECDH-ES', { curve: 'X448' })
    } catch {
      return t.skip('X448 is not available in this runtime')
    }
    const token = await encryptCompactJWE('x', pair.publicKey)
    const zero = { kty: 'OKP', crv: 'X448', x: base64url.encode(new Uint8Array(56)) }
    await assert.rejects(decryptCompactJWE(withHeader(token, { ...header(token), epk: zero }), pair.privateKey), { code: 'ERR_JWE_INVALID' })
  })

  it('an all-zero (low-order) X25519 point is refused', async () => {
    const { privateKey, publicKey } = await generateKeyPair('ECDH-ES', { curve: 'X25519' })
    const token = await encryptCompactJWE('x', publicKey)
    const zero = { kty: 'OKP', crv: 'X25519', x: base64url.encode(new Uint8Array(32)) }
    await assert.rejects(decryptCompactJWE(withHeader(token, { ...header(token), epk: zero }), privateKey), { code: 'ERR_JWE_INVALID' })
  })
})

describe('RSA1_5 only where padding errors are unobservable (CVE-2023-46809)', () => {
  // In a child process started with --security-revert=CVE-2023-46809, Node lets PKCS#1 v1.5
  // decryption through even where OpenSSL lacks implicit rejection: there bad padding throws and good
  // padding returns, a Bleichenbacher oracle. jot must then refuse RSA1_5 keys.
  const child = `
    import { constants, generateKeyPairSync, privateDecrypt, publicEncrypt } from 'node:crypto'
    import { importKey } from 'jotjwt'
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
    const em = Buffer.alloc(256, 0xff); em[0] = 0; em[1] = 1
    const badPadding = publicEncrypt({ key: publicKey, padding: constants.RSA_NO_PADDING }, em)
    let implicitRejection = true
    try { privateDecrypt({ key: privateKey, padding: constants.RSA_PKCS1_PADDING }, badPadding) } catch { implicitRejection = false }
    const pem = privateKey.export({ type: 'pkcs8', format: 'pem' })
    let outcome
    try { await importKey(pem, { alg: 'RSA1_5', unsafeAllowRSA1_5: true }); outcome = 'imported' } catch (e) { outcome = e.code + ' ' + e.message }
    console.log(JSON.stringify({ implicitRejection, outcome }))
  `

  it('an RSA1_5 key is refused when a malformed ciphertext throws instead of returning bytes', { skip: cryptoBackend === 'node' ? false : 'the WebCrypto backend has no RSA1_5 at all; this probes node:crypto only' }, async (t) => {
    const run = spawnSync(process.execPath, ['--security-revert=CVE-2023-46809', '--input-type=module', '-e', child], { encoding: 'utf8' })
    // Node versions whose OpenSSL has implicit rejection have nothing to revert: older ones answer
    // "bad option", Node 22+ "Attempt to revert an unknown CVE [CVE-2023-46809]".
    if (run.status !== 0 && !run.stdout && /bad option|security-revert|unknown CVE/.test(run.stderr)) {
      const probe = probePkcs1ImplicitRejection()
      t.diagnostic(`branch: this Node refuses the revert (${run.stderr.trim().split('\n')[0]}); checked in-process instead: ${probe.detail}`)
      assert.ok(probe.implicitRejection, `a Node that cannot re-open the oracle must have implicit rejection: ${probe.detail}`)
      const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
      const pem = privateKey.export({ type: 'pkcs8', format: 'pem' })
      const key = await importRsa1_5WhereSafe(t, 'in-process', cryptoBackend, (unsafeAllowRSA1_5) => importKey(pem, { alg: 'RSA1_5', unsafeAllowRSA1_5 }))
      assert.ok(key, 'with implicit rejection the RSA1_5 key must import')
      assert.equal(key.alg, 'RSA1_5')
      assert.equal(key.type, 'private')
      return
    }
    assert.equal(run.status, 0, run.stderr)
    const { implicitRejection, outcome } = JSON.parse(run.stdout.trim().split('\n').at(-1)!) as { implicitRejection: boolean; outcome: string }
    t.diagnostic(`branch: child started with --security-revert=CVE-2023-46809; implicit rejection ${implicitRejection ? 'present' : 'absent'}, jot: ${outcome}`)
    if (implicitRejection) assert.equal(outcome, 'imported')
    else assert.match(outcome, /^ERR_NOT_SUPPORTED .*implicit rejection/)
  })
})

describe('JWS given to the JWE JSON entry points', () => {
  it('a flattened JWS is "a JWS, not a JWE"', async () => {
    const jws = await signFlattenedJWS('x', await generateSecret('HS256'))
    const key = await generateSecret('A128KW')
    await assert.rejects(decryptFlattenedJWE(jws as never, key), { code: 'ERR_JWE_INVALID', message: /this is a JWS/ })
    await assert.rejects(decryptGeneralJWE(JSON.stringify({ payload: 'e30', signatures: [] }), key), { code: 'ERR_JWE_INVALID', message: /this is a JWS/ })
  })

  it('a public key cannot decrypt', async () => {
    const { privateKey } = await generateKeyPair('RSA-OAEP-512')
    const publicKey = await toPublicKey(privateKey)
    await assert.rejects(decryptCompactJWE(await encryptCompactJWE('x', publicKey), publicKey), { code: 'ERR_KEY_USAGE_INVALID' })
  })

  it('key-wrap outputs are the RFC 3394 ones (cross-check of A128KW against node:crypto)', async () => {
    const kek = new Uint8Array(16).fill(9)
    const cek = new Uint8Array(32).fill(3)
    const token = await encryptCompactJWE('x', await importSecret(kek, { alg: 'A128KW' }), { enc: 'A128CBC-HS256', unsafeAllowFixedInputsForTesting: true, unsafeFixedInputs: { cek } })
    const wrap = createCipheriv('id-aes128-wrap', kek, Buffer.alloc(8, 0xa6))
    assert.equal(token.split('.')[1], Buffer.concat([wrap.update(cek), wrap.final()]).toString('base64url'))
  })
})
