// Decoding in the browser: the seeds' tokens pasted as their readers would paste them show their
// header and payload, times in the reader's zone and in words, the lifetime, the segments coloured
// in the text, and the warnings. Each page's requests are recorded and searched for the tokens.
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { base64url } from 'jotjwt'
import { openPage, segmentsOf, startSession, type RecordedPage, type Session } from './browser.js'
import { SEED_EDDSA, SEED_EDDSA_IAT, SEED_EDDSA_WRAPPED, SEED_RS256, seedHS256Token } from './seeds.js'

let session: Session
before(async () => {
  session = await startSession()
})
after(() => session.close())

/** The page at a fixed instant: "now" is what the human times are relative to. */
async function pageAt(seconds: number): Promise<RecordedPage> {
  const opened = await openPage(session)
  await opened.page.clock.setFixedTime(new Date(seconds * 1000))
  return opened
}

const text = async (opened: RecordedPage, selector: string) => (await opened.page.innerText(selector)).replace(/\s+/g, ' ').trim()
const warningIds = (opened: RecordedPage) => opened.page.$$eval('#warnings li', (items) => items.map((item) => item.getAttribute('data-warning')))

describe('decoding the seeds\' tokens in the page', () => {
  test('the wrapped EdDSA token: header, payload, local times, "expires in 4m", a 5m lifetime, and the email in "name"', async () => {
    const opened = await pageAt(SEED_EDDSA_IAT + 60)
    const { page } = opened
    await page.fill('#token', SEED_EDDSA_WRAPPED)

    assert.match(await text(opened, '#decode-status'), /A JWT signed with EdDSA\. The signature is not verified.*Within its validity: expires in 4m/)
    assert.match(await text(opened, '#header-json'), /"alg": "EdDSA", "kid": "JOv2HJlKb0JMc_ATrGBKmaY6gQN7eQNQYxteyFhrCLA=", "typ": "JWT"/)
    const payload = await text(opened, '#payload-json')
    // Europe/Paris in June is CEST (UTC+2): exp 1654885447 is 18:24:07 UTC.
    assert.match(payload, /"exp": 1654885447, \/\/ 10 Jun 2022, 20:24:07 CEST · expires in 4m "groups": null,/)
    assert.match(payload, /"iat": 1654885147, \/\/ 10 Jun 2022, 20:19:07 CEST · issued 1m ago "name": "matt@infrahq\.com",/)
    assert.match(payload, /"nbf": 1654884847, \/\/ 10 Jun 2022, 20:14:07 CEST · valid since 6m ago "nonce": "OxQpMFSv4p" }$/)
    assert.match(await text(opened, '#times'), /Lifetime 5m \(iat to exp\)\. Times are shown in your time zone \(Europe\/Paris\)/)

    assert.deepEqual(await warningIds(opened), ['personal-data'])
    assert.match(await text(opened, '#warnings'), /Personal data in the payload: name \(holds an email address\)\. A signed JWT is encoded, not encrypted: anyone who holds the token can read it/)

    // The three segments are coloured in the text as pasted, line breaks included, and named in the legend.
    const coloured = await page.$$eval('#token-backdrop span[class^="seg-"]', (spans) => spans.map((span) => [span.className, span.textContent]))
    const bySegment = ['seg-0', 'seg-1', 'seg-2'].map((name) => coloured.filter(([className]) => className === name).map(([, part]) => part).join(''))
    assert.deepEqual(bySegment, SEED_EDDSA.split('.'))
    assert.equal(await page.textContent('#token-backdrop'), `${SEED_EDDSA_WRAPPED}\u200b`)
    assert.match(await text(opened, '#token-legend'), /^Header \(107 characters\) · Payload \(151 characters\) · Signature \(86 characters\)$/)
    await opened.assertPrivate(segmentsOf(SEED_EDDSA))
    await opened.context.close()
  })

  test('claims are explained on focus and on hover, and Escape hides the explanation', async () => {
    const opened = await pageAt(SEED_EDDSA_IAT + 60)
    const { page } = opened
    await page.fill('#token', SEED_EDDSA)
    const exp = page.locator('#payload-json .term[data-claim="exp"]')
    const tip = page.locator(`#${await exp.getAttribute('aria-describedby')}`)
    assert.equal(await tip.isVisible(), false)
    await exp.focus()
    assert.equal(await tip.isVisible(), true)
    assert.match((await tip.textContent())!, /Expiration Time.*must not be accepted on or after this time.*RFC 7519 §4\.1\.4/)
    await page.keyboard.press('Escape')
    assert.equal(await tip.isVisible(), false)
    await page.locator('#payload-json .term[data-claim="nonce"]').hover()
    assert.equal(await page.locator('#payload-json .term[data-claim="nonce"] + .tip').isVisible(), true)
    assert.match((await page.textContent('#header-json'))!, /Key ID/)
    await opened.assertPrivate(segmentsOf(SEED_EDDSA))
    await opened.context.close()
  })

  test('the same token, expected as an access token, is called out as an ID token', async () => {
    const opened = await pageAt(SEED_EDDSA_IAT + 60)
    await opened.page.fill('#token', `Bearer ${SEED_EDDSA}`)
    await opened.page.selectOption('#expected', 'access')
    assert.deepEqual(await warningIds(opened), ['id-token-as-access-token', 'personal-data'])
    assert.match(await text(opened, '[data-warning="id-token-as-access-token"]'), /This is an ID token \(typ "JWT", with nonce\), but you expect an access token/)
    await opened.assertPrivate(segmentsOf(SEED_EDDSA))
    await opened.context.close()
  })

  test('the RS256 example, quoted: expired, its kid and claims, and no warning', async () => {
    // 2025-12-01T00:00:00Z, seven months after its exp (2025-04-24).
    const opened = await pageAt(Date.UTC(2025, 11, 1) / 1000)
    await opened.page.fill('#token', `"${SEED_RS256}"`)
    assert.match(await text(opened, '#decode-status'), /A JWT signed with RS256\..*Expired: expired 220d 6h ago$/)
    assert.match(await text(opened, '#header-json'), /"kid": "00000000-0000-0000-0000-000000000000"/)
    assert.match(await text(opened, '#payload-json'), /"iss": "https:\/\/test\.com", "aud": "test", "exp": 1745516531 \/\/ 24 Apr 2025, 19:42:11 CEST · expired 220d 6h ago }$/)
    assert.match(await text(opened, '#times'), /Lifetime unknown/)
    assert.equal(await opened.page.isVisible('#warnings-section'), false)
    await opened.assertPrivate(segmentsOf(SEED_RS256))
    await opened.context.close()
  })

  test('an HS256 token: no exp, no kid, a name; and a shared-secret alg against a published key set', async () => {
    const token = await seedHS256Token()
    const opened = await pageAt(Date.UTC(2025, 11, 1) / 1000)
    const { page } = opened
    await page.fill('#token', token)
    assert.match(await text(opened, '#decode-status'), /A JWT signed with HS256\..*It never expires\./)
    assert.deepEqual(await warningIds(opened), ['no-kid', 'no-exp', 'personal-data'])
    assert.match(await text(opened, '[data-warning="no-exp"]'), /No exp: the token never expires/)
    assert.match(await text(opened, '[data-warning="no-kid"]'), /No kid/)
    assert.match(await text(opened, '[data-warning="personal-data"]'), /Personal data in the payload: name\./)
    await page.check('input[name="source"][value="jwks"]')
    await page.fill('#jwks-url', 'https://issuer.example/.well-known/jwks.json')
    assert.deepEqual(await warningIds(opened), ['symmetric-alg-published-keys', 'no-kid', 'no-exp', 'personal-data'])
    assert.match(await text(opened, '[data-warning="symmetric-alg-published-keys"]'), /HS256 is a shared-secret algorithm, but the keys you chose are an issuer's published keys/)
    await opened.assertPrivate(segmentsOf(token))
    await opened.context.close()
  })

  test('a JWE shows its protected header and says the rest is encrypted', async () => {
    const header = { alg: 'RSA-OAEP-256', enc: 'A256GCM', kid: 'r1', cty: 'JWT' }
    const jwe = `${base64url.encode(new TextEncoder().encode(JSON.stringify(header)))}.ZW5jcnlwdGVkLWtleQ.aXZpdml2aXZpdml2.Y2lwaGVydGV4dA.dGFndGFndGFndGFndGFn`
    const opened = await pageAt(Date.UTC(2025, 11, 1) / 1000)
    await opened.page.fill('#token', jwe)
    assert.match(await text(opened, '#decode-status'), /An encrypted token \(JWE\), RSA-OAEP-256 with A256GCM\. Only its protected header can be read/)
    assert.equal(await text(opened, '#header-title'), 'Protected header')
    assert.match(await text(opened, '#header-json'), /"alg": "RSA-OAEP-256", "enc": "A256GCM", "kid": "r1", "cty": "JWT"/)
    assert.equal(await opened.page.isVisible('#payload-section'), false)
    assert.match(await text(opened, '#token-legend'), /Protected header .* · Encrypted key .* · Initialization vector .* · Ciphertext .* · Authentication tag/)
    await opened.assertPrivate(segmentsOf(jwe))
    await opened.context.close()
  })

  test('a file dropped on the field is read as the token', async () => {
    const opened = await pageAt(SEED_EDDSA_IAT + 60)
    const { page } = opened
    await page.evaluate((text) => {
      const transfer = new DataTransfer()
      transfer.items.add(new File([text], 'token.txt', { type: 'text/plain' }))
      document.querySelector('#token')!.dispatchEvent(new DragEvent('drop', { dataTransfer: transfer, bubbles: true, cancelable: true }))
    }, `Authorization: Bearer ${SEED_EDDSA_WRAPPED}\n`)
    await page.waitForFunction(() => document.querySelector('#decode-status')?.textContent?.startsWith('A JWT signed with EdDSA'))
    assert.match(await text(opened, '#decode-status'), /expires in 4m/)
    await opened.assertPrivate(segmentsOf(SEED_EDDSA))
    await opened.context.close()
  })

  test('what the library refuses is shown with its code and meaning, and hostile text stays text', async () => {
    const opened = await pageAt(Date.UTC(2025, 11, 1) / 1000)
    const { page } = opened
    await page.fill('#token', SEED_RS256.split('.').slice(0, 2).join('.'))
    assert.match(await text(opened, '#decode-status'), /Not a token jot can read: NOT_COMPACT .*2 segments/)
    const hostile = { alg: 'HS256', kid: '<img src=x onerror=alert(1)>', typ: 'JWT' }
    const claims = { sub: 'u\u202eevil', exp: 2e9 }
    const encode = (value: object) => base64url.encode(new TextEncoder().encode(JSON.stringify(value)))
    await page.fill('#token', `${encode(hostile)}.${encode(claims)}.c2lnbmF0dXJlLXNpZ25hdHVyZQ`)
    assert.equal(await page.locator('#header-json img').count(), 0)
    assert.match(await text(opened, '#header-json'), /"kid": "<img src=x onerror=alert\(1\)>"/)
    assert.match(await text(opened, '#payload-json'), /"sub": "u\\u202eevil"/)
    await opened.assertPrivate([])
    await opened.context.close()
  })
})
