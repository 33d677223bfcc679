/**
 * Key management (RFC 7518 §4): how the CEK reaches each recipient, by the `family` of the key's
 * algorithm row. Wrapping returns the encrypted key and the header parameters it produced (`epk`,
 * `iv`/`tag`, `p2s`/`p2c`); unwrapping reads them back. Unwrapping never reveals *why* it failed:
 * a failed unwrap or a CEK of the wrong length yields a random CEK, so the failure surfaces only as
 * the one authentication failure of content decryption (RFC 7516 §11.5, the Bleichenbacher and
 * key-unwrap oracles).
 * @module
 */
import * as runtime from '#runtime'
import { InvalidArgument, JWEInvalid, JWEPBES2CountExceeded, KeyUsageInvalid, type JotError } from '../errors.js'
import type { ContentEncryption } from '../jwa/content-encryption.js'
import { isDirect, type EcdhEsAlgorithm, type KeyManagementAlgorithm, type Pbes2Algorithm } from '../jwa/key-management.js'
import { encode as encodeBase64URL } from '../lib/base64url.js'
import { concatBytes, isUint8Array } from '../lib/bytes.js'
import { encodeUtf8 } from '../lib/utf8.js'
import { importJWK } from '../key/import.js'
import { isRawSecretKey, jweKeyInternals, type JotKey } from '../key/key.js'
import type { RuntimeKey } from '../runtime/types.js'
import { checkEphemeralKey, deriveAgreedKey, sharedSecret } from './ecdh.js'
import type { PreparedJWEOptions } from './header.js'
import { decodeMember } from './member.js'
import type { JWEHeaderParameters, UnsafeFixedInputs } from './types.js'

/** Default PBES2 iteration count for encryption: within the default decryption cap. */
export const DEFAULT_PBES2_COUNT = 10_000

/** RFC 7518 §4.8.1.1: a salt input of at least 8 octets. */
const MIN_P2S_LENGTH = 8

const EMPTY = new Uint8Array(0)

export interface WrappedKey {
  /** The CEK this recipient can recover: the shared one, or the key itself / the derived key when direct. */
  readonly cek: Uint8Array
  readonly encryptedKey: Uint8Array
  /** Header parameters the key management produced. */
  readonly parameters: JWEHeaderParameters
}

export interface WrapOptions {
  readonly p2c: number
  readonly fixed: UnsafeFixedInputs
}

function secretOf(runtimeKey: RuntimeKey): Uint8Array {
  if (!isRawSecretKey(runtimeKey)) throw new KeyUsageInvalid('expected a secret key')
  return runtimeKey.secret
}

/** A fixed test-vector input (see {@link UnsafeFixedInputs}), checked to be `length` bytes. */
export function fixedBytes(value: Uint8Array | undefined, length: number, name: string): Uint8Array | undefined {
  if (value !== undefined && (!isUint8Array(value) || value.length !== length)) {
    throw new InvalidArgument(`unsafeFixedInputs.${name} must be ${length} bytes`)
  }
  return value
}

/** RFC 7518 §4.8.1.1: Salt = UTF8(alg) ‖ 0x00 ‖ p2s. */
function pbes2Salt(algorithm: Pbes2Algorithm, p2s: Uint8Array): Uint8Array {
  return concatBytes(encodeUtf8(algorithm.name), new Uint8Array(1), p2s)
}

/** Encrypts (or agrees on) the CEK for one recipient. `cek` is the shared CEK, absent for direct algorithms. */
export async function wrapContentKey(
  key: JotKey,
  enc: ContentEncryption,
  cek: Uint8Array | undefined,
  header: JWEHeaderParameters,
  options: WrapOptions,
): Promise<WrappedKey> {
  const { algorithm, runtimeKey } = jweKeyInternals(key)
  switch (algorithm.family) {
    case 'dir':
      return { cek: secretOf(runtimeKey), encryptedKey: EMPTY, parameters: {} }
    case 'ecdh-es':
      return wrapWithAgreement(algorithm, key, runtimeKey, enc, cek, header, options.fixed)
    case 'rsa-oaep':
      return { cek: cek!, encryptedKey: await runtime.rsaEncrypt(algorithm, runtimeKey, cek!), parameters: {} }
    case 'aes-kw':
      return { cek: cek!, encryptedKey: await runtime.aesKeyWrap(secretOf(runtimeKey), cek!), parameters: {} }
    case 'aes-gcm-kw': {
      const iv = fixedBytes(options.fixed.keyWrapIv, 12, 'keyWrapIv') ?? runtime.randomBytes(12)
      const { ciphertext, tag } = await runtime.aesGcmEncrypt(secretOf(runtimeKey), iv, cek!, EMPTY)
      return { cek: cek!, encryptedKey: ciphertext, parameters: { iv: encodeBase64URL(iv), tag: encodeBase64URL(tag) } }
    }
    case 'pbes2': {
      const p2s = options.fixed.p2s ?? runtime.randomBytes(16)
      if (!isUint8Array(p2s) || p2s.length < MIN_P2S_LENGTH) {
        throw new InvalidArgument(`unsafeFixedInputs.p2s must be at least ${MIN_P2S_LENGTH} bytes`)
      }
      const kek = await runtime.pbkdf2(algorithm.hash, secretOf(runtimeKey), pbes2Salt(algorithm, p2s), options.p2c, algorithm.wrapLength)
      return { cek: cek!, encryptedKey: await runtime.aesKeyWrap(kek, cek!), parameters: { p2s: encodeBase64URL(p2s), p2c: options.p2c } }
    }
    case 'rsa1_5':
      throw new KeyUsageInvalid('jot never encrypts with RSA1_5 (RFC 8725 §3.2)')
  }
}

async function wrapWithAgreement(
  algorithm: EcdhEsAlgorithm,
  key: JotKey,
  recipientKey: RuntimeKey,
  enc: ContentEncryption,
  cek: Uint8Array | undefined,
  header: JWEHeaderParameters,
  fixed: UnsafeFixedInputs,
): Promise<WrappedKey> {
  const curve = key.curve!
  let ephemeral: RuntimeKey
  if (fixed.epk !== undefined) {
    const fixedKey = await importJWK(fixed.epk, { alg: algorithm.name })
    if (fixedKey.type !== 'private' || fixedKey.curve !== curve) {
      throw new InvalidArgument(`unsafeFixedInputs.epk must be a private ${curve} JWK`)
    }
    ephemeral = jweKeyInternals(fixedKey).runtimeKey
  } else {
    ephemeral = (await runtime.generateKeyPair(algorithm, { curve, modulusLength: 0 })).privateKey
  }
  const z = await sharedSecret(ephemeral, recipientKey, curve)
  const { kty, crv, x, y } = await runtime.exportJWK(await runtime.publicKey(ephemeral))
  const epk: Record<string, string> = y === undefined ? { kty: kty!, crv: crv!, x: x! } : { kty: kty!, crv: crv!, x: x!, y }
  const derived = await deriveAgreedKey(z, algorithm, enc, header)
  if (algorithm.wrapLength === undefined) return { cek: derived, encryptedKey: EMPTY, parameters: { epk } }
  return { cek: cek!, encryptedKey: await runtime.aesKeyWrap(derived, cek!), parameters: { epk } }
}

/**
 * Upper bound on RSA and ECDH unwraps per JWE. A general JWE may carry up to 16 recipients that all
 * fit one key (same `alg`, no `kid`); each would cost a private-key operation, so past this many the
 * token is refused rather than letting its sender multiply the recipient's work.
 */
export const MAX_COSTLY_UNWRAPS = 4

/**
 * Key management work one JWE may still demand, spent across all its recipients: `maxPBES2Count`
 * bounds the *sum* of their `p2c` (CVE-2022-36083 per token, not per recipient), and
 * {@link MAX_COSTLY_UNWRAPS} the private-key operations.
 */
export interface UnwrapBudget {
  pbes2Count: number
  costlyUnwraps: number
  /** The error that refused a recipient for lack of budget; a general JWE reports it over the others. */
  exhausted?: JotError
}

export function unwrapBudget(options: PreparedJWEOptions): UnwrapBudget {
  return { pbes2Count: options.maxPBES2Count, costlyUnwraps: MAX_COSTLY_UNWRAPS }
}

/** RFC 7518 §4.8.1.2: checks p2c and p2s before any PBKDF2 work, so a hostile count costs nothing. */
function pbes2Parameters(header: JWEHeaderParameters, options: PreparedJWEOptions, budget: UnwrapBudget): { p2c: number; p2s: Uint8Array } {
  const { p2c, p2s } = header
  if (typeof p2c !== 'number' || !Number.isSafeInteger(p2c) || p2c < 1) throw new JWEInvalid('"p2c" must be a positive integer')
  if (p2c > options.maxPBES2Count) {
    throw new JWEPBES2CountExceeded(`"p2c" is ${p2c}; the limit is ${options.maxPBES2Count} (maxPBES2Count)`)
  }
  if (p2c > budget.pbes2Count) {
    throw exhaust(budget, new JWEPBES2CountExceeded(
      `"p2c" is ${p2c}, above the ${budget.pbes2Count} iterations left of maxPBES2Count (${options.maxPBES2Count}) for all recipients together`,
    ))
  }
  const salt = decodeMember(p2s, 'p2s')
  if (salt.length < MIN_P2S_LENGTH) throw new JWEInvalid(`"p2s" must be at least ${MIN_P2S_LENGTH} bytes`)
  budget.pbes2Count -= p2c
  return { p2c, p2s: salt }
}

/** Takes one private-key operation from the budget, or refuses the JWE when none is left. */
function spendCostlyUnwrap(budget: UnwrapBudget): void {
  if (budget.costlyUnwraps === 0) {
    throw exhaust(budget, new JWEInvalid(`more than ${MAX_COSTLY_UNWRAPS} recipients fit this key; give them distinct "kid"s`))
  }
  budget.costlyUnwraps--
}

function exhaust(budget: UnwrapBudget, error: JotError): JotError {
  budget.exhausted ??= error
  return error
}

/**
 * Recovers the CEK for content decryption. Malformed header parameters throw (they are visible to
 * anyone and reveal nothing about the key); cryptographic failures return a random CEK instead.
 * The work is charged to `budget`, shared by every recipient of the JWE.
 */
export async function unwrapContentKey(
  algorithm: KeyManagementAlgorithm,
  runtimeKey: RuntimeKey,
  key: JotKey,
  enc: ContentEncryption,
  encryptedKey: Uint8Array,
  header: JWEHeaderParameters,
  options: PreparedJWEOptions,
  budget: UnwrapBudget,
): Promise<Uint8Array> {
  // RFC 7516 §5.2 step 10: with direct agreement or direct encryption the Encrypted Key is empty.
  if (isDirect(algorithm) && encryptedKey.length !== 0) throw new JWEInvalid(`"${algorithm.name}" must have an empty encrypted key`)
  if (algorithm.family === 'ecdh-es' || algorithm.family === 'rsa-oaep' || algorithm.family === 'rsa1_5') spendCostlyUnwrap(budget)
  let cek: Uint8Array | null
  switch (algorithm.family) {
    case 'dir':
      return secretOf(runtimeKey)
    case 'ecdh-es': {
      const epk = checkEphemeralKey(header.epk, key.curve!)
      let ephemeral: RuntimeKey
      try {
        ephemeral = await runtime.importKey(algorithm, key.curve, { format: 'jwk', jwk: epk }, 'public')
      } catch (cause) {
        throw new JWEInvalid(`"epk" is not a valid ${key.curve} public key`, { cause })
      }
      const derived = await deriveAgreedKey(await sharedSecret(runtimeKey, ephemeral, key.curve!), algorithm, enc, header)
      if (algorithm.wrapLength === undefined) return derived
      cek = await runtime.aesKeyUnwrap(derived, encryptedKey)
      break
    }
    case 'rsa-oaep':
    case 'rsa1_5':
      cek = await runtime.rsaDecrypt(algorithm, runtimeKey, encryptedKey)
      break
    case 'aes-kw':
      cek = await runtime.aesKeyUnwrap(secretOf(runtimeKey), encryptedKey)
      break
    case 'aes-gcm-kw': {
      const iv = decodeMember(header.iv, 'iv', 12)
      const tag = decodeMember(header.tag, 'tag', 16)
      cek = await runtime.aesGcmDecrypt(secretOf(runtimeKey), iv, encryptedKey, tag, EMPTY)
      break
    }
    case 'pbes2': {
      const { p2c, p2s } = pbes2Parameters(header, options, budget)
      const kek = await runtime.pbkdf2(algorithm.hash, secretOf(runtimeKey), pbes2Salt(algorithm, p2s), p2c, algorithm.wrapLength)
      cek = await runtime.aesKeyUnwrap(kek, encryptedKey)
      break
    }
  }
  // RFC 7516 §11.5: an unwrap failure or a CEK of the wrong length continues with a random CEK.
  return cek !== null && cek.length === enc.cekLength ? cek : runtime.randomBytes(enc.cekLength)
}

