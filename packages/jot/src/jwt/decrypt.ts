/**
 * Decrypting encrypted and nested JWTs (RFC 7519 §7.2 steps 8–10). The JWE and JWS entry points stay
 * separate (RFC 8725 §3.3): {@link decryptJWT} reads a JWE whose plaintext is the claims set and
 * refuses a nested JWT; {@link decryptAndVerifyJWT} requires a nested one and validates both layers.
 * @module
 */
import { JWEInvalid, JWTClaimInvalid } from '../errors.js'
import { checkKeyOrResolver, readOptions } from '../lib/arguments.js'
import { parseJSONObjectBytes } from '../lib/json.js'
import { decodeUtf8 } from '../lib/utf8.js'
import { decryptCompactPrepared } from '../jwe/compact/decrypt.js'
import { prepareJWEOptions } from '../jwe/header.js'
import type { DecryptJWEOptions, JWEHeaderParameters, JWEKeyResolver } from '../jwe/types.js'
import { verifyCompactPrepared } from '../jws/compact/verify.js'
import { prepareJWSOptions } from '../jws/header.js'
import type { JWSHeaderParameters, KeyResolver, VerifyJWSOptions } from '../jws/types.js'
import type { JotKey } from '../key/key.js'
import { compileClaimsValidator, normalizeTyp } from './claims.js'
import type { JWTClaimOptions, JWTClaims } from './types.js'

/** Options of {@link decryptJWT}: the JWE options and the same claim checks as {@link verifyJWT}. */
export interface DecryptJWTOptions extends DecryptJWEOptions, JWTClaimOptions {}

/** Options of {@link decryptAndVerifyJWT}: both layers' options; `algorithms` applies to the inner JWS. */
export interface DecryptAndVerifyJWTOptions extends DecryptJWTOptions, Pick<VerifyJWSOptions, 'algorithms'> {}

/** The result of {@link decryptJWT}. */
export interface DecryptedJWT<P = JWTClaims> {
  payload: P & JWTClaims
  protectedHeader: JWEHeaderParameters
  key: JotKey
}

/** The result of {@link decryptAndVerifyJWT}: the claims, both headers and both keys. */
export interface DecryptedNestedJWT<P = JWTClaims> {
  payload: P & JWTClaims
  /** The inner JWS header. */
  header: JWSHeaderParameters
  /** The outer JWE protected header. */
  protectedHeader: JWEHeaderParameters
  /** The key that verified the signature. */
  key: JotKey
  /** The key that decrypted. */
  decryptionKey: JotKey
}

function isNested(header: JWEHeaderParameters): boolean {
  return typeof header.cty === 'string' && normalizeTyp(header.cty) === 'jwt'
}

/** RFC 7519 §5.3: claims replicated into the header must equal the claims themselves. */
function checkReplicatedClaims(header: JWEHeaderParameters, claims: JWTClaims): void {
  for (const name of ['iss', 'sub', 'aud'] as const) {
    if (!Object.hasOwn(header, name)) continue
    if (JSON.stringify(header[name]) !== JSON.stringify(claims[name])) {
      throw new JWTClaimInvalid(`"${name}" in the JWE header differs from the "${name}" claim`, name, 'replicated_mismatch')
    }
  }
}

/**
 * Decrypts a JWT encrypted with {@link encryptJWT} and validates its claims (the same checks and
 * defaults as {@link verifyJWT}).
 *
 * @example
 * ```ts
 * const { payload } = await decryptJWT(token, recipientPrivateKey, { issuer: 'https://issuer.example', audience: 'api' })
 * ```
 */
export async function decryptJWT<P = JWTClaims>(
  token: string,
  key: JotKey | JWEKeyResolver,
  options?: DecryptJWTOptions,
): Promise<DecryptedJWT<P>> {
  key = checkKeyOrResolver(key)
  options = readOptions(options)
  const prepared = prepareJWEOptions(options)
  const validateClaims = compileClaimsValidator(options)
  const { plaintext, protectedHeader, key: usedKey } = await decryptCompactPrepared(token, key, prepared)
  if (isNested(protectedHeader)) {
    throw new JWEInvalid('this is a nested JWT (cty "JWT"); use decryptAndVerifyJWT to check its signature too')
  }
  const claims = parseJSONObjectBytes(plaintext, 'JWT claims set') as JWTClaims
  validateClaims(claims, protectedHeader as JWSHeaderParameters)
  checkReplicatedClaims(protectedHeader, claims)
  return { payload: claims as P & JWTClaims, protectedHeader, key: usedKey }
}

/**
 * Decrypts a nested JWT (signed, then encrypted) and validates both layers: the JWE with the
 * decryption key and JWE options, the inner JWS with the verification key and `algorithms`, then the
 * claims, and finally any claims replicated into the JWE header.
 *
 * @example
 * ```ts
 * const { payload } = await decryptAndVerifyJWT(token, recipientPrivateKey, issuerPublicKey, { audience: 'api' })
 * ```
 */
export async function decryptAndVerifyJWT<P = JWTClaims>(
  token: string,
  decryptionKey: JotKey | JWEKeyResolver,
  verificationKey: JotKey | KeyResolver,
  options?: DecryptAndVerifyJWTOptions,
): Promise<DecryptedNestedJWT<P>> {
  decryptionKey = checkKeyOrResolver(decryptionKey, 'decryptionKey')
  verificationKey = checkKeyOrResolver(verificationKey, 'verificationKey')
  options = readOptions(options)
  const prepared = prepareJWEOptions(options)
  const innerOptions: VerifyJWSOptions = {}
  if (options.algorithms !== undefined) innerOptions.algorithms = options.algorithms
  if (options.crit !== undefined) innerOptions.crit = options.crit
  if (options.maxTokenLength !== undefined) innerOptions.maxTokenLength = options.maxTokenLength
  const jwsOptions = prepareJWSOptions(innerOptions)
  const validateClaims = compileClaimsValidator(options)
  const outer = await decryptCompactPrepared(token, decryptionKey, prepared)
  if (!isNested(outer.protectedHeader)) throw new JWEInvalid('not a nested JWT: the JWE header has no cty "JWT"')
  const inner = await verifyCompactPrepared(decodeUtf8(outer.plaintext), verificationKey, jwsOptions, undefined)
  const claims = parseJSONObjectBytes(inner.payload, 'JWT claims set') as JWTClaims
  validateClaims(claims, inner.protectedHeader)
  checkReplicatedClaims(outer.protectedHeader, claims)
  return {
    payload: claims as P & JWTClaims,
    header: inner.protectedHeader,
    protectedHeader: outer.protectedHeader,
    key: inner.key,
    decryptionKey: outer.key,
  }
}
