// jot is usable from both `import` and `require`, and package conditions pick the backend the suite
// was started with (node by default, webcrypto under --conditions=jotjwt-webcrypto).
import assert from 'node:assert/strict'
import { createRequire } from 'node:module'
import { test } from 'node:test'
import * as esm from 'jotjwt'

const require = createRequire(import.meta.url)

test('require("jotjwt") loads the CommonJS build with the same API', async () => {
  const cjs = require('jotjwt') as typeof esm
  assert.deepEqual(Object.keys(cjs).sort(), Object.keys(esm).sort())
  const key = await cjs.generateSecret('HS256')
  const token = await cjs.signJWT({ sub: 'cjs' }, key, { expiresIn: 60 })
  assert.equal((await cjs.verifyJWT(token, key)).payload.sub, 'cjs')
})

test('both module formats resolve the backend selected by the package conditions', () => {
  const cjs = require('jotjwt') as typeof esm
  const expected = process.env.JOT_BACKEND ?? 'node'
  assert.equal(esm.cryptoBackend, expected)
  assert.equal(cjs.cryptoBackend, expected)
})

test('a token signed through one module format verifies through the other', async () => {
  const cjs = require('jotjwt') as typeof esm
  const { privateKey } = await esm.generateKeyPair('ES256')
  const publicJwk = await esm.exportJWK(await esm.toPublicKey(privateKey))
  const token = await esm.signJWT({ sub: 'x' }, privateKey, { expiresIn: 60 })
  const publicKey = await cjs.importJWK(publicJwk, { alg: 'ES256' })
  assert.equal((await cjs.verifyJWT(token, publicKey)).payload.sub, 'x')
})
