import { JWSInvalid } from '../../errors.js'
import type { JotKey } from '../../key/key.js'
import { checkKeyOrResolver, readOptions } from '../../lib/arguments.js'
import { prepareJWSOptions } from '../header.js'
import type { FlattenedJWS, KeyResolver, VerifiedJWS, VerifyJWSOptions } from '../types.js'
import { checkLength, parseSerialization, verifySignatureEntry } from '../verify.js'

/** Options for {@link verifyFlattenedJWS} and {@link verifyGeneralJWS}. */
export interface VerifyJSONJWSOptions extends VerifyJWSOptions {
  /** Detached content, for a JWS without a `payload` member. */
  payload?: Uint8Array | string
}

/** @internal RFC 8725 §3.3: say plainly when a JWE reaches a JWS entry point. */
export function assertNotJWE(input: Record<string, unknown>): void {
  if ('ciphertext' in input) throw new JWSInvalid('this is a JWE, not a JWS; use the JWE decrypt functions')
}

/** @internal Checks an optional string member of a JSON serialization. */
export function optionalString(value: unknown, name: string): string | undefined {
  if (value !== undefined && typeof value !== 'string') throw new JWSInvalid(`"${name}" must be a string`)
  return value
}

/**
 * Verifies a flattened JWS JSON Serialization (as an object or as JSON text).
 *
 * @example
 * ```ts
 * const { payload, protectedHeader, unprotectedHeader } = await verifyFlattenedJWS(jws, key)
 * ```
 */
export async function verifyFlattenedJWS(
  jws: FlattenedJWS | string,
  key: JotKey | KeyResolver,
  options?: VerifyJSONJWSOptions,
): Promise<VerifiedJWS> {
  options = readOptions(options)
  key = checkKeyOrResolver(key)
  const prepared = prepareJWSOptions(options)
  const input = parseSerialization(jws, prepared)
  assertNotJWE(input)
  if ('signatures' in input) throw new JWSInvalid('this is a general JWS; use verifyGeneralJWS')
  const protectedB64 = optionalString(input.protected, 'protected') ?? ''
  const payload = optionalString(input.payload, 'payload')
  const signature = optionalString(input.signature, 'signature')
  if (signature === undefined) throw new JWSInvalid('the JWS has no "signature"')
  checkLength(protectedB64.length + (payload?.length ?? 0) + signature.length, prepared)
  return verifySignatureEntry(
    { protected: protectedB64, header: input.header, payload, signature },
    key,
    prepared,
    'flattened',
    options.payload,
  )
}
