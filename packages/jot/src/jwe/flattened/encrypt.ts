import { isUint8Array } from '../../lib/bytes.js'
import { encodeUtf8 } from '../../lib/utf8.js'
import { InvalidArgument } from '../../errors.js'
import { payloadBytes } from '../../jws/sign.js'
import type { JotKey } from '../../key/key.js'
import { readOptions } from '../../lib/arguments.js'
import { encryptParts } from '../encrypt.js'
import type { EncryptJWEOptions, FlattenedJWE, JWEHeaderParameters } from '../types.js'

/** Options of the JSON serializations. */
export interface EncryptJSONJWEOptions extends EncryptJWEOptions {
  /** Header shared by every recipient, not integrity-protected (`unprotected`). */
  sharedUnprotectedHeader?: JWEHeaderParameters
  /** Additional authenticated data (`aad`): integrity-protected, not encrypted. */
  aad?: Uint8Array | string
}

/** Options of {@link encryptFlattenedJWE}. */
export interface EncryptFlattenedJWEOptions extends EncryptJSONJWEOptions {
  /** The recipient's unprotected header (`header`). */
  unprotectedHeader?: JWEHeaderParameters
}

/** @internal */
export function aadBytes(aad: unknown): Uint8Array | undefined {
  if (aad === undefined) return undefined
  if (typeof aad === 'string') return encodeUtf8(aad)
  if (isUint8Array(aad)) return aad
  throw new InvalidArgument('aad must be a Uint8Array or a string')
}

/**
 * Encrypts a plaintext into a flattened JWE JSON Serialization (RFC 7516 §7.2.2): one recipient,
 * with optional unprotected headers and AAD.
 *
 * @example
 * ```ts
 * const jwe = await encryptFlattenedJWE('hello', kek, { aad: 'context', unprotectedHeader: { kid: 'k1' } })
 * ```
 */
export async function encryptFlattenedJWE(
  plaintext: Uint8Array | string,
  key: JotKey,
  options?: EncryptFlattenedJWEOptions,
): Promise<FlattenedJWE> {
  options = readOptions(options)
  const parts = await encryptParts(payloadBytes(plaintext, 'plaintext'), [{ key, header: options.unprotectedHeader }], {
    ...options,
    aad: aadBytes(options.aad),
  })
  const [recipient] = parts.recipients
  const jwe: Partial<FlattenedJWE> = {}
  if (parts.protected !== '') jwe.protected = parts.protected
  if (options.sharedUnprotectedHeader !== undefined) jwe.unprotected = options.sharedUnprotectedHeader
  if (recipient!.header !== undefined) jwe.header = recipient!.header
  if (recipient!.encryptedKey !== '') jwe.encrypted_key = recipient!.encryptedKey
  if (parts.aad !== undefined) jwe.aad = parts.aad
  return { ...jwe, iv: parts.iv, ciphertext: parts.ciphertext, tag: parts.tag }
}
