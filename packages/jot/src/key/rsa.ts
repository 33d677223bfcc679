/**
 * The bar every RSA key meets, whatever format it arrives in (JWK, SPKI, PKCS#1, PKCS#8, X.509
 * certificate) and whatever it is for (RS*, PS*, RSA-OAEP*, RSA1_5). It is checked on the public
 * numbers themselves, before a backend parses the key, so node:crypto and WebCrypto refuse the same
 * keys for the same reasons, and no backend spends work on a key that is refused anyway.
 * @module
 */
import { KeyTooWeak, NotSupported } from '../errors.js'
import { MAX_RSA_BITS, MIN_RSA_BITS } from '../jwa/signing.js'
import { hasROCAFingerprint } from './roca.js'

/** An RSA public key's numbers, each big-endian and unsigned: a JWK's `n` and `e`, or DER INTEGER contents. */
export interface RSAPublicNumbers {
  readonly n: Uint8Array
  readonly e: Uint8Array
}

/**
 * Public exponents are below 2^32. A verification costs a modular squaring per bit of e, so a huge
 * exponent (a JWK or an embedded `jwk` header may carry any) would make every verification with that
 * key many times slower than with 65537; real keys use 65537, sometimes 3.
 */
const MAX_EXPONENT_BYTES = 4

function withoutLeadingZeros(bytes: Uint8Array): Uint8Array {
  let start = 0
  while (start < bytes.length && bytes[start] === 0) start++
  return bytes.subarray(start)
}

/**
 * Refuses RSA public numbers that are weak, degenerate or out of jot's range.
 *
 * @throws {@link KeyTooWeak} for a modulus under 2048 bits, an even modulus, a public exponent that
 * is not odd and at least 3, and a modulus with the ROCA fingerprint; {@link NotSupported} for a
 * modulus over 16384 bits and an exponent of 2^32 or more.
 */
export function checkRSAPublicNumbers({ n, e }: RSAPublicNumbers): void {
  const modulus = withoutLeadingZeros(n)
  const bits = modulus.length === 0 ? 0 : (modulus.length - 1) * 8 + (32 - Math.clz32(modulus[0]!))
  // RFC 7518 §3.3, §3.5, §4.2, §4.3: 2048 bits or more, for signatures and key encryption alike.
  if (bits < MIN_RSA_BITS) throw new KeyTooWeak(`RSA keys must be at least ${MIN_RSA_BITS} bits (got ${bits})`)
  // OpenSSL's own ceiling for RSA operations; past it verification cost only grows.
  if (bits > MAX_RSA_BITS) throw new NotSupported(`RSA keys of more than ${MAX_RSA_BITS} bits are not supported (got ${bits})`)
  // RFC 8017 §3.1: n is a product of odd primes. An even modulus gives away its factor 2.
  if ((modulus[modulus.length - 1]! & 1) === 0) throw new KeyTooWeak('the RSA modulus is even: it is trivially factored')
  const exponent = withoutLeadingZeros(e)
  if (exponent.length > MAX_EXPONENT_BYTES) throw new NotSupported('RSA public exponents of 2^32 or more are not supported')
  const value = exponent.reduce((sum, byte) => sum * 256 + byte, 0)
  // RFC 8017 §3.1: 3 ≤ e and gcd(e, λ(n)) = 1, so e is odd (λ(n) is even). With e = 1 a signature
  // is the message itself, which anyone can forge; e = 0 and even e are no RSA key at all.
  if (value < 3 || value % 2 === 0) throw new KeyTooWeak(`the RSA public exponent must be odd and at least 3 (got ${value})`)
  if (hasROCAFingerprint(modulus)) {
    throw new KeyTooWeak(
      'the RSA modulus has the ROCA fingerprint (CVE-2017-15361, Infineon key generation): it can be factored; replace the key',
    )
  }
}
