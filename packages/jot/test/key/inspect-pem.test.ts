// inspectPEM reads what a PEM key is (kind, kty, crv, and for ML-DSA its algorithm) without importing
// it, so tools can choose an algorithm from a key file. It parses exactly what importPEM parses, needs
// no crypto backend (ML-DSA PEMs are read on every Node), and refuses what importPEM refuses.
import assert from 'node:assert/strict'
import { generateKeyPairSync } from 'node:crypto'
import { test } from 'node:test'
import { importPEM, inspectPEM, type PEMKeyInfo } from 'jotjwt'
import { toPEM } from '../der.js'
import { b64u, buildPKCS8, buildSPKI, ML_DSA_ALGS, rfcExample } from '../ml-dsa-material.js'

type NodeKeyType = 'rsa' | 'ec' | 'ed25519' | 'ed448' | 'x25519' | 'x448'

const CASES: ReadonlyArray<{ type: NodeKeyType; options?: object; expected: Omit<PEMKeyInfo, 'kind'> }> = [
  { type: 'rsa', options: { modulusLength: 2048 }, expected: { kty: 'RSA' } },
  { type: 'ec', options: { namedCurve: 'P-256' }, expected: { kty: 'EC', crv: 'P-256' } },
  { type: 'ec', options: { namedCurve: 'P-384' }, expected: { kty: 'EC', crv: 'P-384' } },
  { type: 'ec', options: { namedCurve: 'P-521' }, expected: { kty: 'EC', crv: 'P-521' } },
  { type: 'ec', options: { namedCurve: 'secp256k1' }, expected: { kty: 'EC', crv: 'secp256k1' } },
  { type: 'ed25519', expected: { kty: 'OKP', crv: 'Ed25519' } },
  { type: 'ed448', expected: { kty: 'OKP', crv: 'Ed448' } },
  { type: 'x25519', expected: { kty: 'OKP', crv: 'X25519' } },
  { type: 'x448', expected: { kty: 'OKP', crv: 'X448' } },
]

test('every PEM form importPEM reads is described: SPKI, PKCS#8, PKCS#1, SEC1', () => {
  for (const { type, options, expected } of CASES) {
    const { publicKey, privateKey } = generateKeyPairSync(type as 'ec', options as { namedCurve: string })
    const forms: Array<[string, PEMKeyInfo['kind']]> = [
      [publicKey.export({ type: 'spki', format: 'pem' }) as string, 'public'],
      [privateKey.export({ type: 'pkcs8', format: 'pem' }) as string, 'private'],
    ]
    if (type === 'rsa') {
      forms.push([publicKey.export({ type: 'pkcs1', format: 'pem' }) as string, 'public'])
      forms.push([privateKey.export({ type: 'pkcs1', format: 'pem' }) as string, 'private'])
    }
    if (type === 'ec') forms.push([privateKey.export({ type: 'sec1', format: 'pem' }) as string, 'private'])
    for (const [pem, kind] of forms) assert.deepEqual(inspectPEM(pem), { kind, ...expected }, `${type} ${JSON.stringify(options)} ${kind}`)
  }
})

test('an ML-DSA PEM names its algorithm, read on any Node (no crypto needed)', () => {
  for (const alg of ML_DSA_ALGS) {
    const { privateJwk } = rfcExample(alg)
    assert.deepEqual(inspectPEM(toPEM(buildSPKI(alg, b64u(privateJwk.pub as string)), 'PUBLIC KEY')), { kind: 'public', kty: 'AKP', alg })
    const pkcs8 = buildPKCS8(alg, { form: 'seed', seed: b64u(privateJwk.priv as string) })
    assert.deepEqual(inspectPEM(toPEM(pkcs8, 'PRIVATE KEY')), { kind: 'private', kty: 'AKP', alg })
  }
})

test('what importPEM refuses to parse, inspectPEM refuses with the same code', async () => {
  const pss = generateKeyPairSync('rsa-pss', { modulusLength: 2048 }).publicKey.export({ type: 'spki', format: 'pem' }) as string
  const encrypted = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({
    type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'pw',
  }) as string
  const malformed = '-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n'
  for (const [pem, code, alg] of [[pss, 'ERR_NOT_SUPPORTED', 'PS256'], [encrypted, 'ERR_NOT_SUPPORTED', 'ES256'], [malformed, 'ERR_KEY_INVALID', 'ES256']] as const) {
    assert.throws(() => inspectPEM(pem), { code })
    await assert.rejects(importPEM(pem, { alg }), { code })
  }
  assert.throws(() => inspectPEM(42 as unknown as string), { code: 'ERR_INVALID_ARGUMENT' })
})
