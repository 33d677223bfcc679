// `npm run bench`: jot against its peers and the node:crypto floor, in ONE process, contenders
// interleaved round by round so machine drift hits everyone alike. Writes docs/benchmarks.md and
// docs/benchmarks.svg. A script, not a test: nothing here asserts a time.
//
//   node --expose-gc packages/jot/bench/run.mjs [--rounds 11] [--ms 100] [--algs HS256,ES256]
import { build } from 'esbuild'
import { mkdtempSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import { join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { parseArgs } from 'node:util'
import * as jotNode from 'jotjwt'
import { buildContenders, prepareKeys } from './contenders.mjs'
import { renderMarkdown, renderSvg } from './report.mjs'

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '11' },
    ms: { type: 'string', default: '100' },
    algs: { type: 'string', default: 'HS256,RS256,PS256,ES256,EdDSA' },
    out: { type: 'string', default: fileURLToPath(new URL('../../../docs/', import.meta.url)) },
  },
})
const ROUNDS = Number(values.rounds)
const SLICE_MS = Number(values.ms)
const ALGS = values.algs.split(',')

/** The WebCrypto build as a separate module graph, so both backends run side by side here. */
async function loadWebCryptoJot() {
  const dir = mkdtempSync(join(os.tmpdir(), 'jot-bench-'))
  const outfile = join(dir, 'jotjwt-webcrypto.mjs')
  await build({
    entryPoints: [fileURLToPath(new URL('../dist/esm/index.js', import.meta.url))],
    bundle: true,
    format: 'esm',
    platform: 'neutral',
    conditions: ['jotjwt-webcrypto'],
    // No tsconfig `paths`: `#runtime` must resolve through the package conditions, as for users.
    tsconfig: fileURLToPath(new URL('../tsconfig.tsx.json', import.meta.url)),
    outfile,
    logLevel: 'error',
  })
  return import(pathToFileURL(outfile).href)
}

/**
 * Runs `fn` repeatedly for about SLICE_MS and returns operations per second. Each slice starts with
 * a full collection (when run with --expose-gc, as `npm run bench` does), so no contender pays for
 * garbage the previous one left behind.
 */
async function measure(fn, sync) {
  globalThis.gc?.()
  let ops = 0
  const start = performance.now()
  let now = start
  const batch = 16
  if (sync) {
    while (now - start < SLICE_MS) {
      for (let i = 0; i < batch; i++) fn()
      ops += batch
      now = performance.now()
    }
  } else {
    while (now - start < SLICE_MS) {
      for (let i = 0; i < batch; i++) await fn()
      ops += batch
      now = performance.now()
    }
  }
  return (ops * 1000) / (now - start)
}

function median(numbers) {
  const sorted = [...numbers].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
}

/** Before timing anything: every contender's token must verify in every other contender. */
async function crossCheck(alg, contenders) {
  const tokens = {}
  for (const [name, c] of Object.entries(contenders)) if (c.sign && name !== 'floor') tokens[name] = await c.sign()
  for (const [verifier, c] of Object.entries(contenders)) {
    if (verifier === 'floor' || !c.verify) continue
    for (const [signer, token] of Object.entries(tokens)) {
      try {
        // Promise-returning APIs (jot, jose) resolve to { payload, … }; the others return the claims.
        const result = await c.verify(token)
        const payload = c.sync ? result : result.payload
        if (payload.sub !== 'user-1234567890') throw new Error('wrong payload')
      } catch (error) {
        throw new Error(`${alg}: ${verifier} does not verify a token from ${signer}: ${error.message}`)
      }
    }
  }
  return tokens['jot (node)']
}

async function main() {
  const jotWeb = await loadWebCryptoJot()
  const backends = { 'jot (node)': jotNode, 'jot (webcrypto)': jotWeb }
  const results = [] // { alg, op, contender, samples: [] }
  const record = (alg, op, contender, value) => {
    let row = results.find((r) => r.alg === alg && r.op === op && r.contender === contender)
    if (!row) results.push((row = { alg, op, contender, samples: [] }))
    row.samples.push(value)
  }

  const plans = []
  for (const alg of ALGS) {
    const keys = await prepareKeys(jotNode, alg)
    const contenders = await buildContenders(keys, backends)
    const token = await crossCheck(alg, contenders)
    for (const [name, c] of Object.entries(contenders)) {
      if (c.sign && !c.cachedOnly) plans.push({ alg, op: 'sign', name, fn: c.sign, sync: c.sync })
      if (c.verify) plans.push({ alg, op: c.cachedOnly ? 'verify (cached)' : 'verify', name, fn: () => c.verify(token), sync: c.sync })
      if (c.decode && alg === 'HS256') plans.push({ alg: 'JWT', op: 'decode', name, fn: () => c.decode(token), sync: true })
    }
    console.error(`${alg}: ${Object.keys(contenders).length} contenders agree on each other's tokens`)
  }
  // Warm-up, then interleaved rounds.
  for (const plan of plans) await measure(plan.fn, plan.sync)
  for (let round = 1; round <= ROUNDS; round++) {
    for (const plan of plans) record(plan.alg, plan.op, plan.name, await measure(plan.fn, plan.sync))
    console.error(`round ${round}/${ROUNDS} done`)
  }
  const rows = results.map((r) => ({ ...r, median: median(r.samples), min: Math.min(...r.samples), max: Math.max(...r.samples) }))
  const meta = {
    date: new Date().toISOString(),
    node: process.version,
    cpu: os.cpus()[0]?.model ?? 'unknown',
    cores: os.cpus().length,
    rounds: ROUNDS,
    sliceMs: SLICE_MS,
    gc: typeof globalThis.gc === 'function',
    versions: await versions(),
  }
  writeFileSync(join(values.out, 'benchmarks.md'), renderMarkdown(rows, meta))
  writeFileSync(join(values.out, 'benchmarks.svg'), renderSvg(rows))
  console.log(renderMarkdown(rows, meta))
}

async function versions() {
  const { readFileSync } = await import('node:fs')
  const root = new URL('../../../node_modules/', import.meta.url)
  const v = (name) => {
    try {
      return JSON.parse(readFileSync(new URL(`${name}/package.json`, root), 'utf8')).version
    } catch {
      return 'not installed'
    }
  }
  return { jot: v('jotjwt'), jose: v('jose'), jsonwebtoken: v('jsonwebtoken'), 'fast-jwt': v('fast-jwt'), '@node-rs/jsonwebtoken': v('@node-rs/jsonwebtoken') }
}

await main()
