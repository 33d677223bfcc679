// The algorithm × runtime support table: one probe per README row (generate or import a key, then
// a sign/verify or encrypt/decrypt round trip), run in every runtime the suite reaches (Node with
// each backend, headless Chromium). The README table is generated from these results
// (scripts/support-table.mjs) and checked against them on every test run. Runs in browsers: no
// Node built-ins here.
import type * as Jot from 'jotjwt'
import type { Vectors } from './conformance.js'

type JotModule = typeof Jot
/** `✓` or the error code the runtime answered with (`ERR_NOT_SUPPORTED`). */
export type Support = string
export const SUPPORTED = '✓'

interface Probe {
  row: string
  run: (jot: JotModule, vectors: Vectors) => Promise<void>
}

const random = (length: number) => crypto.getRandomValues(new Uint8Array(length))
const DIR_KEY_LENGTH: Record<string, number> = {
  'A128CBC-HS256': 32, 'A192CBC-HS384': 48, 'A256CBC-HS512': 64, A128GCM: 16, A192GCM: 24, A256GCM: 32,
}

function signs(row: string, alg: Jot.JWSAlgorithmName, curve?: Jot.Curve): Probe {
  return {
    row,
    run: async (jot) => {
      const pair = alg.startsWith('HS')
        ? { privateKey: await jot.generateSecret(alg), publicKey: undefined }
        : await jot.generateKeyPair(alg, curve ? { curve } : {})
      const jws = await jot.signCompactJWS('probe', pair.privateKey)
      await jot.verifyCompactJWS(jws, pair.publicKey ?? pair.privateKey)
    },
  }
}

function encrypts(row: string, alg: Jot.KeyManagementAlgorithmName, enc: Jot.ContentEncryptionName, extra: { curve?: Jot.Curve; zip?: boolean } = {}): Probe {
  return {
    row,
    run: async (jot) => {
      let encryptionKey: Jot.JotKey
      let decryptionKey: Jot.JotKey
      if (alg.startsWith('RSA') || alg.startsWith('ECDH')) {
        const pair = await jot.generateKeyPair(alg, extra.curve ? { curve: extra.curve } : {})
        encryptionKey = pair.publicKey
        decryptionKey = pair.privateKey
      } else if (alg.startsWith('PBES2')) {
        encryptionKey = decryptionKey = await jot.importSecret('correct horse battery staple', { alg })
      } else if (alg === 'dir') {
        encryptionKey = decryptionKey = await jot.importSecret(random(DIR_KEY_LENGTH[enc]!), { alg, enc })
      } else {
        encryptionKey = decryptionKey = await jot.importSecret(random(Number(/\d{3}/.exec(alg)![0]) / 8), { alg })
      }
      const jwe = await jot.encryptCompactJWE('probe', encryptionKey, { enc, ...(extra.zip ? { protectedHeader: { zip: 'DEF' } } : {}) })
      const { plaintext } = await jot.decryptCompactJWE(jwe, decryptionKey, { keyManagementAlgorithms: [alg] })
      if (new TextDecoder().decode(plaintext) !== 'probe') throw new Error('round trip changed the plaintext')
    },
  }
}

/** One probe per table row, in table order. */
export const PROBES: Probe[] = [
  ...(['HS256', 'HS384', 'HS512', 'RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'ES256K'] as const).map((alg) => signs(alg, alg)),
  signs('EdDSA (Ed25519)', 'EdDSA', 'Ed25519'),
  signs('Ed25519', 'Ed25519'),
  signs('EdDSA (Ed448)', 'EdDSA', 'Ed448'),
  signs('Ed448', 'Ed448'),
  ...(['ML-DSA-44', 'ML-DSA-65', 'ML-DSA-87'] as const).map((alg) => signs(alg, alg)),
  ...(['RSA-OAEP', 'RSA-OAEP-256', 'RSA-OAEP-384', 'RSA-OAEP-512'] as const).map((alg) => encrypts(alg, alg, 'A128GCM')),
  {
    // jot never encrypts with RSA1_5, so the round trip is the RFC 7516 A.2 token, decrypted.
    row: 'RSA1_5 (decrypt only)',
    run: async (jot, vectors) => {
      const a2 = (vectors.rfc7516.vectors as Array<{ id: string; jwk: Jot.JWK; compact: string; plaintext: string }>).find((v) => v.id === 'A.2')!
      const key = await jot.importJWK(a2.jwk, { alg: 'RSA1_5', unsafeAllowRSA1_5: true })
      const { plaintext } = await jot.decryptCompactJWE(a2.compact, key, { keyManagementAlgorithms: ['RSA1_5'] })
      if (new TextDecoder().decode(plaintext) !== a2.plaintext) throw new Error('RFC 7516 A.2 decrypted to something else')
    },
  },
  ...(['A128KW', 'A192KW', 'A256KW', 'A128GCMKW', 'A192GCMKW', 'A256GCMKW'] as const).map((alg) => encrypts(alg, alg, 'A128GCM')),
  ...(['PBES2-HS256+A128KW', 'PBES2-HS384+A192KW', 'PBES2-HS512+A256KW'] as const).map((alg) => encrypts(alg, alg, 'A128GCM')),
  ...(['ECDH-ES', 'ECDH-ES+A128KW', 'ECDH-ES+A192KW', 'ECDH-ES+A256KW'] as const).map((alg) => encrypts(`${alg} (P-256)`, alg, 'A128GCM')),
  ...(['P-384', 'P-521', 'X25519', 'X448'] as const).map((curve) => encrypts(`ECDH-ES (${curve})`, 'ECDH-ES', 'A128GCM', { curve })),
  ...(['A128CBC-HS256', 'A192CBC-HS384', 'A256CBC-HS512', 'A128GCM', 'A192GCM', 'A256GCM'] as const).map((enc) => encrypts(`dir + ${enc}`, 'dir', enc)),
  encrypts('zip DEF (A128KW + A128GCM)', 'A128KW', 'A128GCM', { zip: true }),
]

export async function measureSupport(jot: JotModule, vectors: Vectors): Promise<Record<string, Support>> {
  const results: Record<string, Support> = {}
  for (const probe of PROBES) {
    try {
      await probe.run(jot, vectors)
      results[probe.row] = SUPPORTED
    } catch (error) {
      const code = (error as { code?: unknown }).code
      if (typeof code !== 'string') throw new Error(`${probe.row}: ${String(error)}`, { cause: error })
      results[probe.row] = code
    }
  }
  return results
}

// The README table: between these markers, rows that agree in every runtime are merged.
export const TABLE_START = '<!-- support-table:start (generated by `npm run support-table`; checked by the tests) -->'
export const TABLE_END = '<!-- support-table:end -->'
/** The Node lines the suite runs on (scripts/node-versions.json; a test keeps the two in step). */
export const NODE_LINES = [20, 22, 24] as const
/** One column per backend and Node line, then headless Chromium. */
export const RUNTIMES = [
  ...(['node', 'webcrypto'] as const).flatMap((backend) => NODE_LINES.map((line) => `${backend}@${line}` as const)),
  'chromium',
] as const
export type Runtime = (typeof RUNTIMES)[number]

const heading = (runtime: Runtime) => {
  if (runtime === 'chromium') return 'Chromium (headless), WebCrypto'
  const [backend, line] = runtime.split('@')
  return `Node ${line}, ${backend === 'node' ? 'node:crypto' : 'WebCrypto'}`
}

/** This process's column: its backend on its Node line. */
export function nodeRuntime(backend: string, nodeVersion: string): Runtime {
  const runtime = `${backend}@${nodeVersion.split('.')[0]}`
  if (!(RUNTIMES as readonly string[]).includes(runtime)) {
    throw new Error(`no support-table column for ${runtime}: run the suite on Node ${NODE_LINES.join(', ')}`)
  }
  return runtime as Runtime
}

const cell = (support: Support) => (support === SUPPORTED ? SUPPORTED : `✗ \`${support}\``)

export function renderSupportTable(columns: Record<Runtime, Record<string, Support>>): string {
  const lines = [`| algorithm | ${RUNTIMES.map(heading).join(' | ')} |`, `|---|${RUNTIMES.map(() => '---|').join('')}`]
  let group: { rows: string[]; cells: string } | undefined
  const flush = () => group && lines.push(`| ${group.rows.join(', ')} | ${group.cells} |`)
  for (const { row } of PROBES) {
    const cells = RUNTIMES.map((runtime) => cell(columns[runtime][row] ?? 'not measured')).join(' | ')
    const family = (name: string) => name.replace(/\d+|\(.*\)/g, '')
    if (group && group.cells === cells && family(group.rows[0]!) === family(row)) group.rows.push(row)
    else {
      flush()
      group = { rows: [row], cells }
    }
  }
  flush()
  return lines.join('\n')
}

/** One runtime's column as the README states it, expanded to one entry per probe row. */
export function readSupportColumn(readme: string, runtime: Runtime): Record<string, Support> {
  const start = readme.indexOf(TABLE_START)
  const end = readme.indexOf(TABLE_END)
  if (start < 0 || end < start) throw new Error('README has no generated support table')
  const column = RUNTIMES.indexOf(runtime)
  const out: Record<string, Support> = {}
  for (const line of readme.slice(start + TABLE_START.length, end).trim().split('\n').slice(2)) {
    const cells = line.split('|').slice(1, -1).map((text) => text.trim())
    const text = cells[column + 1]!
    const support = text === SUPPORTED ? SUPPORTED : /`(\w+)`/.exec(text)?.[1] ?? text
    for (const row of cells[0]!.split(', ')) out[row] = support
  }
  return out
}
