/**
 * The two crypto backends must be interchangeable: keys made by one import into the other, and a
 * signature made by either verifies on both. Every row of the algorithm table is exercised in both
 * directions.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { KeyInvalid, NotSupported } from '../../src/errors.js'
import type { Curve } from '../../src/jwa/curves.js'
import { JWS_ALGORITHMS, type HashName, type JWSAlgorithm } from '../../src/jwa/signing.js'
import { canonicalPKCS8, encodePEM } from '../../src/key/pem.js'
import * as nodeRuntime from '../../src/runtime/node/index.js'
import type { CryptoRuntime, KeySource, RuntimeKey } from '../../src/runtime/types.js'
import * as webRuntime from '../../src/runtime/webcrypto/index.js'
import { b64u, buildPKCS8, buildSPKI, mlDsaExpected, NODE_MAJOR, readPKCS8, rfcExample, SEED_LENGTH, type MlDsaAlg } from '../ml-dsa-material.js'

const DIRECTIONS: readonly (readonly [CryptoRuntime, CryptoRuntime])[] = [
  [nodeRuntime, webRuntime],
  [webRuntime, nodeRuntime],
]

const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'priv']

const data = new TextEncoder().encode('eyJhbGciOiJub25lIn0.eyJzdWIiOiJwYXJpdHkifQ')

function tampered(bytes: Uint8Array): Uint8Array {
  const copy = Uint8Array.from(bytes)
  copy[copy.length - 1]! ^= 1
  return copy
}

function bytes(value: Uint8Array): Uint8Array {
  return Uint8Array.from(value)
}

function publicMembers(jwk: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(jwk).filter(([name]) => !PRIVATE_MEMBERS.includes(name)))
}

function curvesOf(alg: JWSAlgorithm): readonly (Curve | undefined)[] {
  return alg.family === 'ecdsa' || alg.family === 'eddsa' ? alg.curves : [undefined]
}

/** Sign with every signer, verify with every verifier; tampered data must fail everywhere. */
async function assertCrossVerifies(
  alg: JWSAlgorithm,
  signers: readonly (readonly [CryptoRuntime, RuntimeKey])[],
  verifiers: readonly (readonly [CryptoRuntime, RuntimeKey])[],
): Promise<void> {
  for (const [signRuntime, signKey] of signers) {
    const signature = await signRuntime.sign(alg, signKey, data)
    for (const [verifyRuntime, verifyKey] of verifiers) {
      const label = `${alg.name}: ${signRuntime.name} signs, ${verifyRuntime.name} verifies with a ${verifyKey.kind} key`
      assert.equal(await verifyRuntime.verify(alg, verifyKey, data, signature), true, label)
      assert.equal(await verifyRuntime.verify(alg, verifyKey, tampered(data), signature), false, `${label} (tampered data)`)
      assert.equal(await verifyRuntime.verify(alg, verifyKey, data, tampered(signature)), false, `${label} (tampered signature)`)
    }
  }
}

/** Ed448 is optional in WebCrypto; on runtimes without it the backend must say NotSupported. */
async function webCryptoLacks(alg: JWSAlgorithm, curve: Curve | undefined): Promise<boolean> {
  if (curve !== 'Ed448') return false
  try {
    await webRuntime.generateKeyPair(alg, { curve, modulusLength: 2048 })
    return false
  } catch (error) {
    assert.ok(error instanceof NotSupported, 'a runtime without Ed448 must report NotSupported')
    return true
  }
}

describe('runtime parity: node:crypto and WebCrypto backends', () => {
  for (const alg of Object.values(JWS_ALGORITHMS)) {
    if (alg.family === 'hmac') {
      it(`${alg.name}: secret keys sign identically and round-trip through JWK`, async () => {
        const secret = nodeRuntime.randomBytes(alg.size)
        const source: KeySource = { format: 'secret', bytes: secret }
        const nodeKey = await nodeRuntime.importKey(alg, undefined, source, 'secret')
        const webKey = await webRuntime.importKey(alg, undefined, source, 'secret')
        assert.equal(webKey.kind, 'secret')
        assert.equal(webKey.bits, nodeKey.bits)

        const nodeSignature = bytes(await nodeRuntime.sign(alg, nodeKey, data))
        const webSignature = bytes(await webRuntime.sign(alg, webKey, data))
        assert.deepEqual(webSignature, nodeSignature)
        await assertCrossVerifies(alg, [[nodeRuntime, nodeKey], [webRuntime, webKey]], [[nodeRuntime, nodeKey], [webRuntime, webKey]])

        const webJWK = await webRuntime.exportJWK(webKey)
        assert.deepEqual(webJWK, await nodeRuntime.exportJWK(nodeKey))
        const reimported = await webRuntime.importKey(alg, undefined, { format: 'secret', bytes: Buffer.from(webJWK.k!, 'base64url') }, 'secret')
        assert.deepEqual(await webRuntime.exportJWK(reimported), webJWK)
      })
      continue
    }

    for (const curve of curvesOf(alg)) {
      const label = curve === undefined || curve === alg.name ? alg.name : `${alg.name} (${curve})`

      if (curve === 'secp256k1') {
        it(`${label}: WebCrypto reports NotSupported, node:crypto keys are refused rather than mis-imported`, async () => {
          const message = /ES256K is not supported by the WebCrypto backend/
          await assert.rejects(webRuntime.generateKeyPair(alg, { curve, modulusLength: 2048 }), (error) => {
            return error instanceof NotSupported && message.test(error.message)
          })
          const { privateKey } = await nodeRuntime.generateKeyPair(alg, { curve, modulusLength: 2048 })
          const sources: KeySource[] = [
            { format: 'jwk', jwk: await nodeRuntime.exportJWK(privateKey) },
            { format: 'pkcs8', der: await nodeRuntime.exportDER(privateKey, 'pkcs8') },
            { format: 'spki', der: await nodeRuntime.exportDER(privateKey, 'spki') },
          ]
          for (const source of sources) {
            const kind = source.format === 'spki' ? 'public' : 'private'
            await assert.rejects(webRuntime.importKey(alg, curve, source, kind), (error) => {
              return error instanceof NotSupported && message.test(error.message)
            })
          }
        })
        continue
      }

      if (alg.family === 'ml-dsa' && !mlDsaExpected) {
        it(`${label}: both backends report NotSupported (Node ${NODE_MAJOR} has no ML-DSA)`, async (t) => {
          const example = rfcExample(alg.name as MlDsaAlg)
          const sources: [KeySource, 'public' | 'private'][] = [
            [{ format: 'jwk', jwk: example.publicJwk as Record<string, string> }, 'public'],
            [{ format: 'jwk', jwk: example.privateJwk as Record<string, string> }, 'private'],
            [{ format: 'spki', der: buildSPKI(alg.name as MlDsaAlg, b64u(example.publicJwk.pub as string)) }, 'public'],
            [{ format: 'pkcs8', der: buildPKCS8(alg.name as MlDsaAlg, { form: 'seed', seed: new Uint8Array(SEED_LENGTH) }) }, 'private'],
          ]
          const messages: [CryptoRuntime, RegExp][] = [
            [nodeRuntime, new RegExp(`${alg.name} is not supported by this runtime: node:crypto in Node\\.js v${NODE_MAJOR}\\.`)],
            [webRuntime, new RegExp(`${alg.name} is not supported by this runtime's WebCrypto`)],
          ]
          for (const [runtime, message] of messages) {
            const refused = (error: unknown) => error instanceof NotSupported && message.test(error.message)
            await assert.rejects(runtime.generateKeyPair(alg, { curve, modulusLength: 2048 }), refused, `${runtime.name} generateKeyPair`)
            for (const [source, kind] of sources) {
              await assert.rejects(runtime.importKey(alg, curve, source, kind), refused, `${runtime.name} imports ${source.format} as ${kind}`)
            }
          }
          t.diagnostic(`Node ${NODE_MAJOR} has no ML-DSA: asserted NotSupported from both backends for generation and JWK/SPKI/PKCS#8 import`)
        })
        continue
      }

      for (const [generator, importer] of DIRECTIONS) {
        it(`${label}: generated by ${generator.name}, imported by ${importer.name}`, async (t) => {
          if (await webCryptoLacks(alg, curve)) return t.skip('this runtime has no Ed448 in WebCrypto')

          const pair = await generator.generateKeyPair(alg, { curve, modulusLength: 2048 })
          assert.equal(pair.privateKey.kind, 'private')
          assert.equal(pair.publicKey.kind, 'public')

          const privateJWK = await generator.exportJWK(pair.privateKey)
          const publicJWK = await generator.exportJWK(pair.publicKey)
          assert.deepEqual(publicJWK, publicMembers(privateJWK))
          // WebCrypto's binding members never cross the runtime interface, except an AKP key's `alg`:
          // there it names the parameter set and is key material (RFC 9964 §3).
          const bindingMembers = alg.family === 'ml-dsa' ? ['key_ops', 'ext', 'use'] : ['alg', 'key_ops', 'ext', 'use']
          for (const member of bindingMembers) assert.equal(member in privateJWK, false, `no ${member} in exported JWK`)
          if (alg.family === 'ml-dsa') {
            assert.equal(privateJWK.kty, 'AKP')
            assert.equal(privateJWK.alg, alg.name, 'an AKP JWK names its parameter set')
            assert.equal(b64u(privateJWK.priv!).length, SEED_LENGTH, 'priv is the seed')
          }
          const spki = bytes(await generator.exportDER(pair.publicKey, 'spki'))
          assert.deepEqual(bytes(await generator.exportDER(pair.privateKey, 'spki')), spki, 'spki of a private key is its public half')
          // What the backend writes, which jot must import whatever its form (an ML-DSA key may come in
          // either RFC 9881 form that keeps the seed: node:crypto writes seed + expanded key, WebCrypto
          // the seed alone), and what exportPEM writes: the canonical form, the same on every backend.
          const backendPKCS8 = bytes(await generator.exportDER(pair.privateKey, 'pkcs8'))
          const pkcs8 = canonicalPKCS8(backendPKCS8)
          if (alg.family === 'ml-dsa') {
            const { alg: oidAlg, key } = readPKCS8(pkcs8)
            assert.equal(oidAlg, alg.name)
            assert.equal(key.form, 'seed', 'an ML-DSA key is exported as its seed alone (RFC 9964 §4)')
            assert.deepEqual(key.seed, b64u(privateJWK.priv!), 'PKCS#8 carries the JWK priv seed')
          } else {
            assert.deepEqual(pkcs8, backendPKCS8, 'only ML-DSA PKCS#8 is rewritten')
          }
          const pem = encodePEM(pkcs8, 'PRIVATE KEY')

          const fromJWK = await importer.importKey(alg, curve, { format: 'jwk', jwk: privateJWK }, 'private')
          const fromPKCS8 = await importer.importKey(alg, curve, { format: 'pkcs8', der: pkcs8 }, 'private')
          const fromBackendPKCS8 = await importer.importKey(alg, curve, { format: 'pkcs8', der: backendPKCS8 }, 'private')
          const fromSPKI = await importer.importKey(alg, curve, { format: 'spki', der: spki }, 'public')
          const fromPublicJWK = await importer.importKey(alg, curve, { format: 'jwk', jwk: publicJWK }, 'public')
          // A private JWK imported as public becomes its public half, as node:crypto's createPublicKey does.
          const publicFromPrivateJWK = await importer.importKey(alg, curve, { format: 'jwk', jwk: privateJWK }, 'public')

          for (const key of [fromJWK, fromPKCS8, fromBackendPKCS8]) {
            assert.equal(key.kind, 'private')
            assert.equal(key.bits, pair.privateKey.bits)
            assert.deepEqual(await importer.exportJWK(key), privateJWK, 'private JWK round-trips')
            const exported = canonicalPKCS8(bytes(await importer.exportDER(key, 'pkcs8')))
            assert.deepEqual(exported, pkcs8, 'pkcs8 round-trips, identical on both backends')
            assert.equal(encodePEM(exported, 'PRIVATE KEY'), pem, 'the same PEM from both backends')
            assert.deepEqual(bytes(await importer.exportDER(key, 'spki')), spki, 'spki of the private key')
            const derived = await importer.publicKey(key)
            assert.equal(derived.kind, 'public')
            assert.deepEqual(await importer.exportJWK(derived), publicJWK)
          }
          for (const key of [fromSPKI, fromPublicJWK, publicFromPrivateJWK]) {
            assert.equal(key.kind, 'public')
            assert.equal(key.bits, pair.publicKey.bits)
            assert.deepEqual(await importer.exportJWK(key), publicJWK, 'public JWK round-trips')
            assert.deepEqual(bytes(await importer.exportDER(key, 'spki')), spki, 'spki round-trips')
          }

          await assertCrossVerifies(
            alg,
            [[generator, pair.privateKey], [importer, fromJWK], [importer, fromPKCS8], [importer, fromBackendPKCS8]],
            [
              [generator, pair.publicKey],
              [generator, pair.privateKey],
              [importer, fromSPKI],
              [importer, fromPublicJWK],
              [importer, fromJWK],
              [importer, fromPKCS8],
            ],
          )

          // Deterministic schemes must produce the very same bytes on both backends.
          if (alg.family === 'rsassa-pkcs1' || alg.family === 'eddsa') {
            const expected = bytes(await generator.sign(alg, pair.privateKey, data))
            assert.deepEqual(bytes(await importer.sign(alg, fromPKCS8, data)), expected)
          }
        })
      }
    }
  }
})

describe('runtime parity: the RFC 9964 ML-DSA examples', () => {
  for (const mlDsa of Object.values(JWS_ALGORITHMS).filter((row) => row.family === 'ml-dsa')) {
    it(`${mlDsa.name}: both backends expand the RFC seed to the RFC pub and verify the RFC signature`, async (t) => {
      const example = rfcExample(mlDsa.name as MlDsaAlg)
      const [header, payload, signature] = example.jws.split('.') as [string, string, string]
      const input = new TextEncoder().encode(`${header}.${payload}`)
      const privateSource: KeySource = { format: 'jwk', jwk: example.privateJwk as Record<string, string> }
      const publicSource: KeySource = { format: 'jwk', jwk: example.publicJwk as Record<string, string> }
      if (!mlDsaExpected) {
        for (const runtime of [nodeRuntime, webRuntime]) {
          await assert.rejects(runtime.importKey(mlDsa, undefined, privateSource, 'private'), NotSupported)
          await assert.rejects(runtime.importKey(mlDsa, undefined, publicSource, 'public'), NotSupported)
        }
        t.diagnostic(`Node ${NODE_MAJOR} has no ML-DSA: asserted NotSupported from both backends`)
        return
      }
      const publicKeys: RuntimeKey[] = []
      for (const runtime of [nodeRuntime, webRuntime]) {
        const privateKey = await runtime.importKey(mlDsa, undefined, privateSource, 'private')
        const exported = await runtime.exportJWK(privateKey)
        assert.equal(exported.pub, example.publicJwk.pub, `${runtime.name}: the all-zero seed expands to the RFC pub`)
        assert.equal(exported.priv, example.privateJwk.priv)
        const publicKey = await runtime.importKey(mlDsa, undefined, publicSource, 'public')
        publicKeys.push(publicKey)
        assert.equal(await runtime.verify(mlDsa, publicKey, input, b64u(signature)), true, `${runtime.name} verifies the RFC signature`)
        assert.equal(await runtime.verify(mlDsa, privateKey, input, b64u(signature)), true, `${runtime.name} verifies with the private key`)
        assert.equal(await runtime.verify(mlDsa, publicKey, tampered(input), b64u(signature)), false)
        // A fresh signature by either backend verifies on the other.
        const fresh = await runtime.sign(mlDsa, privateKey, input)
        const other = runtime === nodeRuntime ? webRuntime : nodeRuntime
        const otherKey = await other.importKey(mlDsa, undefined, publicSource, 'public')
        assert.equal(await other.verify(mlDsa, otherKey, input, bytes(fresh)), true, `${runtime.name} signs, ${other.name} verifies`)
      }
      assert.deepEqual(
        bytes(await nodeRuntime.exportDER(publicKeys[0]!, 'spki')),
        bytes(await webRuntime.exportDER(publicKeys[1]!, 'spki')),
        'identical SPKI from both backends',
      )
    })
  }
})

describe('runtime parity: import failures', () => {
  const ES256 = JWS_ALGORITHMS.ES256!
  const RS256 = JWS_ALGORITHMS.RS256!

  for (const runtime of [nodeRuntime, webRuntime]) {
    it(`${runtime.name}: material of the wrong kind or shape is KeyInvalid`, async () => {
      const { privateKey } = await nodeRuntime.generateKeyPair(ES256, { curve: 'P-256', modulusLength: 2048 })
      const spki = await nodeRuntime.exportDER(privateKey, 'spki')
      const pkcs8 = await nodeRuntime.exportDER(privateKey, 'pkcs8')
      const publicJWK = publicMembers(await nodeRuntime.exportJWK(privateKey))
      const invalid: [KeySource, 'public' | 'private'][] = [
        [{ format: 'spki', der: spki }, 'private'],
        [{ format: 'pkcs8', der: pkcs8 }, 'public'],
        [{ format: 'jwk', jwk: publicJWK }, 'private'],
        [{ format: 'spki', der: spki.subarray(0, spki.length - 1) }, 'public'],
        [{ format: 'pkcs8', der: new Uint8Array([0x30, 0x03, 0x02, 0x01, 0x00]) }, 'private'],
        [{ format: 'jwk', jwk: { ...publicJWK, x: publicJWK.y! } }, 'public'],
      ]
      for (const [source, kind] of invalid) {
        await assert.rejects(runtime.importKey(ES256, 'P-256', source, kind), KeyInvalid, `${source.format} as ${kind}`)
      }
      await assert.rejects(runtime.importKey(RS256, undefined, { format: 'jwk', jwk: { kty: 'RSA', n: 'AQAB' } }, 'public'), KeyInvalid)
    })
  }
})

describe('runtime parity: randomness and digests', () => {
  it('randomBytes fills requests beyond the 65536-byte getRandomValues limit', () => {
    const random = webRuntime.randomBytes(200_000)
    assert.equal(random.length, 200_000)
    assert.ok(random.subarray(150_000).some((byte) => byte !== 0), 'the tail is filled too')
    assert.equal(webRuntime.randomBytes(0).length, 0)
  })

  for (const hash of ['SHA-256', 'SHA-384', 'SHA-512'] as const satisfies readonly HashName[]) {
    it(`${hash} digests agree`, async () => {
      assert.deepEqual(bytes(await webRuntime.digest(hash, data)), bytes(await nodeRuntime.digest(hash, data)))
    })
  }
})
