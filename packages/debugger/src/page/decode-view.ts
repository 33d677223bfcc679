/**
 * The decoded side of the page: what the token is, its warnings, the header and payload (with times
 * in the reader's zone and relative to now, and the lifetime), and what the signature segment is.
 * Nothing here is verified, and the page says so.
 * @module
 */
import type { DecodedToken, JSONObject } from '../inspect/decode.js'
import { boundKeyThumbprint } from '../inspect/dpop.js'
import { explainCode } from '../inspect/error-codes.js'
import { CLAIMS, HEADER_PARAMETERS } from '../inspect/glossary.js'
import { describeTime, tokenTimes } from '../inspect/times.js'
import type { Warning } from '../inspect/warnings.js'
import { byId, h, replaceChildren } from './dom.js'
import { renderJSONObject } from './json-view.js'

const elements = () => ({
  status: byId('decode-status'),
  warningsSection: byId('warnings-section'),
  warnings: byId('warnings'),
  headerSection: byId('header-section'),
  headerTitle: byId('header-title'),
  headerJSON: byId('header-json'),
  payloadSection: byId('payload-section'),
  times: byId('times'),
  payloadJSON: byId('payload-json'),
  signatureSection: byId('signature-section'),
  signatureNote: byId('signature-note'),
  binding: byId('binding'),
})

/** A relative time that {@link refreshRelativeTimes} keeps current. */
function relative(claim: string, at: number, now: number): HTMLElement {
  return h('span', { class: 'relative', 'data-claim': claim, 'data-at': String(at) }, describeTime(claim, at, now))
}

/** A note after each time claim: the time in the reader's zone, and in words relative to now. */
export function timeNotes(payload: JSONObject, now: number): Map<string, HTMLElement> {
  const notes = new Map<string, HTMLElement>()
  for (const [claim, time] of tokenTimes(payload, now).claims) {
    notes.set(claim, h('span', { class: 'note' }, `  // ${time.local} · `, relative(claim, time.value, now)))
  }
  return notes
}

export function refreshRelativeTimes(root: ParentNode, now: number): void {
  for (const span of root.querySelectorAll<HTMLElement>('.relative')) {
    span.textContent = describeTime(span.dataset.claim!, Number(span.dataset.at), now)
  }
}

function renderWarnings(view: ReturnType<typeof elements>, warnings: readonly Warning[]): void {
  view.warningsSection.hidden = warnings.length === 0
  replaceChildren(view.warnings, warnings.map((warning) => h('li', { 'data-warning': warning.id }, warning.text)))
}

export function renderDecoded(decoded: DecodedToken, warnings: readonly Warning[], now: number): void {
  const view = elements()
  view.headerSection.hidden = decoded.kind === 'empty' || (decoded.kind === 'invalid' && decoded.header === undefined)
  view.payloadSection.hidden = decoded.kind !== 'JWS'
  view.signatureSection.hidden = decoded.kind !== 'JWS'
  view.headerTitle.textContent = decoded.kind === 'JWE' ? 'Protected header' : 'Header'
  renderWarnings(view, warnings)

  switch (decoded.kind) {
    case 'empty':
      view.status.textContent = 'Paste a token to see inside it.'
      return
    case 'invalid': {
      replaceChildren(view.status, [
        h('strong', {}, 'Not a token jot can read: '),
        h('code', {}, decoded.problem.code),
        ` ${explainCode(decoded.problem.code)} (${decoded.problem.message})`,
      ])
      if (decoded.header) renderJSONObject(view.headerJSON, decoded.header, { glossary: HEADER_PARAMETERS, idPrefix: 'tip-header' })
      return
    }
    case 'JWE': {
      const { alg, enc } = decoded.header
      view.status.textContent = `An encrypted token (JWE), ${String(alg)} with ${String(enc)}. Only its protected header can be read; the claims need the recipient's key.`
      renderJSONObject(view.headerJSON, decoded.header, { glossary: HEADER_PARAMETERS, idPrefix: 'tip-header' })
      return
    }
    case 'JWS':
      break
  }

  const { header, payload, segments } = decoded
  const times = tokenTimes(payload, now)
  const unsecured = header.alg === 'none'
  const expiry = times.claims.get('exp')
  replaceChildren(view.status, [
    unsecured
      ? 'An unsecured JWT (alg "none"): it has no signature. '
      : `A JWT signed with ${String(header.alg)}. The signature is not verified until you verify it below. `,
    expiry ? h('strong', {}, times.status === 'expired' ? 'Expired: ' : times.status === 'not-yet-valid' ? 'Not valid yet: ' : 'Within its validity: ') : undefined,
    expiry ? relative('exp', expiry.value, now) : h('strong', {}, 'It never expires.'),
  ])
  renderJSONObject(view.headerJSON, header, { glossary: HEADER_PARAMETERS, idPrefix: 'tip-header' })

  const notes = timeNotes(payload, now)
  const jkt = boundKeyThumbprint(payload)
  if (jkt !== undefined) notes.set('cnf', h('span', { class: 'note' }, '  // DPoP-bound: see below the claims'))
  renderJSONObject(view.payloadJSON, payload, { glossary: CLAIMS, notes, idPrefix: 'tip-claim' })
  view.binding.hidden = jkt === undefined
  if (jkt !== undefined) {
    replaceChildren(view.binding, [
      h('strong', {}, 'DPoP-bound (RFC 9449 §6.1). '),
      'Its cnf.jkt names the client\'s key by its RFC 7638 thumbprint, ',
      h('code', { id: 'bound-jkt' }, jkt),
      '. The token is accepted only with a DPoP proof signed by that key, sent in the DPoP header of each request (Authorization: DPoP); as a bearer token, or with another key\'s proof, a server refuses it, so a stolen copy is worthless without the key. Paste a proof under "DPoP proof" to check it.',
    ])
  }
  replaceChildren(view.times, [
    times.lifetime
      ? h('span', { id: 'lifetime' }, `Lifetime ${times.lifetime.text} (${times.lifetime.from} to exp). `)
      : 'Lifetime unknown (no exp, or neither iat nor nbf). ',
    `Times are shown in your time zone (${Intl.DateTimeFormat().resolvedOptions().timeZone}).`,
  ])
  const signature = segments[2]!
  view.signatureNote.textContent = unsecured
    ? 'None: an unsecured token has an empty signature.'
    : `${signature.length} base64url characters (${Math.floor((signature.length * 3) / 4)} bytes), made over the header and payload segments. Only verifying it with the issuer's key tells whether the token is genuine.`
}
