/**
 * Encrypted JWTs (RFC 7519 §7.1 with a JWE) and nested JWTs (RFC 7519 §5.2: signed, then encrypted,
 * with `cty: "JWT"`). Claims are built by the same compiled steps as {@link signJWT}.
 * @module
 */
import { InvalidArgument } from '../errors.js'
import { checkKey, readObject, readOptions } from '../lib/arguments.js'
import { decode as decodeBase64URL } from '../lib/base64url.js'
import { isPlainObject } from '../lib/bytes.js'
import { parseJSONObjectBytes } from '../lib/json.js'
import { encryptCompactJWE } from '../jwe/compact/encrypt.js'
import type { EncryptJWEOptions, JWEHeaderParameters } from '../jwe/types.js'
import type { JotKey } from '../key/key.js'
import { checkRegisteredTypes } from './claims.js'
import { compileClaimSteps, signJWT } from './sign.js'
import { clockFrom } from './time.js'
import type { JWTClaims, SignJWTOptions } from './types.js'

/**
 * JWE options of an encrypted JWT's outer layer. Fixed test-vector inputs are not among them: a JWT
 * is always encrypted with a fresh CEK, IV, ephemeral key and salt.
 */
export interface JWTEncryptionOptions extends Pick<EncryptJWEOptions, 'enc' | 'p2c'> {
  /** Further protected header parameters of the JWE. */
  protectedHeader?: JWEHeaderParameters
  /**
   * Copy `iss`, `sub` and `aud` into the protected header (RFC 7519 §5.3), so a recipient can route
   * the token before decrypting; {@link decryptJWT} then requires them to equal the claims.
   */
  replicateClaims?: boolean
}

/** Options of {@link encryptJWT}: the claim options of {@link signJWT} plus the JWE options. */
export interface EncryptJWTOptions extends Omit<SignJWTOptions, 'header'>, JWTEncryptionOptions {}

/** Options of {@link signAndEncryptJWT}: signing options, and the encryption options under `encryption`. */
export interface SignAndEncryptJWTOptions extends SignJWTOptions {
  encryption?: JWTEncryptionOptions
}

const REPLICABLE = ['iss', 'sub', 'aud'] as const

/** Options of the low-level JWE functions that must never reach a JWT, even from an untyped caller. */
const TEST_ONLY_OPTIONS = ['unsafeFixedInputs', 'unsafeAllowFixedInputsForTesting']

function refuseTestOnlyOptions(options: object, where: string): void {
  for (const name of TEST_ONLY_OPTIONS) {
    if (Object.hasOwn(options, name)) throw new InvalidArgument(`${where}.${name} is for JWE test vectors and is refused for JWTs`)
  }
}

/**
 * The options handed to the JWE layer: only those a JWT has, named one by one, so nothing else in a
 * configuration object (fixed CEKs and IVs above all) passes through.
 */
function jweOptions(base: JWEHeaderParameters, claims: JWTClaims, options: JWTEncryptionOptions, where: string): EncryptJWEOptions {
  if (!isPlainObject(options as unknown)) throw new InvalidArgument(`${where} must be an object`)
  refuseTestOnlyOptions(options, where)
  if (options.protectedHeader !== undefined && !isPlainObject(options.protectedHeader)) {
    throw new InvalidArgument('protectedHeader must be an object')
  }
  const header: JWEHeaderParameters = { ...base }
  if (options.replicateClaims) {
    for (const name of REPLICABLE) if (claims[name] !== undefined) header[name] = claims[name]
  }
  const result: EncryptJWEOptions = { protectedHeader: { ...header, ...options.protectedHeader } }
  if (options.enc !== undefined) result.enc = options.enc
  if (options.p2c !== undefined) result.p2c = options.p2c
  return result
}

/**
 * Encrypts a claims set into a JWT that only the key's holder can read (compact JWE).
 *
 * @example
 * ```ts
 * const token = await encryptJWT({ sub: 'user-1', email: 'a@example.com' }, recipientPublicKey, {
 *   issuer: 'https://issuer.example', audience: 'api', expiresIn: '15m', enc: 'A256GCM',
 * })
 * ```
 */
export async function encryptJWT<P extends JWTClaims = JWTClaims>(claims: P, key: JotKey, options?: EncryptJWTOptions): Promise<string> {
  const payload = readObject<JWTClaims>(claims, 'JWT claims')
  checkKey(key)
  options = readOptions(options)
  const now = clockFrom(options.currentTime)()
  for (const step of compileClaimSteps(options)) step(payload, now)
  checkRegisteredTypes(payload)
  const base: JWEHeaderParameters = { typ: options.typ ?? 'JWT', ...(options.kid === undefined ? {} : { kid: options.kid }) }
  return encryptCompactJWE(JSON.stringify(payload), key, jweOptions(base, payload, options, 'options'))
}

/**
 * Signs a JWT and encrypts it for a recipient: a nested JWT (RFC 7519 §5.2, `cty: "JWT"`). Read it
 * back with {@link decryptAndVerifyJWT}, which checks both layers.
 *
 * @example
 * ```ts
 * const token = await signAndEncryptJWT({ sub: 'user-1' }, issuerPrivateKey, recipientPublicKey, {
 *   issuer: 'https://issuer.example', audience: 'api', expiresIn: '15m', encryption: { enc: 'A256GCM' },
 * })
 * ```
 */
export async function signAndEncryptJWT<P extends JWTClaims = JWTClaims>(
  claims: P,
  signingKey: JotKey,
  encryptionKey: JotKey,
  options?: SignAndEncryptJWTOptions,
): Promise<string> {
  checkKey(encryptionKey, 'encryptionKey')
  const { encryption = {}, ...signing } = readOptions(options)
  refuseTestOnlyOptions(signing, 'options')
  const inner = await signJWT(claims, signingKey, signing)
  const signedClaims = parseJSONObjectBytes(decodeBase64URL(inner.split('.')[1]!), 'JWT claims set') as JWTClaims
  return encryptCompactJWE(inner, encryptionKey, jweOptions({ cty: 'JWT' }, signedClaims, encryption, 'options.encryption'))
}
