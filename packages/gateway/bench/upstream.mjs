// The upstream behind the proxy, in its own process: answers every request with a small JSON body.
// Prints its port on stdout once listening.
import { createServer } from 'node:http'

const body = JSON.stringify({ ok: true })
const server = createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }).end(body))
server.keepAliveTimeout = 60_000
server.listen(0, '127.0.0.1', () => process.stdout.write(`${server.address().port}\n`))
