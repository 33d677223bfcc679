import { JWEInvalid } from '../../errors.js'
import type { JotKey } from '../../key/key.js'
import { checkKeyOrResolver, readOptions } from '../../lib/arguments.js'
import { checkLength, decryptRecipient, parseJWESerialization, serializedLength } from '../decrypt.js'
import { prepareJWEOptions } from '../header.js'
import type { DecryptedJWE, DecryptJWEOptions, FlattenedJWE, JWEKeyResolver } from '../types.js'

/**
 * Decrypts a flattened JWE JSON Serialization (as an object or as JSON text).
 *
 * @example
 * ```ts
 * const { plaintext, additionalAuthenticatedData } = await decryptFlattenedJWE(jwe, kek)
 * ```
 */
export async function decryptFlattenedJWE(
  jwe: FlattenedJWE | string,
  key: JotKey | JWEKeyResolver,
  options?: DecryptJWEOptions,
): Promise<DecryptedJWE> {
  key = checkKeyOrResolver(key)
  const prepared = prepareJWEOptions(readOptions(options))
  const input = parseJWESerialization(jwe, prepared)
  if ('recipients' in input) throw new JWEInvalid('this is a general JWE; use decryptGeneralJWE')
  const { protected: protectedB64 = '', unprotected, header, encrypted_key, iv, ciphertext, tag, aad } = input
  checkLength(serializedLength(protectedB64, encrypted_key, iv, ciphertext, tag, aad), prepared)
  return decryptRecipient(
    { protected: protectedB64, sharedHeader: unprotected, recipientHeader: header, encryptedKey: encrypted_key, iv, ciphertext, tag, aad },
    key,
    prepared,
    'flattened',
  )
}
