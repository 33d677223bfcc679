// The header memo keeps a bounded number of short keys: a long (attacker-chosen) header is computed
// every time instead of being pinned in memory.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { remember } from '../../src/lib/memo.js'

test('short keys are remembered, long ones recomputed, and the table stays bounded', () => {
  const table = new Map<string, number>()
  let calls = 0
  const compute = () => ++calls
  assert.equal(remember(table, 'eyJhbGciOiJIUzI1NiJ9', compute), 1)
  assert.equal(remember(table, 'eyJhbGciOiJIUzI1NiJ9', compute), 1)
  const long = 'x'.repeat(1025)
  remember(table, long, compute)
  remember(table, long, compute)
  assert.equal(calls, 3)
  assert.equal(table.has(long), false)
  for (let i = 0; i < 100; i++) remember(table, `k${i}`, compute)
  assert.ok(table.size <= 32)
})

test('a throwing compute remembers nothing', () => {
  const table = new Map<string, number>()
  assert.throws(() => remember(table, 'k', () => { throw new Error('bad header') }), /bad header/)
  assert.equal(table.size, 0)
})
