// Random ids cut from a pool: the requested length, base64url, and never one twice (across pool refills).
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { randomId } from '../src/crypto/random-id.js'

test('randomId: base64url of the requested bytes, all distinct across several pools; out-of-range sizes refused', () => {
  const ids = Array.from({ length: 1000 }, () => randomId(16))
  assert.ok(ids.every((id) => /^[A-Za-z0-9_-]{22}$/.test(id)))
  assert.equal(new Set(ids).size, ids.length)
  assert.equal(Buffer.from(randomId(4096), 'base64url').length, 4096)
  for (const bad of [0, -1, 1.5, 4097]) assert.throws(() => randomId(bad), RangeError)
})
