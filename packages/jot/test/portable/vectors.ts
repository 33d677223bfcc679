// Reads every vector file for the portable conformance suite (Node side; the browser test passes
// the same object into the page).
import { readFileSync } from 'node:fs'
import type { Vectors } from './conformance.js'

const NAMES = ['rfc7515', 'rfc7516', 'rfc7518', 'rfc7520', 'rfc7520-jwe', 'rfc7638', 'rfc7797', 'rfc8037', 'rfc9964'] as const

export function loadAllVectors(): Vectors {
  const entries = NAMES.map((name) => [name, JSON.parse(readFileSync(new URL(`../vectors/${name}.json`, import.meta.url), 'utf8'))])
  return Object.fromEntries(entries) as Vectors
}

export const README = new URL('../../../../README.md', import.meta.url)
