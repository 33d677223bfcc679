/**
 * Key selection (src/jwks/select.ts) as a pure function: an AKP JWK must state the header's `alg`
 * (RFC 9964 §3 makes `alg` REQUIRED there), so one without it is never a candidate and never takes a
 * `maxCandidates` slot from a usable key. For other key types `alg` stays optional (RFC 7517 §4.4).
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { selectJWKs, type SelectionPolicy } from '../../src/jwks/select.js'
import type { JWK } from '../../src/key/jwk.js'

const policy = (maxCandidates: number): SelectionPolicy => ({ allowSymmetric: false, requireKid: false, allowAmbiguousKids: false, maxCandidates })
const select = (keys: JWK[], header: Record<string, unknown>, maxCandidates = 5) =>
  selectJWKs(keys.map((jwk) => ({ jwk })), header as never, policy(maxCandidates)).matches.map(({ jwk }) => jwk)

describe('selectJWKs: AKP keys', () => {
  const valid: JWK = { kty: 'AKP', alg: 'ML-DSA-44', pub: 'AAAA', kid: 'k' }
  const algless: JWK = { kty: 'AKP', pub: 'AAAA', kid: 'k' }
  const otherSet: JWK = { kty: 'AKP', alg: 'ML-DSA-65', pub: 'AAAA', kid: 'k' }

  it('an AKP JWK without alg is not a candidate, so it cannot push a valid key out', () => {
    assert.deepEqual(select([algless, valid], { alg: 'ML-DSA-44', kid: 'k' }, 1), [valid])
    assert.deepEqual(select([algless, algless, otherSet, valid], { alg: 'ML-DSA-44' }, 1), [valid])
    assert.deepEqual(select([algless], { alg: 'ML-DSA-44', kid: 'k' }), [])
    assert.deepEqual(select([algless], { alg: 'ML-DSA-44' }), [])
  })

  it('an AKP JWK is a candidate only for the parameter set its alg names', () => {
    assert.deepEqual(select([valid, otherSet], { alg: 'ML-DSA-65' }), [otherSet])
    assert.deepEqual(select([valid, otherSet], { alg: 'ML-DSA-87' }), [])
  })

  it('for other key types, alg stays optional', () => {
    const ec: JWK = { kty: 'EC', crv: 'P-256', x: 'x', y: 'y' }
    assert.deepEqual(select([ec], { alg: 'ES256' }), [ec])
    assert.deepEqual(select([{ ...ec, alg: 'ES256' }], { alg: 'ES256' }), [{ ...ec, alg: 'ES256' }])
    assert.deepEqual(select([{ ...ec, alg: 'ES384' }], { alg: 'ES256' }), [])
  })
})
