// Encoding in the browser: the token made in the page, from the header and claims as edited, with a
// key made in the page or pasted, verifies with the library in Node; an encrypted one decrypts and
// verifies there too. No token or key leaves the page.
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { decryptAndVerifyJWT, importJWK, importPEM, importSecret, verifyJWT, type JWK } from 'jotjwt'
import type { Page } from 'playwright-core'
import { openPage, segmentsOf, startSession, type RecordedPage, type Session } from './browser.js'
import { HS256_SECRET } from './seeds.js'

let session: Session
before(async () => {
  session = await startSession()
})
after(() => session.close())

async function encodePage(): Promise<RecordedPage> {
  const opened = await openPage(session)
  await opened.page.click('#tab-encode')
  await opened.page.waitForSelector('#encode-status.ok')
  return opened
}

/** Waits until the page shows a token other than `previous`, made without error. */
async function nextToken(page: Page, previous: string): Promise<string> {
  await page.waitForFunction(
    (before) => (document.querySelector('#encode-output') as HTMLTextAreaElement).value !== before && document.querySelector('#encode-status')?.classList.contains('ok'),
    previous,
    { timeout: 15_000 },
  )
  return page.inputValue('#encode-output')
}

const claimsFor = (sub: string) => JSON.stringify({ iss: 'https://issuer.example', sub, aud: 'https://api.example', exp: Math.floor(Date.now() / 1000) + 600 }, null, 2)
const jwkField = async (page: Page, id: string) => JSON.parse(await page.inputValue(`#${id}`)) as JWK

describe('encoding in the page', () => {
  test('an ES256 token made with a key made in the page verifies in Node with the public JWK it shows', async () => {
    const opened = await encodePage()
    const { page } = opened
    const first = await page.inputValue('#encode-output')
    await page.fill('#encode-claims', claimsFor('user-42'))
    const token = await nextToken(page, first)
    const publicJWK = await jwkField(page, 'key-public-jwk')
    const privateJWK = await jwkField(page, 'key-private-jwk')
    const { payload, header } = await verifyJWT(token, await importJWK(publicJWK, { alg: 'ES256' }), { issuer: 'https://issuer.example', audience: 'https://api.example' })
    assert.equal(payload.sub, 'user-42')
    assert.deepEqual(header, { alg: 'ES256', typ: 'JWT', kid: publicJWK.kid })
    assert.match(await page.innerText('#encode-status'), new RegExp(`^Signed with ES256 \\(kid ${publicJWK.kid}\\)\\.$`))

    // Typing re-makes the token.
    await page.fill('#encode-claims', claimsFor('user-43'))
    const retyped = await nextToken(page, token)
    assert.equal((await verifyJWT(retyped, await importJWK(publicJWK, { alg: 'ES256' }), { audience: 'https://api.example' })).payload.sub, 'user-43')
    await opened.assertPrivate([...segmentsOf(first, token, retyped), privateJWK.d!])
    await opened.context.close()
  })

  test('choosing EdDSA makes an Ed25519 key and rewrites the header; the PEM it shows verifies the token', async () => {
    const opened = await encodePage()
    const { page } = opened
    const first = await page.inputValue('#encode-output')
    await page.selectOption('#encode-alg', 'EdDSA')
    const token = await nextToken(page, first)
    assert.equal(JSON.parse(await page.inputValue('#encode-header')).alg, 'EdDSA')
    const pem = await page.inputValue('#key-public-pem')
    assert.match(pem, /^-----BEGIN PUBLIC KEY-----\n/)
    assert.match(await page.inputValue('#key-private-pem'), /^-----BEGIN PRIVATE KEY-----\n/)
    const { header } = await verifyJWT(token, await importPEM(pem, { alg: 'EdDSA' }), { acceptAnyAudience: true })
    assert.equal(header.alg, 'EdDSA')
    await opened.assertPrivate([...segmentsOf(first, token), (await jwkField(page, 'key-private-jwk')).d!])
    await opened.context.close()
  })

  test('an HS256 token signed with a pasted secret verifies in Node with that secret', async () => {
    const opened = await encodePage()
    const { page } = opened
    const first = await page.inputValue('#encode-output')
    await page.selectOption('#encode-alg', 'HS256')
    await page.check('input[name="encode-key-source"][value="pasted"]')
    await page.fill('#encode-key', HS256_SECRET)
    await page.fill('#encode-header', JSON.stringify({ alg: 'HS256', typ: 'JWT', kid: 'shared-1' }))
    // Each step above re-makes the token; wait for the one made from all of them.
    await page.waitForFunction(() => {
      const [header] = (document.querySelector('#encode-output') as HTMLTextAreaElement).value.split('.')
      return header !== undefined && atob(header.replace(/-/g, '+').replace(/_/g, '/')).includes('"kid":"shared-1"')
    })
    const token = await nextToken(page, first)
    const { payload, header } = await verifyJWT(token, await importSecret(HS256_SECRET, { alg: 'HS256' }), { audience: 'https://api.example' })
    assert.equal(header.kid, 'shared-1')
    assert.equal(payload.iss, 'https://issuer.example')
    assert.equal(await page.isVisible('#generated-keys'), false, 'a pasted key is not shown back')
    await opened.assertPrivate([...segmentsOf(first, token), HS256_SECRET])
    await opened.context.close()
  })

  test('encrypted to a recipient (ECDH-ES+A256KW, A256GCM): a nested JWT that Node decrypts and verifies', async () => {
    const opened = await encodePage()
    const { page } = opened
    const first = await page.inputValue('#encode-output')
    await page.check('#encrypt')
    const token = await nextToken(page, first)
    assert.equal(token.split('.').length, 5)
    const recipientPrivate = await jwkField(page, 'recipient-private-jwk')
    const signingPublic = await jwkField(page, 'key-public-jwk')
    const verified = await decryptAndVerifyJWT(token, await importJWK(recipientPrivate, { alg: 'ECDH-ES+A256KW' }), await importJWK(signingPublic, { alg: 'ES256' }), {
      audience: 'https://api.example',
    })
    assert.equal(verified.payload.sub, 'user-42')
    assert.match(await page.innerText('#encode-status'), /then encrypted with ECDH-ES\+A256KW \/ A256GCM\.$/)
    await opened.assertPrivate([...segmentsOf(first, token), recipientPrivate.d!, (await jwkField(page, 'key-private-jwk')).d!])
    await opened.context.close()
  })

  test('an editor that is not a JSON object says so, and no token is made from it', async () => {
    const opened = await encodePage()
    const { page } = opened
    const before = await page.inputValue('#encode-output')
    await page.fill('#encode-claims', '{"sub": ')
    await page.waitForSelector('#encode-status.fail')
    assert.match(await page.innerText('#encode-claims-error'), /^the claims is not valid JSON/)
    assert.equal(await page.inputValue('#encode-output'), before)
    await page.fill('#encode-claims', '[]')
    await page.waitForFunction(() => document.querySelector('#encode-claims-error')?.textContent === 'the claims must be a JSON object')
    await opened.assertPrivate(segmentsOf(before))
    await opened.context.close()
  })

  test('"Decode and verify this token" takes the token and its public key to the decoder, which verifies it', async () => {
    const opened = await encodePage()
    const { page } = opened
    const token = await page.inputValue('#encode-output')
    await page.click('#encode-to-decoder')
    assert.equal(await page.getAttribute('#tab-decode', 'aria-selected'), 'true')
    assert.equal(await page.inputValue('#token'), token)
    await page.fill('#expect-audience', 'https://api.example')
    await page.waitForSelector('#verdict.ok')
    assert.match(await page.innerText('#verdict'), /^✓ Valid\. Signature verified with ES256 P-256 public key, kid "debugger-[0-9a-f]{12}"/)
    await opened.assertPrivate([...segmentsOf(token), (await jwkField(page, 'key-private-jwk')).d!])
    await opened.context.close()
  })
})
