// Bundles what a user would import from jot (and jose's equivalent) with esbuild, minified, and
// reports raw and gzip sizes; also lists which JWE markers each bundle contains, so a JWS-only
// import can be checked to carry no JWE code. Used by `npm run bundle-report` and by the test in
// test/packaging/bundle.test.ts.
import { build, version as esbuildVersion } from 'esbuild'
import { writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { gzipSync } from 'node:zlib'

const root = fileURLToPath(new URL('../../../', import.meta.url))
const tsconfig = fileURLToPath(new URL('../tsconfig.tsx.json', import.meta.url))

/**
 * Strings only JWE code contains: WebCrypto algorithm names, node cipher names, JWE option names and
 * error codes. (Names of node:crypto functions are no evidence: esbuild keeps an external module's
 * whole import list even when nothing calls the functions.)
 */
export const JWE_MARKERS = ['ERR_JWE', 'maxPBES2Count', 'AES-GCM', 'AES-KW', 'AES-CBC', 'subtle.deriveBits', 'deflate-raw', '}-gcm', '-wrap']

/**
 * Entry points: what a user imports (from `jotjwt` or one of its subpaths, `from`, default `jotjwt`), and
 * jose's nearest equivalent. `jwsOnly` entries must bundle without any JWE code.
 */
export const ENTRY_POINTS = [
  { name: 'verify a JWT', jot: ['verifyJWT'], jose: ['jwtVerify'], jwsOnly: true },
  { name: 'prepared verifier', jot: ['createVerifier'], jose: ['jwtVerify'], jwsOnly: true },
  { name: 'sign and verify JWTs, import JWKs', jot: ['signJWT', 'verifyJWT', 'importJWK'], jose: ['SignJWT', 'jwtVerify', 'importJWK'], jwsOnly: true },
  { name: 'compact JWS verify', jot: ['verifyCompactJWS'], jose: ['compactVerify'], jwsOnly: true },
  { name: 'decode without verifying', jot: ['decodeJWTUnverified'], jose: ['decodeJwt'], jwsOnly: true },
  { name: 'encrypt and decrypt JWTs', jot: ['encryptJWT', 'decryptJWT'], jose: ['EncryptJWT', 'jwtDecrypt'], jwsOnly: false },
  { name: 'everything', jot: ['*'], jose: ['*'], jwsOnly: false },
  { name: 'verify a JWT, from the subpath', from: 'jotjwt/jwt', jot: ['verifyJWT'], jose: ['jwtVerify'], jwsOnly: true },
  { name: 'import a JWK, from the subpath', from: 'jotjwt/keys', jot: ['importJWK'], jose: ['importJWK'], jwsOnly: true },
  { name: 'all of jotjwt/jws', from: 'jotjwt/jws', jot: ['*'], jose: ['CompactSign', 'compactVerify', 'FlattenedSign', 'flattenedVerify', 'GeneralSign', 'generalVerify'], jwsOnly: true },
  { name: 'all of jotjwt/jwt', from: 'jotjwt/jwt', jot: ['*'], jose: ['SignJWT', 'jwtVerify', 'decodeJwt', 'UnsecuredJWT'], jwsOnly: true },
  { name: 'all of jotjwt/jwks', from: 'jotjwt/jwks', jot: ['*'], jose: ['createLocalJWKSet', 'createRemoteJWKSet', 'EmbeddedJWK'], jwsOnly: true },
  { name: 'all of jotjwt/errors', from: 'jotjwt/errors', jot: ['*'], jose: ['errors'], jwsOnly: false },
  { name: 'make a DPoP proof, from the subpath', from: 'jotjwt/dpop', jot: ['createDPoPProof'], jose: ['SignJWT', 'exportJWK'], jwsOnly: true },
  { name: 'verify DPoP proofs, from the subpath', from: 'jotjwt/dpop', jot: ['createDPoPVerifier', 'createMemoryReplayStore', 'checkDPoPBinding'], jose: ['jwtVerify', 'EmbeddedJWK', 'calculateJwkThumbprint'], jwsOnly: true },
  { name: 'all of jotjwt/dpop', from: 'jotjwt/dpop', jot: ['*'], jose: ['SignJWT', 'exportJWK', 'jwtVerify', 'EmbeddedJWK', 'calculateJwkThumbprint'], jwsOnly: true },
  { name: 'all of jotjwt/jwe', from: 'jotjwt/jwe', jot: ['*'], jose: ['CompactEncrypt', 'compactDecrypt', 'EncryptJWT', 'jwtDecrypt'], jwsOnly: false },
]

export async function bundle(pkg, names, conditions) {
  const contents = names[0] === '*' ? `export * from '${pkg}'` : `export { ${names.join(', ')} } from '${pkg}'`
  const result = await build({
    stdin: { contents, resolveDir: root },
    bundle: true,
    minify: true,
    format: 'esm',
    platform: conditions.includes('jotjwt-webcrypto') ? 'neutral' : 'node',
    conditions,
    tsconfig,
    write: false,
    logLevel: 'silent',
  })
  const text = result.outputFiles[0].text
  return { bytes: text.length, gzip: gzipSync(text, { level: 9 }).length, jweMarkers: JWE_MARKERS.filter((m) => text.includes(m)) }
}

async function report() {
  const lines = ['| entry point | jot (webcrypto) min / gzip | jot (node) min / gzip | jose min / gzip | JWE code in jot bundle |', '|---|---:|---:|---:|---|']
  for (const entry of ENTRY_POINTS) {
    const from = entry.from ?? 'jotjwt'
    const web = await bundle(from, entry.jot, ['jotjwt-webcrypto'])
    const node = await bundle(from, entry.jot, [])
    const jose = await bundle('jose', entry.jose, [])
    const kb = (n) => (n / 1024).toFixed(1)
    lines.push(
      `| ${entry.name} (\`${entry.jot.join(', ')}\` from \`${from}\`) | ${kb(web.bytes)} / ${kb(web.gzip)} KB | ${kb(node.bytes)} / ${kb(node.gzip)} KB | ${kb(jose.bytes)} / ${kb(jose.gzip)} KB | ${[...new Set([...web.jweMarkers, ...node.jweMarkers])].join(', ') || 'none'} |`,
    )
  }
  const doc = [
    '# Bundle sizes',
    '',
    `Generated by \`npm run bundle-report\` (esbuild ${esbuildVersion}, \`--bundle --minify --format=esm\`, gzip -9) on ${new Date().toISOString()}.`,
    'Each row bundles only the named imports (or a whole subpath); jose is given its nearest equivalent.',
    'The last column lists JWE markers found in the jot bundle: JWS-only imports must show none',
    '(test/packaging/bundle.test.ts fails otherwise).',
    '',
    ...lines,
    '',
  ].join('\n')
  writeFileSync(new URL('../../../docs/bundle-size.md', import.meta.url), doc)
  console.log(doc)
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await report()
