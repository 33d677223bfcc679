/**
 * The DPoP proof part of the decode side: the pasted proof and the request it came with, read for
 * inspect/dpop.ts, and its report: a verdict, one row per check, and the proof's header and claims.
 * @module
 */
import type { DPoPReport } from '../inspect/dpop.js'
import { DPOP_PROOF_CLAIMS, DPOP_PROOF_HEADER } from '../inspect/glossary.js'
import { scanToken } from '../inspect/scan.js'
import { timeNotes } from './decode-view.js'
import { byId, h, replaceChildren } from './dom.js'
import { renderJSONObject } from './json-view.js'
import { renderChecks } from './verify-view.js'

export interface ProofInput {
  /** The proof, without a `DPoP:` header name, quotes or line breaks around it. */
  readonly proof: string
  readonly method: string
  readonly url: string
}

export function readProofInput(): ProofInput {
  return {
    proof: scanToken(byId<HTMLTextAreaElement>('dpop-proof').value).token,
    method: byId<HTMLInputElement>('dpop-method').value.trim(),
    url: byId<HTMLInputElement>('dpop-url').value.trim(),
  }
}

export function renderProofReport(report: DPoPReport, now: number): void {
  const verdict = byId('dpop-verdict')
  const { proof } = report
  byId('dpop-header-section').hidden = proof.kind !== 'JWS'
  byId('dpop-payload-section').hidden = proof.kind !== 'JWS'
  if (proof.kind === 'empty') {
    verdict.className = 'verdict'
    verdict.textContent = 'Paste a proof to check it against the token.'
    replaceChildren(byId('dpop-checks'), [])
    return
  }
  const failed = report.checks.filter((check) => check.status === 'failed').length
  verdict.className = `verdict ${report.ok ? 'ok' : 'fail'}`
  verdict.textContent = report.ok
    ? '✓ The proof passes every check below.'
    : failed > 0
      ? `✗ The proof fails ${failed === 1 ? 'a check' : `${failed} checks`} below.`
      : '✗ The proof could not be checked.'
  renderChecks(byId('dpop-checks'), report.checks)
  if (proof.kind !== 'JWS') return
  const headerNotes = new Map<string, HTMLElement>()
  if (report.jkt !== undefined) headerNotes.set('jwk', h('span', { class: 'note' }, `  // RFC 7638 thumbprint ${report.jkt}`))
  renderJSONObject(byId('dpop-header-json'), proof.header, { glossary: DPOP_PROOF_HEADER, notes: headerNotes, idPrefix: 'tip-dpop-header' })
  renderJSONObject(byId('dpop-payload-json'), proof.payload, { glossary: DPOP_PROOF_CLAIMS, notes: timeNotes(proof.payload, now), idPrefix: 'tip-dpop-claim' })
}
