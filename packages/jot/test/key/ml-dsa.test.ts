/**
 * ML-DSA (FIPS 204) keys in jot (RFC 9964: JWK kty "AKP"; RFC 9881: SPKI and PKCS#8), for each of
 * the three parameter sets: generation, signing, JWK and PEM round trips, the PKCS#8 forms other
 * software writes, the published JWK Set, and the refusals, each with its exact error code.
 *
 * ML-DSA exists only where the runtime has it: Node 24.7 and later (node:crypto and WebCrypto).
 * Whether it is expected is decided from the Node version, never probed: where it is expected every assertion runs;
 * where it is not, a test that needs the primitive asserts ERR_NOT_SUPPORTED instead (and says so).
 * Checks that only parse (lengths, forms, OIDs, `alg`/`kty` binding) need no primitive and run on
 * every Node, with DER built by hand from the RFC 9964 example keys.
 */
import assert from 'node:assert/strict'
import * as nodeCrypto from 'node:crypto'
import { describe, test } from 'node:test'
import * as jot from 'jotjwt'
import {
  createKeyManager,
  createLocalKeySet,
  cryptoBackend,
  exportJWK,
  exportPEM,
  generateKeyPair,
  importJWK,
  importPEM,
  jwkThumbprint,
  signCompactJWS,
  signJWT,
  toPublicKey,
  verifyCompactJWS,
  verifyJWT,
  type AnyJotError,
  type JotErrorCode,
  type JotKey,
  type JWK,
} from 'jotjwt'
import { rejectsWith } from '../helpers.js'
import {
  b64u,
  buildPKCS8,
  buildSPKI,
  ML_DSA,
  ML_DSA_ALGS,
  mlDsaExpected,
  mlDsaUnavailability,
  otherAlg,
  readPKCS8,
  rfcExample,
  SEED_LENGTH,
  toB64u,
  type MlDsaAlg,
} from '../ml-dsa-material.js'
import { fromPEM, toPEM } from '../der.js'

const { notHere: NOT_HERE, assertUnavailable } = mlDsaUnavailability(jot)
const ISSUER = 'https://issuer.example'
const AUDIENCE = 'https://api.example'

/** {@link rejectsWith}, naming the case when it fails. */
async function refused(label: string, promise: Promise<unknown>, code: JotErrorCode, more?: (error: AnyJotError) => void): Promise<void> {
  try {
    await rejectsWith(promise, code, more)
  } catch (error) {
    assert.fail(`${label}: ${(error as Error).message}`)
  }
}

type Pair = { privateKey: JotKey; publicKey: JotKey }
const pairs = new Map<string, Promise<Pair>>()

/** A generated key pair per parameter set and label, made once per file. */
function pairFor(alg: MlDsaAlg, label = 'a'): Promise<Pair> {
  const id = `${alg}/${label}`
  let pair = pairs.get(id)
  if (!pair) {
    pair = generateKeyPair(alg, { kid: `${alg}-${label}` })
    pairs.set(id, pair)
  }
  return pair
}

function withoutMembers(jwk: JWK, ...names: string[]): JWK {
  return Object.fromEntries(Object.entries(jwk).filter(([name]) => !names.includes(name))) as JWK
}

function header(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString('utf8')) as Record<string, unknown>
}

/** `token` with its signature segment replaced by `signature`. */
function withSignature(token: string, signature: Uint8Array): string {
  const [protectedHeader, payload] = token.split('.')
  return `${protectedHeader}.${payload}.${toB64u(signature)}`
}

const PRIVATE_PEM_LABEL = /^-----BEGIN PRIVATE KEY-----\n/
const PUBLIC_PEM_LABEL = /^-----BEGIN PUBLIC KEY-----\n/

/** node:crypto's key type name for a parameter set; the @types/node of this repo predate ML-DSA. */
function nodeKeyPair(alg: MlDsaAlg): nodeCrypto.KeyPairKeyObjectResult {
  return (nodeCrypto.generateKeyPairSync as (type: string) => nodeCrypto.KeyPairKeyObjectResult)(alg.toLowerCase())
}

/** A stand-in expanded key where no ML-DSA exists to expand a seed (only its length matters to the parser). */
function placeholderExpandedKey(alg: MlDsaAlg): Uint8Array {
  return new Uint8Array(ML_DSA[alg].expandedKey).fill(0x5a)
}

for (const alg of ML_DSA_ALGS) {
  const sizes = ML_DSA[alg]
  const example = rfcExample(alg)

  describe(`${alg}: keys, signatures and formats`, () => {
    test('generateKeyPair → signJWT → verifyJWT', async (t) => {
      if (!mlDsaExpected) return assertUnavailable(t, alg, 'key generation')
      const { privateKey, publicKey } = await pairFor(alg)
      assert.equal(privateKey.alg, alg)
      assert.equal(privateKey.type, 'private')
      assert.equal(publicKey.type, 'public')
      assert.equal(publicKey.kid, `${alg}-a`)
      assert.equal(privateKey.curve, undefined)

      const token = await signJWT({ sub: 'user-1', scope: 'read' }, privateKey, { issuer: ISSUER, audience: AUDIENCE, expiresIn: '5m' })
      assert.deepEqual(header(token), { alg, typ: 'JWT', kid: `${alg}-a` })
      assert.equal(b64u(token.split('.')[2]!).length, sizes.signature, 'FIPS 204 signature size')
      for (const verifier of [publicKey, privateKey]) {
        const { payload, header: verifiedHeader } = await verifyJWT(token, verifier, { algorithms: [alg], issuer: ISSUER, audience: AUDIENCE })
        assert.equal(payload.sub, 'user-1')
        assert.equal(payload.scope, 'read')
        assert.equal(verifiedHeader.alg, alg)
      }
      const [head, , signature] = token.split('.')
      const forged = `${head}.${Buffer.from(JSON.stringify({ sub: 'mallory', exp: 4102444800 })).toString('base64url')}.${signature}`
      await rejectsWith(verifyJWT(forged, publicKey, { algorithms: [alg] }), 'ERR_JWS_SIGNATURE_INVALID')
    })

    test('exportJWK: the private JWK has alg, kty, pub and priv; the public one has no priv; importJWK round-trips', async (t) => {
      if (!mlDsaExpected) return assertUnavailable(t, alg, 'JWK export')
      const { privateKey, publicKey } = await pairFor(alg)
      const privateJwk = await exportJWK(privateKey)
      const publicJwk = await exportJWK(publicKey)
      assert.deepEqual(Object.keys(privateJwk).sort(), ['alg', 'kid', 'kty', 'priv', 'pub', 'use'])
      assert.deepEqual(Object.keys(publicJwk).sort(), ['alg', 'kid', 'kty', 'pub', 'use'])
      assert.equal(privateJwk.kty, 'AKP')
      assert.equal(privateJwk.alg, alg)
      assert.equal(privateJwk.use, 'sig')
      assert.equal(b64u(privateJwk.pub as string).length, sizes.publicKey)
      assert.equal(b64u(privateJwk.priv as string).length, SEED_LENGTH, 'priv is the 32-byte seed (RFC 9964 §4)')
      assert.equal(publicJwk.priv, undefined)
      assert.deepEqual(publicJwk, withoutMembers(privateJwk, 'priv'))
      assert.deepEqual(await exportJWK(await toPublicKey(privateKey)), publicJwk)

      const privateAgain = await importJWK(privateJwk, { alg })
      const publicAgain = await importJWK(publicJwk, { alg })
      assert.equal(privateAgain.kid, `${alg}-a`, 'the JWK kid is kept')
      assert.equal((await importJWK(privateJwk, { alg, kid: 'override' })).kid, 'override')
      assert.deepEqual(await exportJWK(privateAgain), privateJwk)
      assert.deepEqual(await exportJWK(publicAgain), publicJwk)
      const thumbprint = await jwkThumbprint(publicJwk)
      for (const key of [privateKey, publicKey, privateAgain, publicAgain]) assert.equal(await jwkThumbprint(key), thumbprint)

      for (const signer of [privateKey, privateAgain]) {
        const jws = await signCompactJWS('round trip', signer)
        for (const verifier of [publicKey, publicAgain, privateAgain]) {
          assert.equal(Buffer.from((await verifyCompactJWS(jws, verifier)).payload).toString(), 'round trip')
        }
      }
    })

    test('exportPEM / importPEM round-trip public (SPKI) and private (PKCS#8) keys', async (t) => {
      if (!mlDsaExpected) return assertUnavailable(t, alg, 'PEM export')
      const { privateKey, publicKey } = await pairFor(alg)
      const privateJwk = await exportJWK(privateKey)

      const publicPem = await exportPEM(publicKey)
      assert.match(publicPem, PUBLIC_PEM_LABEL)
      assert.deepEqual(fromPEM(publicPem), buildSPKI(alg, b64u(privateJwk.pub as string)), 'RFC 9881 SPKI: OID, no parameters, raw public key')
      assert.equal(await exportPEM(await toPublicKey(privateKey)), publicPem)

      const privatePem = await exportPEM(privateKey)
      assert.match(privatePem, PRIVATE_PEM_LABEL)
      const { alg: pemAlg, key } = readPKCS8(fromPEM(privatePem))
      assert.equal(pemAlg, alg)
      // node:crypto writes the "both" form, WebCrypto the seed; either way the seed is the JWK priv.
      assert.ok(key.form === 'seed' || key.form === 'both', `jot never writes the ${key.form} form`)
      assert.deepEqual(key.seed, b64u(privateJwk.priv as string))
      if (key.form === 'both') assert.equal(key.expandedKey.length, sizes.expandedKey)
      t.diagnostic(`${cryptoBackend} backend writes the "${key.form}" PKCS#8 form`)

      const publicFromPem = await importPEM(publicPem, { alg })
      const privateFromPem = await importPEM(privatePem, { alg, kid: 'pem' })
      assert.equal(publicFromPem.type, 'public')
      assert.equal(privateFromPem.type, 'private')
      assert.equal(await exportPEM(publicFromPem), publicPem)
      assert.equal(await exportPEM(privateFromPem), privatePem)
      assert.deepEqual(await exportJWK(privateFromPem), { ...privateJwk, kid: 'pem' })
      const jws = await signCompactJWS('pem', privateFromPem)
      for (const verifier of [publicKey, publicFromPem]) await verifyCompactJWS(jws, verifier)
      await verifyCompactJWS(await signCompactJWS('pem', privateKey), publicFromPem)
    })

    test("importPEM of node:crypto's own PKCS#8 (the seed + expandedKey \"both\" form)", async (t) => {
      if (!mlDsaExpected) {
        // The parser accepts the form; the missing primitive is what refuses it.
        const both = buildPKCS8(alg, { form: 'both', seed: new Uint8Array(SEED_LENGTH), expandedKey: placeholderExpandedKey(alg) })
        await rejectsWith(importPEM(toPEM(both, 'PRIVATE KEY'), { alg }), 'ERR_NOT_SUPPORTED', (error) => {
          assert.doesNotMatch(error.message, /expandedKey/)
        })
        return assertUnavailable(t, alg, "node:crypto's PKCS#8")
      }
      const pair = nodeKeyPair(alg)
      const pem = pair.privateKey.export({ format: 'pem', type: 'pkcs8' }) as string
      const parsed = readPKCS8(fromPEM(pem))
      assert.equal(parsed.key.form, 'both', 'node:crypto writes seed and expanded key')
      const nodeJwk = pair.privateKey.export({ format: 'jwk' }) as Record<string, string>

      const key = await importPEM(pem, { alg })
      const jwk = await exportJWK(key)
      assert.equal(jwk.priv, nodeJwk.priv)
      assert.equal(jwk.pub, nodeJwk.pub)
      assert.deepEqual(b64u(jwk.priv as string), parsed.key.form === 'both' ? parsed.key.seed : undefined)

      // jot's signature verifies with node:crypto itself, and with node's SPKI imported in jot.
      const jws = await signCompactJWS('from node:crypto', key)
      const [head, payload, signature] = jws.split('.') as [string, string, string]
      assert.equal(nodeCrypto.verify(null, Buffer.from(`${head}.${payload}`), pair.publicKey, b64u(signature)), true)
      const spki = await importPEM(pair.publicKey.export({ format: 'pem', type: 'spki' }) as string, { alg })
      await verifyCompactJWS(jws, spki)
    })

    test('importPEM of the seed-only PKCS#8 form (what WebCrypto writes)', async (t) => {
      const rfcSeedPKCS8 = buildPKCS8(alg, { form: 'seed', seed: new Uint8Array(SEED_LENGTH) })
      const rfcSPKI = buildSPKI(alg, b64u(example.publicJwk.pub as string))
      if (!mlDsaExpected) {
        await rejectsWith(importPEM(toPEM(rfcSeedPKCS8, 'PRIVATE KEY'), { alg }), 'ERR_NOT_SUPPORTED')
        await rejectsWith(importPEM(toPEM(rfcSPKI, 'PUBLIC KEY'), { alg }), 'ERR_NOT_SUPPORTED')
        return assertUnavailable(t, alg, 'PKCS#8 import')
      }
      const subtle = globalThis.crypto.subtle
      const pair = (await subtle.generateKey({ name: alg }, true, ['sign', 'verify'])) as CryptoKeyPair
      const pkcs8 = new Uint8Array(await subtle.exportKey('pkcs8', pair.privateKey))
      // Modern Algorithms in WebCrypto: an AKP JWK (this repo's DOM typings predate its members).
      const webJwk = (await subtle.exportKey('jwk', pair.privateKey)) as JsonWebKey & { pub: string; priv: string }
      const parsed = readPKCS8(pkcs8)
      assert.equal(parsed.key.form, 'seed', 'WebCrypto writes the seed form')
      assert.deepEqual(pkcs8, buildPKCS8(alg, { form: 'seed', seed: b64u(webJwk.priv) }), 'the hand-built DER is byte-identical')

      const key = await importPEM(toPEM(pkcs8, 'PRIVATE KEY'), { alg })
      const jwk = await exportJWK(key)
      assert.equal(jwk.priv, webJwk.priv)
      assert.equal(jwk.pub, webJwk.pub)
      const jws = await signCompactJWS('from WebCrypto', key)
      const [head, payload, signature] = jws.split('.') as [string, string, string]
      assert.equal(await subtle.verify({ name: alg }, pair.publicKey, b64u(signature), new TextEncoder().encode(`${head}.${payload}`)), true)

      // The RFC 9964 key as seed-form PKCS#8 and SPKI: the seed expands to the RFC pub, and it verifies the RFC JWS.
      const rfcKey = await importPEM(toPEM(rfcSeedPKCS8, 'PRIVATE KEY'), { alg })
      assert.equal((await exportJWK(rfcKey)).pub, example.publicJwk.pub)
      await verifyCompactJWS(example.jws, await importPEM(toPEM(rfcSPKI, 'PUBLIC KEY'), { alg }))
    })

    test('the published JWK Set (createKeyManager().jwks()) never contains priv', async (t) => {
      const manager = createKeyManager({ alg })
      if (!mlDsaExpected) {
        await rejectsWith(manager.jwks(), 'ERR_NOT_SUPPORTED')
        return assertUnavailable(t, alg, 'a key manager')
      }
      const jwks = await manager.jwks()
      assert.ok(jwks.keys.length >= 2, 'the active key and its published successor')
      assert.doesNotMatch(JSON.stringify(jwks), /"priv"/)
      for (const jwk of jwks.keys) {
        assert.deepEqual(Object.keys(jwk).sort(), ['alg', 'kid', 'kty', 'pub', 'use'])
        assert.equal(jwk.kty, 'AKP')
        assert.equal(jwk.alg, alg)
        assert.equal(b64u(jwk.pub as string).length, sizes.publicKey)
        assert.equal(jwk.kid, await jwkThumbprint(jwk), 'kid is the RFC 7638 thumbprint')
      }
      const token = await signJWT({ sub: 'rotated' }, await manager.signingKey(), { expiresIn: '5m' })
      const { payload } = await verifyJWT(token, createLocalKeySet(jwks), { algorithms: [alg] })
      assert.equal(payload.sub, 'rotated')
      // Next to another parameter set's key (listed first, without a kid), the set still finds the right one.
      const foreign = withoutMembers(await exportJWK((await pairFor(otherAlg(alg))).publicKey), 'kid')
      const untagged = await signJWT({ sub: 'untagged' }, await importJWK(withoutMembers(await exportJWK(await manager.signingKey()), 'kid'), { alg }), { expiresIn: '5m' })
      for (const [label, tokenToVerify] of [['with kid', token], ['without kid', untagged]] as const) {
        const verified = await verifyJWT(tokenToVerify, createLocalKeySet({ keys: [foreign, ...jwks.keys] }), { algorithms: [alg, otherAlg(alg)] })
        assert.equal(verified.header.alg, alg, label)
      }
    })
  })

  describe(`${alg}: refusals`, () => {
    test('a signature of the wrong length is refused by the shape check (ERR_JWS_SIGNATURE_INVALID, "malformed")', async (t) => {
      if (!mlDsaExpected) return assertUnavailable(t, alg, 'signing')
      const { privateKey, publicKey } = await pairFor(alg)
      const token = await signJWT({ sub: 'length' }, privateKey, { expiresIn: '5m' })
      const signature = b64u(token.split('.')[2]!)
      await verifyJWT(token, publicKey)
      const otherLength = ML_DSA[otherAlg(alg)].signature
      const resized = (length: number) => {
        const bytes = new Uint8Array(length)
        bytes.set(signature.subarray(0, Math.min(length, signature.length)))
        return bytes
      }
      const malformed = `signature is malformed for ${alg} (wrong length or out of range)`
      const wrong: Array<[string, Uint8Array]> = [
        ['truncated by one byte (too short)', signature.subarray(0, -1)],
        ['half of it (too short)', signature.subarray(0, signature.length >> 1)],
        ['empty (too short)', new Uint8Array(0)],
        ['extended by one zero byte (too long)', Uint8Array.from([...signature, 0])],
        ['twice over (too long)', Uint8Array.from([...signature, ...signature])],
        [`${otherAlg(alg)}'s signature length (too ${otherLength < sizes.signature ? 'short' : 'long'})`, resized(otherLength)],
      ]
      for (const [label, bytes] of wrong) {
        assert.notEqual(bytes.length, sizes.signature, label)
        const isMalformed = (error: AnyJotError) => assert.equal(error.message, malformed)
        await refused(label, verifyJWT(withSignature(token, bytes), publicKey), 'ERR_JWS_SIGNATURE_INVALID', isMalformed)
        await refused(label, verifyCompactJWS(withSignature(token, bytes), publicKey), 'ERR_JWS_SIGNATURE_INVALID', isMalformed)
      }
      // The right length with one flipped bit in c~ (the first bytes, which any value may take): it
      // passes the shape check and fails verification itself, with the generic message.
      const corrupted = Uint8Array.from(signature)
      corrupted[0]! ^= 0x01
      const isGeneric = (error: AnyJotError) => {
        assert.notEqual(error.message, malformed)
        assert.equal(error.message, 'signature verification failed')
      }
      await refused('same length, one bit flipped', verifyJWT(withSignature(token, corrupted), publicKey), 'ERR_JWS_SIGNATURE_INVALID', isGeneric)
      await refused('same length, one bit flipped', verifyCompactJWS(withSignature(token, corrupted), publicKey), 'ERR_JWS_SIGNATURE_INVALID', isGeneric)
    })

    test(`a key of one parameter set is refused for another's alg (ERR_KEY_ALG_MISMATCH), on every Node`, async (t) => {
      const other = otherAlg(alg)
      // Parsing only: the RFC key as JWK, SPKI and PKCS#8, asked for another parameter set.
      await rejectsWith(importJWK(example.publicJwk, { alg: other }), 'ERR_KEY_ALG_MISMATCH')
      await rejectsWith(importJWK(example.privateJwk, { alg: other }), 'ERR_KEY_ALG_MISMATCH')
      const spki = toPEM(buildSPKI(alg, b64u(example.publicJwk.pub as string)), 'PUBLIC KEY')
      const pkcs8 = toPEM(buildPKCS8(alg, { form: 'seed', seed: new Uint8Array(SEED_LENGTH) }), 'PRIVATE KEY')
      const both = toPEM(buildPKCS8(alg, { form: 'both', seed: new Uint8Array(SEED_LENGTH), expandedKey: placeholderExpandedKey(alg) }), 'PRIVATE KEY')
      for (const pem of [spki, pkcs8, both]) {
        await rejectsWith(importPEM(pem, { alg: other }), 'ERR_KEY_ALG_MISMATCH', (error) => assert.match(error.message, new RegExp(`${alg} key, not ${other}`)))
      }
      // Nor is an AKP key any other algorithm's key.
      for (const foreign of ['EdDSA', 'ES256', 'RS256', 'HS256'] as const) {
        await rejectsWith(importJWK(example.publicJwk, { alg: foreign }), 'ERR_KEY_ALG_MISMATCH')
      }
      await rejectsWith(importPEM(spki, { alg: 'EdDSA' }), 'ERR_KEY_ALG_MISMATCH')
      if (!mlDsaExpected) {
        t.diagnostic(`${NOT_HERE}: the parse-only refusals above ran; generated keys need ML-DSA`)
        return assertUnavailable(t, alg, 'generated keys')
      }
      const { privateKey, publicKey } = await pairFor(alg)
      await rejectsWith(importJWK(await exportJWK(privateKey), { alg: other }), 'ERR_KEY_ALG_MISMATCH')
      await rejectsWith(importJWK(await exportJWK(publicKey), { alg: other }), 'ERR_KEY_ALG_MISMATCH')
      await rejectsWith(importPEM(await exportPEM(publicKey), { alg: other }), 'ERR_KEY_ALG_MISMATCH')
      await rejectsWith(importPEM(await exportPEM(privateKey), { alg: other }), 'ERR_KEY_ALG_MISMATCH')
    })

    test("a token whose header names another parameter set is refused by the key's binding (ERR_ALG_NOT_ALLOWED)", async (t) => {
      if (!mlDsaExpected) return assertUnavailable(t, alg, 'verification')
      const other = otherAlg(alg)
      const { publicKey } = await pairFor(alg)
      const foreign = await pairFor(other)
      const token = await signJWT({ sub: 'other set' }, foreign.privateKey, { expiresIn: '5m' })
      assert.equal(header(token).alg, other)
      const keyBinding = (error: Error) => assert.match(error.message, new RegExp(`"${other}" does not match the key's ${alg}`))
      await rejectsWith(verifyJWT(token, publicKey), 'ERR_ALG_NOT_ALLOWED', keyBinding)
      await rejectsWith(verifyCompactJWS(token, publicKey), 'ERR_ALG_NOT_ALLOWED', keyBinding)
      await rejectsWith(verifyJWT(token, publicKey, { algorithms: [alg, other] }), 'ERR_ALG_NOT_ALLOWED', keyBinding)
      // With an allowlist naming only the key's set, the allowlist refuses it first (same code).
      await rejectsWith(verifyJWT(token, publicKey, { algorithms: [alg] }), 'ERR_ALG_NOT_ALLOWED', (error) => assert.match(error.message, /allowlist/))
      // A genuine token of this set relabelled as the other: the binding refuses it before any signature check.
      const own = await signJWT({ sub: 'relabelled' }, (await pairFor(alg)).privateKey, { expiresIn: '5m' })
      const [, payload, signature] = own.split('.')
      const relabelled = `${Buffer.from(JSON.stringify({ alg: other, typ: 'JWT' })).toString('base64url')}.${payload}.${signature}`
      await rejectsWith(verifyJWT(relabelled, publicKey), 'ERR_ALG_NOT_ALLOWED', keyBinding)
    })

    test("an AKP private JWK whose pub is not its priv's public key is ERR_KEY_INVALID", async (t) => {
      if (!mlDsaExpected) {
        // Lengths are fine, so only the (missing) primitive can refuse it here.
        const pub = b64u(example.publicJwk.pub as string)
        pub[0]! ^= 1
        await rejectsWith(importJWK({ ...example.privateJwk, pub: toB64u(pub) }, { alg }), 'ERR_NOT_SUPPORTED')
        return assertUnavailable(t, alg, 'the seed/pub consistency check')
      }
      const mine = await exportJWK((await pairFor(alg)).privateKey)
      const theirs = await exportJWK((await pairFor(alg, 'b')).publicKey)
      assert.notEqual(mine.pub, theirs.pub)
      const mismatched: JWK[] = [
        { ...mine, pub: theirs.pub! },
        { ...example.privateJwk, pub: theirs.pub! },
        { ...example.privateJwk, priv: mine.priv! },
      ]
      for (const [index, jwk] of mismatched.entries()) {
        await refused(`mismatched JWK ${index}`, importJWK(jwk, { alg }), 'ERR_KEY_INVALID', (error) => {
          if (cryptoBackend === 'node') {
            // node:crypto would recompute pub from the seed and keep going: jot's own check refuses it.
            assert.match(error.message, new RegExp(`^${alg} JWK "pub" is not the public key of its "priv"`))
          } else {
            // WebCrypto checks pub against the seed itself and refuses the import before jot's check runs.
            assert.match(error.message, /could not be imported/)
          }
        })
      }
      // The public half alone is a perfectly good public key.
      assert.equal((await importJWK(withoutMembers(mismatched[0]!, 'priv'), { alg })).type, 'public')
    })

    test('an AKP JWK without alg is ERR_KEY_INVALID, on every Node', async () => {
      await rejectsWith(importJWK(withoutMembers(example.publicJwk, 'alg'), { alg }), 'ERR_KEY_INVALID', (error) => assert.match(error.message, /"alg"/))
      await rejectsWith(importJWK(withoutMembers(example.privateJwk, 'alg'), { alg }), 'ERR_KEY_INVALID', (error) => assert.match(error.message, /"alg"/))
      // An alg that names another algorithm entirely is a mismatch.
      await rejectsWith(importJWK({ ...example.publicJwk, alg: 'EdDSA' }, { alg }), 'ERR_KEY_ALG_MISMATCH')
    })

    test('pub or priv of the wrong length is ERR_KEY_INVALID, on every Node', async () => {
      const pub = b64u(example.publicJwk.pub as string)
      const seed = new Uint8Array(SEED_LENGTH)
      const otherPub = rfcExample(otherAlg(alg)).publicJwk.pub as string
      const invalid: Array<[string, JWK]> = [
        ['pub one byte short', { ...example.publicJwk, pub: toB64u(pub.subarray(1)) }],
        ['pub one byte long', { ...example.publicJwk, pub: toB64u(Uint8Array.from([...pub, 0])) }],
        [`pub of ${otherAlg(alg)}'s size`, { ...example.publicJwk, pub: otherPub }],
        ['pub empty', { ...example.publicJwk, pub: '' }],
        ['priv of 31 bytes', { ...example.privateJwk, priv: toB64u(seed.subarray(1)) }],
        ['priv of 33 bytes', { ...example.privateJwk, priv: toB64u(new Uint8Array(33)) }],
        ['priv of 64 bytes (a seed is not an expanded key)', { ...example.privateJwk, priv: toB64u(new Uint8Array(64)) }],
        ['priv not base64url', { ...example.privateJwk, priv: '***' }],
        ['a private JWK with a short pub', { ...example.privateJwk, pub: toB64u(pub.subarray(2)) }],
      ]
      for (const [label, jwk] of invalid) {
        await refused(label, importJWK(jwk, { alg }), 'ERR_KEY_INVALID', (error) => assert.match(error.message, /"(pub|priv)"/))
      }
    })

    test('a JWK with the wrong kty is ERR_KEY_ALG_MISMATCH, on every Node', async () => {
      for (const kty of ['OKP', 'EC', 'RSA', 'oct', 'akp', undefined]) {
        await rejectsWith(importJWK({ ...example.privateJwk, kty } as JWK, { alg }), 'ERR_KEY_ALG_MISMATCH', (error) => assert.match(error.message, /kty "AKP"/))
        await rejectsWith(importJWK({ ...example.publicJwk, kty } as JWK, { alg }), 'ERR_KEY_ALG_MISMATCH')
      }
      // An OKP key (Ed25519, RFC 8037 A.1) is not an ML-DSA key either.
      const ed25519: JWK = { kty: 'OKP', crv: 'Ed25519', d: 'nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A', x: '11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo' }
      await rejectsWith(importJWK(ed25519, { alg }), 'ERR_KEY_ALG_MISMATCH')
    })

    test('PKCS#8 in the expandedKey-only form is ERR_NOT_SUPPORTED (no seed), on every Node', async (t) => {
      let expandedKey: Uint8Array
      if (mlDsaExpected) {
        const both = readPKCS8(fromPEM(nodeKeyPair(alg).privateKey.export({ format: 'pem', type: 'pkcs8' }) as string))
        assert.equal(both.key.form, 'both')
        expandedKey = both.key.form === 'both' ? both.key.expandedKey : new Uint8Array()
        assert.equal(expandedKey.length, sizes.expandedKey)
      } else {
        expandedKey = placeholderExpandedKey(alg)
        t.diagnostic(`${NOT_HERE}: the expandedKey form is refused by the parser, tested with a stand-in expanded key`)
      }
      const pem = toPEM(buildPKCS8(alg, { form: 'expandedKey', expandedKey }), 'PRIVATE KEY')
      assert.equal(readPKCS8(fromPEM(pem)).key.form, 'expandedKey')
      // The message tells it apart from "this runtime has no ML-DSA" (same code).
      await rejectsWith(importPEM(pem, { alg }), 'ERR_NOT_SUPPORTED', (error) => assert.match(error.message, /expandedKey/))
    })

    test('PKCS#8 "both" form whose expanded key is not its seed\'s is ERR_KEY_INVALID', async (t) => {
      if (!mlDsaExpected) {
        const both = buildPKCS8(alg, { form: 'both', seed: new Uint8Array(SEED_LENGTH), expandedKey: placeholderExpandedKey(alg) })
        await rejectsWith(importPEM(toPEM(both, 'PRIVATE KEY'), { alg }), 'ERR_NOT_SUPPORTED')
        return assertUnavailable(t, alg, 'the seed/expandedKey consistency check')
      }
      const der = fromPEM(nodeKeyPair(alg).privateKey.export({ format: 'pem', type: 'pkcs8' }) as string)
      const parsed = readPKCS8(der)
      assert.ok(parsed.key.form === 'both')
      const { seed, expandedKey } = parsed.key
      // The untouched key imports: the refusals below are about the tampering alone.
      await importPEM(toPEM(der, 'PRIVATE KEY'), { alg })
      for (const at of [0, 64, expandedKey.length >> 1, expandedKey.length - 1]) {
        const tampered = Uint8Array.from(expandedKey)
        tampered[at]! ^= 0x01
        const pem = toPEM(buildPKCS8(alg, { form: 'both', seed, expandedKey: tampered }), 'PRIVATE KEY')
        await refused(`expanded key byte ${at} flipped`, importPEM(pem, { alg }), 'ERR_KEY_INVALID')
      }
      const otherSeed = Uint8Array.from(seed)
      otherSeed[0]! ^= 0x01
      await rejectsWith(importPEM(toPEM(buildPKCS8(alg, { form: 'both', seed: otherSeed, expandedKey }), 'PRIVATE KEY'), { alg }), 'ERR_KEY_INVALID')
    })

    test('malformed RFC 9881 structures are ERR_KEY_INVALID, on every Node', async () => {
      const pub = b64u(example.publicJwk.pub as string)
      const seed = new Uint8Array(SEED_LENGTH)
      const expandedKey = placeholderExpandedKey(alg)
      const cases: Array<[string, string]> = [
        ['SPKI with a short public key', toPEM(buildSPKI(alg, pub.subarray(1)), 'PUBLIC KEY')],
        ['SPKI with a long public key', toPEM(buildSPKI(alg, Uint8Array.from([...pub, 0])), 'PUBLIC KEY')],
        ['seed form with a 31-byte seed', toPEM(buildPKCS8(alg, { form: 'seed', seed: seed.subarray(1) }), 'PRIVATE KEY')],
        ['seed form with a 33-byte seed', toPEM(buildPKCS8(alg, { form: 'seed', seed: new Uint8Array(33) }), 'PRIVATE KEY')],
        ['both form with a 31-byte seed', toPEM(buildPKCS8(alg, { form: 'both', seed: seed.subarray(1), expandedKey }), 'PRIVATE KEY')],
        ['both form with a short expanded key', toPEM(buildPKCS8(alg, { form: 'both', seed, expandedKey: expandedKey.subarray(1) }), 'PRIVATE KEY')],
        [`both form with ${otherAlg(alg)}'s expanded key size`, toPEM(buildPKCS8(alg, { form: 'both', seed, expandedKey: new Uint8Array(ML_DSA[otherAlg(alg)].expandedKey) }), 'PRIVATE KEY')],
      ]
      for (const [label, pem] of cases) {
        // Refused by the parser, not by the backend.
        await refused(label, importPEM(pem, { alg }), 'ERR_KEY_INVALID', (error) => assert.doesNotMatch(error.message, /could not be imported/))
      }
    })
  })
}
