/**
 * `npm start` in packages/debugger: serve the built page and print where. The host and port come
 * from JOTJWT_DEBUGGER_HOST (default 127.0.0.1) and JOTJWT_DEBUGGER_PORT (default 8081).
 * @module
 */
import { createDebuggerServer } from './server.js'

const host = process.env.JOTJWT_DEBUGGER_HOST ?? '127.0.0.1'
const port = Number(process.env.JOTJWT_DEBUGGER_PORT ?? 8081)
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  process.stderr.write(`JOTJWT_DEBUGGER_PORT must be a port number, not ${JSON.stringify(process.env.JOTJWT_DEBUGGER_PORT)}\n`)
  process.exit(2)
}
const page = await createDebuggerServer({ host, port })
process.stdout.write(`jot debugger: ${page.url}\n(tokens and keys stay in the browser; Ctrl-C stops)\n`)
const stop = () => void page.close().then(() => process.exit(0))
process.once('SIGINT', stop)
process.once('SIGTERM', stop)
