// Runs the library's and the CLI's test suites on every tested Node line (scripts/node-versions.json) other than
// the one `npm run test:here` just ran on: that run counts for its line only when the machine's Node
// is exactly the pinned release. Every line must end up tested; a release that cannot be installed
// or that reports another version fails the run, loudly, in CI and locally alike.
import { spawnSync } from 'node:child_process'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { installNode, NODE_LINES, pinnedFor, uninstallNode } from './node-versions.mjs'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
/** The packages whose suites run on every Node line: the portable library and the CLI. */
const MATRIX_WORKSPACES = ['packages/jot', 'packages/cli']

function loud(message) {
  const bar = '!'.repeat(100)
  console.error(`\n${bar}\n${message}\n${bar}\n`)
}

/** `Node vX, OpenSSL Y, V8 Z` as the binary reports itself, or undefined. */
function describe(binary) {
  const probe = spawnSync(binary, ['-p', '`Node ${process.version}, OpenSSL ${process.versions.openssl}, V8 ${process.versions.v8}`'], { encoding: 'utf8' })
  return probe.status === 0 ? probe.stdout.trim() : undefined
}

/** The pinned release's binary, reinstalled once if the cached one is broken or not that release. */
function verifiedBinary(version) {
  for (const attempt of [1, 2]) {
    const binary = installNode(version)
    const reported = describe(binary)
    if (reported?.startsWith(`Node v${version},`)) return { binary, reported }
    if (attempt === 2) throw new Error(`the installed binary reports "${reported ?? 'nothing (it does not run)'}"`)
    console.error(`# the cached Node ${version} reports "${reported ?? 'nothing'}"; reinstalling it`)
    uninstallNode(version)
  }
}

const tested = new Set()
if (pinnedFor() === process.versions.node) tested.add(process.versions.node)
const reasons = new Map()
for (const version of Object.values(NODE_LINES)) {
  if (tested.has(version)) {
    console.log(`# Node ${version}: the machine's own Node, tested above`)
    continue
  }
  let binary, reported
  try {
    ;({ binary, reported } = verifiedBinary(version))
  } catch (error) {
    loud(`Node ${version} could NOT be installed: ${error.message}\nThe suite did not run on Node ${version}; this run fails.`)
    reasons.set(version, 'not installed')
    continue
  }
  console.log(`\n${'='.repeat(100)}\n# ${reported}: library and CLI tests\n${'='.repeat(100)}`)
  // npm and every `node` it starts now resolve to this release through PATH.
  const env = { ...process.env, PATH: `${dirname(binary)}:${process.env.PATH}` }
  // The services (packages/server, ...) run on the machine's Node line only: their native
  // dependencies (better-sqlite3) are built for the Node that installed them.
  const result = spawnSync('npm', ['run', 'test', ...MATRIX_WORKSPACES.flatMap((w) => ['--workspace', w])], { cwd: root, env, stdio: 'inherit' })
  if (result.status === 0) tested.add(version)
  else reasons.set(version, 'tests failed')
}

const untested = Object.values(NODE_LINES).filter((version) => !tested.has(version))
if (untested.length > 0) {
  loud(`Node matrix FAILED: ${untested.map((v) => `${v} (${reasons.get(v) ?? 'not run'})`).join(', ')}`)
  process.exit(1)
}
console.log(`\n# Node matrix passed: ${[...tested].map((v) => `v${v}`).join(', ')}`)
