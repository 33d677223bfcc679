// What a user gets from the registry: the package is packed (`npm pack`), installed from the tarball
// into a fresh project outside the repository (offline: jot has no runtime dependencies), and every
// public entry point is loaded with `import` and with `require`, used for a sign/verify round trip,
// and type-checked from .mts and .cts consumers under moduleResolution node16 and nodenext. publint
// lints the packed package.json (exports order, files present, formats).
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { fileURLToPath } from 'node:url'

const packageRoot = fileURLToPath(new URL('../../', import.meta.url))
const manifest = JSON.parse(readFileSync(join(packageRoot, 'package.json'), 'utf8')) as { exports: Record<string, unknown> }
/** Every public specifier: `jot` and its subpaths, from the package's own exports map. */
const SPECIFIERS = Object.keys(manifest.exports)
  .filter((key) => key !== './package.json')
  .map((key) => (key === '.' ? 'jotjwt' : `jotjwt/${key.slice(2)}`))

const require = createRequire(import.meta.url)
const tsc = require.resolve('typescript/bin/tsc')

/** npm inherits workspace settings from the `npm test` that started us; the temp project has none. */
function cleanEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env }
  for (const name of Object.keys(env)) {
    if (/^npm_(config_workspace|config_workspaces|config_include_workspace_root|package_|lifecycle_)/i.test(name)) delete env[name]
  }
  return env
}

function run(command: string, args: string[], cwd: string): string {
  try {
    return execFileSync(command, args, { cwd, env: cleanEnv(), encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })
  } catch (error) {
    const { stdout, stderr } = error as { stdout?: string; stderr?: string }
    throw new Error(`${command} ${args.join(' ')} failed in ${cwd}:\n${stdout ?? ''}\n${stderr ?? ''}`)
  }
}

// A sign/verify round trip per module format, through the subpath entries only.
const ESM_CONSUMER = `
import assert from 'node:assert/strict'
import { generateKeyPair, generateSecret } from 'jotjwt/keys'
import { signJWT, verifyJWT } from 'jotjwt/jwt'
import { signCompactJWS, verifyCompactJWS } from 'jotjwt/jws'
import { encryptJWT, decryptJWT } from 'jotjwt/jwe'
import { createLocalKeySet } from 'jotjwt/jwks'
import { createDPoPProof, verifyDPoPProof } from 'jotjwt/dpop'
import { isJotError } from 'jotjwt/errors'
import * as root from 'jotjwt'

const specifiers = ${JSON.stringify(SPECIFIERS)}
const entries = {}
for (const specifier of specifiers) entries[specifier] = Object.keys(await import(specifier)).sort()
const key = await generateSecret('HS256')
const token = await signJWT({ sub: 'esm' }, key, { expiresIn: 60 })
assert.equal((await verifyJWT(token, key)).payload.sub, 'esm')
assert.equal(new TextDecoder().decode((await verifyCompactJWS(await signCompactJWS('hi', key), key)).payload), 'hi')
const { generateSecret: generate } = await import('jotjwt/keys')
const secret = await generate('HS256')
await assert.rejects(verifyJWT(token, secret), (error) => isJotError(error) && error.code === 'ERR_JWS_SIGNATURE_INVALID')
assert.equal(typeof encryptJWT, 'function')
assert.equal(typeof decryptJWT, 'function')
assert.equal(typeof createLocalKeySet, 'function')
const { privateKey: dpopKey } = await generateKeyPair('ES256')
const dpopRequest = { method: 'GET', url: 'https://rs.example/orders' }
const proof = await createDPoPProof(dpopKey, dpopRequest)
assert.equal((await verifyDPoPProof(proof, { ...dpopRequest, algorithms: ['ES256'], replay: false })).payload.htm, 'GET')
// One module instance per format: a subpath export is the very function the root exports.
assert.equal(root.verifyJWT, verifyJWT)
await assert.rejects(import('jotjwt/dist/esm/index.js'), { code: 'ERR_PACKAGE_PATH_NOT_EXPORTED' })
console.log(JSON.stringify({ entries, backend: root.cryptoBackend }))
`

const CJS_CONSUMER = `
const assert = require('node:assert/strict')
const { generateSecret } = require('jotjwt/keys')
const { signJWT, verifyJWT } = require('jotjwt/jwt')
const root = require('jotjwt')

const specifiers = ${JSON.stringify(SPECIFIERS)}
const entries = {}
for (const specifier of specifiers) entries[specifier] = Object.keys(require(specifier)).sort()
assert.throws(() => require('jotjwt/dist/cjs/index.js'), { code: 'ERR_PACKAGE_PATH_NOT_EXPORTED' })
assert.equal(root.verifyJWT, verifyJWT)
;(async () => {
  const key = await generateSecret('HS256')
  const token = await signJWT({ sub: 'cjs' }, key, { expiresIn: 60 })
  assert.equal((await verifyJWT(token, key)).payload.sub, 'cjs')
  console.log(JSON.stringify({ entries, backend: root.cryptoBackend, version: require('jotjwt/package.json').version }))
})()
`

// The same program in both formats; what must not compile is marked with @ts-expect-error, so a
// type that resolves to \`any\` (or an export that leaks into the wrong subpath) fails the check.
const typedBody = (from: (specifier: string) => string) => `
${from('jotjwt/keys')}
${from('jotjwt/jwt')}
${from('jotjwt/jws')}
${from('jotjwt/jwe')}
${from('jotjwt/jwks')}
${from('jotjwt/dpop')}
${from('jotjwt/errors')}
${from('jotjwt')}

export async function roundTrip(): Promise<string | undefined> {
  const key: keys.JotKey = await keys.generateSecret('HS256')
  const token: string = await jwt.signJWT({ sub: 'typed' }, key, { expiresIn: 60 })
  const verified: jwt.VerifiedJWT = await jwt.verifyJWT(token, key)
  const flattened: jws.FlattenedJWS = await jws.signFlattenedJWS('x', key)
  const set = jwks.createLocalKeySet({ keys: [] })
  const options: jwe.EncryptJWTOptions = { enc: 'A256GCM' }
  const code: errors.JotErrorCode = 'ERR_JWT_EXPIRED'
  const replay: dpop.ReplayStore = dpop.createMemoryReplayStore()
  const proofCode: errors.JotErrorCode = 'ERR_DPOP_PROOF_INVALID'
  // @ts-expect-error: the replay store is required (a store or false)
  void dpop.createDPoPVerifier({ algorithms: ['ES256'] })
  // @ts-expect-error: JWE lives in jotjwt/jwe, not in the JWS entry
  void jws.encryptJWT
  // @ts-expect-error: the claims of a verified JWT are typed, not any
  const wrong: number = verified.payload.sub
  void [flattened, set, options, code, replay, proofCode, wrong, root.cryptoBackend]
  return verified.payload.sub
}
`
const MTS_CONSUMER = typedBody((specifier) => `import * as ${alias(specifier)} from '${specifier}'`)
const CTS_CONSUMER = typedBody((specifier) => `import ${alias(specifier)} = require('${specifier}')`)

function alias(specifier: string): string {
  return specifier === 'jotjwt' ? 'root' : specifier.slice('jotjwt/'.length)
}

describe('the packed package, installed into a fresh project', () => {
  let project = ''
  let tarball = ''

  before(() => {
    project = mkdtempSync(join(tmpdir(), 'jot-consumer-'))
    const [packed] = JSON.parse(run('npm', ['pack', '--json', '--pack-destination', project], packageRoot)) as Array<{ filename: string; files: Array<{ path: string }> }>
    tarball = join(project, packed!.filename)
    writeFileSync(join(project, 'files.json'), JSON.stringify(packed!.files.map((file) => file.path)))
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'jot-consumer', private: true, version: '1.0.0' }))
    run('npm', ['install', '--offline', '--no-audit', '--no-fund', '--ignore-scripts', '--no-package-lock', tarball], project)
  })

  after(() => {
    if (project) rmSync(project, { recursive: true, force: true })
  })

  test('the tarball holds the built package only: both formats, declarations, the CommonJS scope file', () => {
    const files = JSON.parse(readFileSync(join(project, 'files.json'), 'utf8')) as string[]
    assert.ok(files.includes('package.json'))
    assert.ok(files.includes('dist/cjs/package.json'))
    for (const specifier of SPECIFIERS) {
      const file = specifier === 'jotjwt' ? 'index' : specifier === 'jotjwt/errors' ? 'errors' : `entry/${specifier.slice('jotjwt/'.length)}`
      for (const format of ['esm', 'cjs']) {
        assert.ok(files.includes(`dist/${format}/${file}.js`), `dist/${format}/${file}.js`)
        assert.ok(files.includes(`dist/${format}/${file}.d.ts`), `dist/${format}/${file}.d.ts`)
      }
    }
    assert.deepEqual(files.filter((file) => !file.startsWith('dist/') && file !== 'package.json' && !/^(README|LICENSE)/i.test(file)), [])
  })

  test('import: every entry point loads, signs and verifies (ESM consumer)', () => {
    writeFileSync(join(project, 'consumer.mjs'), ESM_CONSUMER)
    const { entries, backend } = JSON.parse(run(process.execPath, ['consumer.mjs'], project)) as { entries: Record<string, string[]>; backend: string }
    assert.equal(backend, 'node')
    assert.deepEqual(Object.keys(entries), SPECIFIERS)
    for (const [specifier, names] of Object.entries(entries)) assert.ok(names.length > 0, `${specifier} exports nothing`)
    // The root is exactly the union of the subpaths: nothing is reachable only one way.
    const union = [...new Set(SPECIFIERS.filter((s) => s !== 'jotjwt').flatMap((s) => entries[s]!))].sort()
    assert.deepEqual(entries.jotjwt, union)
  })

  test('require: every entry point loads, signs and verifies (CommonJS consumer), with the same exports as import', () => {
    writeFileSync(join(project, 'consumer.cjs'), CJS_CONSUMER)
    writeFileSync(join(project, 'consumer.mjs'), ESM_CONSUMER)
    const cjs = JSON.parse(run(process.execPath, ['consumer.cjs'], project)) as { entries: Record<string, string[]>; backend: string; version: string }
    const esm = JSON.parse(run(process.execPath, ['consumer.mjs'], project)) as { entries: Record<string, string[]> }
    assert.equal(cjs.backend, 'node')
    assert.equal(cjs.version, JSON.parse(readFileSync(join(packageRoot, 'package.json'), 'utf8')).version)
    assert.deepEqual(cjs.entries, esm.entries)
  })

  test('the jotjwt-webcrypto condition selects the WebCrypto backend in the installed package, for both formats', () => {
    writeFileSync(join(project, 'backend.mjs'), `import { cryptoBackend } from 'jotjwt/keys'; console.log(cryptoBackend)`)
    writeFileSync(join(project, 'backend.cjs'), `console.log(require('jotjwt/keys').cryptoBackend)`)
    for (const file of ['backend.mjs', 'backend.cjs']) {
      assert.equal(run(process.execPath, ['--conditions=jotjwt-webcrypto', file], project).trim(), 'webcrypto', file)
    }
  })

  for (const resolution of ['node16', 'nodenext']) {
    test(`types resolve for .mts (import) and .cts (require) consumers under moduleResolution ${resolution}`, () => {
      writeFileSync(join(project, 'typed.mts'), MTS_CONSUMER)
      writeFileSync(join(project, 'typed.cts'), CTS_CONSUMER)
      const compilerOptions = {
        module: resolution,
        moduleResolution: resolution,
        target: 'es2022',
        lib: ['es2022', 'dom'],
        types: [],
        strict: true,
        noEmit: true,
        // Our own declarations are part of what is checked.
        skipLibCheck: false,
      }
      writeFileSync(join(project, 'tsconfig.json'), JSON.stringify({ compilerOptions, files: ['typed.mts', 'typed.cts'] }))
      run(process.execPath, [tsc, '-p', 'tsconfig.json'], project)
    })
  }

  test('publint finds nothing to report in the packed package but the nested `imports` map it cannot see Node use', async () => {
    const { publint } = await import('publint')
    const { messages } = await publint({ pkgDir: join(project, 'node_modules', 'jotjwt'), level: 'suggestion', strict: true })
    // publint flags every field in a nested package.json (nested `exports` is indeed ignored,
    // nodejs/node#58827). A nested `imports` map is honored: `#runtime` resolves against the nearest
    // package scope, which the CommonJS test below proves by the files that actually load.
    const nestedImports = (m: (typeof messages)[number]) =>
      m.code === 'NESTED_PACKAGE_JSON_FIELD_IGNORED' && m.args.field === 'imports' && m.args.filePath === './dist/cjs/package.json'
    assert.deepEqual(messages.filter((m) => !nestedImports(m)), [])
  })

  test('require() resolves `#runtime` through dist/cjs/package.json to the CommonJS backend files, for both backends', () => {
    writeFileSync(join(project, 'loaded.cjs'), `require('jotjwt'); console.log(JSON.stringify(Object.keys(require.cache).filter((f) => f.includes('runtime'))))`)
    for (const [conditions, backend] of [[[], 'node'], [['--conditions=jotjwt-webcrypto'], 'webcrypto']] as const) {
      const loaded = JSON.parse(run(process.execPath, [...conditions, 'loaded.cjs'], project)) as string[]
      assert.ok(loaded.length > 0)
      for (const file of loaded) assert.match(file, new RegExp(`node_modules/jotjwt/dist/cjs/runtime/${backend}/`))
    }
  })
})
