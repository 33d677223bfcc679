// The load generator, in its own process: `node load.mjs <url> <tokens.json> <seconds> <connections>`.
// Sends GET requests with the tokens round-robin in the Authorization header and prints autocannon's
// summary as JSON.
import { readFileSync } from 'node:fs'
import autocannon from 'autocannon'

const [url, tokensFile, seconds, connections] = process.argv.slice(2)
const headers = JSON.parse(readFileSync(tokensFile, 'utf8')).map((token) => ({ authorization: `Bearer ${token}` }))
let next = 0
const result = await autocannon({
  url,
  connections: Number(connections),
  duration: Number(seconds),
  requests: [{ method: 'GET', path: '/orders', setupRequest: (request) => ({ ...request, headers: headers[next++ % headers.length] }) }],
})
process.stdout.write(JSON.stringify({ rps: result.requests.average, total: result.requests.total, non2xx: result.non2xx, errors: result.errors, timeouts: result.timeouts, p99: result.latency.p99 }))
