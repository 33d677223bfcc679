import { InvalidArgument, JWEInvalid } from '../../errors.js'
import type { JotKey } from '../../key/key.js'
import { checkKeyOrResolver, readOptions } from '../../lib/arguments.js'
import { checkLength, decryptRecipient } from '../decrypt.js'
import { prepareJWEOptions, type PreparedJWEOptions } from '../header.js'
import type { DecryptedJWE, DecryptJWEOptions, JWEKeyResolver } from '../types.js'

/**
 * @internal Splits a compact JWE into its five segments, after the length check. A three-segment
 * token is a JWS: the mirror of the JWS side's "this is a JWE" (RFC 8725 §3.3).
 */
export function splitCompactJWE(token: unknown, options: PreparedJWEOptions): [string, string, string, string, string] {
  if (typeof token !== 'string') throw new InvalidArgument('a compact JWE must be a string')
  checkLength(token.length, options)
  const parts = token.split('.')
  if (parts.length !== 5) {
    throw new JWEInvalid(parts.length === 3 ? 'this is a JWS, not a JWE' : 'a compact JWE has exactly five segments')
  }
  if (parts[0] === '') throw new JWEInvalid('a compact JWE must have a protected header')
  return parts as [string, string, string, string, string]
}

/** @internal Decryption with options already prepared (used by the JWT layer). */
export function decryptCompactPrepared(
  token: unknown,
  key: JotKey | JWEKeyResolver,
  options: PreparedJWEOptions,
): Promise<DecryptedJWE> {
  const [protectedB64, encryptedKey, iv, ciphertext, tag] = splitCompactJWE(token, options)
  return decryptRecipient(
    { protected: protectedB64, sharedHeader: undefined, recipientHeader: undefined, encryptedKey, iv, ciphertext, tag, aad: undefined },
    key,
    options,
    'compact',
  )
}

/**
 * Decrypts a JWE Compact Serialization.
 *
 * @example
 * ```ts
 * const { plaintext, protectedHeader } = await decryptCompactJWE(jwe, privateKey)
 * new TextDecoder().decode(plaintext) // 'hello'
 * ```
 * @throws {@link JWEDecryptionFailed}, {@link JWEInvalid}, {@link AlgorithmNotAllowed}, {@link TokenTooLarge}, …
 */
export async function decryptCompactJWE(
  token: string,
  key: JotKey | JWEKeyResolver,
  options?: DecryptJWEOptions,
): Promise<DecryptedJWE> {
  return decryptCompactPrepared(token, checkKeyOrResolver(key), prepareJWEOptions(readOptions(options)))
}
