// The load generator, in its own process (shared by the guard and gateway benchmarks):
// `node load.mjs <url> <tokens.json> <seconds> <connections> [path] [trackEvery]`.
// Sends GET requests with the tokens round-robin in the Authorization header and prints autocannon's
// summary as JSON. With `trackEvery` N, every Nth token (index N-1, 2N-1, …) is "tracked": its first 2xx
// and last non-2xx answers are timed (epoch milliseconds), to see when a newly published key starts verifying.
import { readFileSync } from 'node:fs'
import autocannon from 'autocannon'

const [url, tokensFile, seconds, connections, path = '/orders', trackEvery] = process.argv.slice(2)
const headers = JSON.parse(readFileSync(tokensFile, 'utf8')).map((token) => ({ authorization: `Bearer ${token}` }))
const every = trackEvery === undefined ? 0 : Number(trackEvery)
const tracked = { ok: 0, refused: 0, first2xx: undefined, lastNon2xx: undefined }
let next = 0
const result = await autocannon({
  url,
  connections: Number(connections),
  duration: Number(seconds),
  requests: [
    {
      method: 'GET',
      path,
      setupRequest: (request, context) => {
        const index = next++ % headers.length
        context.tracked = every > 0 && index % every === every - 1
        return { ...request, headers: headers[index] }
      },
      onResponse: (status, _body, context) => {
        if (!context.tracked) return
        const now = Date.now()
        if (status >= 200 && status < 300) {
          tracked.ok++
          tracked.first2xx ??= now
        } else {
          tracked.refused++
          tracked.lastNon2xx = now
        }
      },
    },
  ],
})
process.stdout.write(
  JSON.stringify({
    rps: result.requests.average,
    total: result.requests.total,
    non2xx: result.non2xx,
    s5xx: result['5xx'],
    errors: result.errors,
    timeouts: result.timeouts,
    p50: result.latency.p50,
    p99: result.latency.p99,
    tracked,
  }),
)
