// The cnf.jkt binding of an access token to the key of the DPoP proof (RFC 9449 §6.1, §7.1).
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { checkDPoPBinding } from 'jotjwt'

const JKT = '0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I'
const claimError = (code: string, reason: string) => ({ code, claim: 'cnf', reason })

describe('checkDPoPBinding', () => {
  it('accepts a token bound to the proof\'s key', () => {
    checkDPoPBinding({ sub: 'a', cnf: { jkt: JKT } }, JKT)
    checkDPoPBinding({ cnf: { jkt: JKT, 'x5t#S256': 'other methods are ignored' } }, JKT)
  })

  it('refuses a token bound to another key, or to none', () => {
    assert.throws(() => checkDPoPBinding({ cnf: { jkt: JKT } }, 'NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs'), claimError('ERR_JWT_CLAIM_INVALID', 'mismatch'))
    assert.throws(() => checkDPoPBinding({ sub: 'a' }, JKT), claimError('ERR_JWT_CLAIM_MISSING', 'missing'))
    assert.throws(() => checkDPoPBinding({ cnf: {} }, JKT), claimError('ERR_JWT_CLAIM_MISSING', 'missing'))
    assert.throws(() => checkDPoPBinding({ cnf: { 'x5t#S256': 'mtls' } }, JKT), claimError('ERR_JWT_CLAIM_MISSING', 'missing'))
    assert.throws(() => checkDPoPBinding({ cnf: JKT }, JKT), claimError('ERR_JWT_CLAIM_INVALID', 'type'))
    assert.throws(() => checkDPoPBinding({ cnf: { jkt: [JKT] } }, JKT), claimError('ERR_JWT_CLAIM_INVALID', 'type'))
  })

  it('a missing jkt or claims object is a caller mistake', () => {
    assert.throws(() => checkDPoPBinding({ cnf: { jkt: '' } }, ''), { code: 'ERR_INVALID_ARGUMENT' })
    assert.throws(() => checkDPoPBinding(null as never, JKT), { code: 'ERR_INVALID_ARGUMENT' })
  })
})
