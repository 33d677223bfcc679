// The conformance suite in a form that runs in any runtime: RFC vectors (test/vectors/*.json,
// passed in as data) and negative cases with their exact error codes, against whatever jot module
// it is given. Node runs it per backend (portable.test.ts); headless Chromium runs it on the
// WebCrypto build (test/browser). No Node built-ins and no test framework here: each case throws
// on failure, and the caller gets one result per case.
import type * as Jot from 'jotjwt'
import { withoutPrivateMembers } from '../jwk-members.js'

type JotModule = typeof Jot
type Json = Record<string, unknown>

export interface CaseResult {
  group: string
  name: string
  /** `unsupported`: the runtime answered `ERR_NOT_SUPPORTED` for an algorithm listed in `needs`. */
  status: 'pass' | 'fail' | 'unsupported'
  /** Support-table rows the case depends on. */
  needs: string[]
  detail?: string
}

interface Case {
  group: string
  name: string
  needs?: string[]
  run: () => Promise<void>
}

export type Vectors = Record<'rfc7515' | 'rfc7516' | 'rfc7518' | 'rfc7520' | 'rfc7520-jwe' | 'rfc7638' | 'rfc7797' | 'rfc8037' | 'rfc9964', Json>

// ---- assertions (the browser has no node:assert) ----

function fail(message: string): never {
  throw new Error(message)
}
function equal(actual: unknown, expected: unknown, what: string): void {
  const a = canonical(actual)
  const e = canonical(expected)
  if (a !== e) fail(`${what}: expected ${e.slice(0, 200)}, got ${a.slice(0, 200)}`)
}
/** JSON with sorted keys; byte arrays as their base64url text. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (Object.prototype.toString.call(v) === '[object Uint8Array]') return { bytes: Array.from(v as Uint8Array) }
    if (v && typeof v === 'object' && !Array.isArray(v)) return Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : 1)))
    return v
  })
}
async function rejects(promise: Promise<unknown>, code: string, what: string): Promise<void> {
  try {
    await promise
  } catch (error) {
    const actual = (error as { code?: unknown }).code
    if (actual !== code) fail(`${what}: expected ${code}, got ${String(actual)} (${(error as Error).message})`)
    return
  }
  fail(`${what}: expected ${code}, but it succeeded`)
}
const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes)

// ---- vector shapes ----

interface SigningVector { id: string; alg: Jot.JWSAlgorithmName; jwk: Jot.JWK; protectedHeader: string; payload: string; protected: string; encodedPayload: string; compact: string; general?: Jot.GeneralJWS; flattened?: Jot.FlattenedJWS }
interface CookbookJws { id: string; alg: Jot.JWSAlgorithmName; key: Jot.JWK; payload: string; protectedHeader?: string; unprotectedHeader?: Jot.JWSHeaderParameters; compact?: string; flattened: Jot.FlattenedJWS; general: Jot.GeneralJWS; detached?: boolean; nondeterministic?: boolean; signatures?: Array<{ alg: Jot.JWSAlgorithmName; key: Jot.JWK }> }
interface Fixed { epk?: Jot.JWK; p2s?: string; p2c?: number; keyWrapIv?: string }
interface CookbookJwe { id: string; title: string; alg?: Jot.KeyManagementAlgorithmName; enc: Jot.ContentEncryptionName; key?: Jot.JWK & { password?: string }; cek: string; iv: string; plaintext?: string; aad?: string; protectedHeader: string; fixed?: Fixed; compact?: string; general?: Jot.GeneralJWE; compressedPlaintext?: string; nondeterministic?: string; recipients?: Array<{ alg: Jot.KeyManagementAlgorithmName; key: Jot.JWK; header: Jot.JWEHeaderParameters }> }

const publicJwk = (jwk: Jot.JWK): Jot.JWK => withoutPrivateMembers(jwk)

/** The support-table row a signing or key management algorithm belongs to. */
function rowOf(alg: string, jwk?: Jot.JWK): string {
  if (alg === 'RSA1_5') return 'RSA1_5 (decrypt only)'
  if (alg === 'EdDSA') return `EdDSA (${jwk?.crv ?? 'Ed25519'})`
  if (alg.startsWith('ECDH-ES')) return jwk?.crv && jwk.crv !== 'P-256' ? `ECDH-ES (${jwk.crv})` : `${alg} (P-256)`
  return alg
}
const encRow = (enc: string) => `dir + ${enc}`

export function conformanceCases(jot: JotModule, vectors: Vectors): Case[] {
  const cases: Case[] = []
  const add = (group: string, name: string, needs: string[], run: () => Promise<void>) => cases.push({ group, name, needs, run })
  const verifyKey = (alg: Jot.JWSAlgorithmName, jwk: Jot.JWK) => jot.importJWK(alg.startsWith('HS') ? jwk : publicJwk(jwk), { alg })

  // RFC 7515 Appendix A
  const rfc7515 = (vectors.rfc7515.vectors as SigningVector[])
  const byId = (id: string) => rfc7515.find((v) => v.id === id)!
  const beforeExpiry = new Date('2011-03-22T18:00:00Z')
  for (const id of ['A.1', 'A.2', 'A.3', 'A.4']) {
    const v = byId(id)
    add('RFC 7515', `${id} ${v.alg}: verifies, and re-signing the RFC header and payload ${/^(HS|RS)/.test(v.alg) ? 'reproduces the RFC bytes' : 'verifies'}`, [rowOf(v.alg)], async () => {
      const key = await verifyKey(v.alg, v.jwk)
      equal(text((await jot.verifyCompactJWS(v.compact, key)).payload), v.payload, 'payload')
      if (id !== 'A.4') {
        equal((await jot.verifyJWT(v.compact, key, { issuer: 'joe', currentTime: beforeExpiry })).payload.iss, 'joe', 'iss')
        await rejects(jot.verifyJWT(v.compact, key), 'ERR_JWT_EXPIRED', 'the 2011 token today')
      }
      const signingKey = await jot.importJWK(v.jwk, { alg: v.alg })
      const jws = await jot.signCompactJWS(v.payload, signingKey, { protectedHeader: v.protectedHeader })
      if (/^(HS|RS)/.test(v.alg)) equal(jws, v.compact, 'deterministic signature')
      else equal(text((await jot.verifyCompactJWS(jws, signingKey)).payload), v.payload, 'round trip')
    })
  }
  add('RFC 7515', 'A.5 alg none: decodes only through the unsecured API; verifiers answer ERR_ALG_NOT_ALLOWED', [], async () => {
    const v = byId('A.5')
    equal(jot.decodeUnsecuredJWT(v.compact, { currentTime: beforeExpiry }).header, { alg: 'none' }, 'header')
    const key = await jot.importJWK(byId('A.1').jwk, { alg: 'HS256' })
    await rejects(jot.verifyCompactJWS(v.compact, key), 'ERR_ALG_NOT_ALLOWED', 'verifyCompactJWS')
    await rejects(jot.verifyJWT(v.compact, key, { currentTime: beforeExpiry }), 'ERR_ALG_NOT_ALLOWED', 'verifyJWT')
  })
  add('RFC 7515', 'A.6 general JSON: the RS256 and ES256 signatures verify with their own keys', ['RS256', 'ES256'], async () => {
    const general = byId('A.6').general!
    equal((await jot.verifyGeneralJWS(general, await verifyKey('RS256', byId('A.2').jwk))).signatureIndex, 0, 'RS256 index')
    equal((await jot.verifyGeneralJWS(general, await verifyKey('ES256', byId('A.3').jwk))).signatureIndex, 1, 'ES256 index')
  })
  add('RFC 7515', 'A.7 flattened JSON verifies, as an object and as text', ['ES256'], async () => {
    const flattened = byId('A.7').flattened!
    const key = await verifyKey('ES256', byId('A.3').jwk)
    equal(text((await jot.verifyFlattenedJWS(flattened, key)).payload), byId('A.3').payload, 'payload')
    equal(text((await jot.verifyFlattenedJWS(JSON.stringify(flattened), key)).payload), byId('A.3').payload, 'payload (text)')
  })

  // RFC 7520 §4
  const jwsExamples = vectors.rfc7520.examples as CookbookJws[]
  for (const e of jwsExamples.filter((x) => x.id !== '4.8')) {
    add('RFC 7520 §4', `${e.id} ${e.alg}: verifies in every serialization given; signing ${e.nondeterministic ? 'round-trips' : 'reproduces the RFC bytes'}`, [rowOf(e.alg, e.key)], async () => {
      const detached = e.detached ? { payload: e.payload } : {}
      const key = await verifyKey(e.alg, e.key)
      const results = [await jot.verifyFlattenedJWS(e.flattened, key, detached), await jot.verifyGeneralJWS(e.general, key, detached)]
      if (e.compact) results.push(await jot.verifyCompactJWS(e.compact, key, detached))
      for (const result of results) equal(text(result.payload), e.payload, 'payload')
      const signingKey = await jot.importJWK(e.key, { alg: e.alg })
      const flattened = await jot.signFlattenedJWS(e.payload, signingKey, {
        protectedHeader: e.protectedHeader ?? '',
        ...(e.unprotectedHeader ? { unprotectedHeader: e.unprotectedHeader } : {}),
        ...(e.detached ? { detached: true } : {}),
      })
      if (e.nondeterministic) equal(text((await jot.verifyFlattenedJWS(flattened, signingKey, detached)).payload), e.payload, 'round trip')
      else equal(flattened, e.flattened, 'flattened JWS')
    })
  }
  const multi = jwsExamples.find((x) => x.id === '4.8')!
  add('RFC 7520 §4', '4.8 multiple signatures: RS256, ES512 and HS256 each verify with their own key', ['RS256', 'ES512', 'HS256'], async () => {
    for (const [index, signer] of multi.signatures!.entries()) {
      equal((await jot.verifyGeneralJWS(multi.general, await verifyKey(signer.alg, signer.key))).signatureIndex, index, `${signer.alg} index`)
    }
  })

  // RFC 7797
  const rfc7797 = vectors.rfc7797 as { key: { jwk: Jot.JWK }; payload: string; examples: Array<{ compact: string; protected: string; signature: string }> }
  const [encoded, unencoded] = rfc7797.examples as [(typeof rfc7797.examples)[0], (typeof rfc7797.examples)[0]]
  add('RFC 7797', '4.1 b64 true: reproduced byte for byte', ['HS256'], async () => {
    equal(await jot.signCompactJWS(rfc7797.payload, await jot.importJWK(rfc7797.key.jwk, { alg: 'HS256' })), encoded.compact, 'compact')
  })
  add('RFC 7797', '4.2 b64 false: flattened reproduced byte for byte; detached content verifies, other content answers ERR_JWS_SIGNATURE_INVALID', ['HS256'], async () => {
    const key = await jot.importJWK(rfc7797.key.jwk, { alg: 'HS256' })
    equal(await jot.signFlattenedJWS(rfc7797.payload, key, { b64: false }), { protected: unencoded.protected, payload: rfc7797.payload, signature: unencoded.signature }, 'flattened')
    const detached = { protected: unencoded.protected, signature: unencoded.signature }
    equal(text((await jot.verifyFlattenedJWS(detached, key, { payload: rfc7797.payload })).payload), rfc7797.payload, 'detached')
    await rejects(jot.verifyFlattenedJWS(detached, key, { payload: '$.03' }), 'ERR_JWS_SIGNATURE_INVALID', 'other content')
  })
  add('RFC 7797', '4.2 compact with b64 false: ERR_JWS_INVALID (JSON serializations only)', ['HS256'], async () => {
    const key = await jot.importJWK(rfc7797.key.jwk, { alg: 'HS256' })
    await rejects(jot.verifyCompactJWS(unencoded.compact, key, { payload: rfc7797.payload }), 'ERR_JWS_INVALID', 'compact b64 false')
  })

  // RFC 8037 (Ed25519 signatures; X25519/X448 key agreement round trips with the RFC keys)
  const rfc8037 = vectors.rfc8037 as Record<string, Json>
  add('RFC 8037', 'A.4 Ed25519: signing reproduces the RFC signature; A.5 verifies', ['EdDSA (Ed25519)'], async () => {
    const a4 = rfc8037['A.4'] as unknown as SigningVector
    equal(await jot.signCompactJWS(a4.payload, await jot.importJWK(a4.jwk, { alg: 'EdDSA' })), a4.compact, 'compact')
    const a5 = rfc8037['A.5'] as unknown as SigningVector & { expectedPayload: string }
    equal(text((await jot.verifyCompactJWS(a5.compact, await jot.importJWK(a5.jwk, { alg: 'EdDSA' }))).payload), a5.expectedPayload, 'payload')
  })
  add('RFC 8037', 'A.3 Ed25519 thumbprint', [], async () => {
    const a3 = rfc8037['A.3'] as { jwk: Jot.JWK; thumbprint: string }
    equal(await jot.jwkThumbprint(a3.jwk), a3.thumbprint, 'thumbprint')
  })
  const cfrg = rfc8037.jwe as Record<string, Json>
  for (const [id, curve, alg, enc] of [['A.6', 'X25519', 'ECDH-ES+A128KW', 'A128GCM'], ['A.7', 'X448', 'ECDH-ES+A256KW', 'A256GCM']] as const) {
    add('RFC 8037', `${id} ${curve}: encrypting with the RFC ephemeral key and header, the RFC recipient key decrypts`, [`ECDH-ES (${curve})`], async () => {
      const v = cfrg[id] as Record<string, string> & { epk: Jot.JWK }
      const recipient = (v.bobPublicJwk ?? v.davePublicJwk) as unknown as Jot.JWK
      const hex = (h: string) => jot.base64url.encode(Uint8Array.from(h.match(/../g)!.map((b) => parseInt(b, 16))))
      const ephemeral: Jot.JWK = { kty: 'OKP', crv: curve, x: hex(v.ephemeralPublicKeyHex!), d: hex(v.ephemeralSecretKeyHex!) }
      const token = await jot.encryptCompactJWE(`RFC 8037 ${id}`, await jot.importJWK(recipient, { alg }), {
        enc, protectedHeader: v.protectedHeader!, unsafeAllowFixedInputsForTesting: true, unsafeFixedInputs: { epk: ephemeral },
      })
      equal(token.split('.')[0], jot.base64url.encode(v.protectedHeader!), 'protected header')
      const secret = (v.bobSecretKeyHex_fromRFC7748 ?? v.daveSecretKeyHex_fromRFC7748)!
      const privateKey = await jot.importJWK({ ...recipient, d: hex(secret) }, { alg })
      equal(text((await jot.decryptCompactJWE(token, privateKey)).plaintext), `RFC 8037 ${id}`, 'plaintext')
    })
  }

  // RFC 9964 (ML-DSA): the appendix keys and signatures
  for (const v of (vectors.rfc9964 as { examples: Array<{ name: string; alg: Jot.JWSAlgorithmName; publicJwk: Jot.JWK; privateJwk: Jot.JWK; jws: string; payload: string; thumbprint: string }> }).examples) {
    add('RFC 9964', `${v.name}: the RFC JWS verifies; the RFC private key's own signature verifies`, [v.alg], async () => {
      const publicKey = await jot.importJWK(v.publicJwk, { alg: v.alg })
      equal(text((await jot.verifyCompactJWS(v.jws, publicKey)).payload), v.payload, 'payload')
      const privateKey = await jot.importJWK(v.privateJwk, { alg: v.alg })
      equal(text((await jot.verifyCompactJWS(await jot.signCompactJWS(v.payload, privateKey), publicKey)).payload), v.payload, 're-signed payload')
    })
    add('RFC 9964', `${v.name}: thumbprint (alg, kty, pub) is the RFC kid`, [], async () => {
      equal(await jot.jwkThumbprint(v.publicJwk), v.thumbprint, 'thumbprint')
    })
  }

  // RFC 7638
  add('RFC 7638', '3.1 RSA key thumbprint', [], async () => {
    const [v] = vectors.rfc7638.vectors as Array<{ jwk: Jot.JWK; thumbprint: string }>
    equal(await jot.jwkThumbprint(v!.jwk), v!.thumbprint, 'thumbprint')
  })

  // RFC 7516 Appendix A
  const rfc7516 = vectors.rfc7516.vectors as Array<CookbookJwe & { jwk: Jot.JWK; alg: Jot.KeyManagementAlgorithmName; plaintext: string }>
  for (const v of rfc7516.filter((x) => x.alg !== 'RSA1_5')) {
    add('RFC 7516', `${v.id} ${v.alg} + ${v.enc}: decrypts to the RFC plaintext; re-encrypting with the RFC CEK and IV ${v.nondeterministic ? 'matches all but the randomized key' : 'reproduces the RFC bytes'}`, [rowOf(v.alg), encRow(v.enc)], async () => {
      const key = await jot.importJWK(v.jwk, { alg: v.alg })
      equal(text((await jot.decryptCompactJWE(v.compact!, key)).plaintext), v.plaintext, 'plaintext')
      const encryptionKey = key.type === 'private' ? await jot.toPublicKey(key) : key
      const jwe = await jot.encryptCompactJWE(v.plaintext, encryptionKey, {
        enc: v.enc, protectedHeader: v.protectedHeader, unsafeAllowFixedInputsForTesting: true,
        unsafeFixedInputs: { cek: jot.base64url.decode(v.cek), iv: jot.base64url.decode(v.iv) },
      })
      const [ours, rfc] = [jwe.split('.'), v.compact!.split('.')]
      if (v.nondeterministic) ours[1] = rfc[1]!
      equal(ours, rfc, 'JWE parts')
    })
  }
  add('RFC 7516', 'A.2 RSA1_5: importing for RSA1_5 without the unsafe opt-in answers ERR_ALG_NOT_ALLOWED', [], async () => {
    const v = rfc7516.find((x) => x.alg === ('RSA1_5' as string))!
    await rejects(jot.importJWK(v.jwk, { alg: 'RSA1_5' }), 'ERR_ALG_NOT_ALLOWED', 'RSA1_5 import')
  })
  add('RFC 7516', 'A.2 RSA1_5 + A128CBC-HS256: with the opt-in, decrypts to the RFC plaintext only when RSA1_5 is listed', [rowOf('RSA1_5'), encRow('A128CBC-HS256')], async () => {
    const v = rfc7516.find((x) => x.alg === ('RSA1_5' as string))!
    const key = await jot.importJWK(v.jwk, { alg: 'RSA1_5', unsafeAllowRSA1_5: true })
    await rejects(jot.decryptCompactJWE(v.compact!, key), 'ERR_ALG_NOT_ALLOWED', 'RSA1_5 not listed')
    equal(text((await jot.decryptCompactJWE(v.compact!, key, { keyManagementAlgorithms: ['RSA1_5'] })).plaintext), v.plaintext, 'plaintext')
  })

  // RFC 7518 Appendix C: ECDH-ES key agreement and Concat KDF. GCM ciphertext depends only on key, IV
  // and plaintext, so equal ciphertexts under ECDH-ES (RFC ephemeral key) and under `dir` with the
  // RFC's derived key prove the derived key is the RFC's.
  add('RFC 7518', 'C ECDH-ES: the content key derived from the RFC keys is the RFC\'s derived key', ['ECDH-ES (P-256)', encRow('A128GCM')], async () => {
    const c = vectors.rfc7518.C as { aliceEphemeralJwk: Jot.JWK; bobJwk: Jot.JWK; headerParameters: { apu: string; apv: string }; derivedKey: string }
    const iv = new Uint8Array(12).fill(1)
    const bobPublic = await jot.importJWK(publicJwk(c.bobJwk), { alg: 'ECDH-ES' })
    const viaEcdh = await jot.encryptCompactJWE('RFC 7518 C', bobPublic, {
      enc: 'A128GCM', protectedHeader: { apu: c.headerParameters.apu, apv: c.headerParameters.apv },
      unsafeAllowFixedInputsForTesting: true, unsafeFixedInputs: { epk: c.aliceEphemeralJwk, iv },
    })
    const direct = await jot.importSecret(jot.base64url.decode(c.derivedKey), { alg: 'dir', enc: 'A128GCM' })
    const viaDir = await jot.encryptCompactJWE('RFC 7518 C', direct, { enc: 'A128GCM', unsafeAllowFixedInputsForTesting: true, unsafeFixedInputs: { iv } })
    equal(viaEcdh.split('.')[3], viaDir.split('.')[3], 'ciphertext')
    const bob = await jot.importJWK(c.bobJwk, { alg: 'ECDH-ES' })
    equal(text((await jot.decryptCompactJWE(viaEcdh, bob)).plaintext), 'RFC 7518 C', 'plaintext')
  })

  // RFC 7520 §5
  const jwe = vectors['rfc7520-jwe'] as { plaintext: string; examples: CookbookJwe[] }
  const keyFor = (alg: Jot.KeyManagementAlgorithmName, jwk: CookbookJwe['key'], enc: Jot.ContentEncryptionName) =>
    jwk?.password !== undefined
      ? jot.importSecret(jwk.password, { alg })
      : jot.importJWK(jwk!, { alg, ...(alg === 'dir' ? { enc } : {}), ...(alg === 'RSA1_5' ? { unsafeAllowRSA1_5: true } : {}) })
  // PBES2 and RSA1_5 are refused unless listed.
  const listed = (alg: Jot.KeyManagementAlgorithmName): Jot.DecryptJWEOptions =>
    alg.startsWith('PBES2') || alg === 'RSA1_5' ? { keyManagementAlgorithms: [alg] } : {}
  for (const e of jwe.examples) {
    if (e.compact) {
      const alg = e.alg!
      // jot never encrypts with RSA1_5: those examples are only decrypted.
      const encrypts = alg !== 'RSA1_5'
      add('RFC 7520 §5', `${e.id} ${e.title} (${alg}, ${e.enc}): decrypts${encrypts ? '; re-encrypting the RFC inputs reproduces the deterministic parts' : ''}`, [rowOf(alg, e.fixed?.epk), encRow(e.enc)], async () => {
        const key = await keyFor(alg, e.key, e.enc)
        equal(text((await jot.decryptCompactJWE(e.compact!, key, listed(alg))).plaintext), e.plaintext ?? jwe.plaintext, 'plaintext')
        if (!encrypts) return
        const direct = alg === 'dir' || alg === 'ECDH-ES'
        const ours = (await jot.encryptCompactJWE(e.plaintext ?? jwe.plaintext, key.type === 'private' ? await jot.toPublicKey(key) : key, {
          enc: e.enc, protectedHeader: e.protectedHeader, unsafeAllowFixedInputsForTesting: true,
          unsafeFixedInputs: {
            iv: jot.base64url.decode(e.iv),
            ...(direct ? {} : { cek: jot.base64url.decode(e.cek) }),
            ...(e.fixed?.epk ? { epk: e.fixed.epk } : {}),
            ...(e.fixed?.p2s ? { p2s: jot.base64url.decode(e.fixed.p2s) } : {}),
            ...(e.fixed?.keyWrapIv ? { keyWrapIv: jot.base64url.decode(e.fixed.keyWrapIv) } : {}),
            // DEFLATE output is encoder-specific; with the RFC's compressed bytes fixed, 5.9 is exact too.
            ...(e.compressedPlaintext ? { deflated: jot.base64url.decode(e.compressedPlaintext) } : {}),
          },
          ...(e.fixed?.p2c ? { p2c: e.fixed.p2c } : {}),
        })).split('.')
        const rfc = e.compact!.split('.')
        // Randomized RSA-OAEP padding is the only difference.
        const compare = e.nondeterministic ? [0, 2, 3, 4] : [0, 1, 2, 3, 4]
        equal(compare.map((i) => ours[i]), compare.map((i) => rfc[i]), 'JWE parts')
      })
    } else if (e.general && e.id !== '5.13') {
      add('RFC 7520 §5', `${e.id} ${e.title}: decrypts in the general JSON serialization`, [rowOf(e.alg!), encRow(e.enc)], async () => {
        const result = await jot.decryptGeneralJWE(e.general!, await keyFor(e.alg!, e.key, e.enc))
        equal(text(result.plaintext), jwe.plaintext, 'plaintext')
        if (e.aad !== undefined) equal(text(result.additionalAuthenticatedData!), e.aad, 'aad')
      })
    } else if (e.recipients) {
      // One case per recipient, so a runtime without one recipient's algorithm still checks the others.
      for (const [index, r] of e.recipients.entries()) {
        add('RFC 7520 §5', `${e.id} ${e.title}: recipient ${index} (${r.alg}) decrypts`, [rowOf(r.alg, r.key), encRow(e.enc)], async () => {
          const { plaintext, recipientIndex } = await jot.decryptGeneralJWE(e.general!, await keyFor(r.alg, r.key, e.enc), listed(r.alg))
          equal(text(plaintext), jwe.plaintext, `${r.alg} plaintext`)
          equal(recipientIndex, index, `${r.alg} index`)
        })
      }
    }
  }

  // Negative cases: what an attacker or a mistake produces, and the exact code jot answers with.
  const neg = (name: string, needs: string[], run: () => Promise<void>) => add('negative cases', name, needs, run)
  const hs = () => jot.importJWK(byId('A.1').jwk, { alg: 'HS256' })
  neg('a changed signature: ERR_JWS_SIGNATURE_INVALID', ['HS256'], async () => {
    const token = byId('A.1').compact
    await rejects(jot.verifyCompactJWS(token.slice(0, -2) + (token.endsWith('AA') ? 'BB' : 'AA'), await hs()), 'ERR_JWS_SIGNATURE_INVALID', 'tampered')
  })
  neg('a changed payload: ERR_JWS_SIGNATURE_INVALID', ['HS256'], async () => {
    const [h, , s] = byId('A.1').compact.split('.')
    await rejects(jot.verifyCompactJWS(`${h}.${jot.base64url.encode('{"iss":"mallory"}')}.${s}`, await hs()), 'ERR_JWS_SIGNATURE_INVALID', 'tampered')
  })
  neg('an RS256 token verified with an HS256 key (algorithm confusion): ERR_ALG_NOT_ALLOWED', ['HS256', 'RS256'], async () => {
    await rejects(jot.verifyCompactJWS(byId('A.2').compact, await hs()), 'ERR_ALG_NOT_ALLOWED', 'confusion')
  })
  neg('an RSA public key (PEM) as an HMAC secret: refused at import (ERR_KEY_ALG_MISMATCH)', [], async () => {
    const pem = await jot.exportPEM(await verifyKey('RS256', byId('A.2').jwk))
    await rejects(jot.importKey(pem, { alg: 'HS256' }), 'ERR_KEY_ALG_MISMATCH', 'PEM as secret')
  })
  neg('a short HMAC secret: ERR_KEY_TOO_WEAK', [], async () => {
    await rejects(jot.importSecret('short', { alg: 'HS256' }), 'ERR_KEY_TOO_WEAK', 'short secret')
  })
  neg('an expired token: ERR_JWT_EXPIRED; not yet valid: ERR_JWT_NOT_YET_VALID', ['HS256'], async () => {
    const key = await hs()
    const inAnHour = new Date(Date.now() + 3_600_000)
    await rejects(jot.verifyJWT(await jot.signJWT({}, key, { expiresIn: 60 }), key, { currentTime: inAnHour }), 'ERR_JWT_EXPIRED', 'expired')
    await rejects(jot.verifyJWT(await jot.signJWT({}, key, { expiresIn: 600, notBeforeIn: 300 }), key), 'ERR_JWT_NOT_YET_VALID', 'nbf')
  })
  neg('an unexpected audience: ERR_JWT_CLAIM_INVALID', ['HS256'], async () => {
    const key = await hs()
    await rejects(jot.verifyJWT(await jot.signJWT({}, key, { expiresIn: 60, audience: 'other' }), key, { audience: 'api' }), 'ERR_JWT_CLAIM_INVALID', 'aud')
  })
  neg('an unknown critical header parameter: ERR_JWS_CRIT_UNSUPPORTED', ['HS256'], async () => {
    const key = await hs()
    const token = await jot.signCompactJWS('x', key, { protectedHeader: { crit: ['x-unknown'], 'x-unknown': 1 } as Jot.JWSHeaderParameters }).catch(() => undefined)
    const forged = token ?? `${jot.base64url.encode('{"alg":"HS256","crit":["x-unknown"],"x-unknown":1}')}.eA.AA`
    await rejects(jot.verifyCompactJWS(forged, key), 'ERR_JWS_CRIT_UNSUPPORTED', 'crit')
  })
  neg('a malformed token: ERR_JWS_INVALID', ['HS256'], async () => {
    await rejects(jot.verifyCompactJWS('not.a', await hs()), 'ERR_JWS_INVALID', 'two segments')
  })
  const a3 = rfc7516.find((x) => x.id === 'A.3')!
  neg('a JWE with a changed tag, and a JWE under the wrong key: the same ERR_JWE_DECRYPTION_FAILED', ['A128KW', encRow('A128CBC-HS256')], async () => {
    const key = await jot.importJWK(a3.jwk, { alg: 'A128KW' })
    const parts = a3.compact!.split('.')
    parts[4] = parts[4]!.startsWith('A') ? 'B' + parts[4]!.slice(1) : 'A' + parts[4]!.slice(1)
    await rejects(jot.decryptCompactJWE(parts.join('.'), key), 'ERR_JWE_DECRYPTION_FAILED', 'tag')
    const wrong = await jot.importSecret(new Uint8Array(16).fill(1), { alg: 'A128KW' })
    await rejects(jot.decryptCompactJWE(a3.compact!, wrong), 'ERR_JWE_DECRYPTION_FAILED', 'wrong key')
  })
  neg('PBES2 is refused unless listed: ERR_ALG_NOT_ALLOWED', ['PBES2-HS512+A256KW'], async () => {
    const e = jwe.examples.find((x) => x.alg?.startsWith('PBES2'))!
    await rejects(jot.decryptCompactJWE(e.compact!, await keyFor(e.alg!, e.key, e.enc)), 'ERR_ALG_NOT_ALLOWED', 'PBES2 not listed')
  })
  neg('a JWE given to a JWS verifier: ERR_JWS_INVALID', [], async () => {
    await rejects(jot.verifyJWT(a3.compact!, await hs()), 'ERR_JWS_INVALID', 'JWE as JWS')
  })
  return cases
}

export async function runConformance(jot: JotModule, vectors: Vectors): Promise<CaseResult[]> {
  const results: CaseResult[] = []
  for (const c of conformanceCases(jot, vectors)) {
    const needs = c.needs ?? []
    try {
      await c.run()
      results.push({ group: c.group, name: c.name, needs, status: 'pass' })
    } catch (error) {
      const code = (error as { code?: unknown }).code
      const detail = `${code ? `${String(code)}: ` : ''}${(error as Error).message}`
      results.push({ group: c.group, name: c.name, needs, status: code === 'ERR_NOT_SUPPORTED' ? 'unsupported' : 'fail', detail })
    }
  }
  return results
}

/** Counts per group: { 'RFC 7515': { pass: 7, fail: 0, unsupported: 0 }, … }. */
export function countByGroup(results: CaseResult[]): Record<string, Record<CaseResult['status'], number>> {
  const counts: Record<string, Record<CaseResult['status'], number>> = {}
  for (const r of results) (counts[r.group] ??= { pass: 0, fail: 0, unsupported: 0 })[r.status]++
  return counts
}
