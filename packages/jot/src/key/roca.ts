/**
 * The ROCA fingerprint (CVE-2017-15361; Nemec et al., "The Return of Coppersmith's Attack:
 * Practical Factorization of Widely Used RSA Moduli", ACM CCS 2017).
 *
 * Infineon's RSA library (smart cards, TPMs, YubiKey 4, national ID cards) built every prime as
 * k·M + (65537^a mod M), with M the product of the first primes. Such primes carry so little entropy
 * that the modulus can be factored with a variant of Coppersmith's method. They also mark the modulus:
 * N = p·q ≡ 65537^(a+b) (mod M), so for every prime r dividing M, N mod r lies in the subgroup that
 * 65537 generates in the multiplicative group modulo r. A random modulus does that for all the primes
 * below with probability about 2^-27.8 (most of the subgroups are small); a modulus that does for all
 * of them is taken as vulnerable. The primes are the published detector's set: the odd primes up to
 * 167, which divide M for every key size the library generated.
 * @module
 */

const PRIMES = [
  3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53, 59, 61, 67, 71, 73, 79, 83, 89, 97, 101, 103, 107, 109,
  113, 127, 131, 137, 139, 149, 151, 157, 163, 167,
] as const

/** The generator of the fingerprint: the public exponent F4 that the library also used as its base. */
const GENERATOR = 65537

interface Tables {
  /** The product of {@link PRIMES}: one big reduction leaves a number of ~218 bits to take apart. */
  readonly product: bigint
  readonly primes: readonly bigint[]
  /** `members[i][x]` is 1 when x is a power of 65537 modulo `PRIMES[i]`. */
  readonly members: readonly Uint8Array[]
  /** Two hex digits per byte value: reading the modulus through one hex string is the fastest way into a BigInt. */
  readonly hex: readonly string[]
}

let tables: Tables | undefined

/** Built on first use, once: 38 walks around a subgroup of at most 166 elements. */
function subgroupTables(): Tables {
  if (tables) return tables
  const members = PRIMES.map((prime) => {
    const member = new Uint8Array(prime)
    const step = GENERATOR % prime
    let power = 1
    do {
      member[power] = 1
      power = (power * step) % prime
    } while (power !== 1)
    return member
  })
  const primes = PRIMES.map(BigInt)
  const hex = Array.from({ length: 256 }, (_, byte) => byte.toString(16).padStart(2, '0'))
  tables = { product: primes.reduce((product, prime) => product * prime), primes, members, hex }
  return tables
}

/** Whether an RSA modulus (big-endian bytes, as in a JWK `n` or a DER INTEGER) has the ROCA fingerprint. */
export function hasROCAFingerprint(modulus: Uint8Array): boolean {
  const { product, primes, members, hex } = subgroupTables()
  let digits = '0x0'
  for (const byte of modulus) digits += hex[byte]
  const reduced = BigInt(digits) % product
  return primes.every((prime, i) => members[i]![Number(reduced % prime)] === 1)
}
