// Verifying in the browser, with each key source the page offers: a pasted key, a JWK Set URL and an
// issuer URL (OpenID discovery), all on 127.0.0.1. For each: a valid token names the key and every
// check; a token signed by another key, an expired one and a tampered one fail with the library's
// error code and its meaning. Every request is recorded: only the typed URLs leave the page, as
// anonymous GETs (a cookie set for 127.0.0.1 must not go with them), and no token travels.
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { exportJWK, exportPEM, generateKeyPair, signJWT, type JotKey } from 'jotjwt'
import type { Page } from 'playwright-core'
import { openPage, segmentsOf, startKeyServer, startSession, type KeyServer, type RecordedPage, type Session } from './browser.js'
import { HS256_SECRET, seedHS256Token } from './seeds.js'

let session: Session
let keyServer: KeyServer
let publicKey: JotKey
const tokens = { valid: '', otherKey: '', expired: '', tampered: '' }

before(async () => {
  session = await startSession()
  const issuerKeys = await generateKeyPair('EdDSA', { kid: 'issuer-1' })
  const otherKeys = await generateKeyPair('EdDSA', { kid: 'issuer-1' })
  publicKey = issuerKeys.publicKey
  keyServer = await startKeyServer({ keys: [await exportJWK(publicKey)] })
  const claims = { issuer: keyServer.url, audience: 'api' }
  const now = Math.floor(Date.now() / 1000)
  tokens.valid = await signJWT({ sub: 'user-42', scope: 'read' }, issuerKeys.privateKey, { ...claims, expiresIn: '10m' })
  tokens.otherKey = await signJWT({ sub: 'user-42' }, otherKeys.privateKey, { ...claims, expiresIn: '10m' })
  tokens.expired = await signJWT({ sub: 'user-42' }, issuerKeys.privateKey, { ...claims, issuedAt: now - 900, expiresAt: now - 300 })
  const [header, , signature] = tokens.valid.split('.')
  const forged = Buffer.from(JSON.stringify({ sub: 'admin', iss: keyServer.url, aud: 'api', exp: now + 600 })).toString('base64url')
  tokens.tampered = `${header}.${forged}.${signature}`
})
after(async () => {
  await session.close()
  await keyServer.close()
})

interface Verdict {
  ok: boolean
  text: string
  detail: string
  checks: Record<string, string>
}

async function readVerdict(page: Page): Promise<Verdict> {
  await page.waitForSelector('#verdict.ok, #verdict.fail', { timeout: 15_000 })
  return {
    ok: (await page.getAttribute('#verdict', 'class'))!.includes('ok'),
    text: (await page.innerText('#verdict')).trim(),
    detail: (await page.innerText('#failure-detail')).trim(),
    checks: Object.fromEntries(await page.$$eval('#checks li', (items) => items.map((item) => [item.getAttribute('data-check'), item.getAttribute('data-status')]))),
  }
}

/** Pastes the token and, for URL key sources, presses Verify (a pasted key verifies as you type). */
async function verify(page: Page, token: string, press: boolean): Promise<Verdict> {
  await page.fill('#token', token)
  if (press) await page.click('#verify-form button[type="submit"]')
  return readVerdict(page)
}

/** A page with the audience typed, and a cookie for 127.0.0.1 that no key request may carry. */
async function verifyPage(): Promise<RecordedPage> {
  const opened = await openPage(session)
  await opened.context.addCookies([{ name: 'session', value: 'cookie-canary', domain: '127.0.0.1', path: '/' }])
  await opened.page.fill('#expect-audience', 'api')
  return opened
}

/** The four outcomes every key source must give. */
async function checkOutcomes(page: Page, press: boolean, keyLabel: RegExp, keyUsed: RegExp): Promise<void> {
  const valid = await verify(page, tokens.valid, press)
  assert.equal(valid.ok, true, `${valid.text} ${valid.detail}`)
  assert.match(valid.text, keyUsed)
  assert.equal(valid.checks.keys, 'passed')
  assert.equal(valid.checks.signature, 'passed')
  for (const check of ['required', 'aud', 'iat', 'nbf', 'exp']) assert.equal(valid.checks[check], 'passed', check)
  assert.match(await page.innerText('#checks [data-check="keys"]'), keyLabel)
  assert.match(await page.innerText('#checks [data-check="aud"]'), /aud contains "api"/)

  const otherKey = await verify(page, tokens.otherKey, press)
  assert.equal(otherKey.text, '✗ Invalid: ERR_JWS_SIGNATURE_INVALID')
  assert.match(otherKey.detail, /^The signature does not match: the token was changed after signing, or it was signed with another key\./)
  assert.equal(otherKey.checks.signature, 'failed')
  assert.equal(otherKey.checks.exp, 'unreported')

  const expired = await verify(page, tokens.expired, press)
  assert.equal(expired.text, '✗ Invalid: ERR_JWT_EXPIRED')
  assert.match(expired.detail, /^The token has expired: exp has passed/)
  assert.equal(expired.checks.signature, 'passed')
  assert.equal(expired.checks.exp, 'failed')

  const tampered = await verify(page, tokens.tampered, press)
  assert.equal(tampered.text, '✗ Invalid: ERR_JWS_SIGNATURE_INVALID')
  assert.equal(tampered.checks.signature, 'failed')
}

/** A key from a set is named by its kid too. */
const FROM_KEY_SET = /^✓ Valid\. Signature verified with EdDSA Ed25519 public key, kid "issuer-1", thumbprint [\w-]{43}\.$/

const allSegments = () => segmentsOf(...Object.values(tokens))

describe('verifying in the page', () => {
  test('with a pasted public key (PEM): valid, another key, expired, tampered', async () => {
    const opened = await verifyPage()
    await opened.page.fill('#key', await exportPEM(publicKey))
    // A PEM key has no kid; the RFC 7638 thumbprint names it.
    await checkOutcomes(opened.page, false, /Keys: the pasted PEM key/, /^✓ Valid\. Signature verified with EdDSA Ed25519 public key, thumbprint [\w-]{43}\.$/)
    await opened.assertPrivate(allSegments())
    assert.equal(await opened.page.isVisible('#no-requests'), true, 'the page lists no request of its own')
    await opened.context.close()
  })

  test('with a pasted shared secret: the HS256 token verifies, a wrong secret does not', async () => {
    const token = await seedHS256Token()
    const opened = await verifyPage()
    const { page } = opened
    await page.fill('#expect-audience', '')
    await page.check('#allow-no-exp')
    await page.fill('#key', HS256_SECRET)
    const valid = await verify(page, token, false)
    assert.equal(valid.text, '✓ Valid. Signature verified with HS256 shared secret.')
    assert.equal(valid.checks.required, 'not-checked')
    await page.fill('#key', `${HS256_SECRET}-wrong`)
    const wrong = await readVerdict(page)
    assert.equal(wrong.text, '✗ Invalid: ERR_JWS_SIGNATURE_INVALID')
    await page.fill('#key', 'short')
    const weak = await readVerdict(page)
    assert.equal(weak.text, '✗ Invalid: ERR_KEY_TOO_WEAK')
    assert.equal(weak.checks.keys, 'failed')
    await opened.assertPrivate([...segmentsOf(token), HS256_SECRET])
    await opened.context.close()
  })

  test('with a JWK Set URL on 127.0.0.1: the same four outcomes, one anonymous GET per Verify', async () => {
    const opened = await verifyPage()
    const { page } = opened
    await page.check('input[name="source"][value="jwks"]')
    await page.fill('#jwks-url', keyServer.jwksURL)
    const before = keyServer.received.length
    await checkOutcomes(page, true, new RegExp(`Keys: the JWK Set at ${keyServer.jwksURL}`), FROM_KEY_SET)
    const received = keyServer.received.slice(before)
    assert.equal(received.length, 4)
    for (const line of received) {
      assert.match(line, /^GET \/jwks\.json /)
      assert.doesNotMatch(line, /cookie-canary|"referer"/)
    }
    assert.equal(await page.locator('#requests li').count(), 4, 'the page lists each request it made')
    await opened.assertPrivate(allSegments(), [keyServer.jwksURL])
    await opened.context.close()
  })

  test('with an issuer URL: discovery, then its jwks_uri; the issuer becomes the expected iss', async () => {
    const opened = await verifyPage()
    const { page } = opened
    await page.check('input[name="source"][value="issuer"]')
    await page.fill('#issuer-url', keyServer.url)
    await checkOutcomes(page, true, new RegExp(`Keys: the keys of ${keyServer.url} \\(${keyServer.jwksURL}, found by OpenID discovery\\)`), FROM_KEY_SET)
    assert.match(await page.innerText('#checks [data-check="iss"]'), new RegExp(`iss is "${keyServer.url}"`))
    await opened.assertPrivate(allSegments(), [`${keyServer.url}/.well-known/openid-configuration`, keyServer.jwksURL])
    await opened.context.close()
  })

  test('a key set that cannot be read, and a URL the page will not fetch, are explained', async () => {
    const opened = await verifyPage()
    const { page } = opened
    await page.check('input[name="source"][value="jwks"]')
    await page.fill('#jwks-url', `${keyServer.url}/missing.json`)
    const missing = await verify(page, tokens.valid, true)
    assert.equal(missing.text, '✗ Invalid: ERR_JWKS_FETCH_FAILED')
    assert.match(missing.detail, /could not be fetched/)
    assert.equal(missing.checks.keys, 'failed')
    await page.fill('#jwks-url', 'http://keys.example/jwks.json')
    const plainHttp = await verify(page, tokens.valid, true)
    assert.equal(plainHttp.text, '✗ Invalid: ERR_INVALID_ARGUMENT')
    assert.match(plainHttp.detail, /must use https:/)
    await opened.assertPrivate(allSegments(), [`${keyServer.url}/missing.json`])
    await opened.context.close()
  })
})
