/**
 * Signing keys for people (`serve --keys`, `admin keys`): one row per key with its state and its
 * schedule as UTC times, `-` where a time is not planned yet.
 * @module
 */
import { formatTable } from './table.js'

/** A key as the token service describes it (times in seconds since the epoch). */
export interface KeyRow {
  kid: string
  alg: string
  state: string
  createdAt: number
  activateAt: number
  deactivateAt?: number | undefined
  retireAt?: number | undefined
}

function time(seconds: number | undefined): string {
  return seconds === undefined ? '-' : new Date(Math.floor(seconds) * 1000).toISOString().replace('.000Z', 'Z')
}

/** The key table: kid, alg, state, when it is published, signs, stops signing and leaves the JWKS. */
export function formatKeyTable(keys: readonly KeyRow[]): string {
  return formatTable(
    ['kid', 'alg', 'state', 'publishes', 'signs', 'stops signing', 'leaves JWKS'],
    keys.map((key) => [key.kid, key.alg, key.state, time(key.createdAt), time(key.activateAt), time(key.deactivateAt), time(key.retireAt)]),
  )
}
