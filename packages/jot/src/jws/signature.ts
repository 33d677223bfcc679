/**
 * Creating and checking signatures over a JWS signing input. Shape checks that do not need the
 * primitive happen here, before the backend runs: exact signature length for every algorithm and,
 * for ECDSA, 1 ≤ r, s < n (CVE-2022-21449 "psychic signatures" accepted r = s = 0).
 * @module
 */
import * as runtime from '#runtime'
import { JWSSignatureInvalid } from '../errors.js'
import { SIGNATURE_CURVES, type ECDSACurve, type EdDSACurve } from '../jwa/curves.js'
import type { JWSAlgorithm } from '../jwa/signing.js'
import { concatBytes } from '../lib/bytes.js'
import type { MaybePromise } from '../lib/maybe-promise.js'
import { encodeUtf8, encodeUtf8Transient } from '../lib/utf8.js'
import { assertCanSign, keyInternals, type JotKey } from '../key/key.js'

/**
 * RFC 7515 §5.1: ASCII(BASE64URL(protected)) ‖ '.' ‖ payload (encoded, or raw with b64: false).
 * `transient`: the caller hands the bytes to one sign or verify call before it yields (node:crypto
 * reads them synchronously; WebCrypto copies them when called), so scratch memory will do.
 */
export function signingInput(protectedB64: string, payload: string | Uint8Array, transient = false): Uint8Array {
  if (typeof payload === 'string') {
    const text = `${protectedB64}.${payload}`
    return transient ? encodeUtf8Transient(text) : encodeUtf8(text)
  }
  return concatBytes(encodeUtf8(`${protectedB64}.`), payload)
}

export function createSignature(key: JotKey, input: Uint8Array): MaybePromise<Uint8Array> {
  assertCanSign(key)
  const { algorithm, runtimeKey } = keyInternals(key)
  return runtime.sign(algorithm, runtimeKey, input)
}

/**
 * Throws {@link JWSSignatureInvalid} unless `signature` is a valid signature of `input` by `key`. A
 * signature refused by the shape check says so ("malformed"); one that has the right shape but does
 * not verify gets the generic message. Returns undefined when the check is done (a synchronous
 * primitive), or a promise of it. `offload`: see VerifyJWSOptions.offload.
 */
export function checkSignature(key: JotKey, input: Uint8Array, signature: Uint8Array, offload = false): Promise<void> | undefined {
  const { algorithm, runtimeKey } = keyInternals(key)
  if (!hasValidShape(algorithm, key, signature)) {
    throw new JWSSignatureInvalid(`signature is malformed for ${algorithm.name} (wrong length or out of range)`)
  }
  let valid: MaybePromise<boolean>
  try {
    valid = runtime.verify(algorithm, runtimeKey, input, signature, offload)
  } catch (cause) {
    throw verificationFailed(cause)
  }
  if (typeof valid !== 'boolean') return valid.then(assertValid, (cause: unknown) => Promise.reject(verificationFailed(cause)))
  assertValid(valid)
  return undefined
}

function assertValid(valid: boolean): void {
  if (!valid) throw new JWSSignatureInvalid()
}

/** The primitive itself threw: a key or signature it cannot use, reported as a bad signature. */
function verificationFailed(cause: unknown): JWSSignatureInvalid {
  return new JWSSignatureInvalid('signature verification failed', { cause })
}

function hasValidShape(algorithm: JWSAlgorithm, key: JotKey, signature: Uint8Array): boolean {
  switch (algorithm.family) {
    case 'hmac':
      return signature.length === algorithm.size
    case 'rsassa-pkcs1':
    case 'rsa-pss':
      return signature.length === Math.ceil((key.bits ?? 0) / 8)
    case 'eddsa':
      return signature.length === (SIGNATURE_CURVES[key.curve!] as EdDSACurve).signatureLength
    case 'ml-dsa':
      return signature.length === algorithm.signatureLength
    case 'ecdsa': {
      const { size, orderBytes } = SIGNATURE_CURVES[key.curve!] as ECDSACurve
      if (signature.length !== 2 * size) return false
      return inOrderRange(signature, 0, orderBytes) && inOrderRange(signature, size, orderBytes)
    }
  }
}

/** 0 < value < order, comparing fixed-length big-endian integers byte by byte. */
function inOrderRange(signature: Uint8Array, offset: number, order: Uint8Array): boolean {
  let zero = true
  let less: boolean | undefined
  for (let i = 0; i < order.length; i++) {
    const byte = signature[offset + i]!
    if (byte !== 0) zero = false
    if (less === undefined && byte !== order[i]) less = byte < order[i]!
  }
  return !zero && less === true
}
