// The compact splitter finds the two dots with indexOf instead of split('.'): the segment rules must
// be exactly those of "split into three": any other count is refused, and a JWE is named as such.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { splitCompact } from '../../src/jws/compact/verify.js'
import { prepareJWSOptions } from '../../src/jws/header.js'

const options = prepareJWSOptions()

test('three segments split exactly as split(".") would, empty payload and signature included', () => {
  for (const token of ['a.b.c', 'a..c', 'a.b.', 'a..', 'eyJ.eyJzdWIiOiJ4In0.sig']) {
    assert.deepEqual(splitCompact(token, options), token.split('.'))
  }
})

test('any other number of segments is refused, five as a JWE', () => {
  for (const token of ['', 'a', 'a.b', 'a.b.c.d', 'a.b.c.d.e.f', '...', 'a.b.c.']) {
    assert.throws(() => splitCompact(token, options), { code: 'ERR_JWS_INVALID', message: /exactly three segments/ }, token)
  }
  assert.throws(() => splitCompact('a.b.c.d.e', options), { code: 'ERR_JWS_INVALID', message: /this is a JWE/ })
  assert.throws(() => splitCompact('.b.c', options), { code: 'ERR_JWS_INVALID', message: /protected header/ })
  assert.throws(() => splitCompact(7, options), { code: 'ERR_INVALID_ARGUMENT' })
})
