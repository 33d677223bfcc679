// DPoP proof verification (RFC 9449 §4.3), one check at a time: every hostile or broken proof is
// refused with ERR_DPOP_PROOF_INVALID and the reason naming the check (or ERR_DPOP_NONCE_REQUIRED),
// never with a crash. Hostile proofs are signed with real keys, so only the one thing is wrong.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import {
  createDPoPProof,
  createDPoPVerifier,
  createMemoryReplayStore,
  DEFAULT_MAX_TOKEN_LENGTH,
  exportJWK,
  generateKeyPair,
  generateSecret,
  jwkThumbprint,
  signCompactJWS,
  toPublicKey,
  verifyDPoPProof,
  type DPoPRequest,
  type JotKey,
  type JWK,
  type JWSAlgorithmName,
  type VerifyDPoPProofOptions,
} from 'jotjwt'
import { rejectsWith, rejectsWithReason } from '../helpers.js'

const NOW = 1_700_000_000
const URL_ = 'https://api.example.com/orders'
const TOKEN = 'Kz~8mXK1EalYznwH-LC-1fBAo.4Ljp~zsPE_NeO.gxU'

const es256 = await generateKeyPair('ES256')
const publicJwk = await exportJWK(es256.publicKey)
const { kty, crv, x, y } = publicJwk
const minimalJwk: JWK = { kty: kty!, crv: crv!, x: x!, y: y! }

/** A valid proof for GET URL_ with TOKEN at NOW, made by jot. */
function proof(overrides: Partial<Parameters<typeof createDPoPProof>[1]> = {}, key: JotKey = es256.privateKey): Promise<string> {
  return createDPoPProof(key, { method: 'GET', url: URL_, accessToken: TOKEN, currentTime: NOW, ...overrides })
}

/** A compact JWS with exactly this header and these claims, signed by `key` (whose alg the header must name). */
function forge(header: Record<string, unknown>, claims: Record<string, unknown>, key: JotKey = es256.privateKey): Promise<string> {
  return signCompactJWS(JSON.stringify(claims), key, { protectedHeader: JSON.stringify(header) })
}

const header = (extra: Record<string, unknown> = {}) => ({ typ: 'dpop+jwt', alg: 'ES256', jwk: minimalJwk, ...extra })
const claims = (extra: Record<string, unknown> = {}) => ({ jti: 'j-1', htm: 'GET', htu: URL_, iat: NOW, ath: 'fUHyO2r2Z3DZ53EsNrWBb0xWXoaNy59IiKCAqksmQEo', ...extra })

function options(extra: Partial<VerifyDPoPProofOptions> = {}): VerifyDPoPProofOptions {
  return { method: 'GET', url: URL_, accessToken: TOKEN, algorithms: ['ES256', 'EdDSA', 'PS256'], replay: false, currentTime: NOW, ...extra }
}

const refused = (token: Promise<string> | string, reason: string, extra: Partial<VerifyDPoPProofOptions> = {}) =>
  rejectsWithReason(Promise.resolve(token).then((t) => verifyDPoPProof(t, options(extra))), 'ERR_DPOP_PROOF_INVALID', reason)

describe('a valid proof', () => {
  it('verifies, returning the key, its RFC 7638 thumbprint and the claims', async () => {
    const verified = await verifyDPoPProof(await proof(), options())
    assert.equal(verified.jkt, await jwkThumbprint(es256.publicKey))
    assert.deepEqual(verified.jwk, minimalJwk)
    assert.equal(verified.key.type, 'public')
    assert.equal(verified.header.typ, 'dpop+jwt')
    assert.equal(verified.payload.htm, 'GET')
    assert.equal(verified.payload.iat, NOW)
  })

  it('verifies a hand-made proof with the RFC claims only, and with "application/dpop+jwt" (RFC 8725 §3.11)', async () => {
    await verifyDPoPProof(await forge(header(), claims()), options())
    await verifyDPoPProof(await forge(header({ typ: 'application/dpop+jwt' }), claims()), options())
    await verifyDPoPProof(await forge(header({ jwk: { ...minimalJwk, kid: 'k', use: 'sig', alg: 'ES256', ext: true, key_ops: ['verify'] } }), claims()), options())
  })

  it('is accepted within maxAge and clockTolerance, and not a second beyond', async () => {
    const token = await proof()
    await verifyDPoPProof(token, options({ currentTime: NOW + 65 })) // 60 + 5
    await refused(token, 'stale', { currentTime: NOW + 66 })
    await verifyDPoPProof(token, options({ currentTime: NOW - 5 }))
    await refused(token, 'future', { currentTime: NOW - 6 })
    await verifyDPoPProof(token, options({ currentTime: NOW + 300, maxAge: '5m', clockTolerance: 0 }))
    await refused(token, 'stale', { currentTime: NOW + 301, maxAge: '5m', clockTolerance: 0 })
    await refused(token, 'future', { currentTime: NOW - 1, clockTolerance: 0 })
  })
})

describe('header checks (§4.3 items 2, 4–7)', () => {
  it('typ must be dpop+jwt', async () => {
    await refused(forge({ alg: 'ES256', jwk: minimalJwk }, claims()), 'typ')
    for (const typ of ['JWT', 'at+jwt', 'dpop', 'dpop+jwt ', 42]) await refused(forge(header({ typ }), claims()), 'typ')
  })

  it('alg: none, a MAC, or outside the allowlist is refused before any key is used', async () => {
    const unsigned = `${Buffer.from(JSON.stringify(header({ alg: 'none' }))).toString('base64url')}.${Buffer.from(JSON.stringify(claims())).toString('base64url')}.`
    await refused(unsigned, 'alg')
    const secret = await generateSecret('HS256')
    await refused(forge(header({ alg: 'HS256', jwk: await exportJWK(secret) }), claims(), secret), 'alg')
    await refused(forge(header({ alg: 'HS256' }), claims(), secret), 'alg')
    const es384 = await generateKeyPair('ES384')
    const jwk384 = await exportJWK(es384.publicKey)
    await refused(forge(header({ alg: 'ES384', jwk: jwk384 }), claims(), es384.privateKey), 'alg')
    await verifyDPoPProof(await forge(header({ alg: 'ES384', jwk: jwk384 }), claims(), es384.privateKey), options({ algorithms: ['ES384'] }))
  })

  it('jwk: missing, not an object, or not a key for alg', async () => {
    await refused(forge(header({ jwk: undefined }), claims()), 'jwk')
    for (const jwk of ['key', [minimalJwk], null]) await refused(forge(header({ jwk }), claims()), 'jwk')
    const rsa = await generateKeyPair('PS256')
    await refused(forge(header({ jwk: await exportJWK(rsa.publicKey) }), claims()), 'jwk') // RSA key, ES256 alg
    await refused(forge(header({ jwk: { ...minimalJwk, crv: 'P-384' } }), claims()), 'jwk')
    await refused(forge(header({ jwk: { ...minimalJwk, x: 'AAAA' } }), claims()), 'jwk')
    await refused(forge(header({ jwk: { ...minimalJwk, use: 'enc' } }), claims()), 'jwk')
  })

  it('jwk: a private key is refused even though it would verify (§4.2, §4.3 item 7)', async () => {
    const privateJwk = await exportJWK(es256.privateKey)
    assert.equal(typeof privateJwk.d, 'string')
    await refused(forge(header({ jwk: privateJwk }), claims()), 'jwk')
    for (const member of ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'priv', 'k']) {
      await refused(forge(header({ jwk: { ...minimalJwk, [member]: 'AAAA' } }), claims()), 'jwk')
    }
  })

  it('jwk: bounded in members and size, and made of strings, booleans or string arrays', async () => {
    const many = Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`m${i}`, 'v']))
    await refused(forge(header({ jwk: { ...minimalJwk, ...many } }), claims()), 'jwk')
    await refused(forge(header({ jwk: { ...minimalJwk, kid: 'k'.repeat(5000) } }), claims()), 'jwk')
    await refused(forge(header({ jwk: { ...minimalJwk, x5c: Array.from({ length: 10 }, () => 'A'.repeat(500)) } }), claims()), 'jwk')
    await refused(forge(header({ jwk: { ...minimalJwk, nested: { deep: [[[{}]]] } } }), claims()), 'jwk')
    await refused(forge(header({ jwk: { ...minimalJwk, n: 1 } }), claims()), 'jwk')
  })

  it('the signature must verify with the embedded key', async () => {
    const other = await generateKeyPair('ES256')
    await refused(forge(header(), claims(), other.privateKey), 'signature')
    const token = await proof()
    const [h, p, s] = token.split('.')
    const flipped = s![0] === 'A' ? `B${s!.slice(1)}` : `A${s!.slice(1)}`
    await refused(`${h}.${p}.${flipped}`, 'signature')
    // A payload swapped in under the original signature.
    await refused(`${h}.${Buffer.from(JSON.stringify(claims({ htm: 'POST' }))).toString('base64url')}.${s}`, 'signature')
  })

  it('malformed input: not a compact JWS, a JWE, too long, broken JSON, unknown crit', async () => {
    for (const junk of ['', 'a.b', 'a.b.c.d', 'a.b.c.d.e', '..', 'eyJ9.e30.AA']) await refused(junk, 'malformed')
    await refused(undefined as unknown as string, 'malformed')
    const token = await proof()
    await refused([token, token] as unknown as string, 'malformed') // two DPoP header fields (§4.3 item 1)
    await refused(`${token}, ${token}`, 'malformed') // the same, joined by a framework
    await refused(proof(), 'malformed', { maxTokenLength: 100 })
    const long = await forge(header({ pad: 'x'.repeat(DEFAULT_MAX_TOKEN_LENGTH) }), claims())
    await refused(long, 'malformed')
    const [, p, s] = (await proof()).split('.')
    await refused(`${Buffer.from('{"typ":"dpop+jwt","typ":"dpop+jwt","alg":"ES256"}').toString('base64url')}.${p}.${s}`, 'malformed')
    await refused(forge(header({ crit: ['x-ext'], 'x-ext': 1 }), claims()), 'malformed')
  })
})

describe('claim checks (§4.3 items 3, 8–12)', () => {
  it('jti, htm, htu and iat are required, with their types', async () => {
    for (const name of ['jti', 'htm', 'htu', 'iat']) await refused(forge(header(), claims({ [name]: undefined })), 'claims')
    for (const [name, value] of [['jti', 5], ['jti', ''], ['htm', ['GET']], ['htu', { href: URL_ }], ['iat', '1700000000'], ['ath', 1], ['nonce', true]] as const) {
      await refused(forge(header(), claims({ [name]: value })), 'claims')
    }
  })

  it('htm must be the request method, case-sensitively (RFC 9110 §9.1)', async () => {
    await refused(proof({ method: 'POST' }), 'htm')
    await refused(proof({ method: 'get' }), 'htm')
  })

  it('htu must be the request URL without query and fragment, compared after RFC 3986 §6 normalization', async () => {
    const same = [
      'https://api.example.com/orders?page=2#top',
      'HTTPS://API.EXAMPLE.COM/orders',
      'https://api.example.com:443/orders',
      'https://api.example.com/./v1/../orders',
      'https://api.example.com/%6Frders',
      'https://api.example.com/%6frders',
    ]
    for (const url of same) await verifyDPoPProof(await forge(header(), claims({ htu: url })), options())
    for (const url of same) await verifyDPoPProof(await proof(), options({ url }))
    const different = [
      'https://api.example.com/Orders',
      'https://api.example.com/orders/',
      'http://api.example.com/orders',
      'https://api.example.com:8443/orders',
      'https://other.example.com/orders',
      'https://api.example.com/orders%2F',
      'https://user@api.example.com/orders',
      '/orders',
      'urn:example:orders',
      'not a url',
    ]
    for (const url of different) await refused(forge(header(), claims({ htu: url })), 'htu')
  })

  it('percent-encodings are compared with upper-case hex, and non-ASCII paths match their encoding', async () => {
    const euro = 'https://api.example.com/€'
    await verifyDPoPProof(await proof({ url: euro }), options({ url: 'https://api.example.com/%e2%82%ac' }))
    await verifyDPoPProof(await forge(header(), claims({ htu: 'https://api.example.com/a%2fb' })), options({ url: 'https://api.example.com/a%2Fb' }))
  })

  it('ath must be the hash of the access token when there is one', async () => {
    await refused(proof({ accessToken: 'another-token' }), 'ath')
    const withoutToken = await createDPoPProof(es256.privateKey, { method: 'GET', url: URL_, currentTime: NOW })
    await refused(withoutToken, 'ath')
    const { accessToken: _, ...tokenless } = options()
    await verifyDPoPProof(withoutToken, tokenless)
  })

  it('exp and nbf, when a proof has them, are honoured', async () => {
    await refused(forge(header(), claims({ exp: NOW - 10 })), 'stale')
    await refused(forge(header(), claims({ nbf: NOW + 60 })), 'future')
  })
})

describe('nonces (§4.3 item 10, §8, §9, §11.3)', () => {
  it('a required nonce must be present and equal', async () => {
    await verifyDPoPProof(await proof({ nonce: 'n-1' }), options({ nonce: 'n-1' }))
    await rejectsWithReason(verifyDPoPProof(await proof(), options({ nonce: 'n-1' })), 'ERR_DPOP_NONCE_REQUIRED', 'missing')
    await rejectsWithReason(verifyDPoPProof(await proof({ nonce: 'n-0' }), options({ nonce: 'n-1' })), 'ERR_DPOP_NONCE_REQUIRED', 'mismatch')
  })

  it('a function accepts the server\'s current nonces; the request\'s nonce replaces the verifier\'s', async () => {
    const current = new Set(['n-1', 'n-2'])
    const verify = createDPoPVerifier({ algorithms: ['ES256'], replay: false, currentTime: NOW, nonce: (nonce) => current.has(nonce) })
    const request: DPoPRequest = { method: 'GET', url: URL_, accessToken: TOKEN }
    await verify(await proof({ nonce: 'n-2' }), request)
    await rejectsWithReason(verify(await proof({ nonce: 'n-3' }), request), 'ERR_DPOP_NONCE_REQUIRED', 'mismatch')
    await rejectsWithReason(verify(await proof(), request), 'ERR_DPOP_NONCE_REQUIRED', 'missing')
    await verify(await proof({ nonce: 'n-3' }), { ...request, nonce: async (nonce) => nonce === 'n-3' })
  })

  it('without a nonce policy, a proof\'s nonce is not checked', async () => {
    await verifyDPoPProof(await proof({ nonce: 'anything' }), options())
  })
})

describe('replay (§11.1)', () => {
  it('a proof is accepted once per store, for as long as it could be accepted', async () => {
    const replay = createMemoryReplayStore()
    const verify = createDPoPVerifier({ algorithms: ['ES256'], replay, currentTime: NOW })
    const request: DPoPRequest = { method: 'GET', url: URL_, accessToken: TOKEN }
    const token = await proof()
    await verify(token, request)
    await rejectsWithReason(verify(token, request), 'ERR_DPOP_PROOF_INVALID', 'replay')
    // A new proof with the same jti from the same key is the same proof for replay purposes.
    await rejectsWithReason(verify(await proof({ jti: JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()).jti }), request), 'ERR_DPOP_PROOF_INVALID', 'replay')
    // Another client may happen to use the same jti.
    const other = await generateKeyPair('ES256')
    await verify(await proof({ jti: 'shared' }), request)
    await verify(await proof({ jti: 'shared' }, other.privateKey), request)
  })

  it('a refused proof does not use up its jti', async () => {
    const replay = createMemoryReplayStore()
    const token = await proof({ jti: 'once' })
    await refused(token, 'htm', { method: 'POST', replay })
    await verifyDPoPProof(token, options({ replay }))
  })

  it('the store sees a fixed-size id, and an expiry covering the acceptance window', async () => {
    const calls: Array<[string, number, number]> = []
    const replay = { useOnce: (id: string, expiresAt: number, now: number) => (calls.push([id, expiresAt, now]), true) }
    await verifyDPoPProof(await proof({ jti: 'x'.repeat(2000) }), options({ replay, currentTime: NOW + 3 }))
    const [[id, expiresAt, now]] = calls as [[string, number, number]]
    assert.match(id, /^[\w-]{43}$/)
    assert.equal(expiresAt, NOW + 60 + 5 + 1)
    assert.equal(now, NOW + 3)
  })

  it('errors of the store are passed on unchanged: an unavailable store is no verdict on the proof', async () => {
    const down = new Error('store unavailable')
    await assert.rejects(verifyDPoPProof(await proof(), options({ replay: { useOnce: async () => Promise.reject(down) } })), (error) => error === down)
  })
})

describe('proofs of every asymmetric algorithm family', () => {
  for (const alg of ['ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519', 'PS256', 'RS256'] as JWSAlgorithmName[]) {
    it(alg, async () => {
      const { privateKey, publicKey } = await generateKeyPair(alg)
      const verified = await verifyDPoPProof(await proof({}, privateKey), options({ algorithms: [alg] }))
      assert.equal(verified.jkt, await jwkThumbprint(await toPublicKey(publicKey)))
      assert.equal(verified.key.alg, alg)
    })
  }
})

describe('caller mistakes are ERR_INVALID_ARGUMENT, not proof failures', () => {
  it('options', async () => {
    const token = await proof()
    for (const bad of [
      { algorithms: [] },
      { algorithms: ['HS256'] },
      { algorithms: ['none'] },
      { algorithms: ['XS256'] },
      { algorithms: undefined },
      { replay: undefined },
      { replay: {} },
      { maxAge: -1 },
      { nonce: '' },
    ] as Array<Partial<VerifyDPoPProofOptions>>) {
      await rejectsWith(verifyDPoPProof(token, { ...options(), ...bad }), 'ERR_INVALID_ARGUMENT')
    }
    assert.throws(() => createDPoPVerifier({ algorithms: ['HS256'] as JWSAlgorithmName[], replay: false }), { code: 'ERR_INVALID_ARGUMENT' })
  })

  it('the request', async () => {
    const token = await proof()
    for (const bad of [{ method: '' }, { method: 'GE T' }, { url: '/orders' }, { url: 'ftp://api.example.com/orders' }, { accessToken: '' }] as Array<Partial<DPoPRequest>>) {
      await rejectsWith(verifyDPoPProof(token, { ...options(), ...bad }), 'ERR_INVALID_ARGUMENT')
    }
  })
})
