import { JWSInvalid, JWSSignatureInvalid } from '../../errors.js'
import type { JotKey } from '../../key/key.js'
import { checkKeyOrResolver, readOptions } from '../../lib/arguments.js'
import { isPlainObject } from '../../lib/bytes.js'
import { assertNotJWE, optionalString, type VerifyJSONJWSOptions } from '../flattened/verify.js'
import { prepareJWSOptions } from '../header.js'
import type { GeneralJWS, KeyResolver, VerifiedJWS } from '../types.js'
import { checkLength, decodeProtectedHeader, parseSerialization, verifySignatureEntry } from '../verify.js'

/** Upper bound on signatures examined per JWS, so one token cannot demand unbounded work. */
const MAX_SIGNATURES = 16

/**
 * RFC 7797 §3: every signature of a JWS has the same `b64`. Otherwise one JWS carries two payloads
 * (the `payload` member as base64url for some signatures, as the content itself for others) and
 * which one a verifier gets depends on the key it holds. Read from the protected headers (the only
 * place `b64` may be, RFC 7797 §6) before any signature is checked, so a signature that would not
 * verify anyway still counts.
 */
function assertOneB64(signatures: ReadonlyArray<Record<string, unknown>>): void {
  const b64 = (entry: Record<string, unknown>) => decodeProtectedHeader((entry.protected as string | undefined) ?? '')?.b64 !== false
  const first = b64(signatures[0]!)
  if (!signatures.every((entry) => b64(entry) === first)) throw new JWSInvalid('the signatures disagree on "b64" (RFC 7797 §3)')
}

/**
 * Verifies a general JWS JSON Serialization: returns the first signature that verifies with the key
 * (or the key the resolver picks for it), with its index. Fails only when none verifies: with
 * `ERR_JWS_SIGNATURE_INVALID` if some signature was checked and failed, otherwise with the error of
 * the first signature (e.g. an algorithm the key is not bound to). A JWS whose signatures disagree on
 * `b64` (or whose protected headers cannot all be decoded) is refused with `ERR_JWS_INVALID` before
 * any signature is checked.
 *
 * @example
 * ```ts
 * const { payload, signatureIndex } = await verifyGeneralJWS(jws, ecPublicKey)
 * ```
 */
export async function verifyGeneralJWS(
  jws: GeneralJWS | string,
  key: JotKey | KeyResolver,
  options?: VerifyJSONJWSOptions,
): Promise<VerifiedJWS & { signatureIndex: number }> {
  options = readOptions(options)
  key = checkKeyOrResolver(key)
  const prepared = prepareJWSOptions(options)
  const input = parseSerialization(jws, prepared)
  assertNotJWE(input)
  const payload = optionalString(input.payload, 'payload')
  const { signatures } = input
  if (!Array.isArray(signatures) || signatures.length === 0) throw new JWSInvalid('"signatures" must be a non-empty array')
  if (signatures.length > MAX_SIGNATURES) throw new JWSInvalid(`more than ${MAX_SIGNATURES} signatures`)
  let length = payload?.length ?? 0
  for (const entry of signatures) {
    if (!isPlainObject(entry)) throw new JWSInvalid('each signature must be an object')
    length += (optionalString(entry.protected, 'protected')?.length ?? 0) + (optionalString(entry.signature, 'signature')?.length ?? 0)
  }
  checkLength(length, prepared)
  assertOneB64(signatures as Array<Record<string, unknown>>)

  let firstError: unknown
  let signatureError: unknown
  for (const [index, entry] of (signatures as Array<Record<string, unknown>>).entries()) {
    if (entry.signature === undefined) throw new JWSInvalid('a signature has no "signature"')
    try {
      const result = await verifySignatureEntry(
        { protected: (entry.protected as string | undefined) ?? '', header: entry.header, payload, signature: entry.signature as string },
        key,
        prepared,
        'general',
        options.payload,
      )
      return { ...result, signatureIndex: index }
    } catch (error) {
      firstError ??= error
      if (error instanceof JWSSignatureInvalid) signatureError ??= error
    }
  }
  throw signatureError ?? firstError
}
