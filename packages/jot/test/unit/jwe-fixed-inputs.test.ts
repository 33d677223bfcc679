/**
 * `unsafeFixedInputs` (test vectors only) is validated before any key management runs: a member name
 * jot does not know (a typo would otherwise be silently ignored, and the "fixed" value random) and
 * `deflated` without a `zip: "DEF"` protected header are refused up front, ahead of whatever the
 * key management would have refused. Runtime-independent code, run once (test/unit).
 */
import assert from 'node:assert/strict'
import { deflateRawSync } from 'node:zlib'
import { describe, it } from 'node:test'
import { encryptCompactJWE } from '../../src/jwe/compact/encrypt.js'
import { decryptCompactJWE } from '../../src/jwe/compact/decrypt.js'
import { encryptGeneralJWE } from '../../src/jwe/general/encrypt.js'
import type { UnsafeFixedInputs } from '../../src/jwe/types.js'
import { exportJWK } from '../../src/key/export.js'
import { generateKeyPair, generateSecret } from '../../src/key/generate.js'

const text = 'compress me '.repeat(20)
const fixedOptions = (unsafeFixedInputs: unknown, protectedHeader?: Record<string, unknown> | string) => ({
  ...(protectedHeader === undefined ? {} : { protectedHeader }),
  unsafeAllowFixedInputsForTesting: true,
  unsafeFixedInputs: unsafeFixedInputs as UnsafeFixedInputs,
})
const refused = (message: RegExp) => (error: unknown) => {
  assert.equal((error as { code?: unknown }).code, 'ERR_INVALID_ARGUMENT', String(error))
  assert.match((error as Error).message, message)
  return true
}

describe('unsafeFixedInputs is checked before key management', () => {
  it('an unknown member name (a typo) is ERR_INVALID_ARGUMENT, not ignored', async () => {
    const key = await generateSecret('A128KW')
    const deflated = deflateRawSync(text)
    // "deflate" for "deflated", "IV" for "iv", "keyWrapIV" for "keyWrapIv".
    for (const typo of [{ deflate: deflated }, { IV: new Uint8Array(12) }, { keyWrapIV: new Uint8Array(12) }, { cek: new Uint8Array(16), ivv: 1 }]) {
      const name = Object.keys(typo).find((member) => member !== 'cek')!
      await assert.rejects(
        encryptCompactJWE(text, key, fixedOptions(typo, { zip: 'DEF' })),
        refused(new RegExp(`unsafeFixedInputs has no member "${name}"`)),
        name,
      )
    }
    // Inherited names are not members either.
    await assert.rejects(encryptCompactJWE(text, key, fixedOptions(JSON.parse('{"__proto__": {}}'))), refused(/no member "__proto__"/))
    // Every real member is accepted (here: the ones A128KW with zip uses).
    const ok = await encryptCompactJWE(text, key, fixedOptions({ cek: new Uint8Array(32), iv: new Uint8Array(12), deflated }, { zip: 'DEF' }))
    assert.equal(new TextDecoder().decode((await decryptCompactJWE(ok, key)).plaintext), text)
  })

  it('deflated without zip: "DEF" in the protected header is refused before the key management runs', async () => {
    const { publicKey } = await generateKeyPair('ECDH-ES+A128KW', { curve: 'P-256' })
    const { publicKey: ephemeralPublic } = await generateKeyPair('ECDH-ES+A128KW', { curve: 'P-256' })
    // A public epk: the key management would refuse it ("must be a private P-256 JWK") as its first step.
    const epk = await exportJWK(ephemeralPublic)
    await assert.rejects(
      encryptCompactJWE(text, publicKey, fixedOptions({ epk }, { zip: 'DEF' })),
      refused(/unsafeFixedInputs\.epk/),
      'the key management does refuse this epk',
    )
    const deflated = deflateRawSync(text)
    for (const protectedHeader of [undefined, {}, { zip: 'XYZ' }, JSON.stringify({ alg: 'ECDH-ES+A128KW', enc: 'A256GCM' })]) {
      await assert.rejects(
        encryptCompactJWE(text, publicKey, fixedOptions({ epk, deflated }, protectedHeader)),
        refused(/unsafeFixedInputs\.deflated needs "zip": "DEF" in the protected header/),
        JSON.stringify(protectedHeader),
      )
    }
    // Not bytes at all: refused up front too, even without zip.
    await assert.rejects(encryptCompactJWE(text, publicKey, fixedOptions({ epk, deflated: [1, 2, 3] })), refused(/deflated must be a Uint8Array/))
    // zip in an unprotected header does not count.
    await assert.rejects(
      encryptGeneralJWE(text, [{ key: await generateSecret('A128KW') }], { ...fixedOptions({ deflated }), sharedUnprotectedHeader: { zip: 'DEF' } }),
      refused(/unsafeFixedInputs\.deflated needs "zip"/),
    )
  })

  it('cek and iv of the wrong length are refused before the key management runs', async () => {
    const { publicKey } = await generateKeyPair('ECDH-ES+A128KW', { curve: 'P-256' })
    const epk = await exportJWK((await generateKeyPair('ECDH-ES+A128KW', { curve: 'P-256' })).publicKey)
    await assert.rejects(encryptCompactJWE(text, publicKey, fixedOptions({ epk, iv: new Uint8Array(11) })), refused(/unsafeFixedInputs\.iv must be 12 bytes/))
    await assert.rejects(encryptCompactJWE(text, publicKey, fixedOptions({ epk, cek: new Uint8Array(31) })), refused(/unsafeFixedInputs\.cek must be 32 bytes/))
  })
})
