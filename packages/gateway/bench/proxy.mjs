// One reverse proxy in its own process: `node proxy.mjs <config.json>`. Prints its URL and admin URL
// as one JSON line on stdout once listening; access logs go to /dev/null (written, as in production,
// but not read).
import { readFileSync } from 'node:fs'
import { pino } from 'pino'
import { startProxy, validateConfig } from 'jotjwt-gateway'

const config = validateConfig(JSON.parse(readFileSync(process.argv[2], 'utf8')))
const running = await startProxy(config, { logDestination: pino.destination({ dest: '/dev/null', sync: false }) })
process.stdout.write(`${JSON.stringify({ url: running.url, adminUrl: running.adminUrl })}\n`)
process.on('SIGTERM', () => void running.close().then(() => process.exit(0)))
