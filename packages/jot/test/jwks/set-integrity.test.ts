/**
 * Key sets whose contents would make verification depend on luck or on a leaked secret:
 *
 * - a set that holds symmetric (`oct`) and asymmetric keys together, when symmetric keys are allowed,
 *   is refused as a whole (local: when created; remote: like a malformed document, the last good set
 *   staying in use);
 * - a token whose `kid` names two or more keys that all fit its `alg` is refused by default: which key
 *   verifies it would be a guess. `kid`s repeated across key types stay fine (RFC 7517 §4.5), and the
 *   refusal is per token, so one bad key never takes the whole set down. `allowAmbiguousKids` keeps
 *   trying each such key in document order.
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import {
  type JotKey,
  type JWK,
  type KeySetEvent,
  type RemoteKeySetOptions,
  createLocalKeySet,
  createRemoteKeySet,
  createVerifier,
  exportJWK,
  generateKeyPair,
  generateSecret,
  signGeneralJWS,
  signJWT,
  toPublicKey,
  verifyGeneralJWS,
  verifyJWT,
} from 'jotjwt'
import { rejectsWith } from '../helpers.js'
import { fakeClock, startServer, withoutUnhandledRejections, type TestServer } from './server.js'

const rsa = await generateKeyPair('RS256', { kid: 'k' })
const ec = await generateKeyPair('ES256', { kid: 'k' })
const ecTwin = await generateKeyPair('ES256', { kid: 'k' })
const hmac = await generateSecret('HS256', { kid: 'h' })
const hmacTwin = await generateSecret('HS256', { kid: 'h' })
const other = await generateKeyPair('RS256', { kid: 'other' })
const [rsaJwk, ecJwk, ecTwinJwk, hmacJwk, hmacTwinJwk, otherJwk] = await Promise.all(
  [rsa.publicKey, ec.publicKey, ecTwin.publicKey, hmac, hmacTwin, other.publicKey].map((key) => exportJWK(key)),
)
const sign = (key: JotKey) => signJWT({ sub: 'u' }, key, { expiresIn: 60 })

describe('local key set: symmetric and asymmetric keys are never mixed', () => {
  it('a set mixing oct and asymmetric keys is refused when symmetric keys are allowed', () => {
    for (const keys of [[hmacJwk!, ecJwk!], [rsaJwk!, hmacJwk!], [ecJwk!, rsaJwk!, hmacJwk!]]) {
      assert.throws(() => createLocalKeySet({ keys }, { allowSymmetricKeys: true }), { code: 'ERR_JWKS_INVALID' })
    }
  })

  it('without allowSymmetricKeys the oct keys are ignored, as before, so the set loads', async () => {
    const keys = createLocalKeySet({ keys: [hmacJwk!, ecJwk!] })
    await verifyJWT(await sign(ec.privateKey), keys)
    await rejectsWith(verifyJWT(await sign(hmac), keys), 'ERR_JWKS_NO_MATCHING_KEY')
  })

  it('sets of one kind load: only secrets, or only public keys (unknown key types do not count)', async () => {
    const secrets = createLocalKeySet({ keys: [hmacJwk!, { kty: 'XYZ', kid: 'h' }] }, { allowSymmetricKeys: true })
    await verifyJWT(await sign(hmac), secrets)
    const publicKeys = createLocalKeySet({ keys: [ecJwk!, rsaJwk!] }, { allowSymmetricKeys: true })
    await verifyJWT(await sign(rsa.privateKey), publicKeys)
  })
})

describe('local key set: one kid, several fitting keys', () => {
  it('a token whose kid names two keys that fit its alg is refused, whichever of them signed it', async () => {
    const keys = createLocalKeySet({ keys: [ecJwk!, ecTwinJwk!] })
    for (const signer of [ec.privateKey, ecTwin.privateKey]) {
      await rejectsWith(verifyJWT(await sign(signer), keys), 'ERR_JWKS_MULTIPLE_MATCHING_KEYS')
    }
    const secrets = createLocalKeySet({ keys: [hmacJwk!, hmacTwinJwk!] }, { allowSymmetricKeys: true })
    await rejectsWith(verifyJWT(await sign(hmac), secrets), 'ERR_JWKS_MULTIPLE_MATCHING_KEYS')
  })

  it('even when maxCandidates is 1: the second key is not silently dropped', async () => {
    const keys = createLocalKeySet({ keys: [ecJwk!, ecTwinJwk!] }, { maxCandidates: 1 })
    await rejectsWith(verifyJWT(await sign(ec.privateKey), keys), 'ERR_JWKS_MULTIPLE_MATCHING_KEYS')
  })

  it('a kid repeated across key types is not ambiguous (RFC 7517 §4.5): the alg tells them apart', async () => {
    const keys = createLocalKeySet({ keys: [rsaJwk!, ecJwk!] })
    assert.equal((await verifyJWT(await sign(rsa.privateKey), keys)).key.alg, 'RS256')
    assert.equal((await verifyJWT(await sign(ec.privateKey), keys)).key.alg, 'ES256')
  })

  it('keys that do not fit the alg (use, key_ops, alg, curve) do not make it ambiguous', async () => {
    const p384 = await exportJWK((await generateKeyPair('ES384', { kid: 'k' })).publicKey)
    const others: JWK[] = [{ ...ecTwinJwk!, use: 'enc' }, { ...ecTwinJwk!, key_ops: ['encrypt'] }, { ...ecTwinJwk!, alg: 'ES384' }, p384]
    for (const other of others) {
      await verifyJWT(await sign(ec.privateKey), createLocalKeySet({ keys: [other, ecJwk!] }))
    }
  })

  it('only the ambiguous kid is refused: other tokens of the same set keep verifying', async () => {
    const keys = createLocalKeySet({ keys: [ecJwk!, ecTwinJwk!, otherJwk!] })
    await verifyJWT(await sign(other.privateKey), keys)
  })

  it('allowAmbiguousKids tries each fitting key in document order, as a JWS verifier with several keys', async () => {
    const keys = createLocalKeySet({ keys: [ecJwk!, ecTwinJwk!] }, { allowAmbiguousKids: true })
    for (const signer of [ec.privateKey, ecTwin.privateKey]) {
      const { key } = await verifyJWT(await sign(signer), keys)
      assert.deepEqual(await exportJWK(key), await exportJWK(await toPublicKey(signer)))
    }
    const general = await signGeneralJWS('hi', [{ key: ecTwin.privateKey }])
    assert.equal((await verifyGeneralJWS(general, keys)).signatureIndex, 0)
  })

  it('tokens without a kid still try every fitting key (requireKid refuses them)', async () => {
    const { kid: _a, ...first } = ecJwk!
    const { kid: _b, ...second } = ecTwinJwk!
    const signer = (await generateKeyPair('ES256')).privateKey
    const signerJwk = await exportJWK(await toPublicKey(signer))
    await verifyJWT(await sign(signer), createLocalKeySet({ keys: [first, second, signerJwk] }))
  })
})

describe('remote key set: mixed sets and ambiguous kids', () => {
  let server: TestServer
  before(async () => {
    server = await startServer()
  })
  after(() => server.close())

  let paths = 0
  function setup(keys: JWK[], options: RemoteKeySetOptions = {}) {
    const path = `/t${++paths}/jwks.json`
    server.documents.set(path, { keys })
    const clock = fakeClock()
    const events: KeySetEvent[] = []
    const keySet = createRemoteKeySet(server.origin + path, {
      allowHttp: true,
      currentTime: clock.currentTime,
      onEvent: (event) => events.push(event),
      cacheMaxAge: 60,
      cooldown: 30,
      ...options,
    })
    const verify = createVerifier({ key: keySet, currentTime: clock.currentTime, requireExpiration: false })
    const token = (key: JotKey) => signJWT({ sub: 'u' }, key, { issuedAt: clock.now })
    return { path, clock, events, keySet, verify, token }
  }

  it('a fetched set mixing oct and asymmetric keys is refused like a malformed document', async () => {
    await withoutUnhandledRejections(async () => {
      const { verify, token, events } = setup([hmacJwk!, ecJwk!], { allowSymmetricKeys: true })
      await rejectsWith(verify(await token(ec.privateKey)), 'ERR_JWKS_INVALID')
      assert.ok(events.some((e) => e.type === 'fetch-failed' && e.error.code === 'ERR_JWKS_INVALID'))
    })
  })

  it('when a refresh brings a mixed set, the last good set stays in use (stale-if-error)', async () => {
    await withoutUnhandledRejections(async () => {
      const { path, clock, verify, token, events, keySet } = setup([ecJwk!], { allowSymmetricKeys: true })
      const known = await token(ec.privateKey)
      await verify(known)
      server.documents.set(path, { keys: [ecJwk!, hmacJwk!] })
      clock.advance(61)
      await keySet.reload().catch(() => undefined)
      assert.ok(events.some((e) => e.type === 'fetch-failed' && e.error.code === 'ERR_JWKS_INVALID'))
      await verify(known)
      assert.ok(events.some((e) => e.type === 'stale'))
      assert.deepEqual(keySet.exportState()?.jwks, { keys: [ecJwk] })
    })
  })

  it('restored state that mixes key kinds is refused', () => {
    const { origin } = server
    const state = { uri: `${origin}/state/jwks.json`, jwks: { keys: [hmacJwk!, ecJwk!] }, fetchedAt: 1_800_000_000, expiresAt: 1_800_000_060 }
    assert.throws(
      () => createRemoteKeySet(state.uri, { allowHttp: true, allowSymmetricKeys: true, state, currentTime: () => 1_800_000_000 }),
      { code: 'ERR_JWKS_INVALID' },
    )
  })

  it('an ambiguous kid is refused per token; the rest of the set keeps working and nothing is refetched', async () => {
    await withoutUnhandledRejections(async () => {
      const { verify, token, path } = setup([ecJwk!, ecTwinJwk!, otherJwk!])
      await rejectsWith(verify(await token(ec.privateKey)), 'ERR_JWKS_MULTIPLE_MATCHING_KEYS')
      await verify(await token(other.privateKey))
      await rejectsWith(verify(await token(ecTwin.privateKey)), 'ERR_JWKS_MULTIPLE_MATCHING_KEYS')
      assert.equal(server.count(path), 1)
    })
  })

  it('allowAmbiguousKids applies to remote sets too', async () => {
    const { verify, token } = setup([ecJwk!, ecTwinJwk!], { allowAmbiguousKids: true })
    await verify(await token(ecTwin.privateKey))
  })
})
