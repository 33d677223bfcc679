/**
 * The ROCA fingerprint test on its own: it recognizes the structure the paper describes (primes of
 * the form k·M + (65537^a mod M)), the published vulnerable moduli, and not ordinary moduli.
 */
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { describe, it } from 'node:test'
import { hasROCAFingerprint } from '../../src/key/roca.js'

const roca = JSON.parse(readFileSync(new URL('../vectors/roca.json', import.meta.url), 'utf8')) as {
  moduli: { file: string; n: string }[]
}

const toBytes = (value: bigint): Uint8Array => {
  const hex = value.toString(16)
  return new Uint8Array(Buffer.from(hex.length % 2 ? `0${hex}` : hex, 'hex'))
}
const random = (bytes: number): bigint => BigInt(`0x${randomBytes(bytes).toString('hex')}`)

/** Nemec et al. (CCS 2017): M is the product of the first n primes, n = 39 for the smallest key sizes. */
const FIRST_39_PRIMES = [
  2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53, 59, 61, 67, 71, 73, 79, 83, 89, 97, 101, 103, 107, 109,
  113, 127, 131, 137, 139, 149, 151, 157, 163, 167,
].map(BigInt)
const M = FIRST_39_PRIMES.reduce((product, prime) => product * prime)

function modPow(base: bigint, exponent: bigint, modulus: bigint): bigint {
  let result = 1n
  for (let b = base % modulus, e = exponent; e > 0n; e >>= 1n, b = (b * b) % modulus) {
    if (e & 1n) result = (result * b) % modulus
  }
  return result
}

/** A factor as the library built its primes (primality does not matter to the fingerprint). */
const rocaFactor = (): bigint => random(128) * M + modPow(65537n, random(8), M)

describe('hasROCAFingerprint', () => {
  it('flags products of two factors of the form k·M + (65537^a mod M)', () => {
    for (let i = 0; i < 200; i++) {
      assert.equal(hasROCAFingerprint(toBytes(rocaFactor() * rocaFactor())), true)
    }
  })

  for (const { file, n } of roca.moduli) {
    it(`flags the published vulnerable modulus ${file}`, () => {
      assert.equal(hasROCAFingerprint(new Uint8Array(Buffer.from(n, 'hex'))), true)
    })
  }

  it('does not flag random odd 2048-bit moduli (false positives are about 2^-27.8 each)', () => {
    const flagged = Array.from({ length: 5000 }, () => hasROCAFingerprint(toBytes(random(256) | 1n | (1n << 2047n))))
    assert.equal(flagged.filter(Boolean).length, 0)
  })

  it('does not flag a fingerprinted modulus with one residue moved out of its subgroup', () => {
    // 65537 ≡ 10 (mod 11) generates {1, 10}; adding M/11 changes N mod 11 and nothing else mod M.
    const n = rocaFactor() * rocaFactor()
    const moved = [1n, 2n, 3n].map((k) => n + k * (M / 11n)).filter((value) => ![1n, 10n].includes(value % 11n))
    assert.ok(moved.length > 0)
    for (const value of moved) assert.equal(hasROCAFingerprint(toBytes(value)), false)
  })
})
