/** Sealing at rest (`src/crypto/encryption.ts`): AES-256-GCM with a versioned, key-identified format. */
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { describe, it } from 'node:test'
import { DecryptionFailed, encryptionKeyId, open, seal } from '../src/crypto/encryption.js'

const key = randomBytes(32)
const purpose = 'jotjwt/signing-keys/v1'

const failure = (reason: DecryptionFailed['reason']) => (error: unknown) => error instanceof DecryptionFailed && error.reason === reason

describe('seal and open', () => {
  it('round-trips text, including empty and non-ASCII, under a fresh nonce each time', () => {
    for (const text of ['', '{"keys":[]}', 'ü客户😀'.repeat(100)]) assert.equal(open(seal(text, key, purpose), key, purpose), text)
    const [a, b] = [seal('same', key, purpose), seal('same', key, purpose)]
    assert.notEqual(a, b)
    assert.match(a, new RegExp(`^v1\\.${encryptionKeyId(key)}\\.[A-Za-z0-9_-]+$`))
    assert.ok(!a.includes(Buffer.from('same').toString('base64url')))
  })

  it('tells another key from tampering, naming key ids only', () => {
    const other = randomBytes(32)
    const sealed = seal('secret', key, purpose)
    assert.throws(() => open(sealed, other, purpose), failure('wrong-key'))
    assert.throws(() => open(sealed, other, purpose), (error: Error) => !error.message.includes(key.toString('base64url')) && error.message.includes(encryptionKeyId(other)))
  })

  it('refuses altered data, another purpose and a relabelled key id', () => {
    const sealed = seal('secret', key, purpose)
    const body = sealed.slice(12)
    for (let i = 0; i < body.length - 1; i += 7) {
      const altered = sealed.slice(0, 12 + i) + (body[i] === 'A' ? 'B' : 'A') + sealed.slice(13 + i)
      assert.throws(() => open(altered, key, purpose), failure('altered'), `byte ${i}`)
    }
    assert.throws(() => open(sealed, key, 'jotjwt/something-else/v1'), failure('altered'))
  })

  it('refuses what is not sealed text', () => {
    for (const text of ['', 'plain', '{"keys":[]}', `v2.${encryptionKeyId(key)}.AAAA`, `v1.${encryptionKeyId(key)}.`, `v1.${encryptionKeyId(key)}.AAAA`]) {
      assert.throws(() => open(text, key, purpose), failure('malformed'), text)
    }
  })

  it('wants a 32-byte key', () => {
    for (const size of [0, 16, 31, 33, 64]) {
      assert.throws(() => seal('x', randomBytes(size), purpose), RangeError)
      assert.throws(() => encryptionKeyId(randomBytes(size)), RangeError)
    }
  })
})
