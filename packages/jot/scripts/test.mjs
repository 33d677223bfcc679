// Runs the whole suite once per crypto backend: the node:crypto backend (Node's default `node`
// condition) and the WebCrypto backend (selected with the custom `jotjwt-webcrypto` condition, the same
// package.json mechanism that picks it for browsers, Deno and workers). Tests import the built
// package by name, so they exercise exactly what ships, through its conditional exports.
import { spawnSync } from 'node:child_process'
import { readdirSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const filter = process.argv[2]
const files = readdirSync(join(root, 'test'), { recursive: true, encoding: 'utf8' })
  .filter((file) => file.endsWith('.test.ts') && (!filter || file.includes(filter)))
  .sort()
  .map((file) => join('test', file))

// Files that pick their backends themselves (the Chromium run bundles the WebCrypto build; the
// packaging and bundle checks resolve both conditions; unit tests import both backends from src):
// running them a second time would only repeat identical work.
const BACKEND_INDEPENDENT = ['test/browser/', 'test/packaging/consumer', 'test/packaging/bundle', 'test/unit/']
const independent = (file) => BACKEND_INDEPENDENT.some((prefix) => file.startsWith(prefix))

const backends = process.env.JOT_BACKEND ? [process.env.JOT_BACKEND] : ['node', 'webcrypto']
let failed = false
for (const [index, backend] of backends.entries()) {
  const run = index === 0 ? files : files.filter((file) => !independent(file))
  if (run.length === 0) continue
  console.log(`\n# backend: ${backend} (${run.length} test files${run.length < files.length ? '; backend-independent ones ran above' : ''})`)
  const conditions = backend === 'webcrypto' ? ['--conditions=jotjwt-webcrypto'] : []
  const result = spawnSync(
    process.execPath,
    [
      ...conditions,
      '--import',
      'tsx',
      '--test',
      '--test-reporter=dot',
      '--test-reporter-destination=stdout',
      '--test-reporter=./scripts/summary-reporter.mjs',
      '--test-reporter-destination=stdout',
      ...run,
    ],
    // tsx must not apply tsconfig `paths` (they point `#runtime` at the node backend for
    // type-checking); tsconfig.tsx.json has none, so package conditions decide, as for users.
    { cwd: root, stdio: 'inherit', env: { ...process.env, JOT_BACKEND: backend, TSX_TSCONFIG_PATH: 'tsconfig.tsx.json' } },
  )
  if (result.status !== 0) failed = true
}
process.exit(failed ? 1 : 0)
