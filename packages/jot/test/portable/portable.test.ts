// The portable conformance suite and the support probes in Node, on the backend this run selected
// (the same code runs in headless Chromium: test/browser/chromium.test.ts).
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { test } from 'node:test'
import * as jot from 'jotjwt'
import { checkRuntime } from './check.js'
import { conformanceCases, runConformance } from './conformance.js'
import { measureSupport, NODE_LINES, nodeRuntime } from './support.js'
import { loadAllVectors } from './vectors.js'

const runtime = nodeRuntime(jot.cryptoBackend, process.versions.node)

test(`portable conformance suite and support table on the ${jot.cryptoBackend} backend, Node ${process.version}`, async (t) => {
  const vectors = loadAllVectors()
  const results = await runConformance(jot, vectors)
  const counts = checkRuntime(runtime, results, await measureSupport(jot, vectors))
  // Every case ran and reported: no group can silently disappear.
  assert.deepEqual(results.map((r) => r.name), conformanceCases(jot, vectors).map((c) => c.name))
  t.diagnostic(`${runtime}: ${JSON.stringify(counts)}`)
})

test('the support table has one column pair per tested Node line (scripts/node-versions.json)', () => {
  const { lines } = JSON.parse(readFileSync(new URL('../../../../scripts/node-versions.json', import.meta.url), 'utf8')) as { lines: Record<string, string> }
  assert.deepEqual(NODE_LINES.map(String), Object.keys(lines))
})
