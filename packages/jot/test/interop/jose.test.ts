/**
 * Interop with jose 6, both ways, for every algorithm both libraries support: HS*, RS*, PS*,
 * ES256/384/512, EdDSA (Ed25519) and Ed25519 (RFC 9864). jose supports neither ES256K nor Ed448;
 * the last block pins that down explicitly instead of leaving those rows out silently.
 *
 * Direction "jot → jose": jot signs, jose verifies with jot's exported public JWK (via
 * `jose.importJWK`) and PEM (via `jose.importSPKI`), or the raw secret bytes for HMAC.
 * Direction "jose → jot": jose signs with the private key jot exported (PKCS#8 or JWK), and jot
 * verifies with the public key as jose exports it (JWK via `importJWK`, SPKI via `importPEM`).
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import * as jose from 'jose'
import {
  base64url,
  cryptoBackend,
  exportJWK,
  generateKeyPair,
  importJWK,
  importPEM,
  signCompactJWS,
  signFlattenedJWS,
  signGeneralJWS,
  signJWT,
  verifyCompactJWS,
  verifyFlattenedJWS,
  verifyGeneralJWS,
  verifyJWT,
  type FlattenedJWS,
  type GeneralJWS,
  type JotKey,
  type JWK,
  type JWSAlgorithmName,
} from 'jotjwt'
import { withoutPrivateMembers } from '../jwk-members.js'
import {
  assertInteropClaims,
  AUDIENCE,
  CUSTOM,
  EC_ALGS,
  ED_ALGS,
  HMAC_ALGS,
  ISSUER,
  joseSignedJWT,
  joseVerifiedJWT,
  jotKeys,
  keysFor,
  RSA_ALGS,
  SUBJECT,
  textDecoder,
  textEncoder,
  type KeyMaterial,
} from './keys.js'

const ALGS: readonly JWSAlgorithmName[] = [...HMAC_ALGS, ...RSA_ALGS, ...EC_ALGS, ...ED_ALGS]

/** Non-ASCII and a '.' on purpose: exercises UTF-8 and the unencoded (b64: false) JSON form. */
const PAYLOAD = 'héllo, wörld. ✓ interop'

type JoseKey = jose.CryptoKey | Uint8Array

/** jose keys that verify what jot signs, imported from jot's exports. */
async function joseVerifyKeys(m: KeyMaterial): Promise<Array<[label: string, key: JoseKey]>> {
  if (m.kind === 'secret') {
    return [
      ['raw secret bytes', m.secret],
      ["jot's JWK", await jose.importJWK(m.jwk as jose.JWK, m.alg)],
    ]
  }
  return [
    ["jot's public JWK", await jose.importJWK(m.publicJwk as jose.JWK, m.alg)],
    ["jot's SPKI PEM", await jose.importSPKI(m.publicPem, m.alg)],
  ]
}

interface JoseSide {
  /** jose's signing key, imported from jot's PKCS#8 PEM (or the raw secret). */
  readonly signKey: JoseKey
  /** The same, imported from jot's private JWK. */
  readonly signKeyFromJWK: JoseKey
  /** jot verification keys made from what jose exports. */
  readonly jotVerifyKeys: Array<[label: string, key: JotKey]>
}

async function joseSide(m: KeyMaterial): Promise<JoseSide> {
  if (m.kind === 'secret') {
    const exported = await jose.exportJWK(m.secret)
    return {
      signKey: m.secret,
      signKeyFromJWK: await jose.importJWK(m.jwk as jose.JWK, m.alg),
      jotVerifyKeys: [["jose's exported JWK", await importJWK(exported as JWK, { alg: m.alg })]],
    }
  }
  const signKey = await jose.importPKCS8(m.privatePem, m.alg, { extractable: true })
  const privateJwk = await jose.exportJWK(signKey)
  const publicJwk = withoutPrivateMembers(privateJwk)
  const publicKey = await jose.importJWK(publicJwk as jose.JWK, m.alg)
  assert.ok(!(publicKey instanceof Uint8Array))
  const spki = await jose.exportSPKI(publicKey)
  return {
    signKey,
    signKeyFromJWK: await jose.importJWK(m.privateJwk as jose.JWK, m.alg),
    jotVerifyKeys: [
      ["jose's exported public JWK", await importJWK(publicJwk as JWK, { alg: m.alg })],
      ["jose's exported SPKI PEM", await importPEM(spki, { alg: m.alg })],
      ["jose's exported private JWK (verifies as its public half)", await importJWK(privateJwk as JWK, { alg: m.alg })],
    ],
  }
}

/** Replaces a compact token's payload, keeping header and signature: must no longer verify. */
function withForeignPayload(token: string): string {
  const [header, , signature] = token.split('.')
  return `${header}.${base64url.encode(JSON.stringify({ sub: 'mallory', exp: 4102444800 }))}.${signature}`
}

/** A second algorithm of another family, for the two-signature general JWS. */
function partnerOf(alg: JWSAlgorithmName): JWSAlgorithmName {
  return alg === 'ES256' ? 'HS256' : 'ES256'
}

const isJoseSignatureFailure = (error: unknown): boolean => error instanceof jose.errors.JWSSignatureVerificationFailed

describe('jose interop: JWT', () => {
  for (const alg of ALGS) {
    describe(alg, () => {
      it('jot signJWT → jose jwtVerify', async () => {
        const m = await keysFor(alg)
        const jwtId = `jot-${alg}`
        const token = await signJWT({ ...CUSTOM }, jotKeys(m).signKey, {
          issuer: ISSUER,
          audience: AUDIENCE,
          subject: SUBJECT,
          jwtId,
          expiresIn: '5m',
        })
        for (const [label, key] of await joseVerifyKeys(m)) {
          const { payload, protectedHeader } = await joseVerifiedJWT(token, key, alg, jwtId, label)
          assert.deepEqual(protectedHeader, { alg, typ: 'JWT' }, label)
          assert.equal(payload.exp! - payload.iat!, 300, `${label}: "5m" is 300 seconds`)
          assert.ok(Math.abs(payload.iat! - Date.now() / 1000) < 60, `${label}: iat is now`)
          await assert.rejects(jose.jwtVerify(withForeignPayload(token), key), isJoseSignatureFailure, `${label}: tampered`)
        }
      })

      it('jose SignJWT → jot verifyJWT', async () => {
        const m = await keysFor(alg)
        const side = await joseSide(m)
        const jwtId = `jose-${alg}`
        const token = await joseSignedJWT(alg, side.signKey, jwtId)
        for (const [label, key] of side.jotVerifyKeys) {
          const { payload, header } = await verifyJWT(token, key, {
            algorithms: [alg],
            issuer: ISSUER,
            audience: AUDIENCE,
            subject: SUBJECT,
            jwtId,
            typ: 'JWT',
          })
          assert.deepEqual(header, { alg, typ: 'JWT', kid: 'jose-key' }, label)
          assertInteropClaims(payload, jwtId, label)
          await assert.rejects(verifyJWT(withForeignPayload(token), key, { audience: AUDIENCE }), { code: 'ERR_JWS_SIGNATURE_INVALID' }, `${label}: tampered`)
        }
      })
    })
  }
})

describe('jose interop: compact JWS', () => {
  for (const alg of ALGS) {
    describe(alg, () => {
      it('jot signCompactJWS → jose compactVerify', async () => {
        const m = await keysFor(alg)
        const jws = await signCompactJWS(PAYLOAD, jotKeys(m).signKey, { protectedHeader: { cty: 'text/plain', kid: 'jot-key' } })
        for (const [label, key] of await joseVerifyKeys(m)) {
          const { payload, protectedHeader } = await jose.compactVerify(jws, key, { algorithms: [alg] })
          assert.equal(textDecoder.decode(payload), PAYLOAD, label)
          assert.deepEqual(protectedHeader, { alg, cty: 'text/plain', kid: 'jot-key' }, label)
        }
      })

      it('jose CompactSign → jot verifyCompactJWS', async () => {
        const side = await joseSide(await keysFor(alg))
        const jws = await new jose.CompactSign(textEncoder.encode(PAYLOAD))
          .setProtectedHeader({ alg, cty: 'text/plain', kid: 'jose-key' })
          .sign(side.signKeyFromJWK)
        for (const [label, key] of side.jotVerifyKeys) {
          const { payload, protectedHeader } = await verifyCompactJWS(jws, key, { algorithms: [alg] })
          assert.equal(textDecoder.decode(payload), PAYLOAD, label)
          assert.deepEqual(protectedHeader, { alg, cty: 'text/plain', kid: 'jose-key' }, label)
        }
      })
    })
  }
})

describe('jose interop: flattened JWS with an unprotected header', () => {
  for (const alg of ALGS) {
    describe(alg, () => {
      it('jot signFlattenedJWS → jose flattenedVerify', async () => {
        const m = await keysFor(alg)
        const jws = await signFlattenedJWS(PAYLOAD, jotKeys(m).signKey, {
          protectedHeader: { cty: 'text/plain' },
          unprotectedHeader: { kid: 'jot-unprotected', 'x-trace': 't-1' },
        })
        for (const [label, key] of await joseVerifyKeys(m)) {
          const result = await jose.flattenedVerify(jws as jose.FlattenedJWSInput, key, { algorithms: [alg] })
          assert.equal(textDecoder.decode(result.payload), PAYLOAD, label)
          assert.deepEqual(result.protectedHeader, { alg, cty: 'text/plain' }, label)
          assert.deepEqual(result.unprotectedHeader, { kid: 'jot-unprotected', 'x-trace': 't-1' }, label)
        }
      })

      it('jose FlattenedSign → jot verifyFlattenedJWS', async () => {
        const side = await joseSide(await keysFor(alg))
        const jws = await new jose.FlattenedSign(textEncoder.encode(PAYLOAD))
          .setProtectedHeader({ alg, cty: 'text/plain' })
          .setUnprotectedHeader({ kid: 'jose-unprotected', 'x-trace': 't-2' })
          .sign(side.signKey)
        for (const [label, key] of side.jotVerifyKeys) {
          for (const input of [jws as FlattenedJWS, JSON.stringify(jws)]) {
            const result = await verifyFlattenedJWS(input, key, { algorithms: [alg] })
            assert.equal(textDecoder.decode(result.payload), PAYLOAD, label)
            assert.deepEqual(result.protectedHeader, { alg, cty: 'text/plain' }, label)
            assert.deepEqual(result.unprotectedHeader, { kid: 'jose-unprotected', 'x-trace': 't-2' }, label)
          }
        }
      })
    })
  }
})

describe('jose interop: flattened JWS with an unencoded payload (RFC 7797, b64: false)', () => {
  for (const alg of ALGS) {
    describe(alg, () => {
      it('jot signFlattenedJWS { b64: false } → jose flattenedVerify', async () => {
        const m = await keysFor(alg)
        const jws = await signFlattenedJWS(PAYLOAD, jotKeys(m).signKey, { b64: false })
        assert.equal(jws.payload, PAYLOAD, 'the payload travels as is')
        for (const [label, key] of await joseVerifyKeys(m)) {
          const result = await jose.flattenedVerify(jws as jose.FlattenedJWSInput, key, { algorithms: [alg], crit: { b64: true } })
          assert.equal(textDecoder.decode(result.payload), PAYLOAD, label)
          assert.deepEqual(result.protectedHeader, { alg, b64: false, crit: ['b64'] }, label)
        }
      })

      it('jose FlattenedSign { b64: false } → jot verifyFlattenedJWS', async () => {
        const side = await joseSide(await keysFor(alg))
        const jws = await new jose.FlattenedSign(textEncoder.encode(PAYLOAD))
          .setProtectedHeader({ alg, b64: false, crit: ['b64'] })
          .sign(side.signKey)
        // jose leaves an unencoded payload out ("payload": ""): the caller transports it. Put it back.
        assert.equal(jws.payload, '')
        const attached: FlattenedJWS = { ...(jws as FlattenedJWS), payload: PAYLOAD }
        for (const [label, key] of side.jotVerifyKeys) {
          const result = await verifyFlattenedJWS(attached, key, { algorithms: [alg] })
          assert.equal(textDecoder.decode(result.payload), PAYLOAD, label)
          assert.deepEqual(result.protectedHeader, { alg, b64: false, crit: ['b64'] }, label)
          await assert.rejects(
            verifyFlattenedJWS({ ...attached, payload: `${PAYLOAD}!` }, key),
            { code: 'ERR_JWS_SIGNATURE_INVALID' },
            `${label}: altered payload`,
          )
        }
      })
    })
  }
})

describe('jose interop: general JWS with two signatures of different algorithms', () => {
  for (const alg of ALGS) {
    const partner = partnerOf(alg)
    describe(`${alg} + ${partner}`, () => {
      it('jot signGeneralJWS → jose generalVerify (each key finds its signature)', async () => {
        const [first, second] = [await keysFor(alg), await keysFor(partner)]
        const jws = await signGeneralJWS(PAYLOAD, [
          { key: jotKeys(first).signKey, unprotectedHeader: { kid: 'first' } },
          { key: jotKeys(second).signKey, protectedHeader: { cty: 'text/plain' }, unprotectedHeader: { kid: 'second' } },
        ])
        assert.equal(jws.signatures.length, 2)
        for (const [m, kid, header] of [
          [first, 'first', { alg }],
          [second, 'second', { alg: partner, cty: 'text/plain' }],
        ] as const) {
          for (const [label, key] of await joseVerifyKeys(m)) {
            const result = await jose.generalVerify(jws as jose.GeneralJWSInput, key, { algorithms: [m.alg] })
            assert.equal(textDecoder.decode(result.payload), PAYLOAD, label)
            assert.deepEqual(result.protectedHeader, header, label)
            assert.deepEqual(result.unprotectedHeader, { kid }, label)
          }
        }
      })

      it('jose GeneralSign → jot verifyGeneralJWS (each key finds its signature)', async () => {
        const [first, second] = [await joseSide(await keysFor(alg)), await joseSide(await keysFor(partner))]
        const signer = new jose.GeneralSign(textEncoder.encode(PAYLOAD))
        signer.addSignature(first.signKey).setProtectedHeader({ alg }).setUnprotectedHeader({ kid: 'first' })
        signer.addSignature(second.signKey).setProtectedHeader({ alg: partner, cty: 'text/plain' }).setUnprotectedHeader({ kid: 'second' })
        const jws = await signer.sign()
        for (const [side, index, kid, header] of [
          [first, 0, 'first', { alg }],
          [second, 1, 'second', { alg: partner, cty: 'text/plain' }],
        ] as const) {
          for (const [label, key] of side.jotVerifyKeys) {
            const result = await verifyGeneralJWS(jws as GeneralJWS, key)
            assert.equal(result.signatureIndex, index, label)
            assert.equal(textDecoder.decode(result.payload), PAYLOAD, label)
            assert.deepEqual(result.protectedHeader, header, label)
            assert.deepEqual(result.unprotectedHeader, { kid }, label)
          }
        }
      })
    })
  }
})

describe('jose interop: detached payload (RFC 7515 Appendix F)', () => {
  for (const alg of ALGS) {
    describe(alg, () => {
      it('jot signs detached (compact, and flattened b64: false) → jose verifies with the payload re-supplied', async () => {
        const m = await keysFor(alg)
        const { signKey } = jotKeys(m)
        const compact = await signCompactJWS(PAYLOAD, signKey, { detached: true })
        const [header, middle, signature] = compact.split('.')
        assert.equal(middle, '', 'compact form is header..signature')
        const flattened = await signFlattenedJWS(PAYLOAD, signKey, { b64: false, detached: true })
        assert.equal(flattened.payload, undefined)
        for (const [label, key] of await joseVerifyKeys(m)) {
          // jose has no detached mode: the payload goes back where it belongs.
          const attached = `${header}.${base64url.encode(PAYLOAD)}.${signature}`
          const fromCompact = await jose.compactVerify(attached, key, { algorithms: [alg] })
          assert.equal(textDecoder.decode(fromCompact.payload), PAYLOAD, label)
          const fromFlattened = await jose.flattenedVerify({ ...flattened, payload: PAYLOAD } as jose.FlattenedJWSInput, key, {
            algorithms: [alg],
            crit: { b64: true },
          })
          assert.equal(textDecoder.decode(fromFlattened.payload), PAYLOAD, label)
        }
      })

      it('jose signs, payload detached (compact, and flattened b64: false) → jot verifies with options.payload', async () => {
        const side = await joseSide(await keysFor(alg))
        const [header, , signature] = (await new jose.CompactSign(textEncoder.encode(PAYLOAD)).setProtectedHeader({ alg }).sign(side.signKey)).split('.')
        const detachedCompact = `${header}..${signature}`
        const { payload: _dropped, ...detachedFlattened } = await new jose.FlattenedSign(textEncoder.encode(PAYLOAD))
          .setProtectedHeader({ alg, b64: false, crit: ['b64'] })
          .sign(side.signKey)
        for (const [label, key] of side.jotVerifyKeys) {
          for (const payload of [PAYLOAD, textEncoder.encode(PAYLOAD)]) {
            const fromCompact = await verifyCompactJWS(detachedCompact, key, { payload })
            assert.equal(textDecoder.decode(fromCompact.payload), PAYLOAD, label)
            const fromFlattened = await verifyFlattenedJWS(detachedFlattened as FlattenedJWS, key, { payload })
            assert.equal(textDecoder.decode(fromFlattened.payload), PAYLOAD, label)
          }
          await assert.rejects(verifyCompactJWS(detachedCompact, key, { payload: 'other' }), { code: 'ERR_JWS_SIGNATURE_INVALID' }, label)
          await assert.rejects(verifyFlattenedJWS(detachedFlattened as FlattenedJWS, key, { payload: 'other' }), { code: 'ERR_JWS_SIGNATURE_INVALID' }, label)
        }
      })
    })
  }
})

describe('jose interop: algorithms jose does not implement', () => {
  it('ES256K: jose refuses the key (on webcrypto, jot itself reports ERR_NOT_SUPPORTED)', async () => {
    if (cryptoBackend === 'webcrypto') {
      await assert.rejects(generateKeyPair('ES256K'), { code: 'ERR_NOT_SUPPORTED' })
      return
    }
    const { publicKey } = await generateKeyPair('ES256K')
    const jwk = await exportJWK(publicKey)
    assert.equal(jwk.crv, 'secp256k1')
    await assert.rejects(jose.importJWK(jwk as jose.JWK, 'ES256K'), (error: unknown) => error instanceof jose.errors.JOSENotSupported)
  })
})
