// The portable conformance suite and the support probes in Node, on the backend this run selected
// (the same code runs in headless Chromium: test/browser/chromium.test.ts).
import assert from 'node:assert/strict'
import { test } from 'node:test'
import * as jot from 'jot'
import { checkRuntime } from './check.js'
import { runConformance } from './conformance.js'
import { measureSupport } from './support.js'
import { loadAllVectors } from './vectors.js'

test(`portable conformance suite and support table on the ${jot.cryptoBackend} backend`, async (t) => {
  const results = await runConformance(jot, loadAllVectors())
  const counts = checkRuntime(jot.cryptoBackend, results, await measureSupport(jot))
  assert.ok(results.filter((r) => r.status === 'pass').length >= 40, 'the suite ran')
  t.diagnostic(`${jot.cryptoBackend}: ${JSON.stringify(counts)}`)
})
