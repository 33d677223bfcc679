/**
 * The token as typed, coloured by segment. The textarea stays the real, accessible control; a copy of
 * its text sits behind it (same font, padding and wrapping, in one grid cell) with each segment's
 * characters on its colour, so the colours follow the reader's own line breaks and quotes.
 * @module
 */
import type { TextRun } from '../inspect/scan.js'
import { h, replaceChildren } from './dom.js'

export const JWS_SEGMENTS = ['Header', 'Payload', 'Signature'] as const
export const JWE_SEGMENTS = ['Protected header', 'Encrypted key', 'Initialization vector', 'Ciphertext', 'Authentication tag'] as const

/** Segments beyond the colours there are (a malformed token with many dots) share the last colour class. */
const segmentClass = (index: number) => `seg-${Math.min(index, 4)}`

export function renderBackdrop(backdrop: HTMLElement, runs: readonly TextRun[]): void {
  const children = runs.map((run) =>
    run.role === 'outside' ? run.text : h('span', { class: run.role === 'dot' ? 'dot' : segmentClass(run.role) }, run.text),
  )
  // A textarea shows a line after a final line break; the copy needs a character there to match.
  replaceChildren(backdrop, [...children, '\u200b'])
}

/** "Header (36 characters) · Payload (…) · Signature (…)", each with its colour swatch. */
export function renderLegend(legend: HTMLElement, segments: readonly string[], names: readonly string[]): void {
  const items = segments.flatMap((segment, index) => [
    index > 0 ? ' · ' : undefined,
    h('span', { class: `legend-item ${segmentClass(index)}` }, h('span', { class: 'swatch', 'aria-hidden': 'true' }), `${names[index] ?? `Segment ${index + 1}`} (${segment.length} characters)`),
  ])
  replaceChildren(legend, items)
}
