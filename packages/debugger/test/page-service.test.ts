// The page as `npm start` runs it: `jotjwt serve --dev` (the built command line) starts the token
// service and prints the debugger page's address, on an origin of its own. An access token from the
// service's demo client verifies in that page against the service by its issuer URL alone (OpenID
// discovery, then its JWKS, read cross-origin); a tampered one, one signed by another key, and one
// past its exp fail with the library's codes. Only the issuer's two documents leave the page.
import assert from 'node:assert/strict'
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { fileURLToPath } from 'node:url'
import { decodeJWTUnverified, generateKeyPair, signJWT } from 'jotjwt'
import type { Page } from 'playwright-core'
import { openPage, segmentsOf, startSession, type Session } from './browser.js'

const CLI = fileURLToPath(new URL('../../cli/dist/main.js', import.meta.url))

interface Serve {
  child: ChildProcessWithoutNullStreams
  issuer: string
  pageUrl: string
  clientId: string
  clientSecret: string
  resource: string
  tokenEndpoint: string
}

/** The value printed after `name` on a banner line. */
function field(banner: string, name: string): string {
  const found = new RegExp(`^ {2}${name} +(\\S+)`, 'm').exec(banner)
  assert.ok(found, `the banner has no ${name}:\n${banner}`)
  return found[1]!
}

async function startServe(dataDir: string): Promise<Serve> {
  const env: NodeJS.ProcessEnv = { ...process.env, JOTJWT_DATA_DIR: dataDir, NO_COLOR: '1' }
  delete env.JOTJWT_PORT
  delete env.JOTJWT_DEBUGGER_PORT
  // --port 0: a free port for the service, and so (by default) for the page too.
  const child = spawn(process.execPath, [CLI, 'serve', '--dev', '--port', '0'], { cwd: dataDir, env })
  let stdout = ''
  let stderr = ''
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
  const banner = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no banner within 30 s:\n${stdout}\n${stderr}`)), 30_000)
    child.on('exit', (code) => reject(new Error(`jotjwt serve exited with ${code}:\n${stdout}\n${stderr}`)))
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk
      if (/^Stop with Ctrl-C\./m.test(stdout)) {
        clearTimeout(timer)
        resolve(stdout)
      }
    })
  })
  return {
    child,
    issuer: field(banner, 'issuer'),
    pageUrl: field(banner, 'debugger'),
    clientId: field(banner, 'client_id'),
    clientSecret: field(banner, 'client_secret'),
    resource: field(banner, 'resource'),
    tokenEndpoint: field(banner, 'token'),
  }
}

let session: Session
let serve: Serve
const dataDir = mkdtempSync(join(tmpdir(), 'jotjwt-debugger-serve-'))

before(async () => {
  session = await startSession()
  serve = await startServe(dataDir)
})
after(async () => {
  if (serve) {
    const exited = new Promise((resolve) => serve.child.once('exit', resolve))
    serve.child.kill('SIGINT')
    await exited
  }
  await session?.close()
  rmSync(dataDir, { recursive: true, force: true })
})

async function accessToken(): Promise<string> {
  const response = await fetch(serve.tokenEndpoint, {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from(`${serve.clientId}:${serve.clientSecret}`).toString('base64')}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: 'grant_type=client_credentials',
  })
  assert.equal(response.status, 200)
  return ((await response.json()) as { access_token: string }).access_token
}

async function verify(page: Page, token: string): Promise<{ text: string; checks: Record<string, string> }> {
  await page.fill('#token', token)
  await page.click('#verify-form button[type="submit"]')
  await page.waitForSelector('#verdict.ok, #verdict.fail', { timeout: 15_000 })
  return {
    text: (await page.innerText('#verdict')).trim(),
    checks: Object.fromEntries(await page.$$eval('#checks li', (items) => items.map((item) => [item.getAttribute('data-check'), item.getAttribute('data-status')]))),
  }
}

describe('against a running jotjwt serve', () => {
  test('the page is served on its own origin, and verifies the service\'s access tokens by its issuer URL', async () => {
    assert.notEqual(new URL(serve.pageUrl).origin, new URL(serve.issuer).origin)
    const token = await accessToken()
    const { header, payload } = decodeJWTUnverified(token)
    const [encodedHeader, , signature] = token.split('.')
    const tampered = `${encodedHeader}.${Buffer.from(JSON.stringify({ ...payload, scope: 'demo:read demo:write admin' })).toString('base64url')}.${signature}`
    const { privateKey } = await generateKeyPair('ES256')
    const { iss, aud, sub, client_id, scope } = payload as Record<string, string>
    const otherKey = await signJWT({ sub: sub!, client_id, scope }, privateKey, { issuer: iss!, audience: aud!, expiresIn: '10m', jwtId: 'forged', kid: header.kid as string, typ: 'at+jwt' })

    const opened = await openPage(session, { pageUrl: serve.pageUrl })
    const { page } = opened
    await page.check('input[name="source"][value="issuer"]')
    await page.fill('#issuer-url', serve.issuer)
    await page.selectOption('#expected', 'access')
    await page.fill('#expect-audience', serve.resource)

    const valid = await verify(page, token)
    assert.ok(valid.text.startsWith(`✓ Valid. Signature verified with ES256 P-256 public key, kid ${JSON.stringify(header.kid)}, thumbprint `), valid.text)
    for (const check of ['keys', 'signature', 'typ', 'required', 'iss', 'aud', 'iat', 'nbf', 'exp', 'client_id']) assert.equal(valid.checks[check], 'passed', check)
    assert.equal(await page.isVisible('#warnings-section'), false, 'an access token with at+jwt, kid and exp earns no warning')

    assert.equal((await verify(page, tampered)).text, '✗ Invalid: ERR_JWS_SIGNATURE_INVALID')
    assert.equal((await verify(page, otherKey)).text, '✗ Invalid: ERR_JWS_SIGNATURE_INVALID')
    // Two hours on in the page's clock: the service's 10-minute token has expired.
    await page.clock.setFixedTime(new Date(Date.now() + 2 * 3600 * 1000))
    const expired = await verify(page, token)
    assert.equal(expired.text, '✗ Invalid: ERR_JWT_EXPIRED')
    assert.equal(expired.checks.exp, 'failed')

    const discovery = `${serve.issuer}/.well-known/openid-configuration`
    await opened.assertPrivate([...segmentsOf(token, tampered, otherKey), serve.clientSecret], [discovery, `${serve.issuer}/jwks.json`])
    await opened.context.close()
  })
})
