// The per-request cost of jot guard's Express middleware and core, without HTTP: `node bench/core.mjs`.
// 1,000 distinct ES256 RFC 9068 tokens round-robin through the middleware (cache off, signatures on
// the event loop and offloaded; cache on), next to the floor: one synchronous P-256 signature check
// with a prepared key. 16 requests in flight, as the HTTP bench's 16 connections. Reports CPU µs per
// request (process.cpuUsage: every thread, the thread pool included) and wall µs per request, the
// median of ROUNDS rounds. What it leaves out (HTTP parsing, Express routing) is the same for every
// contender; what it keeps is the part the middleware can change.
//
// Knobs: GUARD_CORE_ROUNDS (default 7), GUARD_CORE_REQUESTS (requests per round, default 20000),
// GUARD_CORE_ONLY (comma-separated contender names).
import { createPublicKey, verify } from 'node:crypto'
import { exportPEM } from 'jotjwt'
import { auth } from 'jotjwt-guard/express'
import { audience, startBenchIssuer } from './issuer.mjs'

const ROUNDS = Number(process.env.GUARD_CORE_ROUNDS ?? 7)
const REQUESTS = Number(process.env.GUARD_CORE_REQUESTS ?? 20_000)
const ONLY = process.env.GUARD_CORE_ONLY?.split(',')
const TOKENS = 1000
const IN_FLIGHT = 16

const { publicKey, issuer, jwksUri, tokens, close: closeIssuer } = await startBenchIssuer(TOKENS)
// What Express hands a middleware, as far as the guard reads it.
const requests = tokens.map((token) => {
  const authorization = `Bearer ${token}`
  return { method: 'GET', url: '/orders', originalUrl: '/orders', headers: { host: 'api.example', authorization }, rawHeaders: ['Host', 'api.example', 'Authorization', authorization] }
})

const options = { issuer, jwksUri, allowHttp: true, audience, algorithms: ['ES256'], profile: 'rfc9068' }
const floorKey = { key: createPublicKey(await exportPEM(publicKey)), dsaEncoding: 'ieee-p1363' }
const floor = (req, res, next) => {
  const header = req.headers.authorization
  const token = header?.startsWith('Bearer ') ? header.slice(7) : ''
  const dot = token.lastIndexOf('.')
  return dot > 0 && verify('sha256', Buffer.from(token.slice(0, dot)), floorKey, Buffer.from(token.slice(dot + 1), 'base64url')) ? next() : res.end()
}
const contenders = {
  floor,
  'jot@inline': auth({ ...options, offload: false }),
  jot: auth(options),
  'jot+cache': auth({ ...options, cache: { maxEntries: TOKENS } }),
}
for (const name of Object.keys(contenders)) if (ONLY && !ONLY.includes(name)) delete contenders[name]
for (const middleware of Object.values(contenders)) await middleware.guard?.ready()

/** Runs `count` requests through `middleware`, IN_FLIGHT at a time; any refusal aborts. */
function run(middleware, count) {
  return new Promise((resolve, reject) => {
    let started = 0
    let done = 0
    const res = {
      locals: {},
      setHeader() {},
      end: () => reject(new Error('a request was refused')),
    }
    const one = () => {
      const req = requests[started++ % TOKENS]
      middleware(req, res, (error) => {
        if (error) return reject(error)
        if (++done === count) return resolve()
        // A new turn for the next request, as a new HTTP request would have (the floor answers synchronously).
        if (started < count) queueMicrotask(one)
      })
    }
    for (let i = 0; i < IN_FLIGHT; i++) one()
  })
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]
const results = Object.fromEntries(Object.keys(contenders).map((name) => [name, { cpu: [], wall: [] }]))
for (const middleware of Object.values(contenders)) await run(middleware, 5000) // warm-up
for (let round = 0; round < ROUNDS; round++) {
  for (const [name, middleware] of Object.entries(contenders)) {
    const cpuBefore = process.cpuUsage()
    const wallBefore = process.hrtime.bigint()
    await run(middleware, REQUESTS)
    const cpu = process.cpuUsage(cpuBefore)
    results[name].cpu.push((cpu.user + cpu.system) / REQUESTS)
    results[name].wall.push(Number(process.hrtime.bigint() - wallBefore) / 1000 / REQUESTS)
  }
}
closeIssuer()
const floorCpu = results.floor ? median(results.floor.cpu) : undefined
console.log(`# ${ROUNDS} rounds of ${REQUESTS} requests, ${TOKENS} tokens round-robin, ${IN_FLIGHT} in flight; Node ${process.version}`)
console.log('contender'.padEnd(12), 'CPU µs/req'.padStart(11), 'over floor'.padStart(11), 'wall µs/req'.padStart(12))
for (const [name, { cpu, wall }] of Object.entries(results)) {
  const over = floorCpu === undefined || name === 'floor' ? '' : `${(median(cpu) - floorCpu).toFixed(1)}`
  console.log(name.padEnd(12), median(cpu).toFixed(1).padStart(11), over.padStart(11), median(wall).toFixed(1).padStart(12))
}
