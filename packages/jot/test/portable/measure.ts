// Prints one runtime's support column as JSON, for scripts/support-table.mjs: `node` or `webcrypto`
// (the backend the package conditions picked for this process) or `chromium`.
import * as jot from 'jot'
import { runInChromium } from '../browser/chromium.js'
import { measureSupport } from './support.js'
import { loadAllVectors } from './vectors.js'

const runtime = process.argv[2]
const support = runtime === 'chromium' ? (await runInChromium(loadAllVectors())).support : await measureSupport(jot)
if (runtime !== 'chromium' && runtime !== jot.cryptoBackend) throw new Error(`asked for ${runtime}, running on ${jot.cryptoBackend}`)
console.log(JSON.stringify(support))
