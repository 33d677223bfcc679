// AES_CBC_HMAC_SHA2 (RFC 7518 §5.2.2.2): the HMAC tag is checked before any CBC decryption, so a
// forged ciphertext never reaches the padding check (no padding oracle), and every failure, tag or
// padding, is the same ERR_JWE_DECRYPTION_FAILED with the same message.
//
// What these tests prove, on the backend under test (node:crypto or WebCrypto):
// - a forged tag fails without the AES-CBC decryption primitive being called at all (a spy on
//   `createDecipheriv` / `crypto.subtle.decrypt` counts AES-CBC calls), whether the ciphertext would
//   decrypt to valid or to invalid padding: the ordering is observed directly, not through timing;
// - a ciphertext with invalid padding but a *valid* tag (built here with the known CEK, which an
//   attacker cannot do) reaches CBC decryption and fails with exactly the same error as a bad tag.
// What they do not prove: that the tag comparison itself is constant-time, or that no timing
// difference exists anywhere else (e.g. in HMAC over inputs of different lengths).
import assert from 'node:assert/strict'
import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto'
import nodeCrypto from 'node:crypto'
import { syncBuiltinESMExports } from 'node:module'
import { describe, it, mock } from 'node:test'
import { base64url, cryptoBackend, decryptCompactJWE, encryptCompactJWE, importSecret } from 'jotjwt'

const CEK = randomBytes(32) // A128CBC-HS256: MAC_KEY ‖ ENC_KEY, 16 bytes each
const MAC_KEY = CEK.subarray(0, 16)
const ENC_KEY = CEK.subarray(16)
const PROTECTED = base64url.encode(JSON.stringify({ alg: 'dir', enc: 'A128CBC-HS256' }))

/** RFC 7518 §5.2.2.1 tag over AAD = ASCII(protected), computed independently of jot. */
function tagFor(iv: Uint8Array, ciphertext: Uint8Array): Buffer {
  const al = Buffer.alloc(8)
  al.writeBigUInt64BE(BigInt(PROTECTED.length) * 8n)
  return createHmac('sha256', MAC_KEY).update(Buffer.from(PROTECTED)).update(iv).update(ciphertext).update(al).digest().subarray(0, 16)
}

/** AES-128-CBC without padding: the caller chooses the padding bytes, valid or not. */
function rawCbc(iv: Uint8Array, blocks: Uint8Array): Buffer {
  const cipher = createCipheriv('aes-128-cbc', ENC_KEY, iv).setAutoPadding(false)
  return Buffer.concat([cipher.update(blocks), cipher.final()])
}

function paddingIsValid(iv: Uint8Array, ciphertext: Uint8Array): boolean {
  try {
    const decipher = createDecipheriv('aes-128-cbc', ENC_KEY, iv)
    Buffer.concat([decipher.update(ciphertext), decipher.final()])
    return true
  } catch {
    return false
  }
}

const compact = (iv: Uint8Array, ciphertext: Uint8Array, tag: Uint8Array) =>
  [PROTECTED, '', base64url.encode(iv), base64url.encode(ciphertext), base64url.encode(tag)].join('.')

/** Runs `fn` while counting the AES-CBC decryptions the backend under test performs. */
async function countingCbcDecryptions(fn: () => Promise<void>): Promise<number> {
  if (cryptoBackend === 'node') {
    const spy = mock.method(nodeCrypto, 'createDecipheriv')
    syncBuiltinESMExports() // the built package's `import { createDecipheriv }` now sees the spy
    try {
      await fn()
      return spy.mock.calls.filter((call) => /-cbc$/.test(String(call.arguments[0]))).length
    } finally {
      spy.mock.restore()
      syncBuiltinESMExports()
    }
  }
  const spy = mock.method(globalThis.crypto.subtle, 'decrypt')
  try {
    await fn()
    return spy.mock.calls.filter((call) => (call.arguments[0] as { name?: string }).name === 'AES-CBC').length
  } finally {
    spy.mock.restore()
  }
}

interface Failure { name: string; code: string; message: string }
async function failure(token: string, key: Awaited<ReturnType<typeof importSecret>>): Promise<Failure> {
  try {
    await decryptCompactJWE(token, key)
  } catch (error) {
    const { name, code, message } = error as Failure
    return { name, code, message }
  }
  assert.fail('decryption succeeded')
}

const DECRYPTION_FAILED: Failure = { name: 'JWEDecryptionFailed', code: 'ERR_JWE_DECRYPTION_FAILED', message: 'decryption failed' }

describe('A128CBC-HS256: the tag is checked before CBC decryption and padding', () => {
  it('the spy sees the CBC decryption of a valid token (so a count of 0 below means something)', async () => {
    const key = await importSecret(CEK, { alg: 'dir', enc: 'A128CBC-HS256' })
    const token = await encryptCompactJWE('hello', key)
    let plaintext = ''
    const calls = await countingCbcDecryptions(async () => {
      plaintext = new TextDecoder().decode((await decryptCompactJWE(token, key)).plaintext)
    })
    assert.equal(plaintext, 'hello')
    assert.equal(calls, 1)
  })

  it('a jot token whose ciphertext is tampered into invalid padding fails like a tampered tag, without CBC decryption', async () => {
    const key = await importSecret(CEK, { alg: 'dir', enc: 'A128CBC-HS256' })
    // 31 bytes: two blocks, the last plaintext byte is the single padding byte 0x01.
    const token = await encryptCompactJWE('x'.repeat(31), key)
    const parts = token.split('.')
    const iv = base64url.decode(parts[2]!)
    const ciphertext = base64url.decode(parts[3]!)
    assert.equal(ciphertext.length, 32)
    // Flipping bit 0 of the first block's last byte turns the padding byte 0x01 into 0x00 (invalid).
    const forged = Uint8Array.from(ciphertext)
    forged[15]! ^= 1
    assert.equal(paddingIsValid(iv, ciphertext), true)
    assert.equal(paddingIsValid(iv, forged), false, 'the forged ciphertext really has invalid padding')

    const tamperedCiphertext = [parts[0], parts[1], parts[2], base64url.encode(forged), parts[4]].join('.')
    const tag = base64url.decode(parts[4]!)
    tag[0]! ^= 1
    const tamperedTag = [parts[0], parts[1], parts[2], parts[3], base64url.encode(tag)].join('.')

    let errors: Failure[] = []
    const calls = await countingCbcDecryptions(async () => {
      errors = [await failure(tamperedCiphertext, key), await failure(tamperedTag, key)]
    })
    assert.deepEqual(errors, [DECRYPTION_FAILED, DECRYPTION_FAILED])
    assert.equal(calls, 0, 'a tag mismatch must stop before any AES-CBC decryption')
  })

  it('valid vs invalid padding: identical errors under a wrong tag (no CBC call); bad padding under a valid tag is the same error', async () => {
    const key = await importSecret(CEK, { alg: 'dir', enc: 'A128CBC-HS256' })
    const iv = randomBytes(16)
    const goodPadding = rawCbc(iv, Buffer.concat([Buffer.from('abc'), Buffer.alloc(13, 13)]))
    const badPadding = rawCbc(iv, Buffer.concat([Buffer.from('abc'), Buffer.alloc(12, 13), Buffer.from([0])]))
    assert.equal(paddingIsValid(iv, goodPadding), true)
    assert.equal(paddingIsValid(iv, badPadding), false)

    // Control: the independently computed tag is right, so a good-padding token decrypts.
    assert.equal(new TextDecoder().decode((await decryptCompactJWE(compact(iv, goodPadding, tagFor(iv, goodPadding)), key)).plaintext), 'abc')

    const wrongTag = (ciphertext: Buffer) => {
      const tag = tagFor(iv, ciphertext)
      tag[15]! ^= 0x80
      return compact(iv, ciphertext, tag)
    }
    let forged: Failure[] = []
    const forgedCalls = await countingCbcDecryptions(async () => {
      forged = [await failure(wrongTag(goodPadding), key), await failure(wrongTag(badPadding), key)]
    })
    assert.deepEqual(forged, [DECRYPTION_FAILED, DECRYPTION_FAILED])
    assert.equal(forgedCalls, 0, 'neither forged tag may reach AES-CBC decryption, whatever the padding')

    // Only the key holder can make this token: valid tag, invalid padding. It does reach CBC, and
    // the padding failure is reported exactly like a tag failure.
    let padding: Failure | undefined
    const paddingCalls = await countingCbcDecryptions(async () => {
      padding = await failure(compact(iv, badPadding, tagFor(iv, badPadding)), key)
    })
    assert.equal(paddingCalls, 1)
    assert.deepEqual(padding, DECRYPTION_FAILED)
  })
})
