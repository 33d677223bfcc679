// DPoP in the page (RFC 9449): a bound token shows its cnf.jkt and what it means, and a pasted
// proof is checked against it row by row: a proof by the bound key for the typed request passes
// every check; a proof by another key fails the binding, with both thumbprints shown; a proof over
// another token fails ath. Every request of the browser context is recorded: the proofs and the
// token go nowhere, and the page stays within its CSP and Trusted Types (no error in the page).
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { createDPoPProof, generateKeyPair, jwkThumbprint, signJWT, toPublicKey, type JotKey } from 'jotjwt'
import type { Page } from 'playwright-core'
import { openPage, segmentsOf, startSession, type Session } from './browser.js'

const API = 'https://api.example/orders'
let session: Session
let key: JotKey
let jkt: string
let token: string

before(async () => {
  session = await startSession()
  const issuer = (await generateKeyPair('ES256', { kid: 'issuer-1' })).privateKey
  key = (await generateKeyPair('ES256')).privateKey
  jkt = await jwkThumbprint(await toPublicKey(key))
  token = await signJWT({ sub: 'client-1', client_id: 'client-1', scope: 'orders:read', cnf: { jkt } }, issuer, { issuer: 'https://as.example', audience: API, expiresIn: '10m' })
})
after(() => session.close())

interface ProofVerdict {
  ok: boolean
  text: string
  checks: Record<string, string>
}

/** Pastes `proof` (after clearing the field, so the verdict read is this proof's) and reads the report. */
async function checkProof(page: Page, proof: string): Promise<ProofVerdict> {
  await page.fill('#dpop-proof', '')
  await page.fill('#dpop-proof', proof)
  await page.waitForSelector('#dpop-verdict.ok, #dpop-verdict.fail', { timeout: 15_000 })
  return {
    ok: (await page.getAttribute('#dpop-verdict', 'class'))!.includes('ok'),
    text: (await page.innerText('#dpop-verdict')).trim(),
    checks: Object.fromEntries(await page.$$eval('#dpop-checks li', (items) => items.map((item) => [item.getAttribute('data-check'), item.getAttribute('data-status')]))),
  }
}

const rowText = (page: Page, id: string) => page.innerText(`#dpop-checks [data-check="${id}"]`)
const ALL_PASSED = { alg: 'passed', form: 'passed', typ: 'passed', jwk: 'passed', signature: 'passed', claims: 'passed', jkt: 'passed', ath: 'passed', htm: 'passed', htu: 'passed', iat: 'passed' }

describe('DPoP in the page (RFC 9449)', () => {
  test('a bound token shows its cnf.jkt; a proof by its key for the typed request passes every check', async () => {
    const opened = await openPage(session)
    const { page } = opened
    await page.fill('#token', `Authorization: DPoP ${token}`)
    await page.waitForSelector('#binding:not([hidden])')
    assert.equal(await page.innerText('#bound-jkt'), jkt)
    assert.match(await page.innerText('#binding'), /^DPoP-bound \(RFC 9449 §6\.1\)\. .*accepted only with a DPoP proof signed by that key/)
    assert.match(await page.innerText('#payload-json'), /"cnf": \{\s*"jkt": ".+"\s*\},?\s*\/\/ DPoP-bound/)

    await page.fill('#dpop-method', 'GET')
    await page.fill('#dpop-url', `${API}?page=2`)
    const proof = await createDPoPProof(key, { method: 'GET', url: `${API}?page=2`, accessToken: token })
    const valid = await checkProof(page, `DPoP: ${proof}`)
    assert.equal(valid.text, '✓ The proof passes every check below.')
    assert.deepEqual(valid.checks, ALL_PASSED)
    assert.match(await rowText(page, 'jkt'), new RegExp(`thumbprint ${jkt} is the token's cnf\\.jkt ${jkt}`))
    assert.match(await rowText(page, 'typ'), /typ is "dpop\+jwt"/)
    assert.match(await rowText(page, 'alg'), /alg "ES256" is an asymmetric signature algorithm/)
    assert.match(await rowText(page, 'htm'), /htm "GET" is the method you typed, "GET"/)
    assert.match(await rowText(page, 'htu'), new RegExp(`htu "${API}" is the URL you typed`))
    assert.match(await rowText(page, 'iat'), /issued (just now|\d+s ago)/)
    // The proof itself, decoded: the jwk header with its thumbprint, the claims with iat in words.
    assert.match(await page.innerText('#dpop-header-json'), new RegExp(`"typ": "dpop\\+jwt"[\\s\\S]*"jwk"[\\s\\S]*// RFC 7638 thumbprint ${jkt}`))
    assert.match(await page.innerText('#dpop-payload-json'), /"htm": "GET"[\s\S]*"htu": "https:\/\/api\.example\/orders"[\s\S]*"iat": \d+[\s\S]*issued/)

    // Another method typed: htm fails, the rest still passes.
    await page.fill('#dpop-method', 'POST')
    await page.waitForSelector('#dpop-checks [data-check="htm"][data-status="failed"]')
    assert.equal(await page.getAttribute('#dpop-checks [data-check="htu"]', 'data-status'), 'passed')
    assert.match(await rowText(page, 'htm'), /ERR_DPOP_PROOF_INVALID: "htm" is not the method of the request/)

    await opened.assertPrivate(segmentsOf(token, proof))
    assert.equal(await page.isVisible('#no-requests'), true, 'the page lists no request of its own')
    await opened.context.close()
  })

  test('a proof by another key: the binding check fails, showing both thumbprints', async () => {
    const opened = await openPage(session)
    const { page } = opened
    await page.fill('#token', token)
    const other = (await generateKeyPair('EdDSA')).privateKey
    const otherJkt = await jwkThumbprint(await toPublicKey(other))
    const proof = await createDPoPProof(other, { method: 'GET', url: API, accessToken: token })
    const report = await checkProof(page, proof)
    assert.equal(report.text, '✗ The proof fails a check below.')
    assert.deepEqual(report.checks, { ...ALL_PASSED, jkt: 'failed', htm: 'not-checked', htu: 'not-checked' })
    const row = await rowText(page, 'jkt')
    assert.match(row, new RegExp(`thumbprint ${otherJkt} is the token's cnf\\.jkt ${jkt}`))
    assert.match(row, /ERR_JWT_CLAIM_INVALID: the access token is bound to another key/)
    await opened.assertPrivate(segmentsOf(token, proof))
    await opened.context.close()
  })

  test('a proof over another token: the ath check fails', async () => {
    const opened = await openPage(session)
    const { page } = opened
    await page.fill('#token', token)
    const proof = await createDPoPProof(key, { method: 'GET', url: API, accessToken: `${token.slice(0, -2)}xx` })
    const report = await checkProof(page, proof)
    assert.equal(report.ok, false)
    assert.deepEqual(report.checks, { ...ALL_PASSED, ath: 'failed', htm: 'not-checked', htu: 'not-checked' })
    assert.match(await rowText(page, 'ath'), /ath is the hash of the token[\s\S]*ERR_DPOP_PROOF_INVALID: "ath" is not the hash of the access token/)
    // The token changes under the proof: the report follows it.
    const unbound = await signJWT({ sub: 'client-1' }, key, { expiresIn: '5m' })
    await page.fill('#token', unbound)
    await page.waitForSelector('#binding[hidden]', { state: 'attached' })
    await page.waitForSelector('#dpop-checks [data-check="jkt"] >> text=not DPoP-bound')
    await opened.assertPrivate(segmentsOf(token, proof, unbound))
    await opened.context.close()
  })
})
