/** Producing one signature; shared by the three serializations and by JWT signing. @module */
import { InvalidArgument } from '../errors.js'
import { checkBytesOrString, checkKey } from '../lib/arguments.js'
import { encode as encodeBase64URL } from '../lib/base64url.js'
import { isPlainObject } from '../lib/bytes.js'
import { parseJSONObject, stringifyJSON } from '../lib/json.js'
import { decodeUtf8, encodeUtf8 } from '../lib/utf8.js'
import type { JotKey } from '../key/key.js'
import { then, type MaybePromise } from '../lib/maybe-promise.js'
import { buildProtectedHeader, checkHeader } from './header.js'
import { createSignature, signingInput } from './signature.js'
import type { JWSHeaderParameters } from './types.js'

export interface SignedEntry {
  readonly protected: string
  /** The payload as it appears in the JWS: base64url text, or the raw text with `b64: false`. */
  readonly payload: string
  readonly signature: string
}

/** Normalizes a payload (or plaintext) argument to bytes. */
export function payloadBytes(payload: unknown, name = 'payload'): Uint8Array {
  const checked = checkBytesOrString(payload, name)
  return typeof checked === 'string' ? encodeUtf8(checked) : checked
}

/** The payload as it will appear in the JWS (RFC 7515 §7, RFC 7797 §3). */
export function encodePayload(bytes: Uint8Array, b64: boolean): string {
  return b64 ? encodeBase64URL(bytes) : decodeUtf8(bytes)
}

/** A protected header built and checked once, ready to sign any number of payloads. */
export interface PreparedHeader {
  /** The protected header; empty when the JWS has none (JSON serializations only). */
  readonly header: JWSHeaderParameters
  /** BASE64URL(UTF8(header text)), or '' for no protected header. */
  readonly encoded: string
}

/**
 * Builds (or takes verbatim) the protected header and checks it with the verifier's own rules, so
 * jot never emits a JWS it would refuse. A string is the exact header text to sign (this is how the
 * RFC vectors are reproduced byte for byte); `''` means no protected header at all.
 */
export function prepareHeader(
  key: JotKey,
  protectedInput: JWSHeaderParameters | string | undefined,
  unprotectedHeader: JWSHeaderParameters | undefined,
  b64: boolean,
): PreparedHeader {
  checkKey(key)
  if (unprotectedHeader !== undefined && !isPlainObject(unprotectedHeader)) {
    throw new InvalidArgument('unprotectedHeader must be an object')
  }
  let header: JWSHeaderParameters | undefined
  let encoded: string
  if (typeof protectedInput === 'string') {
    header = protectedInput === '' ? undefined : parseJSONObject(protectedInput, 'protected header')
    encoded = encodeBase64URL(protectedInput)
  } else {
    header = buildProtectedHeader(key, protectedInput, b64)
    encoded = encodeBase64URL(stringifyJSON(header, 'protected header'))
  }
  // The caller's own crit names count as understood: they are the ones defining them.
  const checked = checkHeader(header, unprotectedHeader, new Set(['b64', ...(header?.crit ?? [])]))
  if (checked.alg !== key.alg) throw new InvalidArgument(`header alg "${checked.alg}" differs from the key's ${key.alg}`)
  if (checked.b64 !== b64) throw new InvalidArgument('the header\'s "b64" does not match the b64 option')
  return { header: header ?? {}, encoded }
}

/**
 * Signs an already-encoded payload under a prepared header; returns the base64url signature, at once
 * where the primitive is synchronous (node:crypto; see lib/maybe-promise.ts).
 */
export function signWithHeader(key: JotKey, prepared: PreparedHeader, payload: string): MaybePromise<string> {
  return then(createSignature(key, signingInput(prepared.encoded, payload, true)), encodeBase64URL)
}

export async function signEntry(
  key: JotKey,
  payload: string,
  protectedInput: JWSHeaderParameters | string | undefined,
  unprotectedHeader: JWSHeaderParameters | undefined,
  b64: boolean,
): Promise<SignedEntry> {
  const prepared = prepareHeader(key, protectedInput, unprotectedHeader, b64)
  const signature = await signWithHeader(key, prepared, payload)
  return { protected: prepared.encoded, payload, signature }
}
