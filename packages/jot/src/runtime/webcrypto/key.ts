/**
 * The WebCrypto key handle. WebCrypto binds a CryptoKey to its usages, so a private CryptoKey
 * cannot verify; jot's interface says a private key verifies as its public half, so the handle
 * derives that half once, on first need, and keeps it.
 * @module
 */
import { PRIVATE_JWK_MEMBERS } from '../../key/members.js'
import type { JWKMembers, KeyKind, KeySource, RuntimeKey } from '../types.js'
import type { KeyParams, Usages } from './algorithms.js'

/**
 * Members WebCrypto adds on export and cross-checks against the import usages. jot binds keys to
 * algorithms above the runtime interface, so as bindings they never cross it in either direction.
 * An AKP key's `alg` is not a binding but key material: it names the ML-DSA parameter set (RFC 9964
 * §3), as `crv` names a curve, so it crosses like any other member of the key (see {@link withoutMembers}).
 */
const BINDING_MEMBERS: ReadonlySet<string> = new Set(['alg', 'key_ops', 'ext', 'use'])

// A call marked free of side effects, where a spread (`new Set([...a, ...b])`) would have to be kept
// for its iterator calls: bundles that never import or export keys drop the table.
/* @__NO_SIDE_EFFECTS__ */ function union(...lists: ReadonlyArray<Iterable<string>>): ReadonlySet<string> {
  return new Set(lists.flatMap((list) => [...list]))
}

/** What a private JWK loses to become its public half: its private members and the bindings. */
const PUBLIC_DROPS = union(PRIVATE_JWK_MEMBERS, BINDING_MEMBERS)

/** What DER and raw material are by construction; a JWK is shaped to the kind the caller asks for. */
const FORMAT_KIND = { spki: 'public', pkcs8: 'private', secret: 'secret' } as const

export class WebCryptoKey implements RuntimeKey {
  readonly kind: KeyKind
  readonly bits?: number
  readonly cryptoKey: CryptoKey
  readonly #publicUsages: KeyUsage[]
  #verifyingKey: Promise<CryptoKey> | undefined

  constructor(cryptoKey: CryptoKey, publicUsages: KeyUsage[], publicHalf?: CryptoKey) {
    this.kind = cryptoKey.type
    this.cryptoKey = cryptoKey
    this.#publicUsages = publicUsages
    const algorithm = cryptoKey.algorithm as Partial<RsaHashedKeyAlgorithm & HmacKeyAlgorithm>
    // HmacKeyAlgorithm.length is already in bits.
    const bits = cryptoKey.type === 'secret' ? algorithm.length : algorithm.modulusLength
    if (bits !== undefined) this.bits = bits
    if (publicHalf !== undefined) this.#verifyingKey = Promise.resolve(publicHalf)
  }

  /**
   * The CryptoKey that verifies (or encrypts, or is the ECDH public value) for this handle: the
   * public half of a private key, else the key itself.
   */
  verifyingKey(): Promise<CryptoKey> {
    if (this.kind !== 'private') return Promise.resolve(this.cryptoKey)
    this.#verifyingKey ??= derivePublicKey(this.cryptoKey, this.#publicUsages)
    return this.#verifyingKey
  }

  /** Usages of the public half, for handles derived from this one. */
  get publicUsages(): KeyUsage[] {
    return this.#publicUsages
  }
}

export function webCryptoKey(key: RuntimeKey): WebCryptoKey {
  return key as WebCryptoKey
}

export function importCryptoKey(params: KeyParams, source: KeySource, kind: KeyKind, usages: Usages): Promise<CryptoKey> {
  const subtle = crypto.subtle
  switch (source.format) {
    case 'jwk': {
      const jwk = withoutMembers(source.jwk, kind === 'private' ? BINDING_MEMBERS : PUBLIC_DROPS)
      return subtle.importKey('jwk', jwk, params, true, usages[kind])
    }
    case 'secret': {
      const hmacParams = { ...params, length: source.bytes.length * 8 }
      return subtle.importKey('raw', bufferSource(source.bytes), hmacParams, true, usages.secret)
    }
    case 'spki':
    case 'pkcs8':
      return subtle.importKey(source.format, bufferSource(source.der), params, true, usages[FORMAT_KIND[source.format]])
  }
}

/** JWK members as jot exchanges them: strings only, none of WebCrypto's binding members. */
export function exportedMembers(jwk: JsonWebKey): Record<string, string> {
  return withoutMembers(jwk as JWKMembers, BINDING_MEMBERS)
}

/** WebCrypto has no "public half" operation; the JWK without its private members is exactly that. */
async function derivePublicKey(privateKey: CryptoKey, usages: KeyUsage[]): Promise<CryptoKey> {
  const jwk = withoutMembers((await crypto.subtle.exportKey('jwk', privateKey)) as JWKMembers, PUBLIC_DROPS)
  return crypto.subtle.importKey('jwk', jwk, privateKey.algorithm, true, usages)
}

/**
 * `jwk` without the `drop` members, except key material: an AKP key's `alg` is part of the key (and
 * WebCrypto refuses an AKP JWK without it), so it is never dropped as a binding member.
 */
function withoutMembers(jwk: JWKMembers, drop: ReadonlySet<string>): Record<string, string> {
  const keep = jwk.kty === 'AKP' ? 'alg' : undefined
  // fromEntries defines own properties, so a member named "__proto__" stays inert data.
  return Object.fromEntries(Object.entries(jwk).filter(([name]) => name === keep || !drop.has(name)))
}

/**
 * WebCrypto takes ArrayBuffer-backed views only; jot's byte arrays almost always are, so this copies
 * only in the rare SharedArrayBuffer case.
 */
export function bufferSource(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  return bytes.buffer instanceof ArrayBuffer ? (bytes as Uint8Array<ArrayBuffer>) : new Uint8Array(bytes)
}
