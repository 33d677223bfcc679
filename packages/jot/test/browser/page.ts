// The browser side of the Chromium test: jot's WebCrypto build and the portable conformance suite,
// bundled by esbuild for the browser; the Node test calls `jotSuite.run(vectors)` in the page.
import * as jot from 'jotjwt'
import { runConformance, type CaseResult, type Vectors } from '../portable/conformance.js'
import { measureSupport, type Support } from '../portable/support.js'

export interface SuiteRun {
  backend: string
  userAgent: string
  results: CaseResult[]
  support: Record<string, Support>
}

const suite = {
  run: async (vectors: Vectors): Promise<SuiteRun> => ({
    backend: jot.cryptoBackend,
    userAgent: navigator.userAgent,
    results: await runConformance(jot, vectors),
    support: await measureSupport(jot, vectors),
  }),
}
Object.assign(globalThis, { jotSuite: suite })
