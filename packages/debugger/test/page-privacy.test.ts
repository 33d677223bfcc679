// The page's promise, checked from outside: everything a reader does (paste the seeds' tokens, verify
// with a pasted secret, a pasted JWK Set, a JWK Set URL and an issuer URL, sign with a pasted PEM and
// with keys made in the page, encrypt, make a link and open it, leave the page) while every request
// of the browser context is recorded, to every host: no request carries a token segment or a key,
// and nothing is requested but the page's own files and the URLs the reader typed, as anonymous GETs.
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { base64url, exportJWK, exportPEM, generateKeyPair, signJWT } from 'jotjwt'
import { openPage, segmentsOf, startKeyServer, startSession, type KeyServer, type Session } from './browser.js'
import { HS256_SECRET, SEED_EDDSA, SEED_EDDSA_WRAPPED, SEED_RS256, seedHS256Token } from './seeds.js'

let session: Session
let keyServer: KeyServer
before(async () => {
  session = await startSession()
  keyServer = await startKeyServer({ keys: [] })
})
after(async () => {
  await session.close()
  await keyServer.close()
})

/** A secret for a pasted JWK Set (as its `k`) and its text form, both searched for. */
const JWKS_SECRET = 'KEYCANARY-jwks-oct-secret-long-enough-for-HS256'

describe('privacy', () => {
  test('no request the page makes carries a token or a key, and only typed URLs leave its origin', async () => {
    const issuerKeys = await generateKeyPair('ES256', { kid: 'p1' })
    keyServer.setJWKS({ keys: [await exportJWK(issuerKeys.publicKey)] })
    const issued = await signJWT({ sub: 'user-42' }, issuerKeys.privateKey, { issuer: keyServer.url, audience: 'api', expiresIn: '5m' })
    const hs256 = await seedHS256Token()
    const signingPEM = await exportPEM((await generateKeyPair('ES256')).privateKey)
    const pemBody = signingPEM.split('\n').filter((line) => line !== '' && !line.startsWith('-----'))

    const opened = await openPage(session)
    const { page, context } = opened
    await context.addCookies([{ name: 'session', value: 'cookie-canary', domain: '127.0.0.1', path: '/' }])
    const made: string[] = []
    const secrets = new Set<string>([HS256_SECRET, JWKS_SECRET, base64url.encode(new TextEncoder().encode(JWKS_SECRET)), ...pemBody])

    // Decode the seeds' tokens.
    for (const token of [SEED_EDDSA_WRAPPED, SEED_RS256, hs256]) await page.fill('#token', token)

    // Verify with a pasted secret, then a pasted JWK Set holding a secret.
    await page.check('#allow-no-exp')
    await page.fill('#key', HS256_SECRET)
    await page.waitForSelector('#verdict.ok')
    await page.fill('#key', JSON.stringify({ keys: [{ kty: 'oct', k: base64url.encode(new TextEncoder().encode(JWKS_SECRET)), alg: 'HS256' }] }))
    await page.waitForSelector('#verdict.fail')

    // Verify with a JWK Set URL and with an issuer URL.
    await page.fill('#token', issued)
    await page.fill('#expect-audience', 'api')
    await page.check('input[name="source"][value="jwks"]')
    await page.fill('#jwks-url', keyServer.jwksURL)
    await page.click('#verify-form button[type="submit"]')
    await page.waitForSelector('#verdict.ok')
    await page.check('input[name="source"][value="issuer"]')
    await page.fill('#issuer-url', keyServer.url)
    await page.click('#verify-form button[type="submit"]')
    await page.waitForSelector('#verdict.ok')

    // Make a link to this state: it carries the token, never a key; open it.
    await page.click('#share')
    const link = await page.inputValue('#share-link')
    assert.ok(link.startsWith(`${session.debuggerServer.url}#`))
    assert.equal(new URL(link).searchParams.size, 0, 'the state is in the fragment only')
    assert.equal(new URLSearchParams(new URL(link).hash.slice(1)).get('token'), issued)
    for (const secret of secrets) assert.ok(!link.includes(secret), `the link carries a key (${secret.slice(0, 12)}…)`)

    // Encode: a pasted PEM, keys made in the page, encryption.
    await page.click('#tab-encode')
    await page.waitForSelector('#encode-status.ok')
    made.push(await page.inputValue('#encode-output'))
    secrets.add((JSON.parse(await page.inputValue('#key-private-jwk')) as { d: string }).d)
    await page.check('#encrypt')
    await page.waitForFunction(() => (document.querySelector('#encode-output') as HTMLTextAreaElement).value.split('.').length === 5)
    await page.waitForSelector('#encode-status.ok')
    made.push(await page.inputValue('#encode-output'))
    secrets.add((JSON.parse(await page.inputValue('#recipient-private-jwk')) as { d: string }).d)
    await page.uncheck('#encrypt')
    await page.check('input[name="encode-key-source"][value="pasted"]')
    await page.fill('#encode-key', signingPEM)
    // A pasted PEM has no kid: the status names none once the token is made with it.
    await page.waitForFunction(() => document.querySelector('#encode-status')?.textContent === 'Signed with ES256.')
    made.push(await page.inputValue('#encode-output'))

    const shared = await context.newPage()
    await shared.goto(link)
    await shared.waitForSelector('#verdict', { state: 'attached' })
    assert.equal(await shared.inputValue('#token'), issued, 'the link opens with its token')
    assert.equal(await shared.inputValue('#jwks-url'), '', 'and without what was not shared')

    // Nothing kept in the browser either.
    const stored = await page.evaluate(async () => ({ local: localStorage.length, session: sessionStorage.length, databases: (await indexedDB.databases()).length, caches: (await caches.keys()).length }))
    assert.deepEqual(stored, { local: 0, session: 0, databases: 0, caches: 0 })

    // Leaving the pages is when trackers send beacons.
    await shared.close({ runBeforeUnload: true })
    await page.close({ runBeforeUnload: true })

    const allSecrets = [...secrets, ...segmentsOf(SEED_EDDSA, SEED_RS256, hs256, issued, ...made)]
    await opened.assertPrivate(allSecrets, [keyServer.jwksURL, `${keyServer.url}/.well-known/openid-configuration`])
    assert.deepEqual(opened.requests.filter((request) => !request.kind.startsWith('route:') && !request.kind.startsWith('event:')), [], 'no worker, service worker or WebSocket')
    const external = opened.requests.filter((request) => request.kind.startsWith('route:') && !request.url.startsWith(session.origin))
    assert.deepEqual(external.map((request) => request.url), [keyServer.jwksURL, `${keyServer.url}/.well-known/openid-configuration`, keyServer.jwksURL])
    // Control: the same search finds what is in the requests, so a leak could not pass unseen.
    await assert.rejects(opened.assertPrivate(['/.well-known/openid-configuration'], [keyServer.jwksURL, `${keyServer.url}/.well-known/openid-configuration`]), /carries a secret/)
    await assert.rejects(opened.assertPrivate([]), /neither its own file nor a URL the test typed/)
    await context.close()
  })

  test('the Content-Security-Policy is in force in the browser: no plain-HTTP fetch beyond this machine, no foreign image, no inline script', async () => {
    const opened = await openPage(session)
    const violations = await opened.page.evaluate(async () => {
      const seen: string[] = []
      document.addEventListener('securitypolicyviolation', (event) => seen.push(event.effectiveDirective))
      const fetched = await fetch('http://192.0.2.1/collect').then(() => 'sent', () => 'blocked')
      const image = new Image()
      image.src = 'https://tracker.example/pixel.gif'
      let scriptBlocked = false
      try {
        const script = document.createElement('script')
        script.textContent = 'window.inlineRan = true'
        document.body.append(script)
      } catch {
        scriptBlocked = true
      }
      await new Promise((resolve) => setTimeout(resolve, 200))
      return { fetched, seen, scriptBlocked, inlineRan: 'inlineRan' in window }
    })
    assert.equal(violations.fetched, 'blocked')
    assert.ok(violations.seen.includes('connect-src'), JSON.stringify(violations.seen))
    assert.ok(violations.seen.includes('img-src'), JSON.stringify(violations.seen))
    assert.equal(violations.scriptBlocked, true, 'Trusted Types refuse script text')
    assert.equal(violations.inlineRan, false)
    await opened.context.close()
  })
})
