// Values from another JavaScript realm (an iframe, jsdom, a vm context, vitest's environments) fail
// a bare `instanceof Uint8Array`: their constructor is a different object. jot's input checks are
// realm-safe (lib/bytes.ts isUint8Array, isPlainObject), so such values are accepted like local ones.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { runInNewContext } from 'node:vm'
import {
  base64url,
  decryptFlattenedJWE,
  encryptFlattenedJWE,
  generateSecret,
  importJWK,
  importKey,
  importSecret,
  signCompactJWS,
  signFlattenedJWS,
  signJWT,
  verifyCompactJWS,
  verifyFlattenedJWS,
  verifyJWT,
  type FlattenedJWS,
  type JWK,
} from 'jotjwt'

/** A Uint8Array made in a fresh realm, filled with `fill`. */
const foreignBytes = (length: number, fill: number) => runInNewContext(`new Uint8Array(${length}).fill(${fill})`) as Uint8Array

test('the fixture really comes from another realm', () => {
  const bytes = foreignBytes(32, 1)
  assert.equal(bytes instanceof Uint8Array, false)
  assert.equal(Object.prototype.toString.call(bytes), '[object Uint8Array]')
})

test('importSecret and importKey accept an HMAC secret from another realm', async () => {
  const secret = foreignBytes(32, 7)
  const local = await importSecret(new Uint8Array(32).fill(7), { alg: 'HS256' })
  for (const key of [await importSecret(secret, { alg: 'HS256' }), await importKey(secret, { alg: 'HS256' })]) {
    const token = await signCompactJWS('x', key)
    assert.equal(token, await signCompactJWS('x', local), 'the same bytes give the same MAC')
  }
})

test('a short secret from another realm is still refused for its length, not for its realm', async () => {
  await assert.rejects(importSecret(foreignBytes(8, 1), { alg: 'HS256' }), { code: 'ERR_KEY_TOO_WEAK' })
})

test('a JWS payload from another realm is signed as bytes, in the compact and flattened serializations', async () => {
  const key = await importSecret(new Uint8Array(32).fill(3), { alg: 'HS256' })
  const payload = foreignBytes(5, 0x61)
  const compact = await signCompactJWS(payload, key)
  assert.equal(compact.split('.')[1], base64url.encode('aaaaa'))
  assert.deepEqual((await verifyCompactJWS(compact, key)).payload, new Uint8Array(5).fill(0x61))
  const flattened = await signFlattenedJWS(payload, key, { b64: false })
  assert.equal(flattened.payload, 'aaaaa')
  // The detached content supplied by the verifier may come from another realm too.
  const detached = await signFlattenedJWS(payload, key, { detached: true })
  assert.deepEqual((await verifyFlattenedJWS(detached, key, { payload: foreignBytes(5, 0x61) })).payload, new Uint8Array(5).fill(0x61))
})

test('JWK objects and JWS JSON objects built in another realm are accepted as plain objects', async () => {
  const k = base64url.encode(new Uint8Array(32).fill(9))
  const jwk = runInNewContext(`({ kty: 'oct', k: '${k}' })`) as JWK
  const key = await importJWK(jwk, { alg: 'HS256' })
  const jws = await signFlattenedJWS('hello', key)
  const foreignJws = runInNewContext(`(${JSON.stringify(jws)})`) as FlattenedJWS
  assert.equal(new TextDecoder().decode((await verifyFlattenedJWS(foreignJws, key)).payload), 'hello')
})

test('JWE additional authenticated data from another realm is accepted as bytes', async () => {
  const key = await importSecret(new Uint8Array(16).fill(5), { alg: 'A128KW' })
  const jwe = await encryptFlattenedJWE('secret', key, { enc: 'A128GCM', aad: foreignBytes(3, 0x62) })
  assert.equal(jwe.aad, base64url.encode('bbb'))
  assert.equal(new TextDecoder().decode((await decryptFlattenedJWE(jwe, key)).plaintext), 'secret')
})

test('a Date from another realm is a Date (currentTime, expiresAt)', async () => {
  const key = await generateSecret('HS256')
  const at = runInNewContext('new Date(1800000000000)') as Date
  const token = await signJWT({ sub: 'a' }, key, { currentTime: at, expiresAt: runInNewContext('new Date(1800000060000)') as Date })
  const { payload } = await verifyJWT(token, key, { currentTime: at })
  assert.equal(payload.exp, 1_800_000_060)
})
