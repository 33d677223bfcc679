// Checking a pasted DPoP proof against the page's token, without a browser: every row is the
// library's verdict on one check, a failure of the proof itself marks the rows the library checks
// before it passed and those after it unreported, and the checks about the token and the request
// each fail on their own.
import assert from 'node:assert/strict'
import { before, describe, test } from 'node:test'
import { createDPoPProof, exportJWK, generateKeyPair, generateSecret, jwkThumbprint, signCompactJWS, signJWT, toPublicKey, type JotKey, type JWK } from 'jotjwt'
import { decodeToken } from '../src/inspect/decode.js'
import { boundKeyThumbprint, checkDPoPProof, type DPoPReport } from '../src/inspect/dpop.js'

const URL_ = 'https://api.example/orders'
let issuer: JotKey
let key: JotKey
let other: JotKey
let jkt: string
let token: string
const now = () => Math.floor(Date.now() / 1000)

before(async () => {
  issuer = (await generateKeyPair('ES256')).privateKey
  key = (await generateKeyPair('ES256')).privateKey
  other = (await generateKeyPair('EdDSA')).privateKey
  jkt = await jwkThumbprint(await toPublicKey(key))
  token = await signJWT({ sub: 'client-1', client_id: 'client-1', cnf: { jkt } }, issuer, { issuer: 'https://as.example', audience: URL_, expiresIn: '5m' })
})

const check = (proof: string, settings: { method?: string; url?: string; token?: string } = {}) => {
  const pageToken = settings.token ?? token
  return checkDPoPProof(proof, { token: pageToken, decoded: decodeToken(pageToken) }, { method: settings.method ?? '', url: settings.url ?? '', now: now() })
}
const statuses = (report: DPoPReport) => Object.fromEntries(report.checks.map((row) => [row.id, row.status]))
const detailOf = (report: DPoPReport, id: string) => report.checks.find((row) => row.id === id)?.detail ?? ''
const PROOF_PASSED = { alg: 'passed', form: 'passed', typ: 'passed', jwk: 'passed', signature: 'passed', claims: 'passed' }

/** A hand-made proof: this header (alg from the key) and these claims, signed by `signer`. */
async function craft(signer: JotKey, header: Record<string, unknown>, claims: Record<string, unknown> = {}): Promise<string> {
  const payload = JSON.stringify({ jti: 'j-1', htm: 'GET', htu: URL_, iat: now(), ...claims })
  const jwk = (header.jwk as JWK | undefined) ?? (await exportJWK(await toPublicKey(signer)))
  return signCompactJWS(payload, signer, { protectedHeader: { typ: 'dpop+jwt', ...header, jwk } })
}

describe('a DPoP proof against the token (RFC 9449)', () => {
  test("the token's cnf.jkt is read as the key it is bound to", () => {
    assert.equal(boundKeyThumbprint({ cnf: { jkt: 'abc' } }), 'abc')
    for (const payload of [{}, { cnf: null }, { cnf: { 'x5t#S256': 'abc' } }, { cnf: { jkt: 7 } }, { cnf: ['jkt'] }]) assert.equal(boundKeyThumbprint(payload), undefined)
  })

  test('a proof by the bound key, for the typed request, over the token: every check passes', async () => {
    const report = await check(await createDPoPProof(key, { method: 'GET', url: `${URL_}?page=2`, accessToken: token }), { method: 'GET', url: `${URL_}?page=3` })
    assert.deepEqual(statuses(report), { ...PROOF_PASSED, jkt: 'passed', ath: 'passed', htm: 'passed', htu: 'passed', iat: 'passed' })
    assert.equal(report.ok, true)
    assert.equal(report.jkt, jkt)
    assert.match(report.checks.find((row) => row.id === 'jkt')!.label, new RegExp(`thumbprint ${jkt} is the token's cnf.jkt ${jkt}`))
    assert.ok(report.staleAt! > now())
  })

  test('a proof by another key: the binding fails, with both thumbprints shown', async () => {
    const report = await check(await createDPoPProof(other, { method: 'GET', url: URL_, accessToken: token }))
    assert.deepEqual(statuses(report), { ...PROOF_PASSED, jkt: 'failed', ath: 'passed', htm: 'not-checked', htu: 'not-checked', iat: 'passed' })
    assert.equal(report.ok, false)
    const otherJkt = await jwkThumbprint(await toPublicKey(other))
    assert.match(report.checks.find((row) => row.id === 'jkt')!.label, new RegExp(`thumbprint ${otherJkt} is the token's cnf.jkt ${jkt}`))
    assert.match(detailOf(report, 'jkt'), /^ERR_JWT_CLAIM_INVALID: the access token is bound to another key/)
  })

  test('a proof over another token, or with no ath: the ath check fails alone', async () => {
    const otherToken = await createDPoPProof(key, { method: 'GET', url: URL_, accessToken: `${token}x` })
    const wrong = await check(otherToken)
    assert.deepEqual(statuses(wrong), { ...PROOF_PASSED, jkt: 'passed', ath: 'failed', htm: 'not-checked', htu: 'not-checked', iat: 'passed' })
    assert.equal(detailOf(wrong, 'ath'), 'ERR_DPOP_PROOF_INVALID: "ath" is not the hash of the access token')
    const none = await check(await createDPoPProof(key, { method: 'GET', url: URL_ }))
    assert.equal(detailOf(none, 'ath'), 'ERR_DPOP_PROOF_INVALID: the proof has no "ath" for the access token')
  })

  test('the typed method and URL are compared with htm and htu; what is not typed is not checked', async () => {
    const proof = await createDPoPProof(key, { method: 'GET', url: URL_, accessToken: token })
    const report = await check(proof, { method: 'POST', url: 'https://api.example/orders/1' })
    assert.equal(statuses(report).htm, 'failed')
    assert.equal(statuses(report).htu, 'failed')
    assert.equal(detailOf(report, 'htu'), 'ERR_DPOP_PROOF_INVALID: "htu" is not the URL of the request')
    // RFC 9449 §4.3: compared after normalization (case of scheme and host, default port).
    const normalized = await check(proof, { method: 'GET', url: 'HTTPS://API.example:443/orders#x' })
    assert.deepEqual([statuses(normalized).htm, statuses(normalized).htu], ['passed', 'passed'])
    const typo = await check(proof, { method: 'G E T', url: 'api.example/orders' })
    assert.match(detailOf(typo, 'htm'), /^ERR_INVALID_ARGUMENT: method must be an HTTP method token/)
    assert.match(detailOf(typo, 'htu'), /^ERR_INVALID_ARGUMENT: the request url must be an absolute http\(s\) URL/)
  })

  test('an old proof fails the iat check alone; one from the future too', async () => {
    const old = await check(await createDPoPProof(key, { method: 'GET', url: URL_, accessToken: token, currentTime: now() - 600 }))
    assert.deepEqual(statuses(old), { ...PROOF_PASSED, jkt: 'passed', ath: 'passed', htm: 'not-checked', htu: 'not-checked', iat: 'failed' })
    assert.match(old.checks.find((row) => row.id === 'iat')!.label, /\(issued 10m ago\)/)
    assert.equal(old.staleAt, undefined)
    const future = await check(await createDPoPProof(key, { method: 'GET', url: URL_, accessToken: token, currentTime: now() + 600 }))
    assert.match(detailOf(future, 'iat'), /in the future/)
  })

  test('without a token in the page, the binding and ath are not checked; an unbound token fails the binding', async () => {
    const proof = await createDPoPProof(key, { method: 'GET', url: URL_, accessToken: token })
    const alone = await check(proof, { token: '' })
    assert.deepEqual([statuses(alone).jkt, statuses(alone).ath], ['not-checked', 'not-checked'])
    assert.equal(alone.ok, true, 'the proof itself is fine')
    const unbound = await signJWT({ sub: 'client-1' }, issuer, { expiresIn: '5m' })
    const report = await check(await createDPoPProof(key, { method: 'GET', url: URL_, accessToken: unbound }), { token: unbound })
    assert.deepEqual([statuses(report).jkt, statuses(report).ath], ['failed', 'passed'])
    assert.match(detailOf(report, 'jkt'), /^ERR_JWT_CLAIM_MISSING: the access token is not DPoP-bound/)
  })

  test('a broken proof fails at the check the library stops at; the checks before it passed, those after it are unreported', async () => {
    const hs256 = await craft(await generateSecret('HS256'), { jwk: await exportJWK(await toPublicKey(key)) })
    const byMac = await check(hs256)
    assert.deepEqual(statuses(byMac), { alg: 'failed', form: 'unreported', typ: 'unreported', jwk: 'unreported', signature: 'unreported', claims: 'unreported', jkt: 'unreported', ath: 'unreported', htm: 'not-checked', htu: 'not-checked', iat: 'unreported' })
    assert.match(detailOf(byMac, 'alg'), /^ERR_INVALID_ARGUMENT: algorithms: HS256 is a MAC/)

    const rows = async (proof: string) => Object.fromEntries(Object.entries(statuses(await check(proof))).filter(([id]) => id in PROOF_PASSED))
    // Wrong typ and a bad signature: the library reads typ first.
    const wrongTyp = await craft(key, { typ: 'JWT' })
    const [h, p, s] = wrongTyp.split('.')
    const tampered = `${h}.${p}.${s!.startsWith('A') ? 'B' : 'A'}${s!.slice(1)}`
    assert.deepEqual(await rows(tampered), { alg: 'passed', form: 'passed', typ: 'failed', jwk: 'unreported', signature: 'unreported', claims: 'unreported' })
    const withPrivate = await craft(key, { jwk: await exportJWK(key) })
    assert.deepEqual(await rows(withPrivate), { alg: 'passed', form: 'passed', typ: 'passed', jwk: 'failed', signature: 'unreported', claims: 'unreported' })
    const signedByOther = (await craft(key, {})).split('.')
    const otherSignature = (await craft((await generateKeyPair('ES256')).privateKey, {})).split('.')[2]
    assert.deepEqual(await rows(`${signedByOther[0]}.${signedByOther[1]}.${otherSignature}`), { alg: 'passed', form: 'passed', typ: 'passed', jwk: 'passed', signature: 'failed', claims: 'unreported' })
    assert.deepEqual(await rows(await craft(key, {}, { jti: undefined })), { ...PROOF_PASSED, claims: 'failed' })
    // An htm that is no method cannot be a request: still judged after the proof's own checks.
    const notAMethod = await check(await craft(key, {}, { htm: 'G E T' }))
    assert.deepEqual(Object.fromEntries(Object.entries(statuses(notAMethod)).filter(([id]) => id in PROOF_PASSED)), { ...PROOF_PASSED, claims: 'failed' })
    assert.equal(detailOf(notAMethod, 'claims'), '"htm" must be an HTTP method and "htu" an absolute http(s) URL')
  })

  test('what is not a signed token is said so', async () => {
    const report = await check('not.a-proof')
    assert.deepEqual(statuses(report), { form: 'failed' })
    assert.match(detailOf(report, 'form'), /^NOT_COMPACT/)
    assert.deepEqual((await check('')).checks, [])
  })
})
