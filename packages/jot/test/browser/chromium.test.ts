// The WebCrypto build in a real browser: the portable conformance suite (RFC vectors and negative
// cases) and the support probes run in headless Chromium, and their results come back here to be
// checked like Node's. Without /usr/bin/chromium the test fails: `npm test` installs it first
// (scripts/install-chromium.sh), so a missing browser means that install could not run here.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import * as jot from 'jotjwt'
import { checkRuntime } from '../portable/check.js'
import { conformanceCases } from '../portable/conformance.js'
import { loadAllVectors } from '../portable/vectors.js'
import { bundlePage, chromiumInstalled, CHROMIUM, runInChromium } from './chromium.js'

const MISSING = `Chromium is not installed at ${CHROMIUM}: as root, run \`bash packages/jot/scripts/install-chromium.sh\` (npm test runs it when it can)`

test('the browser bundle holds the WebCrypto backend and no Node built-in or node:crypto backend', async () => {
  const { inputs } = await bundlePage()
  assert.ok(inputs.some((file) => file.includes('dist/esm/runtime/webcrypto/')), 'WebCrypto backend bundled')
  assert.deepEqual(inputs.filter((file) => file.startsWith('node:') || file.includes('runtime/node/')), [])
})

test('headless Chromium runs the conformance suite on the WebCrypto build', { timeout: 180_000 }, async (t) => {
  assert.ok(chromiumInstalled(), MISSING)
  const vectors = loadAllVectors()
  const run = await runInChromium(vectors)
  assert.equal(run.backend, 'webcrypto')
  assert.match(run.userAgent, /HeadlessChrome|Chrome/)
  const counts = checkRuntime('chromium', run.results, run.support)
  const passed = run.results.filter((r) => r.status === 'pass').length
  // Every case ran in the browser and reported back (pass, or unsupported as the table says).
  assert.deepEqual(run.results.map((r) => r.name), conformanceCases(jot, vectors).map((c) => c.name))
  assert.ok(passed >= 40, `only ${passed} cases passed in Chromium`)
  const summary = `Chromium: ${passed} of ${run.results.length} conformance cases passed, ${run.results.length - passed} unsupported by the browser; ${Object.keys(run.support).length} algorithm probes; ${JSON.stringify(counts)}`
  t.diagnostic(summary)
})
