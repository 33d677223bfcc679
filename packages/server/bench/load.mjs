// The load generator, in its own process: `node load.mjs <scenario.json> <seconds> <connections>`.
// The scenario names one request (url, method, headers, body). With `refreshTokens` it is the chained
// refresh: every request spends a refresh token a previous response returned (the successor is taken
// back by the same connection: autocannon builds a connection's next request right after its answer,
// and the freshest successor is taken first). Prints autocannon's summary as JSON.
import { readFileSync } from 'node:fs'
import autocannon from 'autocannon'

const [scenarioFile, seconds, connections] = process.argv.slice(2)
const { url, method, headers, body, refreshTokens } = JSON.parse(readFileSync(scenarioFile, 'utf8'))
const ready = refreshTokens ? [...refreshTokens] : undefined
const request = ready
  ? {
      method,
      headers,
      setupRequest: (req) => ({ ...req, body: `grant_type=refresh_token&refresh_token=${encodeURIComponent(ready.pop() ?? 'exhausted')}` }),
      onResponse: (status, answer) => {
        if (status === 200) ready.push(JSON.parse(answer).refresh_token)
      },
    }
  : { method, headers, body }
const result = await autocannon({ url, connections: Number(connections), duration: Number(seconds), requests: [request] })
process.stdout.write(
  JSON.stringify({ rps: result.requests.average, total: result.requests.total, non2xx: result.non2xx, errors: result.errors, timeouts: result.timeouts, p50: result.latency.p50, p99: result.latency.p99 }),
)
