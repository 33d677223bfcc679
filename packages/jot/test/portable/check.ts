// The assertions shared by every runtime's run of the portable suite: nothing fails, every case
// the runtime could not run is explained by an unsupported algorithm in its own support column,
// and that column is the one the README states.
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { countByGroup, type CaseResult } from './conformance.js'
import { readSupportColumn, SUPPORTED, type Runtime, type Support } from './support.js'
import { README } from './vectors.js'

export function checkRuntime(runtime: Runtime, results: CaseResult[], support: Record<string, Support>): Record<string, Record<string, number>> {
  const failures = results.filter((r) => r.status === 'fail').map((r) => `${r.group} ${r.name}: ${r.detail}`)
  assert.deepEqual(failures, [], `${runtime}: conformance failures`)
  for (const r of results.filter((x) => x.status === 'unsupported')) {
    assert.ok(r.needs.some((row) => support[row] !== SUPPORTED), `${runtime}: "${r.group} ${r.name}" was not supported (${r.detail}) but every algorithm it needs is: ${r.needs.join(', ')}`)
  }
  assert.deepEqual(support, readSupportColumn(readFileSync(README, 'utf8'), runtime), `${runtime}: the README support table differs from what this runtime does (run \`npm run support-table\`)`)
  return countByGroup(results)
}
