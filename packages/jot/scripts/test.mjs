// Runs the whole suite once per crypto backend: the node:crypto backend (Node's default `node`
// condition) and the WebCrypto backend (selected with the custom `jot-webcrypto` condition, the same
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

const backends = process.env.JOT_BACKEND ? [process.env.JOT_BACKEND] : ['node', 'webcrypto']
let failed = false
for (const backend of backends) {
  console.log(`\n# backend: ${backend} (${files.length} test files)`)
  const conditions = backend === 'webcrypto' ? ['--conditions=jot-webcrypto'] : []
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
      ...files,
    ],
    // tsx must not apply tsconfig `paths` (they point `#runtime` at the node backend for
    // type-checking); tsconfig.tsx.json has none, so package conditions decide, as for users.
    { cwd: root, stdio: 'inherit', env: { ...process.env, JOT_BACKEND: backend, TSX_TSCONFIG_PATH: 'tsconfig.tsx.json' } },
  )
  if (result.status !== 0) failed = true
}
process.exit(failed ? 1 : 0)
