import { JWEDecryptionFailed, JWEInvalid } from '../../errors.js'
import type { JotKey } from '../../key/key.js'
import { isPlainObject } from '../../lib/bytes.js'
import { checkLength, decryptRecipient, parseJWESerialization, serializedLength } from '../decrypt.js'
import { MAX_RECIPIENTS, prepareJWEOptions } from '../header.js'
import type { DecryptedJWE, DecryptJWEOptions, GeneralJWE, JWEKeyResolver } from '../types.js'

/**
 * Decrypts a general JWE JSON Serialization: returns the first recipient that decrypts with the key
 * (or the key the resolver picks for it), with its index. Fails only when none decrypts: with
 * `ERR_JWE_DECRYPTION_FAILED` if some recipient was tried and failed, otherwise with the error of the
 * first recipient (e.g. an algorithm the key is not bound to).
 *
 * @example
 * ```ts
 * const { plaintext, recipientIndex } = await decryptGeneralJWE(jwe, myPrivateKey)
 * ```
 */
export async function decryptGeneralJWE(
  jwe: GeneralJWE | string,
  key: JotKey | JWEKeyResolver,
  options: DecryptJWEOptions = {},
): Promise<DecryptedJWE & { recipientIndex: number }> {
  const prepared = prepareJWEOptions(options)
  const input = parseJWESerialization(jwe, prepared)
  const { protected: protectedB64 = '', unprotected, recipients, iv, ciphertext, tag, aad } = input
  if (!Array.isArray(recipients) || recipients.length === 0) throw new JWEInvalid('"recipients" must be a non-empty array')
  if (recipients.length > MAX_RECIPIENTS) throw new JWEInvalid(`more than ${MAX_RECIPIENTS} recipients`)
  let length = serializedLength(protectedB64, iv, ciphertext, tag, aad)
  for (const recipient of recipients) {
    if (!isPlainObject(recipient)) throw new JWEInvalid('each recipient must be an object')
    length += serializedLength(recipient.encrypted_key)
  }
  checkLength(length, prepared)

  let firstError: unknown
  let decryptionError: unknown
  for (const [index, recipient] of (recipients as Array<Record<string, unknown>>).entries()) {
    try {
      const result = await decryptRecipient(
        {
          protected: protectedB64,
          sharedHeader: unprotected,
          recipientHeader: recipient.header,
          encryptedKey: recipient.encrypted_key,
          iv,
          ciphertext,
          tag,
          aad,
        },
        key,
        prepared,
        'general',
        recipients.length,
      )
      return { ...result, recipientIndex: index }
    } catch (error) {
      firstError ??= error
      if (error instanceof JWEDecryptionFailed) decryptionError ??= error
    }
  }
  throw decryptionError ?? firstError
}
