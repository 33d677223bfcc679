// Installs the pinned release of a tested Node line (scripts/node-versions.json) from the npm
// registry, the only place a fresh machine here can download from. The tarball's sha512 must equal
// the pinned one before anything in it runs; binaries are cached in `.cache/node/` (git-ignored).
import { createHash } from 'node:crypto'
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const here = dirname(fileURLToPath(import.meta.url))
const config = JSON.parse(readFileSync(join(here, 'node-versions.json'), 'utf8'))
const cache = join(here, '..', '.cache', 'node')

/** Tested lines → pinned release, e.g. { 20: '20.20.2', … }. */
export const NODE_LINES = config.lines

/** The pinned release for the running process's line, if it is a tested line. */
export function pinnedFor(version = process.versions.node) {
  return NODE_LINES[version.split('.')[0]]
}

function run(command, args) {
  const result = spawnSync(command, args, { stdio: ['ignore', 'inherit', 'inherit'] })
  if (result.error) throw result.error
  return result.status ?? 1
}

/** Path of a cached release's binary (present or not). */
export function binaryPath(version) {
  return join(cache, `v${version}`, 'bin', 'node')
}

/**
 * Installs one pinned release into the cache (once) and returns its binary. Throws when this
 * platform has no pinned package, when the download fails, or when its hash is not the pinned one.
 */
export function installNode(version) {
  const binary = binaryPath(version)
  if (existsSync(binary)) return binary
  const platform = `${process.platform}-${process.arch}`
  const name = config.packages[platform]
  if (!name) throw new Error(`no pinned Node binaries for ${platform} (pinned: ${Object.keys(config.packages).join(', ')})`)
  const spec = `${name}@${version}`
  const integrity = config.integrity[spec]
  if (!integrity) throw new Error(`no pinned sha512 for ${spec}`)
  const staging = join(cache, `.staging-${version}-${process.pid}`)
  rmSync(staging, { recursive: true, force: true })
  mkdirSync(staging, { recursive: true })
  try {
    console.log(`# installing Node ${version} from the npm registry (${spec})`)
    if (run('npm', ['pack', spec, '--pack-destination', staging]) !== 0) throw new Error(`npm pack ${spec} failed`)
    const tarball = readdirSync(staging).find((file) => file.endsWith('.tgz'))
    if (!tarball) throw new Error(`npm pack ${spec} produced no tarball`)
    const actual = `sha512-${createHash('sha512').update(readFileSync(join(staging, tarball))).digest('base64')}`
    if (actual !== integrity) throw new Error(`${spec}: tarball sha512 ${actual} is not the pinned ${integrity}`)
    if (run('tar', ['-xzf', join(staging, tarball), '-C', staging]) !== 0) throw new Error(`could not unpack ${tarball}`)
    try {
      renameSync(join(staging, 'package'), dirname(dirname(binary)))
    } catch (error) {
      // Another run installed the same release meanwhile: its copy is as good as ours.
      if (!existsSync(binary)) throw error
    }
  } finally {
    rmSync(staging, { recursive: true, force: true })
  }
  if (!existsSync(binary)) throw new Error(`${spec} holds no bin/node`)
  return binary
}

/** Removes a cached release (a corrupt or wrong binary), so the next install starts afresh. */
export function uninstallNode(version) {
  rmSync(dirname(dirname(binaryPath(version))), { recursive: true, force: true })
}
