// RFC 7520 §5 (JOSE cookbook, encryption): every example whose algorithms jot implements is
// decrypted in every serialization the RFC gives, and re-encrypted from the RFC's inputs (CEK, IV,
// ephemeral key, salt, key-wrap IV). Deterministic parts must come out byte for byte.
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import {
  base64url,
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
} from 'jot'
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
  general?: GeneralJWE
  compressedPlaintext?: string
  nondeterministic?: string
  recipients?: Array<{ alg: KeyManagementAlgorithmName; key: JWK; header: JWEHeaderParameters; fixed: Fixed } | null>
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
  }
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
  for (const example of vectors.examples.filter((e) => e.compact !== undefined)) {
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

    const exact = !example.nondeterministic && !example.compressedPlaintext
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
      } else if (example.nondeterministic) {
        // RSA-OAEP padding is randomized: everything but the encrypted key must match.
        assert.deepEqual([ours[0], ours[2], ours[3], ours[4]], [rfc[0], rfc[2], rfc[3], rfc[4]])
      } else {
        // 5.9: DEFLATE output is encoder-specific (RFC 7516 §4.1.3 fixes the format, not the bytes),
        // so the ciphertext differs; header, encrypted key and IV are exact, and it round-trips.
        assert.deepEqual([ours[0], ours[1], ours[2]], [rfc[0], rfc[1], rfc[2]])
      }
      assert.equal(utf8((await decryptCompactJWE(jwe, key, options)).plaintext), plaintextOf(example))
    })
  }

  test('5.9: the RFC ciphertext holds the RFC\'s compressed bytes, which inflate to the plaintext', async () => {
    const example = vectors.examples.find((e) => e.id === '5.9')!
    const key = await keyFor('A128KW', example.key, example.enc)
    const { plaintext } = await decryptCompactJWE(example.compact!, key)
    assert.equal(utf8(plaintext), vectors.plaintext)
    assert.ok(decode(example.compressedPlaintext!).length < plaintext.length)
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
  const recipients = multi.recipients!.slice(1) as NonNullable<Example['recipients']>[number][]

  test('5.13 Encrypting to Multiple Recipients: each supported recipient (ECDH-ES+A256KW, A256GCMKW) decrypts; RSA1_5 is refused by default', async () => {
    for (const [offset, recipient] of recipients.entries()) {
      const key = await keyFor(recipient!.alg, recipient!.key, multi.enc)
      const { plaintext, recipientIndex, sharedUnprotectedHeader } = await decryptGeneralJWE(multi.general!, key)
      assert.equal(utf8(plaintext), vectors.plaintext)
      assert.equal(recipientIndex, offset + 1)
      assert.deepEqual(sharedUnprotectedHeader, { cty: 'text/plain' })
    }
  })

  test('5.13: re-encrypting for those two recipients reproduces their entries, the ciphertext and the tag exactly', async () => {
    const inputs = []
    for (const recipient of recipients) {
      const key = await keyFor(recipient!.alg, recipient!.key, multi.enc)
      inputs.push({ key: key.type === 'private' ? await toPublicKey(key) : key, unprotectedHeader: recipient!.header })
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
