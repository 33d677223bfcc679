/**
 * ECDH-ES (RFC 7518 §4.6, RFC 8037 §3.2): the ephemeral public key check that defeats invalid-curve
 * attacks, and the Concat KDF (NIST SP 800-56A §5.8.1) that turns the shared secret into a key.
 * @module
 */
import * as runtime from '#runtime'
import { JWEInvalid, quote } from '../errors.js'
import { CURVES, type Curve } from '../jwa/curves.js'
import type { ContentEncryption } from '../jwa/content-encryption.js'
import type { EcdhEsAlgorithm } from '../jwa/key-management.js'
import { concatBytes, isPlainObject } from '../lib/bytes.js'
import { encodeUtf8 } from '../lib/utf8.js'
import type { RuntimeKey } from '../runtime/types.js'
import { decodeMember } from './member.js'
import type { JWEHeaderParameters } from './types.js'

/**
 * Short Weierstrass equations y² = x³ + ax + b (mod p) of the ECDH-ES NIST curves (FIPS 186-4
 * §D.1.2; a = -3 for all three), for the public key check below.
 */
const CURVE_EQUATIONS: Readonly<Record<string, { readonly p: bigint; readonly a: bigint; readonly b: bigint }>> = {
  'P-256': {
    p: 0xffffffff00000001000000000000000000000000ffffffffffffffffffffffffn,
    a: -3n,
    b: 0x5ac635d8aa3a93e7b3ebbd55769886bc651d06b0cc53b0f63bce3c3e27d2604bn,
  },
  'P-384': {
    p: 0xfffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffeffffffff0000000000000000ffffffffn,
    a: -3n,
    b: 0xb3312fa7e23ee7e4988e056be3f82d19181d9c6efe8141120314088f5013875ac656398d8a2ed19d2a85c8edd3ec2aefn,
  },
  'P-521': {
    p: (1n << 521n) - 1n,
    a: -3n,
    b: 0x0051953eb9618e1c9a1f929a21a0b68540eea2da725b99b315f3b8b489918ef109e156193951ec7e937b1652c0bd3bb1bf073573df883d2c34f1ef451fd46b503f00n,
  },
}

function uint32(value: number): Uint8Array {
  const bytes = new Uint8Array(4)
  new DataView(bytes.buffer).setUint32(0, value)
  return bytes
}

/** A length-prefixed datum (SP 800-56A §5.8.1.2: Datalen ‖ Data). */
function lengthPrefixed(data: Uint8Array): Uint8Array {
  return concatBytes(uint32(data.length), data)
}

/**
 * RFC 7518 §4.6.2: Concat KDF with SHA-256. AlgorithmID is `enc` for direct agreement and `alg` for
 * key wrapping; PartyUInfo/PartyVInfo are the decoded `apu`/`apv`; SuppPubInfo is the key length in bits.
 */
async function concatKdf(
  sharedSecret: Uint8Array,
  keyLength: number,
  algorithmId: string,
  partyUInfo: Uint8Array,
  partyVInfo: Uint8Array,
): Promise<Uint8Array> {
  const otherInfo = concatBytes(
    lengthPrefixed(encodeUtf8(algorithmId)),
    lengthPrefixed(partyUInfo),
    lengthPrefixed(partyVInfo),
    uint32(keyLength * 8),
  )
  const rounds: Uint8Array[] = []
  for (let counter = 1; rounds.length * 32 < keyLength; counter++) {
    rounds.push(await runtime.digest('SHA-256', concatBytes(uint32(counter), sharedSecret, otherInfo)))
  }
  return concatBytes(...rounds).slice(0, keyLength)
}

function toBigInt(bytes: Uint8Array): bigint {
  let value = 0n
  for (const byte of bytes) value = (value << 8n) | BigInt(byte)
  return value
}

function mod(value: bigint, p: bigint): bigint {
  const r = value % p
  return r < 0n ? r + p : r
}

function coordinate(epk: Record<string, unknown>, name: string, length: number): Uint8Array {
  return decodeMember(epk[name], `epk.${name}`, length)
}

/**
 * Checks an `epk` header value and returns the JWK members to import. It must be a public key on
 * the recipient key's own curve, and for the NIST curves a point that satisfies the curve equation
 * (SP 800-56A §5.6.2.3.4 partial validation): otherwise an attacker choosing a point on a weak curve
 * could learn the recipient's private key one small subgroup at a time (invalid-curve attack,
 * RFC 8725 §3.4). Done here, once, so both backends refuse exactly the same inputs.
 */
export function checkEphemeralKey(epk: unknown, curve: Curve): Record<string, string> {
  if (!isPlainObject(epk)) throw new JWEInvalid('"epk" must be a JWK object')
  const info = CURVES[curve]!
  if (epk.kty !== info.kty || epk.crv !== curve) {
    throw new JWEInvalid(`"epk" must be a ${curve} key like the recipient's, not ${quote(epk.crv)}`)
  }
  if (epk.d !== undefined) throw new JWEInvalid('"epk" must not contain a private key')
  if (info.kty === 'OKP') {
    coordinate(epk, 'x', info.keyLength)
    return { kty: 'OKP', crv: curve, x: epk.x as string }
  }
  const x = toBigInt(coordinate(epk, 'x', info.size))
  const y = toBigInt(coordinate(epk, 'y', info.size))
  const { p, a, b } = CURVE_EQUATIONS[curve]!
  if (x >= p || y >= p || mod(y * y, p) !== mod(x * x * x + a * x + b, p)) {
    throw new JWEInvalid(`"epk" is not a point on ${curve}`)
  }
  return { kty: 'EC', crv: curve, x: epk.x as string, y: epk.y as string }
}

/** The shared secret Z; an all-zero Z (a low-order X25519/X448 point, RFC 7748 §6) is refused. */
export async function sharedSecret(privateKey: RuntimeKey, publicKey: RuntimeKey, curve: Curve): Promise<Uint8Array> {
  let z: Uint8Array
  try {
    z = await runtime.ecdhDeriveBits(privateKey, publicKey, curve)
  } catch (cause) {
    throw new JWEInvalid('ECDH key agreement failed', { cause })
  }
  // OR of every byte, with no early exit: how long the check takes says nothing about where Z is non-zero.
  let bits = 0
  for (const byte of z) bits |= byte
  if (bits === 0) throw new JWEInvalid('ECDH key agreement produced an all-zero secret')
  return z
}

/** The party info header parameters, decoded (absent means empty, RFC 7518 §4.6.1.2). */
function partyInfo(value: unknown, name: 'apu' | 'apv'): Uint8Array {
  return value === undefined ? new Uint8Array(0) : decodeMember(value, name)
}

/**
 * RFC 7518 §4.6.2: the key derived from the shared secret Z, for both sides of the agreement. For
 * direct agreement it is the CEK, for `enc` (AlgorithmID = enc); for key wrapping it is the KEK
 * (AlgorithmID = alg). PartyUInfo/PartyVInfo come from `apu`/`apv` wherever the header has them.
 */
export function deriveAgreedKey(
  z: Uint8Array,
  algorithm: EcdhEsAlgorithm,
  enc: ContentEncryption,
  header: JWEHeaderParameters,
): Promise<Uint8Array> {
  const direct = algorithm.wrapLength === undefined
  return concatKdf(
    z,
    algorithm.wrapLength ?? enc.cekLength,
    direct ? enc.name : algorithm.name,
    partyInfo(header.apu, 'apu'),
    partyInfo(header.apv, 'apv'),
  )
}
