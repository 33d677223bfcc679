/**
 * Random identifiers made on every request (an access token's `jti`): cut from a pool of random
 * bytes filled 4 KiB at a time, instead of a call into the random generator and a fresh buffer per
 * id. Every byte is handed out once; a drained pool is replaced, never refilled in place.
 * @module
 */
import { randomFillSync } from 'node:crypto'

const POOL_BYTES = 4096

let pool = Buffer.alloc(0)
let offset = 0

/**
 * `bytes` random bytes (at most 4096), base64url.
 *
 * @example
 * ```ts
 * const jti = randomId(16) // 128 bits, 22 characters
 * ```
 */
export function randomId(bytes: number): string {
  if (!Number.isInteger(bytes) || bytes < 1 || bytes > POOL_BYTES) throw new RangeError(`randomId: 1 to ${POOL_BYTES} bytes`)
  if (offset + bytes > pool.length) {
    pool = randomFillSync(Buffer.allocUnsafe(POOL_BYTES))
    offset = 0
  }
  const id = pool.toString('base64url', offset, offset + bytes)
  offset += bytes
  return id
}
