/**
 * Reusable byte buffers for bytes that are consumed before the code that wrote them yields.
 * Allocating a typed array of more than 64 bytes costs V8 an off-heap backing store: 1.3–2.9 µs on
 * Node 20, 22 and 24 (measured), more than the HMAC of a whole JWT, where a 64-byte one costs 25–50 ns.
 * The hot verify and sign paths write their transient bytes (the signing input, a JWT's payload on its
 * way to text) here instead. A caller must finish with the view before any `await`: the next call
 * overwrites it.
 * @module
 */

const buffers: Uint8Array[] = [new Uint8Array(2048), new Uint8Array(2048)]

/** Slot `slot`'s buffer, grown (doubling) to hold at least `length` bytes. */
export function scratch(slot: 0 | 1, length: number): Uint8Array {
  let buffer = buffers[slot]!
  if (buffer.length < length) {
    buffer = new Uint8Array(Math.max(length, buffer.length * 2))
    buffers[slot] = buffer
  }
  return buffer
}
