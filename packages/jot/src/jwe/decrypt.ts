/**
 * Decryption of one recipient of a JWE (RFC 7516 §5.2), shared by the compact, flattened and general
 * serializations and by JWT: every entry point runs exactly this sequence, so their checks cannot
 * drift apart. Order matters: headers and allowlists first, then the key, then every length check,
 * then key management, and only then content decryption and decompression.
 * @module
 */
import * as runtime from '#runtime'
import {
  AlgorithmNotAllowed,
  InvalidArgument,
  JWEDecompressionLimit,
  JWEInvalid,
  KeyUsageInvalid,
  quote,
} from '../errors.js'
import {
  checkLength as checkTokenLength,
  decodeProtectedHeader as decodeJOSEProtectedHeader,
  parseJSONSerialization,
} from '../lib/jose-header.js'
import { encodeUtf8 } from '../lib/utf8.js'
import { isDirect } from '../jwa/key-management.js'
import { isJotKey, jweKeyInternals, type JotKey } from '../key/key.js'
import { decryptContent } from './content.js'
import { checkJWEHeader, type CheckedJWEHeader, type PreparedJWEOptions } from './header.js'
import { decodeMember } from './member.js'
import { unwrapBudget, unwrapContentKey, type UnwrapBudget } from './key-management.js'
import type { DecryptedJWE, JWEHeaderParameters, JWEKeyResolver, JWESerialization } from './types.js'

/** One recipient's view of a JWE, as any serialization carries it. */
export interface RecipientEntry {
  /** BASE64URL(protected header), or '' when there is none (checked to be a string here). */
  readonly protected: unknown
  readonly sharedHeader: unknown
  readonly recipientHeader: unknown
  readonly encryptedKey: unknown
  readonly iv: unknown
  readonly ciphertext: unknown
  readonly tag: unknown
  readonly aad: unknown
}

/** Enforces `maxTokenLength` before any decoding work. */
export function checkLength(length: number, options: PreparedJWEOptions): void {
  checkTokenLength(length, options.maxTokenLength)
}

/** JSON serializations may arrive as text: parse strictly (duplicate members rejected). */
export function parseJWESerialization(input: unknown, options: PreparedJWEOptions): Record<string, unknown> {
  const value = parseJSONSerialization(input, options.maxTokenLength, 'JWE JSON serialization')
  // RFC 8725 §3.3: a JWS and a JWE are told apart, never confused.
  if ('signature' in value || 'signatures' in value || 'payload' in value) {
    throw new JWEInvalid('this is a JWS, not a JWE; verify it with the JWS functions')
  }
  return value
}

/** Sum of the lengths of the string members, for the `maxTokenLength` check of object input. */
export function serializedLength(...values: unknown[]): number {
  let length = 0
  for (const value of values) if (typeof value === 'string') length += value.length
  return length
}

function decodeProtectedHeader(encoded: unknown): JWEHeaderParameters | undefined {
  if (typeof encoded !== 'string') throw new JWEInvalid('"protected" must be a base64url string')
  return decodeJOSEProtectedHeader<JWEHeaderParameters>(encoded, 'JWE protected header')
}

async function resolveKey(
  keyOrResolver: JotKey | JWEKeyResolver,
  header: JWEHeaderParameters,
  serialization: JWESerialization,
): Promise<JotKey> {
  const key = typeof keyOrResolver === 'function' ? await keyOrResolver(header, { serialization }) : keyOrResolver
  if (!isJotKey(key)) throw new InvalidArgument('the decryption key must be a JotKey (see importKey)')
  return key
}

/** A recipient whose header passed every check, with the key chosen for it (bound to its `alg`). */
export interface SelectedRecipient {
  readonly entry: RecipientEntry
  readonly protectedHeader: JWEHeaderParameters | undefined
  readonly header: CheckedJWEHeader
  readonly key: JotKey
}

/**
 * Checks one recipient's headers and chooses its key. No key management work happens here, so a
 * general JWE can pass over recipients that are not for the key at no cost. `recipientCount`
 * enforces RFC 7516 §7.2.1 / RFC 7518 §4.5, §4.6: `dir` and ECDH-ES direct agreement cannot share a
 * CEK with other recipients.
 */
export async function selectRecipient(
  entry: RecipientEntry,
  keyOrResolver: JotKey | JWEKeyResolver,
  options: PreparedJWEOptions,
  serialization: JWESerialization,
  recipientCount: number,
): Promise<SelectedRecipient> {
  const protectedHeader = decodeProtectedHeader(entry.protected)
  const header = checkJWEHeader(protectedHeader, entry.sharedHeader, entry.recipientHeader, options)
  const { joint, algorithm, enc } = header
  if (recipientCount > 1 && isDirect(algorithm)) {
    throw new JWEInvalid(`"${algorithm.name}" cannot be used in a JWE with several recipients`)
  }
  const key = await resolveKey(keyOrResolver, joint, serialization)
  // RFC 8725 §3.1: the header's alg (and, for a dir key, enc) must be what the key is bound to.
  if (jweKeyInternals(key).algorithm !== algorithm) {
    throw new AlgorithmNotAllowed(`JWE algorithm ${quote(joint.alg)} does not match the key's ${key.alg}`)
  }
  if (key.enc !== undefined && key.enc !== enc.name) {
    throw new AlgorithmNotAllowed(`JWE "enc" ${quote(joint.enc)} does not match the key's ${key.enc}`)
  }
  if (key.type === 'public') throw new KeyUsageInvalid(`a public ${key.alg} key cannot decrypt; use the private key`)
  return { entry, protectedHeader, header, key }
}

/**
 * Decrypts a selected recipient: every length check, then key management (charged to `budget`, which
 * the recipients of one JWE share), and only then content decryption and decompression.
 */
export async function decryptSelected(
  { entry, protectedHeader, header, key }: SelectedRecipient,
  options: PreparedJWEOptions,
  budget: UnwrapBudget,
): Promise<DecryptedJWE> {
  const { joint, algorithm, enc, zip } = header
  const iv = decodeMember(entry.iv, 'iv')
  const ciphertext = decodeMember(entry.ciphertext, 'ciphertext')
  const tag = decodeMember(entry.tag, 'tag')
  const encryptedKey = entry.encryptedKey === undefined ? new Uint8Array(0) : decodeMember(entry.encryptedKey, 'encrypted_key')
  if (iv.length !== enc.ivLength) throw new JWEInvalid(`${enc.name} needs a ${enc.ivLength}-byte IV`)
  // RFC 7518 §5.3: GCM tags are exactly 128 bits; a shorter tag would weaken authentication.
  if (tag.length !== enc.tagLength) throw new JWEInvalid(`${enc.name} needs a ${enc.tagLength}-byte tag`)
  const aadBytes = entry.aad === undefined ? undefined : decodeMember(entry.aad, 'aad')

  const { runtimeKey } = jweKeyInternals(key)
  const cek = await unwrapContentKey(algorithm, runtimeKey, key, enc, encryptedKey, joint, options, budget)
  // RFC 7516 §5.2 step 14: ASCII(BASE64URL(protected)) ‖ '.' ‖ BASE64URL(aad) when there is an aad.
  const protectedB64 = entry.protected as string
  const aad = encodeUtf8(entry.aad === undefined ? protectedB64 : `${protectedB64}.${entry.aad as string}`)
  let plaintext = await decryptContent(enc, cek, iv, ciphertext, tag, aad)
  if (zip) plaintext = await inflate(plaintext, options.maxDecompressedLength)

  const result: DecryptedJWE = { plaintext, protectedHeader: protectedHeader ?? {}, key }
  if (entry.sharedHeader !== undefined) result.sharedUnprotectedHeader = entry.sharedHeader as JWEHeaderParameters
  if (entry.recipientHeader !== undefined) result.unprotectedHeader = entry.recipientHeader as JWEHeaderParameters
  if (aadBytes !== undefined) result.additionalAuthenticatedData = aadBytes
  return result
}

/** Decrypts the one recipient of a compact or flattened JWE. */
export async function decryptRecipient(
  entry: RecipientEntry,
  keyOrResolver: JotKey | JWEKeyResolver,
  options: PreparedJWEOptions,
  serialization: JWESerialization,
): Promise<DecryptedJWE> {
  const selected = await selectRecipient(entry, keyOrResolver, options, serialization, 1)
  return decryptSelected(selected, options, unwrapBudget(options))
}

/** `zip: "DEF"` (RFC 7516 §4.1.3), decompressed under the cap (RFC 8725bis: decompression bombs). */
async function inflate(compressed: Uint8Array, maxLength: number): Promise<Uint8Array> {
  if (maxLength === 0) throw new JWEDecompressionLimit('compressed JWEs are refused (maxDecompressedLength is 0)')
  let plaintext: Uint8Array | null
  try {
    plaintext = await runtime.inflate(compressed, maxLength)
  } catch (cause) {
    throw new JWEInvalid('the plaintext is not valid DEFLATE data', { cause })
  }
  if (plaintext === null) {
    throw new JWEDecompressionLimit(`the decompressed plaintext exceeds ${maxLength} bytes (maxDecompressedLength)`)
  }
  return plaintext
}
