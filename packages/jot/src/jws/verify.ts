/**
 * Verification of one signature, shared by the compact, flattened and general serializations and by
 * JWT: every entry point runs exactly this sequence, so their security checks cannot drift apart.
 * @module
 */
import { InvalidArgument, JWSInvalid, TokenTooLarge } from '../errors.js'
import { decode as decodeBase64URL, encode as encodeBase64URL } from '../lib/base64url.js'
import { parseJSONObject, parseJSONObjectBytes } from '../lib/json.js'
import { encodeUtf8 } from '../lib/utf8.js'
import { isJotKey, type JotKey } from '../key/key.js'
import { checkAlgorithmAllowed, checkHeader, checkKeyAlgorithm, type PreparedJWSOptions } from './header.js'
import { checkSignature, signingInput } from './signature.js'
import type { JWSHeaderParameters, JWSSerialization, KeyResolver, VerifiedJWS } from './types.js'

/** One signature of a JWS, as it appears in any serialization. */
export interface SignatureEntry {
  /** BASE64URL(protected header), or '' when there is none. */
  readonly protected: string
  readonly header: unknown
  /** The payload as it appears in the JWS; undefined when detached. */
  readonly payload: string | undefined
  readonly signature: string
}

/** Detached content supplied by the verifier (RFC 7515 Appendix F). */
export type DetachedPayload = Uint8Array | string | undefined

export function decodeProtectedHeader(encoded: string): JWSHeaderParameters | undefined {
  if (encoded === '') return undefined
  return parseJSONObjectBytes(decodeBase64URL(encoded), 'JWS protected header') as JWSHeaderParameters
}

export async function verifySignatureEntry(
  entry: SignatureEntry,
  keyOrResolver: JotKey | KeyResolver,
  options: PreparedJWSOptions,
  serialization: JWSSerialization,
  detached: DetachedPayload,
): Promise<VerifiedJWS> {
  if (typeof entry.protected !== 'string' || typeof entry.signature !== 'string') {
    throw new JWSInvalid('"protected" and "signature" must be strings')
  }
  const protectedHeader = decodeProtectedHeader(entry.protected)
  const header = checkHeader(protectedHeader, entry.header, options.crit)
  if (serialization === 'compact' && !header.b64) {
    throw new JWSInvalid('"b64": false is only supported in the JSON serializations')
  }
  checkAlgorithmAllowed(header.alg, options.algorithms)
  const key = await resolveKey(keyOrResolver, header.joint, serialization)
  checkKeyAlgorithm(header.alg, key)

  const payload = choosePayload(entry.payload, detached, header.b64)
  const signature = decodeBase64URL(entry.signature)
  await checkSignature(key, signingInput(entry.protected, payload), signature)

  const result: VerifiedJWS = {
    payload: typeof payload === 'string' ? (header.b64 ? decodeBase64URL(payload) : encodeUtf8(payload)) : payload,
    protectedHeader: protectedHeader ?? {},
    key,
  }
  if (entry.header !== undefined) result.unprotectedHeader = entry.header as JWSHeaderParameters
  return result
}

async function resolveKey(
  keyOrResolver: JotKey | KeyResolver,
  header: JWSHeaderParameters,
  serialization: JWSSerialization,
): Promise<JotKey> {
  const key = typeof keyOrResolver === 'function' ? await keyOrResolver(header, { serialization }) : keyOrResolver
  if (!isJotKey(key)) throw new InvalidArgument('the verification key must be a JotKey (see importKey)')
  return key
}

/**
 * The content that was signed: the JWS's own payload, or the detached content the verifier holds.
 * With `b64: true` detached content is base64url-encoded here, as the signer did.
 */
function choosePayload(inline: string | undefined, detached: DetachedPayload, b64: boolean): string | Uint8Array {
  if (inline !== undefined && inline !== '') {
    if (detached !== undefined) throw new JWSInvalid('the JWS has a payload, but a detached payload was also given')
    return inline
  }
  if (detached === undefined) return inline ?? ''
  const bytes = typeof detached === 'string' ? encodeUtf8(detached) : detached
  return b64 ? encodeBase64URL(bytes) : bytes
}

/** Enforces `maxTokenLength` before any decoding work. */
export function checkLength(length: number, options: PreparedJWSOptions): void {
  if (length > options.maxTokenLength) {
    throw new TokenTooLarge(`input is ${length} characters; the limit is ${options.maxTokenLength}`)
  }
}

/** JSON serializations may arrive as text: parse strictly (duplicate members rejected). */
export function parseSerialization(input: unknown, options: PreparedJWSOptions): Record<string, unknown> {
  if (typeof input === 'string') {
    checkLength(input.length, options)
    return parseJSONObject(input, 'JWS JSON serialization')
  }
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new JWSInvalid('a JWS JSON serialization must be an object or JSON text')
  }
  return input as Record<string, unknown>
}
