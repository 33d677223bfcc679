// Builds dist/esm and dist/cjs from src with esbuild (one file in, one file out: no bundling, so
// `#runtime` stays a package import that Node and bundlers resolve through package.json conditions),
// then emits type declarations with tsc for both module formats.
import { build } from 'esbuild'
import { execFileSync } from 'node:child_process'
import { cpSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { createRequire } from 'node:module'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const src = join(root, 'src')
const dist = join(root, 'dist')

const entryPoints = readdirSync(src, { recursive: true, encoding: 'utf8' })
  .filter((file) => file.endsWith('.ts') && !file.endsWith('.d.ts'))
  .map((file) => join(src, file))

rmSync(dist, { recursive: true, force: true })
for (const format of ['esm', 'cjs']) {
  await build({
    entryPoints,
    outdir: join(dist, format),
    outbase: src,
    format,
    platform: 'neutral',
    target: 'es2022',
    bundle: false,
    sourcemap: false,
    logLevel: 'warning',
  })
}
// dist/cjs is its own package scope (type: commonjs), so it needs its own copy of the `#runtime`
// conditions, pointing at the CommonJS files next to it.
const { imports } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'))
const cjsImports = JSON.parse(JSON.stringify(imports).replaceAll('./dist/esm/', './'))
mkdirSync(join(dist, 'cjs'), { recursive: true })
writeFileSync(join(dist, 'cjs', 'package.json'), JSON.stringify({ type: 'commonjs', imports: cjsImports }, null, 2) + '\n')

const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc')
execFileSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json')], { stdio: 'inherit' })
cpSync(join(dist, 'esm'), join(dist, 'cjs'), {
  recursive: true,
  filter: (from) => !from.endsWith('.js'),
})
