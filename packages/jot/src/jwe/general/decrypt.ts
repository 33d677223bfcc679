import { JWEDecryptionFailed, JWEInvalid } from '../../errors.js'
import type { JotKey } from '../../key/key.js'
import { checkKeyOrResolver, readOptions } from '../../lib/arguments.js'
import { isPlainObject } from '../../lib/bytes.js'
import { checkLength, decryptSelected, parseJWESerialization, selectRecipient, serializedLength } from '../decrypt.js'
import { MAX_RECIPIENTS, prepareJWEOptions } from '../header.js'
import { unwrapBudget } from '../key-management.js'
import type { DecryptedJWE, DecryptJWEOptions, GeneralJWE, JWEKeyResolver } from '../types.js'

/**
 * Decrypts a general JWE JSON Serialization: returns the first recipient that decrypts with the key
 * (or the key the resolver picks for it), with its index. Only recipients whose `alg` is the key's
 * (and whose `kid` is the key's, when both have one) are tried, and their key management work is
 * bounded for the token as a whole: the PBES2 iterations of all recipients together by
 * `maxPBES2Count`, RSA and ECDH unwraps to four. Fails only when none
 * decrypts: with the budget error if the budget ran out, `ERR_JWE_DECRYPTION_FAILED` if some
 * recipient was tried and failed, otherwise with the error of the first recipient (e.g. an
 * algorithm the key is not bound to).
 *
 * @example
 * ```ts
 * const { plaintext, recipientIndex } = await decryptGeneralJWE(jwe, myPrivateKey)
 * ```
 */
export async function decryptGeneralJWE(
  jwe: GeneralJWE | string,
  key: JotKey | JWEKeyResolver,
  options?: DecryptJWEOptions,
): Promise<DecryptedJWE & { recipientIndex: number }> {
  key = checkKeyOrResolver(key)
  const prepared = prepareJWEOptions(readOptions(options))
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

  const budget = unwrapBudget(prepared)
  let firstError: unknown
  let decryptionError: unknown
  for (const [index, recipient] of (recipients as Array<Record<string, unknown>>).entries()) {
    const entry = { protected: protectedB64, sharedHeader: unprotected, recipientHeader: recipient.header, encryptedKey: recipient.encrypted_key, iv, ciphertext, tag, aad }
    try {
      const selected = await selectRecipient(entry, key, prepared, 'general', recipients.length)
      const { kid } = selected.header.joint
      // A recipient addressed to another key is not for this one: skipped before any work.
      if (kid !== undefined && selected.key.kid !== undefined && kid !== selected.key.kid) continue
      return { ...(await decryptSelected(selected, prepared, budget)), recipientIndex: index }
    } catch (error) {
      firstError ??= error
      if (error instanceof JWEDecryptionFailed) decryptionError ??= error
    }
  }
  throw budget.exhausted ?? decryptionError ?? firstError ?? new JWEDecryptionFailed()
}
