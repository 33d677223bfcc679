// RFC 7520 §5 (JOSE cookbook, encryption): every example whose algorithms jot implements is
// decrypted in every serialization the RFC gives, and re-encrypted from the RFC's inputs (CEK, IV,
// ephemeral key, salt, key-wrap IV, 5.9's DEFLATE output). Deterministic parts must come out byte
// for byte. RSA1_5 (5.1, 5.13's first recipient) is decrypt-only, and only where node:crypto has
// implicit rejection: those tests take the branch the runtime dictates and name it in the log.
import assert from 'node:assert/strict'
import { describe, test, type TestContext } from 'node:test'
import {
  base64url,
  cryptoBackend,
  decryptCompactJWE,
  decryptFlattenedJWE,
  decryptGeneralJWE,
  encryptCompactJWE,
  encryptFlattenedJWE,
  encryptGeneralJWE,
  importJWK,
  importSecret,
  toPublicKey,
  type ContentEncryptionName,
  type DecryptJWEOptions,
  type FlattenedJWE,
  type GeneralJWE,
  type JotKey,
  type JWEHeaderParameters,
  type JWK,
  type KeyManagementAlgorithmName,
  type UnsafeFixedInputs,
} from 'jotjwt'
import { withoutPrivateMembers } from '../jwk-members.js'
import { importRsa1_5WhereSafe } from '../pkcs1-probe.js'
import { loadVectors, utf8 } from './vectors.js'

interface Fixed { epk?: JWK; p2s?: string; p2c?: number; keyWrapIv?: string }
interface Example {
  id: string
  title: string
  alg?: KeyManagementAlgorithmName
  enc: ContentEncryptionName
  key?: JWK & { password?: string }
  cek: string
  iv: string
  plaintext?: string
  aad?: string
  protectedHeader: string
  sharedUnprotectedHeader?: JWEHeaderParameters
  fixed?: Fixed
  compact?: string
  flattened?: FlattenedJWE
  general?: GeneralJWE
  compressedPlaintext?: string
  nondeterministic?: string
  recipients?: Array<{ alg: KeyManagementAlgorithmName; key: JWK; header: JWEHeaderParameters; fixed?: Fixed }>
}

const vectors = loadVectors<{ plaintext: string; examples: Example[] }>('rfc7520-jwe.json')
const decode = base64url.decode

async function keyFor(alg: KeyManagementAlgorithmName, jwk: Example['key'], enc: ContentEncryptionName): Promise<JotKey> {
  if (jwk?.password !== undefined) return importSecret(jwk.password, { alg })
  return importJWK(jwk!, { alg, ...(alg === 'dir' ? { enc } : {}) })
}

function fixedInputs(example: Example, fixed: Fixed | undefined, withCek: boolean): UnsafeFixedInputs {
  return {
    iv: decode(example.iv),
    ...(withCek ? { cek: decode(example.cek) } : {}),
    ...(fixed?.epk ? { epk: fixed.epk } : {}),
    ...(fixed?.p2s ? { p2s: decode(fixed.p2s) } : {}),
    ...(fixed?.keyWrapIv ? { keyWrapIv: decode(fixed.keyWrapIv) } : {}),
    // 5.9: DEFLATE output is encoder-specific (RFC 7516 §4.1.3 fixes the format, not the bytes); jot
    // encrypts the RFC's compressed bytes only after checking that they inflate to the plaintext.
    ...(example.compressedPlaintext ? { deflated: decode(example.compressedPlaintext) } : {}),
  }
}

/** The RFC's RSA1_5 key, imported as the runtime allows (test/pkcs1-probe.ts); `undefined` where refused. */
function rsa1_5Key(t: TestContext, jwk: JWK, what: string): Promise<JotKey | undefined> {
  return importRsa1_5WhereSafe(t, what, cryptoBackend, (unsafeAllowRSA1_5) => importJWK(jwk, { alg: 'RSA1_5', unsafeAllowRSA1_5 }))
}

/** The RFC's flattened and general forms of a compact example carry the same five values. */
function jsonForms(compact: string): { flattened: FlattenedJWE; general: GeneralJWE } {
  const [protectedB64, encryptedKey, iv, ciphertext, tag] = compact.split('.') as [string, string, string, string, string]
  const key = encryptedKey === '' ? {} : { encrypted_key: encryptedKey }
  return {
    flattened: { protected: protectedB64, ...key, iv, ciphertext, tag },
    general: { protected: protectedB64, recipients: [key], iv, ciphertext, tag },
  }
}

const plaintextOf = (example: Example) => example.plaintext ?? vectors.plaintext
const direct = (alg: string | undefined) => alg === 'dir' || alg === 'ECDH-ES'

describe('RFC 7520 §5: compact examples (5.2–5.9)', () => {
  for (const example of vectors.examples.filter((e) => e.compact !== undefined && e.alg !== 'RSA1_5')) {
    const alg = example.alg!
    const options: DecryptJWEOptions = alg.startsWith('PBES2') ? { keyManagementAlgorithms: [alg] } : {}

    test(`${example.id} ${example.title} (${alg}, ${example.enc}): decrypts in all three serializations`, async () => {
      const key = await keyFor(alg, example.key, example.enc)
      const { flattened, general } = jsonForms(example.compact!)
      for (const result of [
        await decryptCompactJWE(example.compact!, key, options),
        await decryptFlattenedJWE(flattened, key, options),
        await decryptGeneralJWE(general, key, options),
      ]) {
        assert.equal(utf8(result.plaintext), plaintextOf(example))
        assert.deepEqual(result.protectedHeader, JSON.parse(example.protectedHeader))
      }
    })

    const exact = !example.nondeterministic
    test(`${example.id}: re-encrypting the RFC inputs ${exact ? 'reproduces the RFC bytes' : 'reproduces every deterministic part'}`, async () => {
      const key = await keyFor(alg, example.key, example.enc)
      const encryptionKey = key.type === 'private' ? await toPublicKey(key) : key
      const jwe = await encryptCompactJWE(plaintextOf(example), encryptionKey, {
        enc: example.enc,
        protectedHeader: example.protectedHeader,
        unsafeAllowFixedInputsForTesting: true,
        unsafeFixedInputs: fixedInputs(example, example.fixed, !direct(alg)),
        ...(example.fixed?.p2c ? { p2c: example.fixed.p2c } : {}),
      })
      const ours = jwe.split('.')
      const rfc = example.compact!.split('.')
      if (exact) {
        assert.equal(jwe, example.compact)
      } else {
        // RSA-OAEP padding is randomized: everything but the encrypted key must match.
        assert.deepEqual([ours[0], ours[2], ours[3], ours[4]], [rfc[0], rfc[2], rfc[3], rfc[4]])
      }
      assert.equal(utf8((await decryptCompactJWE(jwe, key, options)).plaintext), plaintextOf(example))
    })
  }

  test('5.9: without the deflated input jot compresses with its own encoder: header, encrypted key and IV still match, and it round-trips', async () => {
    const example = vectors.examples.find((e) => e.id === '5.9')!
    const key = await keyFor('A128KW', example.key, example.enc)
    const { plaintext } = await decryptCompactJWE(example.compact!, key)
    assert.equal(utf8(plaintext), vectors.plaintext)
    assert.ok(decode(example.compressedPlaintext!).length < plaintext.length)
    const { deflated: _deflated, ...withoutDeflated } = fixedInputs(example, example.fixed, true)
    const ours = await encryptCompactJWE(vectors.plaintext, key, {
      enc: example.enc,
      protectedHeader: example.protectedHeader,
      unsafeAllowFixedInputsForTesting: true,
      unsafeFixedInputs: withoutDeflated,
    })
    const [header, encryptedKey, iv] = example.compact!.split('.')
    assert.deepEqual(ours.split('.').slice(0, 3), [header, encryptedKey, iv])
    assert.equal(utf8((await decryptCompactJWE(ours, key)).plaintext), vectors.plaintext)
  })

  test('5.9: deflated bytes that do not inflate to exactly the plaintext are refused', async () => {
    const example = vectors.examples.find((e) => e.id === '5.9')!
    const key = await keyFor('A128KW', example.key, example.enc)
    const rfc = decode(example.compressedPlaintext!)
    const encrypt = (plaintext: string, deflated: Uint8Array) =>
      encryptCompactJWE(plaintext, key, {
        enc: example.enc,
        protectedHeader: example.protectedHeader,
        unsafeAllowFixedInputsForTesting: true,
        unsafeFixedInputs: { ...fixedInputs(example, example.fixed, true), deflated },
      })
    const refused = { code: 'ERR_INVALID_ARGUMENT', message: /unsafeFixedInputs\.deflated/ }
    // Another plaintext, a prefix of it, and a longer one: the RFC bytes fit only the RFC plaintext.
    await assert.rejects(encrypt('You can trust us', rfc), refused)
    await assert.rejects(encrypt(vectors.plaintext.slice(0, -1), rfc), refused)
    await assert.rejects(encrypt(`${vectors.plaintext}!`, rfc), refused)
    // Truncated, trailing data, and not DEFLATE at all.
    await assert.rejects(encrypt(vectors.plaintext, rfc.subarray(0, -1)), refused)
    await assert.rejects(encrypt(vectors.plaintext, new Uint8Array([...rfc, 0])), refused)
    await assert.rejects(encrypt(vectors.plaintext, new Uint8Array([0xff, 0xff, 0xff])), refused)
    // Without zip: "DEF" there is nothing to take them for.
    await assert.rejects(
      encryptCompactJWE(vectors.plaintext, key, {
        enc: example.enc,
        unsafeAllowFixedInputsForTesting: true,
        unsafeFixedInputs: { deflated: rfc },
      }),
      { code: 'ERR_INVALID_ARGUMENT', message: /zip/ },
    )
    assert.equal(await encrypt(vectors.plaintext, rfc), example.compact)
  })
})

describe('RFC 7520 §5.1 (RSA1_5 + A128CBC-HS256): decrypt-only, where RSA1_5 decryption is safe', () => {
  const example = vectors.examples.find((e) => e.id === '5.1')!

  test('5.1: the RFC\'s flattened and general forms carry exactly the compact form\'s five values', () => {
    assert.deepEqual(jsonForms(example.compact!), { flattened: example.flattened, general: example.general })
    assert.equal(utf8(decode(example.compact!.split('.')[0]!)), example.protectedHeader)
  })

  test(`5.1 ${example.title}: decrypts in all three serializations exactly where the runtime has implicit rejection`, async (t) => {
    const key = await rsa1_5Key(t, example.key!, '5.1')
    if (!key) return
    const forms = [
      (options?: DecryptJWEOptions) => decryptCompactJWE(example.compact!, key, options),
      (options?: DecryptJWEOptions) => decryptFlattenedJWE(example.flattened!, key, options),
      (options?: DecryptJWEOptions) => decryptGeneralJWE(example.general!, key, options),
    ]
    for (const decrypt of forms) {
      // The key alone is not enough: RSA1_5 must also be in the allowlist.
      await assert.rejects(decrypt(), { code: 'ERR_ALG_NOT_ALLOWED' })
      const result = await decrypt({ keyManagementAlgorithms: ['RSA1_5'] })
      assert.equal(utf8(result.plaintext), vectors.plaintext)
      assert.deepEqual(result.protectedHeader, JSON.parse(example.protectedHeader))
    }
  })

  test('5.1: not re-encrypted: jot never encrypts with RSA1_5 (RFC 8725 §3.2), and its padding is random anyway', async (t) => {
    const publicJwk = withoutPrivateMembers(example.key!)
    await assert.rejects(importJWK(publicJwk, { alg: 'RSA1_5', unsafeAllowRSA1_5: true }), { code: 'ERR_KEY_USAGE_INVALID', message: /never encrypts/ })
    const key = await rsa1_5Key(t, example.key!, '5.1 re-encryption')
    if (!key) return
    for (const encryptionKey of [key, await toPublicKey(key)]) {
      await assert.rejects(
        encryptCompactJWE(vectors.plaintext, encryptionKey, {
          enc: example.enc,
          protectedHeader: example.protectedHeader,
          unsafeAllowFixedInputsForTesting: true,
          unsafeFixedInputs: fixedInputs(example, undefined, true),
        }),
        { code: 'ERR_KEY_USAGE_INVALID', message: /never encrypts with RSA1_5/ },
      )
    }
  })
})

describe('RFC 7520 §5: JSON-only examples (5.10–5.13)', () => {
  for (const id of ['5.10', '5.11', '5.12']) {
    const example = vectors.examples.find((e) => e.id === id)!
    const { general } = example
    const flattened: FlattenedJWE = {
      ...(general!.protected === undefined ? {} : { protected: general!.protected }),
      ...(general!.unprotected === undefined ? {} : { unprotected: general!.unprotected }),
      encrypted_key: general!.recipients[0]!.encrypted_key!,
      ...(general!.aad === undefined ? {} : { aad: general!.aad }),
      iv: general!.iv,
      ciphertext: general!.ciphertext,
      tag: general!.tag,
    }

    test(`${id} ${example.title}: decrypts in the general and flattened forms`, async () => {
      const key = await keyFor(example.alg!, example.key, example.enc)
      for (const result of [await decryptGeneralJWE(general!, key), await decryptFlattenedJWE(flattened, key)]) {
        assert.equal(utf8(result.plaintext), vectors.plaintext)
        if (example.aad !== undefined) assert.equal(utf8(result.additionalAuthenticatedData!), example.aad)
        if (example.sharedUnprotectedHeader) assert.deepEqual(result.sharedUnprotectedHeader, example.sharedUnprotectedHeader)
      }
    })

    test(`${id}: re-encrypting the RFC inputs reproduces the RFC JSON exactly`, async () => {
      const key = await keyFor(example.alg!, example.key, example.enc)
      const options = {
        enc: example.enc,
        protectedHeader: example.protectedHeader,
        unsafeAllowFixedInputsForTesting: true,
        unsafeFixedInputs: fixedInputs(example, undefined, true),
        ...(example.aad === undefined ? {} : { aad: example.aad }),
        ...(example.sharedUnprotectedHeader ? { sharedUnprotectedHeader: example.sharedUnprotectedHeader } : {}),
      }
      assert.deepEqual(await encryptGeneralJWE(vectors.plaintext, [{ key }], options), general)
      assert.deepEqual(await encryptFlattenedJWE(vectors.plaintext, key, options), flattened)
    })
  }

  const multi = vectors.examples.find((e) => e.id === '5.13')!
  const [rsa1_5Recipient, ...recipients] = multi.recipients!

  test('5.13 Encrypting to Multiple Recipients: the ECDH-ES+A256KW and A256GCMKW recipients decrypt', async () => {
    for (const [offset, recipient] of recipients.entries()) {
      const key = await keyFor(recipient.alg, recipient.key, multi.enc)
      const { plaintext, recipientIndex, sharedUnprotectedHeader, unprotectedHeader } = await decryptGeneralJWE(multi.general!, key)
      assert.equal(utf8(plaintext), vectors.plaintext)
      assert.equal(recipientIndex, offset + 1)
      assert.deepEqual(sharedUnprotectedHeader, { cty: 'text/plain' })
      assert.deepEqual(unprotectedHeader, multi.general!.recipients[offset + 1]!.header)
    }
  })

  test('5.13: the RSA1_5 recipient decrypts exactly where the runtime has implicit rejection, and only when RSA1_5 is allowed', async (t) => {
    assert.equal(rsa1_5Recipient!.alg, 'RSA1_5')
    assert.deepEqual(rsa1_5Recipient!.header, multi.general!.recipients[0]!.header)
    const key = await rsa1_5Key(t, rsa1_5Recipient!.key, '5.13 RSA1_5 recipient')
    if (!key) return
    await assert.rejects(decryptGeneralJWE(multi.general!, key), { code: 'ERR_ALG_NOT_ALLOWED' })
    const { plaintext, recipientIndex, unprotectedHeader } = await decryptGeneralJWE(multi.general!, key, { keyManagementAlgorithms: ['RSA1_5'] })
    assert.equal(utf8(plaintext), vectors.plaintext)
    assert.equal(recipientIndex, 0)
    assert.deepEqual(unprotectedHeader, rsa1_5Recipient!.header)
  })

  test('5.13: re-encrypting for the ECDH-ES+A256KW and A256GCMKW recipients reproduces their entries, the ciphertext and the tag exactly (jot never encrypts with RSA1_5)', async () => {
    const inputs = []
    for (const recipient of recipients) {
      const key = await keyFor(recipient.alg, recipient.key, multi.enc)
      inputs.push({ key: key.type === 'private' ? await toPublicKey(key) : key, unprotectedHeader: recipient.header })
    }
    // One ephemeral key for the ECDH-ES recipient, one key-wrap IV for the AES-GCM-KW recipient.
    const fixed = { ...recipients[0]!.fixed, ...recipients[1]!.fixed }
    const jwe = await encryptGeneralJWE(vectors.plaintext, inputs, {
      enc: multi.enc,
      protectedHeader: multi.protectedHeader,
      sharedUnprotectedHeader: multi.sharedUnprotectedHeader!,
      unsafeAllowFixedInputsForTesting: true,
      unsafeFixedInputs: fixedInputs(multi, fixed, true),
    })
    assert.deepEqual({ ...jwe, recipients: jwe.recipients }, { ...multi.general!, recipients: multi.general!.recipients.slice(1) })
  })
})
