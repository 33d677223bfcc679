/**
 * Shared material for the ML-DSA (FIPS 204, RFC 9964) suites: whether this Node has ML-DSA at all,
 * the RFC 9964 example keys, and RFC 9881 SPKI / PKCS#8 DER built by hand. Building the DER here,
 * from the RFC's own `pub` and seed, lets the parsing-only checks (forms, lengths, OIDs) run on every
 * Node, including those whose crypto has no ML-DSA primitive to make keys with.
 *
 * No value imports from 'jotjwt': test/unit files (which import src/ directly) use this too. The one
 * helper that calls jot ({@link mlDsaUnavailability}) is handed the jot module by its caller.
 */
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import type { TestContext } from 'node:test'
import type * as Jot from 'jotjwt'
import type { JWK } from 'jotjwt'
import { der, readAll, readTLV } from './der.js'

export type MlDsaAlg = 'ML-DSA-44' | 'ML-DSA-65' | 'ML-DSA-87'

export const ML_DSA_ALGS: readonly MlDsaAlg[] = ['ML-DSA-44', 'ML-DSA-65', 'ML-DSA-87']

export const [NODE_MAJOR, NODE_MINOR] = process.versions.node.split('.').map(Number) as [number, number]

/**
 * Decided up front from the Node version, never probed. ML-DSA is a Node feature, not an OpenSSL
 * one: it reached node:crypto KeyObjects in Node 24.6 and WebCrypto in Node 24.7, so from 24.7 on
 * both jot backends must have it, and before that both must refuse it (ERR_NOT_SUPPORTED). OpenSSL
 * 3.5 alone is not enough: Node 22.23.3 bundles OpenSSL 3.5.8 and has no ML-DSA. Node 24.6 alone
 * has it in node:crypto but not in WebCrypto; it is not a pinned release, and there the node-backend
 * ML-DSA tests would fail (they would expect ERR_NOT_SUPPORTED).
 */
export const mlDsaExpected = NODE_MAJOR > 24 || (NODE_MAJOR === 24 && NODE_MINOR >= 7)

/** The Node release ML-DSA needs, for messages. */
export const ML_DSA_SINCE = 'Node 24.7'

/** The jot calls {@link mlDsaUnavailability} makes; callers pass their `import * as jot from 'jotjwt'`. */
type JotForAvailability = Pick<typeof Jot, 'cryptoBackend' | 'generateKeyPair' | 'importJWK' | 'isJotError'>

export interface MlDsaUnavailability {
  /** "Node 22.23.3 (webcrypto backend) has no ML-DSA (it needs Node 24.7)", for `t.diagnostic`. */
  readonly notHere: string
  /**
   * Stands in, where ML-DSA is not expected, for a test that needs the primitive: generating a key
   * and importing the RFC 9964 public and private JWKs (well-formed, so only the missing primitive
   * can refuse them) must each reject with ERR_NOT_SUPPORTED. Logs what it asserted, naming `what`.
   */
  assertUnavailable(t: TestContext, alg: MlDsaAlg, what: string): Promise<void>
}

export function mlDsaUnavailability(jot: JotForAvailability): MlDsaUnavailability {
  const notHere = `Node ${process.versions.node} (${jot.cryptoBackend} backend) has no ML-DSA (it needs ${ML_DSA_SINCE})`
  const notSupported = async (label: string, promise: Promise<unknown>): Promise<void> => {
    await assert.rejects(promise, (error: unknown) => {
      assert.ok(jot.isJotError(error), `${label}: expected a JotError, got ${String(error)}`)
      assert.equal(error.code, 'ERR_NOT_SUPPORTED', `${label}: ${error.name}: ${error.message}`)
      return true
    }, `${label} must reject`)
  }
  return {
    notHere,
    async assertUnavailable(t, alg, what) {
      const example = rfcExample(alg)
      await notSupported(`generateKeyPair('${alg}')`, jot.generateKeyPair(alg))
      await notSupported(`importJWK(RFC 9964 public ${alg} JWK)`, jot.importJWK(example.publicJwk, { alg }))
      await notSupported(`importJWK(RFC 9964 private ${alg} JWK)`, jot.importJWK(example.privateJwk, { alg }))
      t.diagnostic(`${notHere}, so in place of ${what}: asserted generateKeyPair and importJWK (RFC 9964 public and private JWK) reject with ERR_NOT_SUPPORTED`)
    },
  }
}

/** FIPS 204 Table 2 sizes (bytes) and the last arc of the NIST id-ml-dsa-* OID (2.16.840.1.101.3.4.3.x). */
export const ML_DSA: Readonly<Record<MlDsaAlg, { publicKey: number; signature: number; expandedKey: number; oidArc: number }>> = {
  'ML-DSA-44': { publicKey: 1312, signature: 2420, expandedKey: 2560, oidArc: 17 },
  'ML-DSA-65': { publicKey: 1952, signature: 3309, expandedKey: 4032, oidArc: 18 },
  'ML-DSA-87': { publicKey: 2592, signature: 4627, expandedKey: 4896, oidArc: 19 },
}

export const SEED_LENGTH = 32

/** A parameter set other than `alg` (for "key of one set used as another" checks). */
export function otherAlg(alg: MlDsaAlg): MlDsaAlg {
  return alg === 'ML-DSA-44' ? 'ML-DSA-65' : 'ML-DSA-44'
}

// ---------------------------------------------------------------------------------------------
// RFC 9964 examples (test/vectors/rfc9964.json)
// ---------------------------------------------------------------------------------------------

export interface RfcExample {
  name: string
  alg: MlDsaAlg
  publicJwk: JWK
  privateJwk: JWK
  jws: string
  protectedHeader: string
  payload: string
  thumbprint: string
  seedHex: string
  signingInputHex: string
}

export const RFC9964_EXAMPLES: readonly RfcExample[] = (
  JSON.parse(readFileSync(new URL('./vectors/rfc9964.json', import.meta.url), 'utf8')) as { examples: RfcExample[] }
).examples

export function rfcExample(alg: MlDsaAlg): RfcExample {
  const example = RFC9964_EXAMPLES.find((entry) => entry.alg === alg)
  if (!example) throw new Error(`no RFC 9964 example for ${alg}`)
  return example
}

export function b64u(text: string): Uint8Array<ArrayBuffer> {
  return Uint8Array.from(Buffer.from(text, 'base64url'))
}

export function toB64u(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('base64url')
}

// ---------------------------------------------------------------------------------------------
// DER (X.690) just far enough for RFC 9881 keys
// ---------------------------------------------------------------------------------------------

const SEQUENCE = 0x30
const OCTET_STRING = 0x04
const BIT_STRING = 0x03
const INTEGER = 0x02
const OID = 0x06
/** RFC 9881 ML-DSA-PrivateKey `seed [0] IMPLICIT OCTET STRING`. */
const SEED_TAG = 0x80

/** `SEQUENCE { id-ml-dsa-* }`: RFC 9881 §2, parameters absent. */
export function algorithmIdentifier(alg: MlDsaAlg): Uint8Array {
  return der(SEQUENCE, der(OID, Uint8Array.of(0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x03, ML_DSA[alg].oidArc)))
}

/** RFC 5280 SubjectPublicKeyInfo with the raw ML-DSA public key in the BIT STRING (RFC 9881 §4). */
export function buildSPKI(alg: MlDsaAlg, publicKey: Uint8Array): Uint8Array {
  return der(SEQUENCE, algorithmIdentifier(alg), der(BIT_STRING, Uint8Array.of(0), publicKey))
}

/** RFC 9881 §6 ML-DSA-PrivateKey: one of the three CHOICE alternatives. */
export type PrivateKeyForm =
  | { readonly form: 'seed'; readonly seed: Uint8Array }
  | { readonly form: 'expandedKey'; readonly expandedKey: Uint8Array }
  | { readonly form: 'both'; readonly seed: Uint8Array; readonly expandedKey: Uint8Array }

function encodePrivateKey(key: PrivateKeyForm): Uint8Array {
  switch (key.form) {
    case 'seed':
      return der(SEED_TAG, key.seed)
    case 'expandedKey':
      return der(OCTET_STRING, key.expandedKey)
    case 'both':
      return der(SEQUENCE, der(OCTET_STRING, key.seed), der(OCTET_STRING, key.expandedKey))
  }
}

/** RFC 5208 PrivateKeyInfo v0 around an ML-DSA-PrivateKey. */
export function buildPKCS8(alg: MlDsaAlg, key: PrivateKeyForm): Uint8Array {
  return der(SEQUENCE, der(INTEGER, Uint8Array.of(0)), algorithmIdentifier(alg), der(OCTET_STRING, encodePrivateKey(key)))
}

/** The ML-DSA-PrivateKey inside a PKCS#8 PrivateKeyInfo, whichever CHOICE alternative it uses. */
export function readPKCS8(pkcs8: Uint8Array): { alg: MlDsaAlg | undefined; key: PrivateKeyForm } {
  const outer = readTLV(pkcs8, 0)
  if (outer.tag !== SEQUENCE) throw new Error('not a PrivateKeyInfo')
  const [version, algorithm, privateKey] = readAll(outer.contents)
  if (version?.tag !== INTEGER || algorithm?.tag !== SEQUENCE || privateKey?.tag !== OCTET_STRING) {
    throw new Error('not a PrivateKeyInfo')
  }
  const oid = readTLV(algorithm.contents, 0)
  const arc = oid.contents[oid.contents.length - 1]
  const alg = ML_DSA_ALGS.find((name) => ML_DSA[name].oidArc === arc)
  const inner = readTLV(privateKey.contents, 0)
  if (inner.tag === SEED_TAG) return { alg, key: { form: 'seed', seed: inner.contents } }
  if (inner.tag === OCTET_STRING) return { alg, key: { form: 'expandedKey', expandedKey: inner.contents } }
  const [seed, expandedKey] = readAll(inner.contents)
  if (inner.tag !== SEQUENCE || seed?.tag !== OCTET_STRING || expandedKey?.tag !== OCTET_STRING) {
    throw new Error('unknown ML-DSA-PrivateKey form')
  }
  return { alg, key: { form: 'both', seed: seed.contents, expandedKey: expandedKey.contents } }
}
