// Runs the workspace test suites again on every other supported Node line (see node-versions.mjs;
// the machine's own Node ran them just before). A version that cannot be installed fails the run
// with a loud message; it is never skipped in silence. Outside CI, `JOT_NODE_MATRIX=off` skips the
// matrix for a quick local run, and says so.
import { spawnSync } from 'node:child_process'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { installNode, NODE_VERSIONS } from './node-versions.mjs'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')

function loud(message) {
  const bar = '!'.repeat(100)
  console.error(`\n${bar}\n${message}\n${bar}\n`)
}

if (process.env.JOT_NODE_MATRIX === 'off') {
  if (process.env.CI) {
    loud('JOT_NODE_MATRIX=off is ignored in CI: the Node matrix always runs there.')
  } else {
    loud(`Node matrix SKIPPED (JOT_NODE_MATRIX=off): the suite ran on ${process.version} only, not on ${NODE_VERSIONS.join(', ')}.`)
    process.exit(0)
  }
}

const failures = []
for (const version of NODE_VERSIONS) {
  let binary
  try {
    binary = installNode(version)
  } catch (error) {
    loud(`Node ${version} could NOT be installed: ${error.message}\nThe suite did not run on Node ${version}; this run fails.`)
    failures.push(`${version} (not installed)`)
    continue
  }
  const env = { ...process.env, PATH: `${dirname(binary)}${process.platform === 'win32' ? ';' : ':'}${process.env.PATH}` }
  const probe = spawnSync('node', ['-p', '`Node ${process.version}, OpenSSL ${process.versions.openssl}, V8 ${process.versions.v8}`'], { env, encoding: 'utf8' })
  const reported = probe.stdout?.trim() ?? ''
  if (!reported.startsWith(`Node v${version},`)) {
    loud(`Node ${version}: the installed binary reports "${reported || probe.stderr}"; this run fails.`)
    failures.push(`${version} (wrong binary)`)
    continue
  }
  console.log(`\n${'='.repeat(100)}\n# ${reported}: workspace tests\n${'='.repeat(100)}`)
  // npm and every `node` it starts now resolve to this release through PATH.
  const result = spawnSync('npm', ['run', 'test', '--workspaces', '--if-present'], { cwd: root, env, stdio: 'inherit' })
  if (result.status !== 0) failures.push(version)
}

if (failures.length > 0) {
  loud(`Node matrix FAILED on: ${failures.join(', ')}`)
  process.exit(1)
}
console.log(`\n# Node matrix passed on ${NODE_VERSIONS.map((v) => `v${v}`).join(', ')} (and ${process.version} above)`)
