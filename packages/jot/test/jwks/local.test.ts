/**
 * Local key sets: which JWK of a set verifies a token. Selection by `kid`, key type and curve implied
 * by the token's `alg`, `use`/`key_ops`/`alg` constraints, duplicate `kid`s and kid-less keys and
 * tokens, the candidate bound, symmetric keys, and the same mechanism for compact, flattened, general
 * JWS and JWT.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import {
  type JotErrorCode,
  type JWK,
  type JotKey,
  createLocalKeySet,
  exportJWK,
  generateKeyPair,
  generateSecret,
  importJWK,
  isJotError,
  signCompactJWS,
  signFlattenedJWS,
  signGeneralJWS,
  signJWT,
  verifyCompactJWS,
  verifyFlattenedJWS,
  verifyGeneralJWS,
  verifyJWT,
} from 'jotjwt'

async function rejectsWith(promise: Promise<unknown>, code: JotErrorCode): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(isJotError(error), `expected a JotError, got ${String(error)}`)
    assert.equal(error.code, code, `${error.name}: ${error.message}`)
    return true
  })
}

async function pair(alg: 'ES256' | 'ES384' | 'EdDSA' | 'RS256', kid?: string) {
  const { privateKey, publicKey } = await generateKeyPair(alg, kid === undefined ? {} : { kid })
  return { privateKey, jwk: await exportJWK(publicKey) }
}

function withoutKid(jwk: JWK): JWK {
  const { kid: _kid, ...rest } = jwk
  return rest
}

const es256 = await pair('ES256', 'ec-1')
const es384 = await pair('ES384', 'ec-384')
const ed = await pair('EdDSA', 'ed-1')
const rsa = await pair('RS256', 'rsa-1')
const sign = (key: JotKey, kid?: string) => signJWT({ sub: 'u' }, key, { expiresIn: 60, ...(kid === undefined ? {} : { kid }) })

describe('local key set: selection', () => {
  const keys = createLocalKeySet({ keys: [es256.jwk, es384.jwk, ed.jwk, rsa.jwk] })

  it('selects the key by kid, for every key type', async () => {
    for (const { privateKey } of [es256, es384, ed, rsa]) {
      const { key } = await verifyJWT(await sign(privateKey), keys)
      assert.equal(key.kid, privateKey.kid)
      assert.equal(key.type, 'public')
    }
  })

  it('an unknown kid fails with ERR_JWKS_NO_MATCHING_KEY', async () => {
    await rejectsWith(verifyJWT(await sign(es256.privateKey, 'nope'), keys), 'ERR_JWKS_NO_MATCHING_KEY')
  })

  it("the token's alg fixes kty and crv: a P-256 key is never used for ES384 or RS256", async () => {
    const es384Signer = (await generateKeyPair('ES384', { kid: 'ec-1' })).privateKey
    await rejectsWith(verifyJWT(await sign(es384Signer), keys), 'ERR_JWKS_NO_MATCHING_KEY')
    const rsaSigner = (await generateKeyPair('RS256', { kid: 'ec-1' })).privateKey
    await rejectsWith(verifyJWT(await sign(rsaSigner), keys), 'ERR_JWKS_NO_MATCHING_KEY')
  })

  it('honours use, key_ops and alg on the JWK (RFC 7517 §4.2–4.4)', async () => {
    for (const constraint of [{ use: 'enc' }, { key_ops: ['encrypt'] }, { alg: 'ES384' }, { key_ops: 'verify' }]) {
      const set = createLocalKeySet({ keys: [{ ...es256.jwk, ...constraint } as JWK] })
      await rejectsWith(verifyJWT(await sign(es256.privateKey), set), 'ERR_JWKS_NO_MATCHING_KEY')
    }
    const allowed = createLocalKeySet({ keys: [{ ...es256.jwk, use: 'sig', key_ops: ['verify'], alg: 'ES256' }] })
    await verifyJWT(await sign(es256.privateKey), allowed)
  })

  it('imports each JWK once per algorithm: the same JotKey comes back every time', async () => {
    const token = await sign(es256.privateKey)
    const first = await verifyJWT(token, keys)
    const second = await verifyJWT(token, keys)
    assert.equal(first.key, second.key)
  })

  it('imported keys answer synchronously; a first use, a miss, an import failure and a bad header answer with a promise', async () => {
    const set = createLocalKeySet({ keys: [es256.jwk, { ...es384.jwk, x: 'AAAA' }] })
    const context = { serialization: 'compact' } as const
    const header = { alg: 'ES256', kid: 'ec-1' }
    const first = set(header, context)
    assert.ok(first instanceof Promise)
    await first
    const now = set(header, context)
    assert.ok(Array.isArray(now), 'an array, not a promise')
    assert.equal((now as JotKey[])[0]!.kid, 'ec-1')
    for (const other of [{ alg: 'ES256', kid: 'nope' }, { alg: 'ES384', kid: 'ec-384' }]) {
      for (let i = 0; i < 2; i++) {
        const answer = set(other, context)
        assert.ok(answer instanceof Promise)
        await rejectsWith(answer as Promise<unknown>, 'ERR_JWKS_NO_MATCHING_KEY')
      }
    }
    let bad: unknown
    assert.doesNotThrow(() => {
      bad = set(null as never, context)
    })
    await rejectsWith(bad as Promise<unknown>, 'ERR_INVALID_ARGUMENT')
  })

  it('uses only the public half of a private JWK that ended up in a set', async () => {
    const privateJwk = await exportJWK(es256.privateKey)
    const { key } = await verifyJWT(await sign(es256.privateKey), createLocalKeySet({ keys: [privateJwk] }))
    assert.equal(key.type, 'public')
  })

  it('ignores JWKs of unknown key types and skips matching JWKs that cannot be imported', async () => {
    const keys = [{ kty: 'XYZ', kid: 'ec-1' }, { ...es256.jwk, x: 'AAAA' }, es256.jwk]
    const set = createLocalKeySet({ keys }, { allowAmbiguousKids: true })
    await verifyJWT(await sign(es256.privateKey), set)
    const broken = createLocalKeySet({ keys: [{ ...es256.jwk, x: 'AAAA' }] })
    await rejectsWith(verifyJWT(await sign(es256.privateKey), broken), 'ERR_JWKS_NO_MATCHING_KEY')
  })

  it('rejects something that is not a JWK Set', () => {
    for (const bad of [{}, { keys: {} }, { keys: [1] }, { keys: [null] }]) {
      assert.throws(() => createLocalKeySet(bad as never), (e: unknown) => isJotError(e) && e.code === 'ERR_JWKS_INVALID')
    }
    // Not an object at all: the caller's mistake, not a malformed document.
    for (const bad of [null, 'keys', [es256.jwk]]) {
      assert.throws(() => createLocalKeySet(bad as never), (e: unknown) => isJotError(e) && e.code === 'ERR_INVALID_ARGUMENT')
    }
  })
})

describe('local key set: duplicates, kid-less keys and tokens, bounds', () => {
  it('duplicate kids, when allowed: every candidate is tried in document order', async () => {
    const other = await generateKeyPair('ES256', { kid: 'ec-1' })
    const set = createLocalKeySet({ keys: [await exportJWK(other.publicKey), es256.jwk] }, { allowAmbiguousKids: true })
    const { key } = await verifyJWT(await sign(es256.privateKey), set)
    assert.deepEqual(await exportJWK(key), es256.jwk)
  })

  it('at most five candidates are tried (maxCandidates lowers it)', async () => {
    const decoys = await Promise.all(Array.from({ length: 5 }, () => generateKeyPair('ES256', { kid: 'dup' })))
    const signer = (await generateKeyPair('ES256', { kid: 'dup' })).privateKey
    const signerJwk = await exportJWK(signer)
    const allowed = { allowAmbiguousKids: true }
    const sixth = createLocalKeySet({ keys: [...(await Promise.all(decoys.map((d) => exportJWK(d.publicKey)))), signerJwk] }, allowed)
    await rejectsWith(verifyJWT(await sign(signer), sixth), 'ERR_JWS_SIGNATURE_INVALID')
    const decoyJwks = await Promise.all(decoys.slice(0, 4).map((d) => exportJWK(d.publicKey)))
    const fifth = [...decoyJwks, signerJwk]
    await verifyJWT(await sign(signer), createLocalKeySet({ keys: fifth }, allowed))
    await rejectsWith(verifyJWT(await sign(signer), createLocalKeySet({ keys: fifth }, { ...allowed, maxCandidates: 4 })), 'ERR_JWS_SIGNATURE_INVALID')
    assert.throws(() => createLocalKeySet({ keys: [] }, { maxCandidates: 6 }), (e: unknown) => isJotError(e) && e.code === 'ERR_INVALID_ARGUMENT')
  })

  it('a token with a kid never matches a kid-less key; a token without one matches every fitting key', async () => {
    const set = createLocalKeySet({ keys: [withoutKid(rsa.jwk), withoutKid(es256.jwk)] })
    await rejectsWith(verifyJWT(await sign(es256.privateKey), set), 'ERR_JWKS_NO_MATCHING_KEY')
    const kidlessSigner = await importJWK(withoutKid(await exportJWK(es256.privateKey)), { alg: 'ES256' })
    const noKid = await signJWT({ sub: 'u' }, kidlessSigner, { expiresIn: 60 })
    assert.equal(JSON.parse(Buffer.from(noKid.split('.')[0]!, 'base64url').toString()).kid, undefined)
    await verifyJWT(noKid, set)
    await verifyJWT(noKid, createLocalKeySet({ keys: [es256.jwk] }))
    const stranger = await signJWT({ sub: 'u' }, (await generateKeyPair('ES256')).privateKey, { expiresIn: 60 })
    await rejectsWith(verifyJWT(stranger, set), 'ERR_JWS_SIGNATURE_INVALID') // tried against the fitting key, fails
    await rejectsWith(verifyJWT(noKid, createLocalKeySet({ keys: [es256.jwk] }, { requireKid: true })), 'ERR_JWKS_NO_MATCHING_KEY')
  })
})

describe('local key set: symmetric keys', () => {
  it('never chooses an oct key unless allowSymmetricKeys', async () => {
    const secret = await generateSecret('HS256', { kid: 'hmac' })
    const token = await sign(secret)
    await rejectsWith(verifyJWT(token, createLocalKeySet({ keys: [await exportJWK(secret), es256.jwk] })), 'ERR_JWKS_NO_MATCHING_KEY')
    const { key } = await verifyJWT(token, createLocalKeySet({ keys: [await exportJWK(secret)] }, { allowSymmetricKeys: true }))
    assert.equal(key.type, 'secret')
  })

  it('an HS256 token cannot use a public key as its secret (algorithm confusion)', async () => {
    const forged = await signJWT({ sub: 'u' }, await generateSecret('HS256', { kid: 'rsa-1' }), { expiresIn: 60 })
    await rejectsWith(verifyJWT(forged, createLocalKeySet({ keys: [rsa.jwk] }, { allowSymmetricKeys: true })), 'ERR_JWKS_NO_MATCHING_KEY')
  })
})

const decoyJwk = await exportJWK((await generateKeyPair('ES256', { kid: 'ec-1' })).publicKey)
describe('local key set: one mechanism for every serialization', () => {
  const set = createLocalKeySet({ keys: [decoyJwk, es256.jwk] }, { allowAmbiguousKids: true })

  it('compact, flattened and general JWS try the candidates alike', async () => {
    await verifyCompactJWS(await signCompactJWS('hi', es256.privateKey), set)
    await verifyFlattenedJWS(await signFlattenedJWS('hi', es256.privateKey), set)
    const general = await signGeneralJWS('hi', [{ key: rsa.privateKey }, { key: es256.privateKey }])
    const { signatureIndex } = await verifyGeneralJWS(general, set)
    assert.equal(signatureIndex, 1)
  })

  it('a resolver returning an empty array is a caller bug', async () => {
    await rejectsWith(verifyJWT(await sign(es256.privateKey), () => []), 'ERR_INVALID_ARGUMENT')
  })
})
