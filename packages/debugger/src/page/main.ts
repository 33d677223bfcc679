/**
 * The page: wires the token field, the decoded view, the verify form and the encode side together.
 * Everything runs here, on jot's WebCrypto build; the only network access is `privateFetch`, used by
 * the library for the key set and issuer URLs the reader types, and every such request is listed.
 * @module
 */
import { decodeToken, type DecodedToken } from '../inspect/decode.js'
import { checkDPoPProof } from '../inspect/dpop.js'
import { createPrivateFetch } from '../inspect/net.js'
import { scanToken } from '../inspect/scan.js'
import { verifyToken } from '../inspect/verify.js'
import { tokenWarnings } from '../inspect/warnings.js'
import { refreshRelativeTimes, renderDecoded } from './decode-view.js'
import { byId, debounce, h } from './dom.js'
import { readProofInput, renderProofReport } from './dpop-view.js'
import { encodeShareState, installEncode, verificationKeyText } from './encode-view.js'
import { installTooltipDismissal } from './json-view.js'
import { fragmentFor, readFragment, type SharedState } from './share.js'
import { installTabs, selectedTab, selectTab } from './tabs.js'
import { JWE_SEGMENTS, JWS_SEGMENTS, renderBackdrop, renderLegend } from './token-field.js'
import { choosesPublishedKeys, expectedKind, readKeySource, readSettings, renderReport, sourceKind, syncVerifyForm } from './verify-view.js'

/** The most a dropped file may be: far more than any token (jot reads up to 1 MiB), far less than a stray video. */
const MAX_DROPPED_BYTES = 4 << 20

const now = () => Date.now() / 1000
const tokenInput = byId<HTMLTextAreaElement>('token')
const input = (id: string) => byId<HTMLInputElement>(id)

let token = ''
let decoded: DecodedToken = { kind: 'empty' }
let verifyRun = 0
let reportShown = false
let proofRun = 0
let proofRecheck: ReturnType<typeof setTimeout> | undefined

const privateFetch = createPrivateFetch((url) => {
  byId('no-requests').hidden = true
  byId('requests').append(h('li', {}, `GET ${url} at ${new Date().toLocaleTimeString()}`))
})

function showWarnings(): void {
  renderDecoded(decoded, tokenWarnings(decoded, { now: now(), expected: expectedKind(), publishedKeys: choosesPublishedKeys() }), now())
}

function updateToken(): void {
  const scanned = scanToken(tokenInput.value)
  token = scanned.token
  decoded = decodeToken(token)
  renderBackdrop(byId('token-backdrop'), scanned.runs)
  const legend = byId('token-legend')
  if (decoded.kind === 'JWS' || decoded.kind === 'JWE') renderLegend(legend, decoded.segments, decoded.kind === 'JWE' ? JWE_SEGMENTS : JWS_SEGMENTS)
  else legend.replaceChildren()
  showWarnings()
  verifyChanged()
  void checkProof()
}

/** The pasted DPoP proof against the token; nothing leaves the page. Checked again when it goes stale. */
async function checkProof(): Promise<void> {
  const run = ++proofRun
  clearTimeout(proofRecheck)
  const { proof, method, url } = readProofInput()
  const report = await checkDPoPProof(proof, { token, decoded }, { method, url, now: now() })
  if (run !== proofRun) return
  renderProofReport(report, now())
  if (report.staleAt !== undefined) proofRecheck = setTimeout(() => void checkProof(), Math.max(0, report.staleAt - now()) * 1000)
}

/** A verdict is about one token, key and setting: when any changes, verify again (local keys) or withdraw it. */
function verifyChanged(): void {
  ++verifyRun
  if (verifiesAsYouType()) {
    renderReport(undefined, 'Verifying…')
    autoVerify()
  } else if (reportShown) {
    renderReport(undefined, 'The token or the settings changed: press Verify again.')
  }
}

/** A pasted key verifies as you type; a URL is fetched only when the reader presses Verify. */
const verifiesAsYouType = () => sourceKind() === 'pasted' && byId<HTMLTextAreaElement>('key').value.trim() !== '' && token !== ''

// Checked again when it fires: the reader may have switched to a URL in the meantime.
const autoVerify = debounce(() => {
  if (verifiesAsYouType()) void verify()
}, 200)

async function verify(): Promise<void> {
  const run = ++verifyRun
  if (token === '') {
    renderReport(undefined, 'Paste a token first.')
    return
  }
  const source = readKeySource()
  if (source.kind !== 'pasted' && source.url === '') {
    renderReport(undefined, source.kind === 'jwks' ? 'Type the JWK Set URL first.' : 'Type the issuer URL first.')
    return
  }
  renderReport(undefined, 'Verifying…')
  const report = await verifyToken(token, source, readSettings(), privateFetch)
  if (run !== verifyRun) return
  reportShown = true
  renderReport(report)
}

function applySharedState(shared: SharedState): void {
  if (shared.token !== undefined) tokenInput.value = shared.token
  const fields: [keyof SharedState, string][] = [['expected', 'expected'], ['iss', 'expect-issuer'], ['aud', 'expect-audience'], ['jwks', 'jwks-url'], ['issuer', 'issuer-url']]
  for (const [field, id] of fields) {
    const value = shared[field]
    if (value !== undefined) byId<HTMLInputElement | HTMLSelectElement>(id).value = value
  }
  const source = shared.jwks !== undefined ? 'jwks' : shared.issuer !== undefined ? 'issuer' : undefined
  if (source) document.querySelector<HTMLInputElement>(`input[name="source"][value="${source}"]`)!.checked = true
}

function shareLink(): void {
  const state: SharedState =
    selectedTab() === 'encode'
      ? { mode: 'encode', ...encodeShareState() }
      : {
          token,
          expected: expectedKind(),
          iss: input('expect-issuer').value.trim(),
          aud: input('expect-audience').value.trim(),
          ...(sourceKind() === 'jwks' ? { jwks: input('jwks-url').value.trim() } : {}),
          ...(sourceKind() === 'issuer' ? { issuer: input('issuer-url').value.trim() } : {}),
        }
  const link = `${location.origin}${location.pathname}${fragmentFor(state)}`
  byId('share-output').hidden = false
  const field = input('share-link')
  field.value = link
  field.focus()
  field.select()
}

function installDrop(): void {
  tokenInput.addEventListener('drop', (event) => {
    const file = event.dataTransfer?.files[0]
    if (file === undefined) return
    event.preventDefault()
    if (file.size > MAX_DROPPED_BYTES) {
      byId('decode-status').textContent = `That file is ${file.size} bytes; a token is far smaller (at most 4 MiB are read).`
      return
    }
    void file.text().then((text) => {
      tokenInput.value = text
      updateToken()
    })
  })
}

function main(): void {
  const shared = readFragment(location.hash)
  applySharedState(shared)
  let encodeStarted = false
  const encode = installEncode(shared.mode === 'encode' ? shared : {}, now)
  const startEncode = () => {
    if (encodeStarted) return
    encodeStarted = true
    encode.refresh()
  }
  installTabs((tab) => {
    if (tab === 'encode') startEncode()
  })
  installTooltipDismissal(document.body)
  installDrop()

  tokenInput.addEventListener('input', updateToken)
  byId('clear').addEventListener('click', () => {
    tokenInput.value = ''
    updateToken()
    tokenInput.focus()
  })
  const form = byId<HTMLFormElement>('verify-form')
  form.addEventListener('input', () => {
    syncVerifyForm()
    showWarnings()
    verifyChanged()
  })
  // The form never navigates (CSP form-action 'none' would refuse it anyway): Verify runs here.
  form.addEventListener('submit', (event) => {
    event.preventDefault()
    void verify()
  })
  byId('dpop-form').addEventListener('input', () => void checkProof())
  byId('share').addEventListener('click', shareLink)
  byId('encode-to-decoder').addEventListener('click', () => {
    tokenInput.value = byId<HTMLTextAreaElement>('encode-output').value
    const key = verificationKeyText()
    if (key !== undefined) {
      document.querySelector<HTMLInputElement>('input[name="source"][value="pasted"]')!.checked = true
      byId<HTMLTextAreaElement>('key').value = key
      input('secret-base64url').checked = false
    }
    syncVerifyForm()
    selectTab('decode')
    updateToken()
    tokenInput.focus()
  })

  syncVerifyForm()
  updateToken()
  if (shared.mode === 'encode') selectTab('encode')
  // Relative times ("expires in 4m") follow the clock; the rest of the view stays as it is, focus included.
  setInterval(() => refreshRelativeTimes(document, now()), 1000)
}

main()
