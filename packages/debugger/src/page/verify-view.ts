/**
 * The verify form and its result. The form is read into a key source and settings for
 * inspect/verify.ts; the result names the key that verified the token and every check the library's
 * verifier runs, or the library's error code and what it means.
 * @module
 */
import { isPublishedKeyMaterial, parseKeyText } from '../inspect/key-material.js'
import type { CheckResult, CheckStatus, KeySource, VerifyReport, VerifySettings } from '../inspect/verify.js'
import type { ExpectedKind } from '../inspect/warnings.js'
import { byId, h, replaceChildren, showMatching } from './dom.js'

const value = (id: string) => byId<HTMLInputElement>(id).value.trim()
const checked = (id: string) => byId<HTMLInputElement>(id).checked

export type SourceKind = KeySource['kind']

export function sourceKind(): SourceKind {
  return (byId<HTMLFormElement>('verify-form').elements.namedItem('source') as RadioNodeList).value as SourceKind
}

export function expectedKind(): ExpectedKind {
  return byId<HTMLSelectElement>('expected').value as ExpectedKind
}

export function readKeySource(): KeySource {
  const kind = sourceKind()
  switch (kind) {
    case 'pasted':
      return { kind, text: byId<HTMLTextAreaElement>('key').value, secretEncoding: checked('secret-base64url') ? 'base64url' : 'text' }
    case 'jwks':
      return { kind, url: value('jwks-url') }
    case 'issuer':
      return { kind, url: value('issuer-url') }
  }
}

/** Whether the chosen keys are an issuer's published ones (for the "HS256 with published keys" warning). */
export function choosesPublishedKeys(): boolean {
  const kind = sourceKind()
  if (kind !== 'pasted') return value(kind === 'jwks' ? 'jwks-url' : 'issuer-url') !== ''
  try {
    return isPublishedKeyMaterial(parseKeyText(byId<HTMLTextAreaElement>('key').value, checked('secret-base64url') ? 'base64url' : 'text'))
  } catch {
    return false
  }
}

export function readSettings(): VerifySettings {
  const tolerance = Number(value('tolerance'))
  return {
    expected: expectedKind(),
    issuer: value('expect-issuer'),
    audience: value('expect-audience').split(/\s+/).filter((audience) => audience !== ''),
    acceptAnyAudience: checked('any-audience'),
    allowNoExp: checked('allow-no-exp'),
    clockTolerance: Number.isFinite(tolerance) && tolerance > 0 ? Math.floor(tolerance) : 0,
    nonce: value('nonce'),
  }
}

/** Shows the fields of the chosen key source and expected kind only. */
export function syncVerifyForm(): void {
  const form = byId('verify-form')
  const kind = sourceKind()
  for (const element of form.querySelectorAll<HTMLElement>('[data-source]')) element.hidden = element.dataset.source !== kind
  byId('url-hint').hidden = kind === 'pasted'
  showMatching(form, 'data-expected', expectedKind())
}

const STATUS_TEXT: Record<CheckStatus, string> = {
  passed: 'passed',
  failed: 'failed',
  unreported: 'not reported',
  'not-checked': 'not checked',
}

export function renderReport(report: VerifyReport | undefined, note?: string): void {
  const section = byId('result-section')
  section.hidden = report === undefined && note === undefined
  const verdict = byId('verdict')
  const detail = byId('failure-detail')
  const checks = byId('checks')
  if (report === undefined) {
    verdict.className = 'verdict'
    verdict.textContent = note ?? ''
    replaceChildren(detail, [])
    replaceChildren(checks, [])
    return
  }
  verdict.className = `verdict ${report.ok ? 'ok' : 'fail'}`
  if (report.ok) {
    replaceChildren(verdict, ['✓ Valid. Signature verified with ', h('span', { id: 'key-used' }, report.keyUsed ?? ''), '.'])
    replaceChildren(detail, ['Every check below that the settings ask for passed.'])
  } else {
    const failure = report.failure!
    replaceChildren(verdict, ['✗ Invalid: ', h('code', { id: 'error-code' }, failure.code)])
    replaceChildren(detail, [failure.meaning, failure.meaning === '' ? '' : ' ', h('span', { class: 'message' }, `(${failure.message})`)])
  }
  renderChecks(checks, report.checks)
}

/** One row per check: its status as a badge, what it checks, and why it failed when it did. */
export function renderChecks(list: HTMLElement, checks: readonly (CheckResult & { readonly detail?: string })[]): void {
  replaceChildren(
    list,
    checks.map((check) =>
      h(
        'li',
        { 'data-check': check.id, 'data-status': check.status },
        h('span', { class: `badge ${check.status}` }, STATUS_TEXT[check.status]),
        ' ',
        check.label,
        check.detail !== undefined && h('span', { class: 'check-detail' }, check.detail),
      ),
    ),
  )
}
