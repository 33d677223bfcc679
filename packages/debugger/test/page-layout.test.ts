// How the page looks and works for everyone: screenshots at 360 px and 1440 px in light and dark
// (kept in test-artifacts/, a DPoP proof's report included), no sideways scrolling, no serious
// accessibility violation found by axe-core, and the whole flow done with the keyboard alone.
import assert from 'node:assert/strict'
import { createRequire } from 'node:module'
import { after, before, describe, test } from 'node:test'
import type { Page } from 'playwright-core'
import { createDPoPProof, generateKeyPair } from 'jotjwt'
import { ARTIFACTS, openPage, segmentsOf, startSession, type Session } from './browser.js'
import { HS256_SECRET, SEED_EDDSA_IAT, SEED_EDDSA_WRAPPED, seedHS256Token } from './seeds.js'

const AXE = createRequire(import.meta.url).resolve('axe-core/axe.min.js')
const WIDTHS = [360, 1440] as const
const SCHEMES = ['light', 'dark'] as const

let session: Session
let hs256 = ''
let proof = ''
before(async () => {
  session = await startSession()
  hs256 = await seedHS256Token()
  // Fresh at the page's fixed clock; the HS256 token is not bound, so the binding row fails.
  proof = await createDPoPProof((await generateKeyPair('ES256')).privateKey, { method: 'GET', url: 'https://api.example/orders', accessToken: hs256, currentTime: SEED_EDDSA_IAT + 55 })
})
after(() => session.close())

/** The decode side with a token, its warnings and a verification result; the clock fixed for the times. */
async function fillDecode(page: Page): Promise<void> {
  await page.clock.setFixedTime(new Date((SEED_EDDSA_IAT + 60) * 1000))
  await page.fill('#token', hs256)
  await page.check('#allow-no-exp')
  await page.fill('#key', HS256_SECRET)
  await page.waitForSelector('#verdict.ok')
  await page.fill('#dpop-proof', proof)
  await page.waitForSelector('#dpop-verdict.fail')
}

async function assertNoSidewaysScroll(page: Page, what: string): Promise<void> {
  const { scrollWidth, innerWidth } = await page.evaluate(() => ({ scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth }))
  assert.ok(scrollWidth <= innerWidth, `${what}: the page is ${scrollWidth} px wide in a ${innerWidth} px window`)
}

interface AxeViolation {
  id: string
  impact: string | null
  help: string
  nodes: { target: string[] }[]
}

async function axeViolations(page: Page): Promise<AxeViolation[]> {
  await page.addScriptTag({ path: AXE })
  const { violations, passes } = await page.evaluate(async () => {
    const axe = (globalThis as unknown as { axe: { run: (context: Document) => Promise<{ violations: AxeViolation[]; passes: unknown[] }> } }).axe
    const result = await axe.run(document)
    return {
      violations: result.violations.map(({ id, impact, help, nodes }) => ({ id, impact, help, nodes: nodes.map((node) => ({ target: node.target })) })),
      passes: result.passes.length,
    }
  })
  // A checker that checked nothing would report no violations too.
  assert.ok(passes > 20, `axe-core ran only ${passes} rules`)
  return violations
}

describe('layout and accessibility', () => {
  for (const width of WIDTHS) {
    for (const colorScheme of SCHEMES) {
      test(`${width} px, ${colorScheme}: readable, no sideways scrolling; screenshots kept`, async () => {
        const opened = await openPage(session, { viewport: { width, height: 900 }, colorScheme })
        const { page } = opened
        await fillDecode(page)
        await assertNoSidewaysScroll(page, `decode ${width} ${colorScheme}`)
        await page.screenshot({ path: `${ARTIFACTS}decode-${width}-${colorScheme}.png`, fullPage: true })
        // The wrapped seed token, coloured as pasted.
        await page.fill('#token', SEED_EDDSA_WRAPPED)
        await page.locator('.area-token').screenshot({ path: `${ARTIFACTS}token-${width}-${colorScheme}.png` })
        await page.click('#tab-encode')
        await page.waitForSelector('#encode-status.ok')
        await assertNoSidewaysScroll(page, `encode ${width} ${colorScheme}`)
        await page.screenshot({ path: `${ARTIFACTS}encode-${width}-${colorScheme}.png`, fullPage: true })
        await opened.assertPrivate([...segmentsOf(hs256, proof), HS256_SECRET])
        await opened.context.close()
      })
    }
  }

  for (const colorScheme of SCHEMES) {
    test(`axe-core finds no serious or critical violation (${colorScheme})`, async (t) => {
      // Injecting axe-core is an inline script, which the page's own policy refuses (script-src 'self'
      // and Trusted Types): this context alone bypasses the CSP, and only to let the checker in.
      const opened = await openPage(session, { viewport: { width: 1440, height: 900 }, colorScheme, bypassCSP: true })
      const { page } = opened
      await fillDecode(page)
      await page.locator('#payload-json .term').first().focus()
      const decode = await axeViolations(page)
      await page.click('#tab-encode')
      await page.waitForSelector('#encode-status.ok')
      await page.check('#encrypt')
      const encode = await axeViolations(page)
      for (const violation of [...decode, ...encode]) t.diagnostic(`axe ${violation.impact}: ${violation.id} (${violation.help}) at ${violation.nodes.map((node) => node.target.join(' ')).join(', ')}`)
      const serious = [...decode, ...encode].filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
      assert.deepEqual(serious.map((violation) => `${violation.id}: ${violation.nodes.map((node) => node.target.join(' ')).join(', ')}`), [])
      await opened.context.close()
    })
  }

  test('the keyboard alone: switch tabs with the arrows, reach every field, verify with Enter', async () => {
    const opened = await openPage(session)
    const { page } = opened
    await page.focus('#tab-decode')
    await page.keyboard.press('ArrowRight')
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'tab-encode')
    assert.equal(await page.isVisible('#panel-encode'), true)
    await page.keyboard.press('Home')
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'tab-decode')
    assert.equal(await page.isVisible('#panel-decode'), true)

    const tabTo = async (selector: string) => {
      for (let presses = 0; presses < 40; presses++) {
        await page.keyboard.press('Tab')
        if (await page.evaluate((target) => document.activeElement?.matches(target) ?? false, selector)) return
      }
      assert.fail(`Tab never reached ${selector}`)
    }
    await tabTo('#token')
    await page.keyboard.insertText(hs256)
    await tabTo('#key')
    await page.keyboard.insertText(`${HS256_SECRET}-wrong`)
    await tabTo('#allow-no-exp')
    await page.keyboard.press('Space')
    await tabTo('#verify-form button[type="submit"]')
    await page.keyboard.press('Enter')
    await page.waitForSelector('#verdict.fail')
    assert.equal((await page.innerText('#verdict')).trim(), '✗ Invalid: ERR_JWS_SIGNATURE_INVALID')
    await opened.assertPrivate([...segmentsOf(hs256), HS256_SECRET])
    await opened.context.close()
  })
})
