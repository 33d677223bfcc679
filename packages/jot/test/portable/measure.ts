// Prints one runtime's support column as JSON, for scripts/support-table.mjs: `node@<line>` or
// `webcrypto@<line>` (the backend the package conditions picked, on this process's Node) or `chromium`.
import * as jot from 'jotjwt'
import { runInChromium } from '../browser/chromium.js'
import { measureSupport, nodeRuntime } from './support.js'
import { loadAllVectors } from './vectors.js'

const runtime = process.argv[2]
const support = runtime === 'chromium' ? (await runInChromium(loadAllVectors())).support : await measureSupport(jot, loadAllVectors())
if (runtime !== 'chromium' && runtime !== nodeRuntime(jot.cryptoBackend, process.versions.node)) {
  throw new Error(`asked for ${runtime}, running on ${jot.cryptoBackend} with Node ${process.version}`)
}
console.log(JSON.stringify(support))
