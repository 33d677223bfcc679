// What the benchmark scripts share: CPU pinning with taskset, the load generator in its own
// process, CPU time of a process from /proc, medians.
import { spawn, spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const here = dirname(fileURLToPath(import.meta.url))
const LOAD = join(here, 'load.mjs')

/** True when `taskset` is there and `enabled`. */
export function canPin(enabled) {
  return enabled && spawnSync('taskset', ['--version']).status === 0
}

/** `[command, args]` running node with `args`, pinned to `cpu` when `pin` (taskset pins every thread, the thread pool too). */
export function pinned(pin, cpu, args) {
  return pin ? ['taskset', ['-c', String(cpu), process.execPath, ...args]] : [process.execPath, args]
}

const CLOCK_TICKS = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100

/** CPU seconds a process has used so far, all its threads (the thread pool included), from /proc. */
export function cpuSeconds(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS // utime, stime (fields 14 and 15)
}

export function median(values) {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)]
}

function loadArgs({ url, tokensFile, seconds, connections, path = '/orders', trackEvery }) {
  return [LOAD, url, tokensFile, String(seconds), String(connections), path, ...(trackEvery === undefined ? [] : [String(trackEvery)])]
}

/** Runs autocannon in its own process and waits (blocking this process: nothing here needs to answer meanwhile). */
export function loadSync(options, { pin = false, cpu = 1 } = {}) {
  const [command, args] = pinned(pin, cpu, loadArgs(options))
  const result = spawnSync(command, args, { encoding: 'utf8', maxBuffer: 1 << 20 })
  if (result.status !== 0) throw new Error(`load generator failed: ${result.stderr}`)
  return JSON.parse(result.stdout)
}

/** Runs autocannon in its own process while this one keeps serving (a JWKS server, an upstream). */
export function loadAsync(options, { pin = false, cpu = 1 } = {}) {
  const [command, args] = pinned(pin, cpu, loadArgs(options))
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  let err = ''
  child.stdout.on('data', (chunk) => (out += chunk))
  child.stderr.on('data', (chunk) => (err += chunk))
  return new Promise((resolve, reject) => child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`load generator failed: ${err}`)))))
}
