// Builds dist from src with esbuild, one file in, one file out, like the library's build. The CLI is
// an executable, not an API: ESM only, no type declarations. `jot` stays an external package import,
// so the CLI always runs the library that is installed next to it.
import { build } from 'esbuild'
import { chmodSync, readdirSync, rmSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const src = join(root, 'src')
const dist = join(root, 'dist')

const entryPoints = readdirSync(src, { recursive: true, encoding: 'utf8' })
  .filter((file) => file.endsWith('.ts') && !file.endsWith('.d.ts'))
  .map((file) => join(src, file))

rmSync(dist, { recursive: true, force: true })
await build({
  entryPoints,
  outdir: dist,
  outbase: src,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  bundle: false,
  sourcemap: false,
  logLevel: 'warning',
})
// The `#!/usr/bin/env node` line is kept by esbuild; npm sets the mode when it links the bin, but a
// checkout run as `./dist/main.js` needs it too.
chmodSync(join(dist, 'main.js'), 0o755)
