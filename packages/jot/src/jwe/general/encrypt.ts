import { payloadBytes } from '../../jws/sign.js'
import type { JotKey } from '../../key/key.js'
import { readArray, readObject, readOptions } from '../../lib/arguments.js'
import { encryptParts } from '../encrypt.js'
import { aadBytes, type EncryptJSONJWEOptions } from '../flattened/encrypt.js'
import type { GeneralJWE, JWEHeaderParameters } from '../types.js'

/** One recipient of a general JWE. */
export interface GeneralJWERecipient {
  key: JotKey
  /** The recipient's unprotected header (`header`). */
  unprotectedHeader?: JWEHeaderParameters
}

/**
 * Encrypts one plaintext for several recipients into a general JWE JSON Serialization
 * (RFC 7516 §7.2.1). They share the CEK, so `dir` and direct ECDH-ES allow only one recipient.
 *
 * @example
 * ```ts
 * const jwe = await encryptGeneralJWE(plaintext, [{ key: aliceRsaPublic }, { key: bobEcdhPublic }])
 * ```
 */
export async function encryptGeneralJWE(
  plaintext: Uint8Array | string,
  recipients: readonly GeneralJWERecipient[],
  options?: EncryptJSONJWEOptions,
): Promise<GeneralJWE> {
  const inputs = readArray<unknown>(recipients, 'recipients').map((recipient) => {
    const { key, unprotectedHeader } = readObject<GeneralJWERecipient>(recipient, 'each recipient')
    return { key, header: unprotectedHeader }
  })
  options = readOptions(options)
  const parts = await encryptParts(payloadBytes(plaintext, 'plaintext'), inputs, { ...options, aad: aadBytes(options.aad) })
  const jwe: Partial<GeneralJWE> = {}
  if (parts.protected !== '') jwe.protected = parts.protected
  if (options.sharedUnprotectedHeader !== undefined) jwe.unprotected = options.sharedUnprotectedHeader
  jwe.recipients = parts.recipients.map(({ header, encryptedKey }) => ({
    ...(header === undefined ? {} : { header }),
    ...(encryptedKey === '' ? {} : { encrypted_key: encryptedKey }),
  }))
  if (parts.aad !== undefined) jwe.aad = parts.aad
  return { ...jwe, recipients: jwe.recipients, iv: parts.iv, ciphertext: parts.ciphertext, tag: parts.tag }
}
