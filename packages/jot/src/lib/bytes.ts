/** Small byte helpers shared by every module. @module */

export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  let length = 0
  for (const part of parts) length += part.length
  const out = new Uint8Array(length)
  let offset = 0
  for (const part of parts) {
    out.set(part, offset)
    offset += part.length
  }
  return out
}

/**
 * Realm-safe check for a Uint8Array (a Buffer, or an array from another realm, also passes); a
 * bare `instanceof` fails across realms (iframes, vm contexts). Never throws: a Proxy whose traps
 * throw is not bytes.
 */
export function isUint8Array(value: unknown): value is Uint8Array {
  try {
    return value instanceof Uint8Array || Object.prototype.toString.call(value) === '[object Uint8Array]'
  } catch {
    return false
  }
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false
  const proto: unknown = Object.getPrototypeOf(value)
  return proto === null || proto === Object.prototype || Object.getPrototypeOf(proto) === null
}

/**
 * Compares two byte arrays in time that depends only on their lengths (never on where they differ),
 * for authentication tags (RFC 7518 §5.2.2.2).
 */
export function timingSafeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false
  let difference = 0
  for (let i = 0; i < a.length; i++) difference |= a[i]! ^ b[i]!
  return difference === 0
}
