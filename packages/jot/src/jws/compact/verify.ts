import { InvalidArgument, JWSInvalid } from '../../errors.js'
import type { JotKey } from '../../key/key.js'
import { checkKeyOrResolver, readOptions } from '../../lib/arguments.js'
import type { MaybePromise } from '../../lib/maybe-promise.js'
import { prepareJWSOptions, type PreparedJWSOptions } from '../header.js'
import type { KeyResolver, VerifiedJWS, VerifyJWSOptions } from '../types.js'
import { checkLength, verifyEntry, verifySignatureEntry, type DetachedPayload, type VerifiedEntry } from '../verify.js'

/** Options for {@link verifyCompactJWS}. */
export interface VerifyCompactJWSOptions extends VerifyJWSOptions {
  /** The content of a JWS with a detached payload (`header..signature`). */
  payload?: Uint8Array | string
}

/** @internal Splits a compact JWS into its three segments, after the length check. */
export function splitCompact(token: unknown, options: PreparedJWSOptions): [string, string, string] {
  if (typeof token !== 'string') throw new InvalidArgument('a compact JWS must be a string')
  checkLength(token.length, options)
  // Three indexOf calls and three slices cost a third of `split('.')` on a typical JWT.
  const first = token.indexOf('.')
  const second = first < 0 ? -1 : token.indexOf('.', first + 1)
  if (second < 0 || token.includes('.', second + 1)) {
    const segments = token.split('.').length
    throw new JWSInvalid(segments === 5 ? 'this is a JWE, not a JWS' : 'a compact JWS has exactly three segments')
  }
  if (first === 0) throw new JWSInvalid('a compact JWS must have a protected header')
  return [token.slice(0, first), token.slice(first + 1, second), token.slice(second + 1)]
}

/**
 * @internal A compact JWS verified with prepared options, its payload still base64url text: the JWT
 * layer decodes it straight to the claims' JSON text.
 */
export function verifyCompactEncoded(token: unknown, key: JotKey | KeyResolver, options: PreparedJWSOptions): MaybePromise<VerifiedEntry> {
  const [protectedB64, payload, signature] = splitCompact(token, options)
  return verifyEntry({ protected: protectedB64, header: undefined, payload, signature }, key, options, 'compact', undefined)
}

/** @internal Verification with options already prepared (used by the JWT layer and `createVerifier`). */
export function verifyCompactPrepared(
  token: unknown,
  key: JotKey | KeyResolver,
  options: PreparedJWSOptions,
  detached: DetachedPayload,
): Promise<VerifiedJWS> {
  const [protectedB64, payload, signature] = splitCompact(token, options)
  return verifySignatureEntry({ protected: protectedB64, header: undefined, payload, signature }, key, options, 'compact', detached)
}

/**
 * Verifies a JWS Compact Serialization and returns its payload and header.
 *
 * @example
 * ```ts
 * const { payload, protectedHeader } = await verifyCompactJWS(jws, publicKey)
 * new TextDecoder().decode(payload) // 'hello'
 * ```
 * @throws {@link JWSInvalid}, {@link JWSSignatureInvalid}, {@link AlgorithmNotAllowed}, {@link TokenTooLarge}, …
 */
export async function verifyCompactJWS(
  token: string,
  key: JotKey | KeyResolver,
  options?: VerifyCompactJWSOptions,
): Promise<VerifiedJWS> {
  options = readOptions(options)
  return verifyCompactPrepared(token, checkKeyOrResolver(key), prepareJWSOptions(options), options.payload)
}
