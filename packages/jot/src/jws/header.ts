/**
 * JOSE header rules, in one place for every serialization and for JWT: header shape, disjoint
 * protected/unprotected parameters, `crit` processing, `b64` placement and the algorithm decision.
 * @module
 */
import { AlgorithmNotAllowed, InvalidArgument, JWSCritUnsupported, JWSInvalid, quote } from '../errors.js'
import { isPlainObject } from '../lib/bytes.js'
import { checkBoolean } from '../lib/arguments.js'
import { checkCrit, checkKid, jointHeader, type HeaderErrors } from '../lib/jose-header.js'
import type { JWSAlgorithmName } from '../jwa/signing.js'
import type { JotKey } from '../key/key.js'
import { DEFAULT_MAX_TOKEN_LENGTH, type JWSHeaderParameters, type VerifyJWSOptions } from './types.js'

/** JWS header problems are ERR_JWS_INVALID and ERR_JWS_CRIT_UNSUPPORTED. */
export const JWS_HEADER_ERRORS: HeaderErrors = { Invalid: JWSInvalid, CritUnsupported: JWSCritUnsupported }

/** Extensions jot implements itself (RFC 7797). */
const BUILT_IN_CRIT = ['b64']

/** Verification options resolved once (per call, or once per `createVerifier`). */
export interface PreparedJWSOptions {
  readonly algorithms: ReadonlySet<string> | undefined
  readonly crit: ReadonlySet<string>
  readonly maxTokenLength: number
  /** Asymmetric signatures are checked off the calling thread (VerifyJWSOptions.offload). */
  readonly offload: boolean
  /** Checked protected headers by their encoding (see jws/verify.ts); lives as long as the options. */
  readonly headerCache: Map<string, { readonly protectedHeader: JWSHeaderParameters | undefined; readonly header: CheckedHeader }>
}

/** Validates and freezes the JWS options; callers on a hot path do this once. */
export function prepareJWSOptions(options: VerifyJWSOptions = {}): PreparedJWSOptions {
  const { algorithms, crit = [], maxTokenLength = DEFAULT_MAX_TOKEN_LENGTH } = options
  if (algorithms !== undefined && (!Array.isArray(algorithms) || algorithms.length === 0)) {
    throw new InvalidArgument('algorithms must be a non-empty array')
  }
  if (!Array.isArray(crit) || crit.some((name) => typeof name !== 'string')) {
    throw new InvalidArgument('crit must be an array of strings')
  }
  if (typeof maxTokenLength !== 'number' || !(maxTokenLength > 0)) {
    throw new InvalidArgument('maxTokenLength must be a positive number')
  }
  return {
    algorithms: algorithms && new Set(algorithms),
    crit: new Set([...BUILT_IN_CRIT, ...crit]),
    maxTokenLength,
    offload: checkBoolean(options.offload, 'offload'),
    headerCache: new Map(),
  }
}

/** The checked joint header and whether the payload is base64url-encoded. */
export interface CheckedHeader {
  readonly joint: JWSHeaderParameters
  readonly alg: string
  readonly b64: boolean
}

/**
 * Applies RFC 7515 §4–5 and RFC 7797 §6 to a protected and an unprotected header (either may be
 * absent in the JSON serializations; compact has only the protected one).
 */
export function checkHeader(
  protectedHeader: JWSHeaderParameters | undefined,
  unprotectedHeader: unknown,
  recognizedCrit: ReadonlySet<string>,
): CheckedHeader {
  if (unprotectedHeader !== undefined && !isPlainObject(unprotectedHeader)) {
    throw new JWSInvalid('the unprotected header must be a JSON object')
  }
  if (!protectedHeader && !unprotectedHeader) throw new JWSInvalid('the JWS has no header')
  const joint = jointHeader<JWSHeaderParameters>([protectedHeader, unprotectedHeader as JWSHeaderParameters | undefined], JWS_HEADER_ERRORS)
  if (unprotectedHeader && Object.hasOwn(unprotectedHeader, 'crit')) {
    throw new JWSInvalid('"crit" must be in the protected header')
  }
  if (protectedHeader && Object.hasOwn(protectedHeader, 'crit')) checkCrit(protectedHeader, recognizedCrit, JWS_HEADER_ERRORS)

  let b64 = true
  if (Object.hasOwn(joint, 'b64')) {
    // RFC 7797 §6: b64 must be integrity-protected and understood, hence listed in crit.
    if (!protectedHeader || !Object.hasOwn(protectedHeader, 'b64')) throw new JWSInvalid('"b64" must be protected')
    if (typeof protectedHeader.b64 !== 'boolean') throw new JWSInvalid('"b64" must be a boolean')
    if (!protectedHeader.crit?.includes('b64')) throw new JWSInvalid('"b64" must be listed in "crit"')
    b64 = protectedHeader.b64
  }
  if (typeof joint.alg !== 'string' || joint.alg === '') throw new JWSInvalid('the header has no "alg"')
  checkKid(joint, JWS_HEADER_ERRORS)
  return { joint, alg: joint.alg, b64 }
}

/**
 * RFC 8725 §3.1 and §3.2: `none` is never verified and the header's `alg` must be allowed. Runs
 * before key selection, so a resolver never sees a token with a refused algorithm.
 */
export function checkAlgorithmAllowed(alg: string, allowed: ReadonlySet<string> | undefined): void {
  if (alg === 'none') throw new AlgorithmNotAllowed('"alg": "none" (unsecured JWS) is never accepted')
  if (allowed && !allowed.has(alg)) throw new AlgorithmNotAllowed(`algorithm ${quote(alg)} is not in the allowlist`)
}

/**
 * The header's `alg` must be the algorithm the key is bound to: this is what defeats HS256 signed
 * with an RSA public key (algorithm confusion).
 */
export function checkKeyAlgorithm(alg: string, key: JotKey): void {
  if (alg !== key.alg) throw new AlgorithmNotAllowed(`algorithm ${quote(alg)} does not match the key's ${key.alg}`)
}

/** Builds the protected header for signing: `alg` from the key, `kid` from the key unless given. */
export function buildProtectedHeader(
  key: JotKey,
  extra: JWSHeaderParameters | undefined,
  b64: boolean,
): JWSHeaderParameters {
  if (extra !== undefined && !isPlainObject(extra)) throw new InvalidArgument('protectedHeader must be an object')
  if (extra?.alg !== undefined && extra.alg !== key.alg) {
    throw new InvalidArgument(`header alg ${quote(extra.alg)} differs from the key's ${key.alg}`)
  }
  const header: JWSHeaderParameters = { alg: key.alg as JWSAlgorithmName }
  if (key.kid !== undefined) header.kid = key.kid
  Object.assign(header, extra, { alg: key.alg })
  if (!b64) {
    // A contradicting `b64` of the caller's stays, for prepareHeader to refuse rather than overwrite.
    header.b64 ??= false
    header.crit = [...new Set([...(header.crit ?? []), 'b64'])]
  }
  return header
}
