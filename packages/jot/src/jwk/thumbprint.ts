/** JWK thumbprints (RFC 7638) and thumbprint URIs (RFC 9278). @module */
import * as runtime from '#runtime'
import { InvalidArgument, KeyInvalid } from '../errors.js'
import { table } from '../jwa/curves.js'
import type { HashName } from '../jwa/signing.js'
import { encode as encodeBase64URL } from '../lib/base64url.js'
import { readObject } from '../lib/arguments.js'
import { encodeUtf8 } from '../lib/utf8.js'
import { exportJWK, toPublicKey } from '../key/export.js'
import { isJotKey, type JotKey } from '../key/key.js'
import type { JWK } from '../key/jwk.js'

export type ThumbprintHash = 'sha256' | 'sha384' | 'sha512'

// Null-prototype tables: "constructor" or "__proto__" from untrusted input must never match a row.
const HASHES: Readonly<Record<string, { name: HashName; uri: string }>> = /* @__PURE__ */ table({
  sha256: { name: 'SHA-256', uri: 'sha-256' },
  sha384: { name: 'SHA-384', uri: 'sha-384' },
  sha512: { name: 'SHA-512', uri: 'sha-512' },
})

/** RFC 7638 §3.2: the required members of each key type, in lexicographic order. */
const REQUIRED: Readonly<Record<string, readonly string[]>> = /* @__PURE__ */ table({
  AKP: ['alg', 'kty', 'pub'], // RFC 9964 §6
  EC: ['crv', 'kty', 'x', 'y'],
  OKP: ['crv', 'kty', 'x'],
  RSA: ['e', 'kty', 'n'],
  oct: ['k', 'kty'],
})

/**
 * @internal The members RFC 7638 §3.2 hashes, in lexicographic order: for a public key, the key
 * itself and nothing else (DPoP proofs carry exactly this as their `jwk`, RFC 9449 §4.2).
 */
export function requiredMembers(jwk: JWK): Record<string, string> {
  const required = typeof jwk.kty === 'string' ? REQUIRED[jwk.kty] : undefined
  if (!required) throw new KeyInvalid('JWK "kty" must be EC, OKP, RSA, AKP or oct')
  const canonical: Record<string, string> = {}
  for (const name of required) {
    const value = jwk[name]
    if (typeof value !== 'string') throw new KeyInvalid(`JWK member "${name}" must be a string`)
    canonical[name] = value
  }
  return canonical
}

async function thumbprintBytes(input: JWK | JotKey, hash: ThumbprintHash): Promise<Uint8Array> {
  const spec = typeof hash === 'string' ? HASHES[hash] : undefined
  if (!spec) throw new InvalidArgument('thumbprint hash must be sha256, sha384 or sha512')
  const jwk = isJotKey(input) ? await exportJWK(input.type === 'private' ? await toPublicKey(input) : input) : readObject<JWK>(input, 'the JWK')
  return runtime.digest(spec.name, encodeUtf8(JSON.stringify(requiredMembers(jwk))))
}

/**
 * The RFC 7638 thumbprint of a key (of its public half for private keys), base64url-encoded.
 *
 * @example
 * ```ts
 * const kid = await jwkThumbprint(publicKey) // e.g. 'NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs'
 * ```
 */
export async function jwkThumbprint(key: JWK | JotKey, hash: ThumbprintHash = 'sha256'): Promise<string> {
  return encodeBase64URL(await thumbprintBytes(key, hash))
}

/**
 * The RFC 9278 thumbprint URI, `urn:ietf:params:oauth:jwk-thumbprint:<hash>:<thumbprint>`.
 *
 * @example
 * ```ts
 * await jwkThumbprintUri(publicKey) // 'urn:ietf:params:oauth:jwk-thumbprint:sha-256:NzbL…'
 * ```
 */
export async function jwkThumbprintUri(key: JWK | JotKey, hash: ThumbprintHash = 'sha256'): Promise<string> {
  const thumbprint = await jwkThumbprint(key, hash)
  return `urn:ietf:params:oauth:jwk-thumbprint:${HASHES[hash]!.uri}:${thumbprint}`
}
