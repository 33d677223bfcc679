// Regenerates the README's algorithm × runtime table from measurements: the support probes
// (test/portable/support.ts) run in Node on each backend and each tested Node line (the pinned
// releases of scripts/node-versions.json, installed on demand), and in headless Chromium; the
// table between the markers is rewritten. The tests check the README against the same probes, so a
// table that no longer matches what a runtime does fails `npm test`.
import { execFileSync } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { tsImport } from 'tsx/esm/api'
import { installNode, NODE_LINES } from '../../../scripts/node-versions.mjs'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const readme = join(root, '..', '..', 'README.md')
const { renderSupportTable, RUNTIMES, TABLE_END, TABLE_START } = await tsImport('../test/portable/support.ts', import.meta.url)

const nodeBinaries = new Map(
  Object.entries(NODE_LINES).map(([line, version]) => [line, version === process.versions.node ? process.execPath : installNode(version)]),
)

const columns = {}
for (const runtime of RUNTIMES) {
  const [backend, line] = runtime.split('@')
  const binary = runtime === 'chromium' ? process.execPath : nodeBinaries.get(line)
  if (!binary) throw new Error(`no Node ${line} binary to measure ${runtime} with`)
  const conditions = backend === 'webcrypto' ? ['--conditions=jotjwt-webcrypto'] : []
  const output = execFileSync(binary, [...conditions, '--no-warnings', '--import', 'tsx', 'test/portable/measure.ts', runtime], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, TSX_TSCONFIG_PATH: 'tsconfig.tsx.json' },
  })
  columns[runtime] = JSON.parse(output)
}
const text = readFileSync(readme, 'utf8')
const start = text.indexOf(TABLE_START)
const end = text.indexOf(TABLE_END)
if (start < 0 || end < start) throw new Error(`README.md has no ${TABLE_START} … ${TABLE_END} section`)
writeFileSync(readme, `${text.slice(0, start + TABLE_START.length)}\n${renderSupportTable(columns)}\n${text.slice(end)}`)
console.log(renderSupportTable(columns))
