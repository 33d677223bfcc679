// The public base64url namespace is exactly encode and decode: the codec's internal helpers return
// views of scratch memory that the next call overwrites, so they must not be reachable from outside.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { base64url } from 'jotjwt'

test('base64url exposes encode and decode only', () => {
  assert.deepEqual(Object.keys(base64url).sort(), ['decode', 'encode'])
  assert.equal(base64url.encode(base64url.decode('aGVsbG8')), 'aGVsbG8')
})
