/**
 * Encryption at rest for what the store must not see in the clear (the signing keys' private
 * halves): AES-256-GCM under the configured 32-byte key-encryption key.
 *
 * Sealed text is `v1.<key id>.<base64url(nonce ‖ ciphertext ‖ tag)>`. The version names the scheme;
 * the key id (derived from the key, revealing nothing about it) tells a wrong key from tampering and
 * lets a later key rotation pick the key that opens old data. Both, and the caller's purpose
 * string, are authenticated as additional data, so a sealed value cannot be replayed under another
 * purpose or relabelled. Nonces are 96 random bits (NIST SP 800-38D §8.2.2): safe for far more
 * messages than a key list is ever saved.
 * @module
 */
import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto'

const VERSION = 'v1'
const NONCE_BYTES = 12
const TAG_BYTES = 16

/** Why sealed text did not open: another key, not sealed text at all, or altered (or another purpose). */
export type DecryptionFailure = 'wrong-key' | 'malformed' | 'altered'

/** Sealed text could not be opened; `reason` says why. Messages name key ids, never keys. */
export class DecryptionFailed extends Error {
  override readonly name = 'DecryptionFailed'
  readonly code = 'ERR_DECRYPTION_FAILED'
  constructor(
    readonly reason: DecryptionFailure,
    message: string,
  ) {
    super(message)
  }
}

/**
 * A short public identifier of `key` (HMAC-SHA-256 of a fixed label, truncated): for logs and to
 * tell which key sealed a value.
 *
 * @example
 * ```ts
 * log.info({ keyId: encryptionKeyId(key) }, 'signing keys encrypted at rest')
 * ```
 */
export function encryptionKeyId(key: Uint8Array): string {
  checkKey(key)
  return createHmac('sha256', key).update('jotjwt encryption key id').digest().subarray(0, 6).toString('base64url')
}

/**
 * Encrypts `plaintext` under `key` for `purpose` (additional authenticated data).
 *
 * @example
 * ```ts
 * const sealed = seal(JSON.stringify(keys), key, 'jotjwt/signing-keys/v1')
 * ```
 */
export function seal(plaintext: string, key: Uint8Array, purpose: string): string {
  const header = `${VERSION}.${encryptionKeyId(key)}.`
  const nonce = randomBytes(NONCE_BYTES)
  const cipher = createCipheriv('aes-256-gcm', key, nonce)
  cipher.setAAD(Buffer.from(header + purpose, 'utf8'))
  const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()])
  return header + Buffer.concat([nonce, ciphertext, cipher.getAuthTag()]).toString('base64url')
}

/**
 * Decrypts what {@link seal} produced with the same key and purpose.
 *
 * @example
 * ```ts
 * const keys = JSON.parse(open(sealed, key, 'jotjwt/signing-keys/v1'))
 * ```
 * @throws {@link DecryptionFailed} for another key, malformed input, or altered data or purpose.
 */
export function open(sealed: string, key: Uint8Array, purpose: string): string {
  const keyId = encryptionKeyId(key)
  const match = /^v1\.([A-Za-z0-9_-]{8})\.([A-Za-z0-9_-]+)$/.exec(sealed)
  if (!match) throw new DecryptionFailed('malformed', 'the data is not sealed in a known format')
  const [, sealedKeyId, body] = match as unknown as [string, string, string]
  if (sealedKeyId !== keyId) throw new DecryptionFailed('wrong-key', `the data was sealed under key id ${sealedKeyId}, not under this key (id ${keyId})`)
  const bytes = Buffer.from(body, 'base64url')
  if (bytes.length < NONCE_BYTES + TAG_BYTES) throw new DecryptionFailed('malformed', 'the sealed data is truncated')
  const decipher = createDecipheriv('aes-256-gcm', key, bytes.subarray(0, NONCE_BYTES), { authTagLength: TAG_BYTES })
  decipher.setAAD(Buffer.from(`${VERSION}.${sealedKeyId}.${purpose}`, 'utf8'))
  decipher.setAuthTag(bytes.subarray(bytes.length - TAG_BYTES))
  try {
    return Buffer.concat([decipher.update(bytes.subarray(NONCE_BYTES, bytes.length - TAG_BYTES)), decipher.final()]).toString('utf8')
  } catch {
    throw new DecryptionFailed('altered', 'the sealed data failed authentication: altered, or sealed for another purpose')
  }
}

function checkKey(key: Uint8Array): void {
  if (key.length !== 32) throw new RangeError('an encryption key is 32 bytes')
}
