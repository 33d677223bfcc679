/**
 * JWE header rules, in one place for every serialization and for JWT: header shapes, disjoint
 * protected / shared / per-recipient parameters, `crit`, `zip` placement, and the `alg`/`enc`
 * allowlists. Encryption runs the same checks on what it produced, so jot never emits a JWE it would
 * refuse.
 * @module
 */
import { AlgorithmNotAllowed, InvalidArgument, JWECritUnsupported, JWEInvalid, NotSupported, quote } from '../errors.js'
import { contentEncryption, CONTENT_ENCRYPTION_NAMES, type ContentEncryption } from '../jwa/content-encryption.js'
import {
  keyManagementAlgorithm,
  KEY_MANAGEMENT_NAMES,
  OPT_IN_KEY_MANAGEMENT,
  type KeyManagementAlgorithm,
} from '../jwa/key-management.js'
import { isPlainObject } from '../lib/bytes.js'
import { checkCrit, checkKid, jointHeader, type HeaderErrors } from '../lib/jose-header.js'
import { DEFAULT_MAX_TOKEN_LENGTH } from '../jws/types.js'
import {
  DEFAULT_MAX_DECOMPRESSED_LENGTH,
  DEFAULT_MAX_PBES2_COUNT,
  MAX_DECOMPRESSED_LENGTH_LIMIT,
  type DecryptJWEOptions,
  type JWEHeaderParameters,
} from './types.js'

/** Decryption options resolved once (per call, or once per prepared JWT decrypter). */
export interface PreparedJWEOptions {
  readonly keyManagementAlgorithms: ReadonlySet<string>
  readonly contentEncryptionAlgorithms: ReadonlySet<string>
  readonly crit: ReadonlySet<string>
  readonly maxTokenLength: number
  readonly maxPBES2Count: number
  readonly maxDecompressedLength: number
}

/** JWE header problems are ERR_JWE_INVALID and ERR_JWE_CRIT_UNSUPPORTED. */
export const JWE_HEADER_ERRORS: HeaderErrors = { Invalid: JWEInvalid, CritUnsupported: JWECritUnsupported }

/** Upper bound on recipients examined per JWE, so one token cannot demand unbounded work. */
export const MAX_RECIPIENTS = 16

function allowlist(value: unknown, all: readonly string[], name: string): ReadonlySet<string> {
  if (!Array.isArray(value) || value.length === 0 || value.some((entry) => typeof entry !== 'string')) {
    throw new InvalidArgument(`${name} must be a non-empty array of algorithm names`)
  }
  for (const entry of value as string[]) {
    if (!all.includes(entry)) throw new InvalidArgument(`${name} lists unknown algorithm ${quote(entry)}`)
  }
  return new Set(value as string[])
}

function limit(value: unknown, fallback: number, name: string, minimum: number, maximum = Number.MAX_SAFE_INTEGER): number {
  if (value === undefined) return fallback
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < minimum || value > maximum) {
    throw new InvalidArgument(`${name} must be an integer from ${minimum} to ${maximum}`)
  }
  return value
}

/** Validates and freezes the decryption options; a prepared decrypter does this once. */
/** `options` as read by readOptions (lib/arguments.ts). */
export function prepareJWEOptions(options: DecryptJWEOptions): PreparedJWEOptions {
  const { crit = [] } = options
  if (!Array.isArray(crit) || crit.some((name) => typeof name !== 'string')) {
    throw new InvalidArgument('crit must be an array of header parameter names')
  }
  const defaultKeyManagement = KEY_MANAGEMENT_NAMES.filter((name) => !OPT_IN_KEY_MANAGEMENT.has(name))
  return {
    keyManagementAlgorithms:
      options.keyManagementAlgorithms === undefined
        ? new Set(defaultKeyManagement)
        : allowlist(options.keyManagementAlgorithms, KEY_MANAGEMENT_NAMES, 'keyManagementAlgorithms'),
    contentEncryptionAlgorithms:
      options.contentEncryptionAlgorithms === undefined
        ? new Set(CONTENT_ENCRYPTION_NAMES)
        : allowlist(options.contentEncryptionAlgorithms, CONTENT_ENCRYPTION_NAMES, 'contentEncryptionAlgorithms'),
    crit: new Set(crit),
    maxTokenLength: limit(options.maxTokenLength, DEFAULT_MAX_TOKEN_LENGTH, 'maxTokenLength', 1),
    maxPBES2Count: limit(options.maxPBES2Count, DEFAULT_MAX_PBES2_COUNT, 'maxPBES2Count', 1),
    maxDecompressedLength: limit(
      options.maxDecompressedLength,
      DEFAULT_MAX_DECOMPRESSED_LENGTH,
      'maxDecompressedLength',
      0,
      MAX_DECOMPRESSED_LENGTH_LIMIT,
    ),
  }
}

/** The checked joint header of one recipient, with its resolved algorithm rows. */
export interface CheckedJWEHeader {
  readonly joint: JWEHeaderParameters
  readonly algorithm: KeyManagementAlgorithm
  readonly enc: ContentEncryption
  readonly zip: boolean
}

function objectOrUndefined(value: unknown, what: string): JWEHeaderParameters | undefined {
  if (value !== undefined && !isPlainObject(value)) throw new JWEInvalid(`the ${what} must be a JSON object`)
  return value as JWEHeaderParameters | undefined
}

/**
 * Applies RFC 7516 §4–5 to the three header sources of one recipient (the shared and per-recipient
 * ones exist only in the JSON serializations) and resolves `alg` and `enc` against the allowlists.
 * The allowlist check runs before any key is chosen, so a resolver never sees a refused algorithm.
 */
export function checkJWEHeader(
  protectedHeader: JWEHeaderParameters | undefined,
  sharedHeader: unknown,
  recipientHeader: unknown,
  options: Pick<PreparedJWEOptions, 'crit' | 'keyManagementAlgorithms' | 'contentEncryptionAlgorithms'>,
): CheckedJWEHeader {
  const joint = jointHeader<JWEHeaderParameters>(
    [protectedHeader, objectOrUndefined(sharedHeader, 'shared unprotected header'), objectOrUndefined(recipientHeader, 'per-recipient header')],
    JWE_HEADER_ERRORS,
  )
  for (const name of ['crit', 'zip']) {
    // RFC 7516 §4.1.13 (crit) and §4.1.3 (zip, which changes how the plaintext is read) must be protected.
    if (Object.hasOwn(joint, name) && !(protectedHeader && Object.hasOwn(protectedHeader, name))) {
      throw new JWEInvalid(`"${name}" must be in the protected header`)
    }
  }
  if (protectedHeader && Object.hasOwn(protectedHeader, 'crit')) checkCrit(protectedHeader, options.crit, JWE_HEADER_ERRORS)
  let zip = false
  if (Object.hasOwn(joint, 'zip')) {
    if (joint.zip !== 'DEF') throw new NotSupported(`unsupported "zip" ${quote(joint.zip)}; only "DEF" exists`)
    zip = true
  }
  if (typeof joint.alg !== 'string' || joint.alg === '') throw new JWEInvalid('the header has no "alg"')
  if (typeof joint.enc !== 'string' || joint.enc === '') throw new JWEInvalid('the header has no "enc"')
  checkKid(joint, JWE_HEADER_ERRORS)
  // RFC 8725 §3.1: only allowed algorithms, checked before any key is selected or work is done.
  if (!options.keyManagementAlgorithms.has(joint.alg)) {
    throw new AlgorithmNotAllowed(`key management algorithm ${quote(joint.alg)} is not allowed`)
  }
  if (!options.contentEncryptionAlgorithms.has(joint.enc)) {
    throw new AlgorithmNotAllowed(`content encryption algorithm ${quote(joint.enc)} is not allowed`)
  }
  const algorithm = keyManagementAlgorithm(joint.alg)
  const enc = contentEncryption(joint.enc)
  if (!algorithm || !enc) throw new NotSupported(`unsupported JWE algorithm ${quote(joint.alg)} / ${quote(joint.enc)}`)
  return { joint, algorithm, enc, zip }
}
