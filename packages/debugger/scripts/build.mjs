// Builds the package: the static-file server with tsc (JavaScript and type declarations, it is an
// API), then the page. The page is one bundle made by esbuild from src/page/main.ts with jot's
// WebCrypto build (the `jotjwt-webcrypto` and `browser` conditions; a Node built-in anywhere in its
// graph fails the build), plus the HTML, CSS and icon, with the server's Content-Security-Policy
// copied into the HTML so the files stay protected on any static server.
import { build } from 'esbuild'
import { execFileSync } from 'node:child_process'
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const dist = join(root, 'dist')
const publicOut = join(dist, 'public')
const publicSrc = join(root, 'src', 'public')

rmSync(dist, { recursive: true, force: true })
execFileSync(process.execPath, [createRequire(import.meta.url).resolve('typescript/bin/tsc'), '-p', join(root, 'tsconfig.build.json')], { stdio: 'inherit' })

const result = await build({
  entryPoints: [join(root, 'src', 'page', 'main.ts')],
  outfile: join(publicOut, 'app.js'),
  bundle: true,
  format: 'esm',
  platform: 'browser',
  conditions: ['jotjwt-webcrypto'],
  // The page's own tsconfig for every file: esbuild would otherwise apply the library's tsconfig to its
  // dist files, whose `paths` maps #runtime to the node:crypto source.
  tsconfig: join(root, 'src', 'page', 'tsconfig.json'),
  target: ['chrome111', 'firefox128', 'safari17'],
  minify: true,
  legalComments: 'none',
  metafile: true,
  logLevel: 'warning',
})
const nodeInputs = Object.keys(result.metafile.inputs).filter((file) => file.startsWith('node:') || file.includes('runtime/node/'))
if (nodeInputs.length > 0) throw new Error(`the page bundle contains Node code: ${nodeInputs.join(', ')}`)

const { META_CONTENT_SECURITY_POLICY } = await import(pathToFileURL(join(dist, 'server', 'headers.js')).href)
const html = readFileSync(join(publicSrc, 'index.html'), 'utf8')
if (!html.includes('%CONTENT_SECURITY_POLICY%')) throw new Error('index.html lost its Content-Security-Policy placeholder')
mkdirSync(publicOut, { recursive: true })
writeFileSync(join(publicOut, 'index.html'), html.replace('%CONTENT_SECURITY_POLICY%', META_CONTENT_SECURITY_POLICY))
for (const file of ['style.css', 'favicon.svg']) copyFileSync(join(publicSrc, file), join(publicOut, file))
