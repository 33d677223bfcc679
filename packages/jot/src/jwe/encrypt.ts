/**
 * Encryption (RFC 7516 §5.1), shared by the three serializations and by JWT. One CEK and IV per
 * message; each recipient gets the CEK through its key's algorithm. The headers that come out are
 * checked with the decrypter's own rules before any content is encrypted, so jot never produces a
 * JWE it would refuse.
 * @module
 */
import * as runtime from '#runtime'
import { InvalidArgument, quote } from '../errors.js'
import { contentEncryption, CONTENT_ENCRYPTION_NAMES, type ContentEncryption } from '../jwa/content-encryption.js'
import { isDirect, KEY_MANAGEMENT_NAMES } from '../jwa/key-management.js'
import { encode as encodeBase64URL } from '../lib/base64url.js'
import { isPlainObject, isUint8Array, timingSafeEqual } from '../lib/bytes.js'
import { parseJSONObject } from '../lib/json.js'
import { encodeUtf8 } from '../lib/utf8.js'
import { jweKeyInternals, type JotKey } from '../key/key.js'
import { checkKey } from '../lib/arguments.js'
import { encryptContent } from './content.js'
import { checkJWEHeader } from './header.js'
import { DEFAULT_PBES2_COUNT, fixedBytes, wrapContentKey, type WrappedKey } from './key-management.js'
import type { EncryptJWEOptions, JWEHeaderParameters, UnsafeFixedInputs } from './types.js'

/** One recipient to encrypt for. */
export interface RecipientInput {
  readonly key: JotKey
  /** Per-recipient unprotected header (JSON serializations only). */
  readonly header?: JWEHeaderParameters | undefined
}

export interface EncryptInput extends EncryptJWEOptions {
  readonly sharedUnprotectedHeader?: JWEHeaderParameters | undefined
  /** JWE AAD (JSON serializations only). */
  readonly aad?: Uint8Array | undefined
}

/** The parts of an encrypted JWE, base64url-encoded, before a serialization arranges them. */
export interface EncryptedParts {
  readonly protected: string
  readonly recipients: ReadonlyArray<{ readonly header?: JWEHeaderParameters; readonly encryptedKey: string }>
  readonly iv: string
  readonly ciphertext: string
  readonly tag: string
  readonly aad?: string
}

/** Names the key management may add to a header; any caller-supplied value must agree with it. */
const KEY_MANAGEMENT_PARAMETERS = ['epk', 'iv', 'tag', 'p2s', 'p2c']

/** The allowlists the encrypter checks its own headers against: every algorithm (the keys chose them). */
const SELF_CHECK = {
  keyManagementAlgorithms: new Set<string>(KEY_MANAGEMENT_NAMES),
  contentEncryptionAlgorithms: new Set<string>(CONTENT_ENCRYPTION_NAMES),
}

/** Canonical JSON (sorted members) to compare caller-supplied header values with computed ones. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`
  if (isPlainObject(value)) {
    return `{${Object.keys(value).sort().map((name) => `${JSON.stringify(name)}:${canonical(value[name])}`).join(',')}}`
  }
  return JSON.stringify(value) ?? 'undefined'
}

function optionalHeader(value: unknown, name: string): JWEHeaderParameters | undefined {
  if (value !== undefined && !isPlainObject(value)) throw new InvalidArgument(`${name} must be an object`)
  return value as JWEHeaderParameters | undefined
}

function chooseEncryption(options: EncryptInput, keys: readonly JotKey[]): ContentEncryption {
  const name = options.enc ?? keys.find((key) => key.enc !== undefined)?.enc ?? 'A256GCM'
  const enc = contentEncryption(name)
  if (!enc) throw new InvalidArgument(`unsupported content encryption algorithm ${quote(name)}`)
  return enc
}

/** Every member of {@link UnsafeFixedInputs} (the type makes this list complete and exact). */
const FIXED_INPUT_NAMES: Readonly<Record<keyof UnsafeFixedInputs, true>> = {
  cek: true, iv: true, epk: true, p2s: true, keyWrapIv: true, deflated: true,
}

/**
 * Fixed inputs take two switches, so no configuration object reaches them by accident. Everything
 * that can be checked without key management is checked here, before any key is used: member names
 * (a misspelt one would otherwise be silently ignored), and `deflated`, which is only for a
 * `zip: "DEF"` protected header. Per-algorithm inputs (`epk`, `p2s`, `keyWrapIv`) are checked by the
 * key management that uses them, and `cek` and `iv` against the content encryption by the caller.
 */
function fixedInputs(options: EncryptInput, protectedHeader: JWEHeaderParameters | undefined): UnsafeFixedInputs {
  const value: unknown = options.unsafeFixedInputs
  if (value === undefined) return {}
  if (options.unsafeAllowFixedInputsForTesting !== true) {
    throw new InvalidArgument('unsafeFixedInputs repeats keystream and keys; it needs unsafeAllowFixedInputsForTesting: true (test vectors only)')
  }
  if (!isPlainObject(value)) throw new InvalidArgument('unsafeFixedInputs must be an object')
  for (const name of Object.keys(value)) {
    if (!Object.hasOwn(FIXED_INPUT_NAMES, name)) {
      const known = Object.keys(FIXED_INPUT_NAMES).join(', ')
      throw new InvalidArgument(`unsafeFixedInputs has no member ${quote(name)} (known: ${known})`)
    }
  }
  const fixed = value as UnsafeFixedInputs
  if (fixed.deflated !== undefined) {
    if (!isUint8Array(fixed.deflated)) throw new InvalidArgument('unsafeFixedInputs.deflated must be a Uint8Array')
    if (protectedHeader?.zip !== 'DEF') {
      throw new InvalidArgument('unsafeFixedInputs.deflated needs "zip": "DEF" in the protected header')
    }
  }
  return fixed
}

/**
 * `zip: "DEF"` (RFC 7516 §4.1.3): DEFLATE the plaintext, or take the caller's fixed DEFLATE bytes
 * (DEFLATE output is encoder-specific, so a test vector's bytes need its encoder). Those are used only
 * after the bounded inflater shows that they decompress to exactly this plaintext, so a fixed input can
 * change how the content is compressed, never what is encrypted.
 */
async function compress(plaintext: Uint8Array, fixed: Uint8Array | undefined): Promise<Uint8Array> {
  if (fixed === undefined) return runtime.deflate(plaintext)
  const deflated = fixed.slice()
  let inflated: Uint8Array | null
  try {
    // One byte past the plaintext's length is enough to tell that the output is longer.
    inflated = await runtime.inflate(deflated, plaintext.length + 1)
  } catch (cause) {
    throw new InvalidArgument('unsafeFixedInputs.deflated is not valid DEFLATE data', { cause })
  }
  if (inflated === null || !timingSafeEqual(inflated, plaintext)) {
    throw new InvalidArgument('unsafeFixedInputs.deflated does not inflate to exactly the plaintext')
  }
  return deflated
}

/** Encrypts `plaintext` for every recipient; `single` puts per-recipient parameters in the protected header. */
export async function encryptParts(
  plaintext: Uint8Array,
  recipients: readonly RecipientInput[],
  options: EncryptInput,
): Promise<EncryptedParts> {
  if (recipients.length === 0) throw new InvalidArgument('at least one recipient is required')
  const keys = recipients.map(({ key }) => {
    jweKeyInternals(checkKey(key))
    return key
  })
  const single = recipients.length === 1
  if (!single && keys.some((key) => isDirect(jweKeyInternals(key).algorithm))) {
    // RFC 7518 §4.5, §4.6: the CEK *is* the shared key or the agreed key, so it cannot serve others.
    throw new InvalidArgument('"dir" and direct ECDH-ES encrypt for exactly one recipient')
  }
  const enc = chooseEncryption(options, keys)
  const p2c = options.p2c ?? DEFAULT_PBES2_COUNT
  if (!Number.isSafeInteger(p2c) || p2c < 1) throw new InvalidArgument('p2c must be a positive integer')
  const shared = optionalHeader(options.sharedUnprotectedHeader, 'sharedUnprotectedHeader')

  let protectedText: string | undefined
  let protectedObject: JWEHeaderParameters | undefined
  if (typeof options.protectedHeader === 'string') {
    protectedText = options.protectedHeader
    protectedObject = protectedText === '' ? undefined : (parseJSONObject(protectedText, 'protected header') as JWEHeaderParameters)
  } else {
    protectedObject = { ...optionalHeader(options.protectedHeader, 'protectedHeader') }
  }

  const fixed = fixedInputs(options, protectedObject)
  const cek = fixedBytes(fixed.cek, enc.cekLength, 'cek') ?? runtime.randomBytes(enc.cekLength)
  const iv = fixedBytes(fixed.iv, enc.ivLength, 'iv') ?? runtime.randomBytes(enc.ivLength)
  const wrapped: WrappedKey[] = []
  for (const [index, { key, header }] of recipients.entries()) {
    const recipientHeader = optionalHeader(header, 'a recipient header')
    // apu/apv feed the ECDH-ES KDF wherever the caller put them.
    const partyInfo = { ...protectedObject, ...shared, ...recipientHeader }
    const direct = isDirect(jweKeyInternals(key).algorithm)
    wrapped[index] = await wrapContentKey(key, enc, direct ? undefined : cek, partyInfo, { p2c, fixed })
  }
  const contentKey = wrapped[0]!.cek

  // Headers: alg, kid and the key management parameters go to the protected header of a
  // single-recipient JWE (as in the compact form), to each recipient's own header otherwise. A header
  // given as exact text is taken as is; the check below then requires it to carry those values.
  const taken = new Set([...Object.keys(protectedObject ?? {}), ...Object.keys(shared ?? {})])
  const recipientHeaders: Array<JWEHeaderParameters | undefined> = []
  for (const [index, { key, header }] of recipients.entries()) {
    const own: JWEHeaderParameters = { ...header }
    const target = single ? (protectedText === undefined ? protectedObject : undefined) : own
    const ownNames = new Set(Object.keys(own))
    const place = (name: string, value: unknown) => {
      if (target && value !== undefined && !taken.has(name) && !ownNames.has(name)) target[name] = value
    }
    place('alg', key.alg)
    place('kid', key.kid)
    for (const [name, value] of Object.entries(wrapped[index]!.parameters)) place(name, value)
    recipientHeaders.push(Object.keys(own).length === 0 ? undefined : own)
  }
  if (protectedText === undefined && !taken.has('enc')) protectedObject!.enc = enc.name
  const encodedProtected =
    protectedText ?? (Object.keys(protectedObject!).length === 0 ? '' : JSON.stringify(protectedObject))

  let zip = false
  for (const [index, { key }] of recipients.entries()) {
    const checked = checkJWEHeader(protectedObject, shared, recipientHeaders[index], {
      ...SELF_CHECK,
      crit: new Set(protectedObject?.crit ?? []),
    })
    if (checked.algorithm.name !== key.alg) {
      throw new InvalidArgument(`header alg ${quote(checked.joint.alg)} differs from the key's ${key.alg}`)
    }
    if (checked.enc !== enc) throw new InvalidArgument(`header enc ${quote(checked.joint.enc)} differs from ${enc.name}`)
    if (key.enc !== undefined && key.enc !== enc.name) {
      throw new InvalidArgument(`this "dir" key is for ${key.enc}, not ${enc.name}`)
    }
    const produced = wrapped[index]!.parameters
    for (const name of KEY_MANAGEMENT_PARAMETERS) {
      if (canonical(checked.joint[name]) !== canonical(produced[name])) {
        throw new InvalidArgument(`header parameter "${name}" must be the value ${key.alg} produced`)
      }
    }
    zip = checked.zip
  }

  const aad = options.aad === undefined ? undefined : encodeBase64URL(options.aad)
  const content = zip ? await compress(plaintext, fixed.deflated) : plaintext
  const protectedB64 = encodedProtected === '' ? '' : encodeBase64URL(encodedProtected)
  // RFC 7516 §5.1 step 14: AAD = ASCII(BASE64URL(protected)) ‖ '.' ‖ BASE64URL(aad) when there is an aad.
  const additionalData = encodeUtf8(aad === undefined ? protectedB64 : `${protectedB64}.${aad}`)
  const { ciphertext, tag } = await encryptContent(enc, contentKey, iv, content, additionalData)
  return {
    protected: protectedB64,
    recipients: recipients.map((_, index) => {
      const header = recipientHeaders[index]
      const encryptedKey = encodeBase64URL(wrapped[index]!.encryptedKey)
      return header === undefined ? { encryptedKey } : { header, encryptedKey }
    }),
    iv: encodeBase64URL(iv),
    ciphertext: encodeBase64URL(ciphertext),
    tag: encodeBase64URL(tag),
    ...(aad === undefined ? {} : { aad }),
  }
}
