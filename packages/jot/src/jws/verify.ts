/**
 * Verification of one signature, shared by the compact, flattened and general serializations and by
 * JWT: every entry point runs exactly this sequence, so their security checks cannot drift apart.
 * @module
 */
import { InvalidArgument, JWSInvalid } from '../errors.js'
import { decode as decodeBase64URL, decodeTransient as decodeBase64URLTransient, encode as encodeBase64URL } from '../lib/base64url.js'
import {
  checkLength as checkTokenLength,
  decodeProtectedHeader as decodeJOSEProtectedHeader,
  parseJSONSerialization,
} from '../lib/jose-header.js'
import { deepFreeze } from '../lib/freeze.js'
import { then, type MaybePromise } from '../lib/maybe-promise.js'
import { remember } from '../lib/memo.js'
import { encodeUtf8 } from '../lib/utf8.js'
import { isJotKey, type JotKey } from '../key/key.js'
import {
  checkAlgorithmAllowed,
  checkHeader,
  checkKeyAlgorithm,
  type CheckedHeader,
  type PreparedJWSOptions,
} from './header.js'
import { checkSignature, signingInput } from './signature.js'
import type { JWSHeaderParameters, JWSSerialization, KeyCandidates, KeyResolver, VerifiedJWS } from './types.js'

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

/**
 * Detached content as it was signed, once `b64` is known: base64url-encoded with `b64: true`, as
 * the signer did. A function, so that only the serializations that take detached content (and not
 * JWT) carry the encoder.
 */
type SignedDetached = (b64: boolean) => string | Uint8Array

function signedDetached(detached: DetachedPayload): SignedDetached | undefined {
  if (detached === undefined) return undefined
  const bytes = typeof detached === 'string' ? encodeUtf8(detached) : detached
  return (b64) => (b64 ? encodeBase64URL(bytes) : bytes)
}

export function decodeProtectedHeader(encoded: string): JWSHeaderParameters | undefined {
  return decodeJOSEProtectedHeader<JWSHeaderParameters>(encoded, 'JWS protected header')
}

interface CheckedProtectedHeader {
  readonly protectedHeader: JWSHeaderParameters | undefined
  readonly header: CheckedHeader
}

/**
 * Decodes and checks the headers. When there is no unprotected header the outcome depends only on
 * the encoded protected header and the prepared options, so a verifier remembers it (lib/memo.ts);
 * the header objects are frozen so no caller can alter them.
 */
function checkHeaders(entry: SignatureEntry, options: PreparedJWSOptions): CheckedProtectedHeader {
  if (entry.header !== undefined) {
    const protectedHeader = decodeProtectedHeader(entry.protected)
    return { protectedHeader, header: checkHeader(protectedHeader, entry.header, options.crit) }
  }
  return remember(options.headerCache, entry.protected, (encoded) => {
    const protectedHeader = deepFreeze(decodeProtectedHeader(encoded))
    // Frozen whole: the joint header handed to key resolvers is shared by every token with this header.
    return { protectedHeader, header: deepFreeze(checkHeader(protectedHeader, undefined, options.crit)) }
  })
}

/** A verified signature entry, with the payload still as it was signed (see {@link verifySignatureEntry}). */
export interface VerifiedEntry {
  /** The payload as signed: its base64url text (`b64: true`), or the raw content. */
  readonly signedPayload: string | Uint8Array
  readonly b64: boolean
  readonly protectedHeader: JWSHeaderParameters | undefined
  readonly key: JotKey
}

/**
 * Runs every check of one signature entry and verifies it; the payload is left encoded. With a key
 * (not a resolver) on a backend whose primitives answer synchronously, the outcome is ready when
 * this returns (see lib/maybe-promise.ts); checks that fail throw synchronously either way.
 */
export function verifyEntry(
  entry: SignatureEntry,
  keyOrResolver: JotKey | KeyResolver,
  options: PreparedJWSOptions,
  serialization: JWSSerialization,
  detached: SignedDetached | undefined,
): MaybePromise<VerifiedEntry> {
  if (typeof entry.protected !== 'string' || typeof entry.signature !== 'string') {
    throw new JWSInvalid('"protected" and "signature" must be strings')
  }
  const { protectedHeader, header } = checkHeaders(entry, options)
  if (serialization === 'compact' && !header.b64) {
    throw new JWSInvalid('"b64": false is only supported in the JSON serializations')
  }
  checkAlgorithmAllowed(header.alg, options.algorithms)
  // Only a resolver's answer may be a promise; a key given directly is used as it is (and refused
  // below unless it is a JotKey).
  const checked = { protectedHeader, header, entry, detached, offload: options.offload }
  if (typeof keyOrResolver !== 'function') return verifyWithCandidates(keyOrResolver, checked)
  return then(keyOrResolver(header.joint, { serialization }), (resolved) => verifyWithCandidates(resolved, checked))
}

/** Picks the candidates bound to the header's `alg` and checks the signature with them. */
function verifyWithCandidates(
  resolved: KeyCandidates,
  {
    protectedHeader,
    header,
    entry,
    detached,
    offload,
  }: CheckedProtectedHeader & { readonly entry: SignatureEntry; readonly detached: SignedDetached | undefined; readonly offload: boolean },
): MaybePromise<VerifiedEntry> {
  const candidates = checkedCandidates(resolved)
  // Only keys bound to the header's alg are tried; if none is, fail exactly as for a single key.
  const keys = candidates.filter((candidate) => candidate.alg === header.alg)
  if (keys.length === 0) checkKeyAlgorithm(header.alg, candidates[0]!)
  const payload = choosePayload(entry.payload, detached, header.b64)
  if (keys.length > 1) {
    return firstVerifyingKey(keys, signingInput(entry.protected, payload), decodeBase64URL(entry.signature), offload).then(
      (key): VerifiedEntry => ({ signedPayload: payload, b64: header.b64, protectedHeader, key }),
    )
  }
  // One candidate reads the signing input and signature before anything yields (node:crypto
  // synchronously, WebCrypto copies them when called), so scratch memory will do.
  const key = keys[0]!
  const verified: VerifiedEntry = { signedPayload: payload, b64: header.b64, protectedHeader, key }
  const pending = checkSignature(key, signingInput(entry.protected, payload, true), decodeBase64URLTransient(entry.signature), offload)
  return pending === undefined ? verified : pending.then(() => verified)
}

export async function verifySignatureEntry(
  entry: SignatureEntry,
  keyOrResolver: JotKey | KeyResolver,
  options: PreparedJWSOptions,
  serialization: JWSSerialization,
  detached: DetachedPayload,
): Promise<VerifiedJWS> {
  const { signedPayload, b64, protectedHeader, key } = await verifyEntry(entry, keyOrResolver, options, serialization, signedDetached(detached))
  const result: VerifiedJWS = {
    payload: typeof signedPayload === 'string' ? (b64 ? decodeBase64URL(signedPayload) : encodeUtf8(signedPayload)) : signedPayload,
    protectedHeader: protectedHeader ?? {},
    key,
  }
  if (entry.header !== undefined) result.unprotectedHeader = entry.header as JWSHeaderParameters
  return result
}

/**
 * Upper bound on candidate keys tried per signature: a resolver (or a JWK Set with many keys under
 * one `kid`) must not turn one token into unbounded signature checks. Further candidates are ignored.
 */
export const MAX_CANDIDATE_KEYS = 5

/** The given key, or the resolver's candidates (one key or a non-empty array), capped and checked. */
function checkedCandidates(resolved: KeyCandidates): readonly JotKey[] {
  const keys = Array.isArray(resolved) ? resolved.slice(0, MAX_CANDIDATE_KEYS) : [resolved as JotKey]
  if (keys.length === 0) throw new InvalidArgument('the key resolver returned no keys; it should throw instead')
  if (!keys.every(isJotKey)) throw new InvalidArgument('the verification key must be a JotKey (see importKey)')
  return keys
}

/**
 * Tries each candidate in order and returns the first whose signature verifies. One candidate fails
 * exactly as it always did; with several, the signature error is reported once all have failed.
 */
async function firstVerifyingKey(keys: readonly JotKey[], input: Uint8Array, signature: Uint8Array, offload: boolean): Promise<JotKey> {
  let firstError: unknown
  for (const key of keys) {
    try {
      await checkSignature(key, input, signature, offload)
      return key
    } catch (error) {
      firstError ??= error
    }
  }
  throw firstError
}

/**
 * The content that was signed: the JWS's own payload, or the detached content the verifier holds
 * (see {@link signedDetached}).
 */
function choosePayload(inline: string | undefined, detached: SignedDetached | undefined, b64: boolean): string | Uint8Array {
  if (inline !== undefined && inline !== '') {
    if (detached !== undefined) throw new JWSInvalid('the JWS has a payload, but a detached payload was also given')
    return inline
  }
  return detached === undefined ? (inline ?? '') : detached(b64)
}

/** Enforces `maxTokenLength` before any decoding work. */
export function checkLength(length: number, options: PreparedJWSOptions): void {
  checkTokenLength(length, options.maxTokenLength)
}

/** JSON serializations may arrive as text: parse strictly (duplicate members rejected). */
export function parseSerialization(input: unknown, options: PreparedJWSOptions): Record<string, unknown> {
  return parseJSONSerialization(input, options.maxTokenLength, 'JWS JSON serialization')
}
