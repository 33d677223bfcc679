/**
 * JWE content encryption algorithms (RFC 7518 §5) as data: one row per `enc`. The CEK, IV and tag
 * sizes live here, so every length check in the JWE pipeline reads them from the resolved row.
 * @module
 */
import { table } from './curves.js'
import type { HashName } from './signing.js'

export type ContentEncryptionName =
  | 'A128CBC-HS256' | 'A192CBC-HS384' | 'A256CBC-HS512'
  | 'A128GCM' | 'A192GCM' | 'A256GCM'

interface Common<F extends string> {
  readonly name: ContentEncryptionName
  readonly family: F
  /** CEK length in bytes. */
  readonly cekLength: number
  readonly ivLength: number
  readonly tagLength: number
}

/**
 * AES_CBC_HMAC_SHA2 (RFC 7518 §5.2): the CEK is MAC_KEY ‖ ENC_KEY, each half of it; the tag is
 * the HMAC output truncated to the same length as each key half.
 */
export interface CbcHmacEncryption extends Common<'cbc-hmac'> {
  readonly hash: HashName
}

/** AES-GCM (RFC 7518 §5.3): 96-bit IV and, in JOSE, always a 128-bit tag. */
export type GcmEncryption = Common<'gcm'>

export type ContentEncryption = CbcHmacEncryption | GcmEncryption

/* @__NO_SIDE_EFFECTS__ */ const cbcHmac = (name: ContentEncryptionName, keyBits: number, hash: HashName): CbcHmacEncryption => ({
  name, family: 'cbc-hmac', cekLength: keyBits / 4, ivLength: 16, tagLength: keyBits / 8, hash,
})
/* @__NO_SIDE_EFFECTS__ */ const gcm = (name: ContentEncryptionName, keyBits: number): GcmEncryption => ({
  name, family: 'gcm', cekLength: keyBits / 8, ivLength: 12, tagLength: 16,
})

export const CONTENT_ENCRYPTION: Readonly<Record<string, ContentEncryption>> = /* @__PURE__ */ table<ContentEncryption>({
  'A128CBC-HS256': cbcHmac('A128CBC-HS256', 128, 'SHA-256'),
  'A192CBC-HS384': cbcHmac('A192CBC-HS384', 192, 'SHA-384'),
  'A256CBC-HS512': cbcHmac('A256CBC-HS512', 256, 'SHA-512'),
  A128GCM: gcm('A128GCM', 128),
  A192GCM: gcm('A192GCM', 192),
  A256GCM: gcm('A256GCM', 256),
})

/** Every `enc` value jot implements. */
export const CONTENT_ENCRYPTION_NAMES = /* @__PURE__ */ Object.freeze(/* @__PURE__ */ Object.keys(CONTENT_ENCRYPTION)) as readonly ContentEncryptionName[]

/** The registry row for `name`, or undefined (also for inherited names like `__proto__`). */
export function contentEncryption(name: unknown): ContentEncryption | undefined {
  return typeof name === 'string' ? CONTENT_ENCRYPTION[name] : undefined
}
