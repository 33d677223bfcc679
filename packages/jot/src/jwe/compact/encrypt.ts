import { InvalidArgument } from '../../errors.js'
import { payloadBytes } from '../../jws/sign.js'
import type { JotKey } from '../../key/key.js'
import { readOptions } from '../../lib/arguments.js'
import { encryptParts } from '../encrypt.js'
import type { EncryptJWEOptions } from '../types.js'

/**
 * Encrypts a plaintext into a JWE Compact Serialization (RFC 7516 §7.1): one recipient, every header
 * parameter protected.
 *
 * @example
 * ```ts
 * const jwe = await encryptCompactJWE('hello', recipientPublicKey, { enc: 'A256GCM' })
 * ```
 */
export async function encryptCompactJWE(
  plaintext: Uint8Array | string,
  key: JotKey,
  options?: EncryptJWEOptions,
): Promise<string> {
  options = readOptions(options)
  if (options.protectedHeader === '') throw new InvalidArgument('a compact JWE must have a protected header')
  const parts = await encryptParts(payloadBytes(plaintext, 'plaintext'), [{ key }], options)
  const [recipient] = parts.recipients
  return `${parts.protected}.${recipient!.encryptedKey}.${parts.iv}.${parts.ciphertext}.${parts.tag}`
}
