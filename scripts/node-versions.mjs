// The Node lines jot is tested on besides the machine's own, and how their binaries are installed:
// from the npm registry, whose official `node-<platform>-<arch>` packages carry the release binary
// (the registry is the only place a fresh machine here can download from). Binaries are cached in
// `.cache/node/` (git-ignored). Used by the test matrix and by the support-table generator.
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

/** The exact releases tested, one per supported line besides the machine's own (Node 20). */
export const NODE_VERSIONS = ['22.23.3', '24.21.0']

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const cache = join(root, '.cache', 'node')

function run(command, args) {
  const result = spawnSync(command, args, { stdio: ['ignore', 'inherit', 'inherit'] })
  if (result.error) throw result.error
  return result.status ?? 1
}

/** Installs one release into the cache (once) and returns the path of its `node` binary. */
export function installNode(version) {
  const dir = join(cache, `v${version}`)
  const binary = join(dir, 'bin', process.platform === 'win32' ? 'node.exe' : 'node')
  if (existsSync(binary)) return binary
  const pkg = `node-${process.platform}-${process.arch}@${version}`
  const staging = join(cache, `.staging-${version}-${process.pid}`)
  rmSync(staging, { recursive: true, force: true })
  mkdirSync(staging, { recursive: true })
  try {
    console.log(`# installing Node ${version} from the npm registry (${pkg})`)
    if (run('npm', ['pack', pkg, '--pack-destination', staging, '--silent']) !== 0) throw new Error(`npm pack ${pkg} failed`)
    const tarball = readdirSync(staging).find((file) => file.endsWith('.tgz'))
    if (!tarball) throw new Error(`npm pack ${pkg} produced no tarball`)
    if (run('tar', ['-xzf', join(staging, tarball), '-C', staging]) !== 0) throw new Error(`could not unpack ${tarball}`)
    rmSync(dir, { recursive: true, force: true })
    renameSync(join(staging, 'package'), dir)
  } finally {
    rmSync(staging, { recursive: true, force: true })
  }
  if (!existsSync(binary)) throw new Error(`${pkg} holds no bin/node`)
  return binary
}
