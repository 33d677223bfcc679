/**
 * Which values the store accepts, the same on every backend (so a backend is never chosen by how it
 * treats odd input). Keys (client ids, `jti`s, single-use namespaces and ids) are well-formed Unicode
 * without U+0000: PostgreSQL text cannot hold U+0000; the PostgreSQL driver turns a lone surrogate
 * into U+FFFD, so two different keys would meet in one row, and SQLite stores it as invalid UTF-8
 * that reads back as something else.
 * @module
 */
import { StoreInvalidKey } from './store.js'

const UNSTORABLE = /[\0\p{Cs}]/u

/** False for a key no backend can store faithfully: lookups of it find nothing. */
export function isStorableKey(value: string): boolean {
  return !UNSTORABLE.test(value)
}

/** For writes: throws {@link StoreInvalidKey} naming the field, never echoing the value. */
export function checkStorableKey(value: string, field: string): void {
  if (!isStorableKey(value)) throw new StoreInvalidKey(`${field} must be well-formed Unicode without U+0000`)
}

/**
 * The number in a signing-keys version (`'0'` before the first save, then a counter), or undefined
 * for text that can be no version of this store (it can only lose the compare-and-swap).
 */
export function parseKeysVersion(version: string): number | undefined {
  return /^(0|[1-9]\d{0,14})$/.test(version) ? Number(version) : undefined
}
