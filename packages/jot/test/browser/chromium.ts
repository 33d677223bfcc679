// Runs the portable suite in headless Chromium: bundles test/browser/page.ts with jot's WebCrypto
// build (esbuild, platform browser: a Node built-in anywhere in the graph fails the build), serves
// it on 127.0.0.1, and drives Debian's /usr/bin/chromium with playwright-core. Used by
// chromium.test.ts and by scripts/support-table.mjs.
import { build } from 'esbuild'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { fileURLToPath } from 'node:url'
import type { Vectors } from '../portable/conformance.js'
import type { SuiteRun } from './page.js'
import { CHROMIUM, CHROMIUM_ARGS } from './chromium-launch.js'

export { CHROMIUM, chromiumInstalled } from './chromium-launch.js'

export interface PageBundle {
  code: string
  /** Every file esbuild put into the bundle, relative to the package. */
  inputs: string[]
}

export async function bundlePage(): Promise<PageBundle> {
  const result = await build({
    entryPoints: [fileURLToPath(new URL('./page.ts', import.meta.url))],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    conditions: ['jotjwt-webcrypto'],
    target: 'es2022',
    tsconfig: fileURLToPath(new URL('../../tsconfig.tsx.json', import.meta.url)),
    metafile: true,
    write: false,
    logLevel: 'silent',
  })
  return { code: result.outputFiles[0]!.text, inputs: Object.keys(result.metafile.inputs) }
}

export async function runInChromium(vectors: Vectors): Promise<SuiteRun> {
  const { chromium } = await import('playwright-core')
  const { code } = await bundlePage()
  const server = createServer((request, response) => {
    if (request.url === '/') {
      response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
      response.end('<!doctype html><meta charset="utf-8"><title>jot conformance</title><script type="module" src="/suite.js"></script>')
    } else if (request.url === '/suite.js') {
      response.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8' })
      response.end(code)
    } else {
      response.writeHead(404).end()
    }
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, chromiumSandbox: false, args: CHROMIUM_ARGS })
  try {
    const page = await browser.newPage()
    const pageErrors: string[] = []
    page.on('pageerror', (error) => pageErrors.push(error.message))
    // http://127.0.0.1 is a secure context, so crypto.subtle is available as on https.
    await page.goto(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`)
    await page.waitForFunction(() => 'jotSuite' in globalThis, undefined, { timeout: 30_000 }).catch((error: unknown) => {
      throw new Error(`the suite did not load in Chromium: ${pageErrors.join('; ') || String(error)}`)
    })
    return await page.evaluate((data) => (globalThis as unknown as { jotSuite: { run: (v: Vectors) => Promise<SuiteRun> } }).jotSuite.run(data), vectors)
  } finally {
    await browser.close()
    server.close()
  }
}
