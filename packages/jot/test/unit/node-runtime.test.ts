/**
 * The node:crypto backend's key types come from one table (NODE_KEY_TYPE), by curve, by ML-DSA
 * parameter set, or RSA; a combination the table lacks is NotSupported, never a TypeError. Where
 * ML-DSA is missing, the message names the Node.js version that has it.
 */
import assert from 'node:assert/strict'
import type { KeyObject } from 'node:crypto'
import { describe, it } from 'node:test'
import { NotSupported } from '../../src/errors.js'
import { JWS_ALGORITHMS } from '../../src/jwa/signing.js'
import * as nodeRuntime from '../../src/runtime/node/index.js'

const [major = 0, minor = 0] = process.versions.node.split('.').map(Number)
/** ML-DSA reached node:crypto KeyObjects in Node 24.6 and WebCrypto in 24.7: both backends from 24.7. */
const mlDsaExpected = major > 24 || (major === 24 && minor >= 7)

const keyObject = (key: unknown) => (key as { keyObject: KeyObject }).keyObject

describe('node:crypto backend key types', () => {
  it('an algorithm and curve the table does not have is NotSupported, for generation and import', async () => {
    const ES256 = JWS_ALGORITHMS.ES256!
    const EdDSA = JWS_ALGORITHMS.EdDSA!
    const notSupported = (error: unknown) => {
      assert.ok(error instanceof NotSupported, `expected NotSupported, got ${String(error)}`)
      assert.match(error.message, /not supported by the node:crypto backend/)
      return true
    }
    await assert.rejects(nodeRuntime.generateKeyPair(ES256, { curve: undefined, modulusLength: 0 }), notSupported)
    await assert.rejects(nodeRuntime.generateKeyPair(EdDSA, { curve: undefined, modulusLength: 0 }), notSupported)
    const { privateKey } = await nodeRuntime.generateKeyPair(ES256, { curve: 'P-256', modulusLength: 0 })
    const der = await nodeRuntime.exportDER(privateKey, 'pkcs8')
    await assert.rejects(nodeRuntime.importKey(ES256, undefined, { format: 'pkcs8', der }, 'private'), notSupported)
  })

  for (const [name, type] of [['ML-DSA-44', 'ml-dsa-44'], ['ML-DSA-65', 'ml-dsa-65'], ['ML-DSA-87', 'ml-dsa-87']] as const) {
    it(`${name} keys are node:crypto "${type}" keys${mlDsaExpected ? '' : ' (here: NotSupported, naming Node.js 24.7)'}`, async () => {
      const alg = JWS_ALGORITHMS[name]!
      if (!mlDsaExpected) {
        await assert.rejects(nodeRuntime.generateKeyPair(alg, { curve: undefined, modulusLength: 0 }), (error: unknown) => {
          assert.ok(error instanceof NotSupported)
          assert.match(error.message, new RegExp(`^${name} is not supported by this runtime: node:crypto in Node\\.js v${major}\\.`))
          assert.match(error.message, /it needs Node\.js 24\.7 or later/)
          return true
        })
        return
      }
      const { privateKey, publicKey } = await nodeRuntime.generateKeyPair(alg, { curve: undefined, modulusLength: 0 })
      assert.equal(keyObject(privateKey).asymmetricKeyType, type)
      assert.equal(keyObject(publicKey).asymmetricKeyType, type)
      const imported = await nodeRuntime.importKey(alg, undefined, { format: 'spki', der: await nodeRuntime.exportDER(publicKey, 'spki') }, 'public')
      assert.equal(keyObject(imported).asymmetricKeyType, type)
    })
  }
})
