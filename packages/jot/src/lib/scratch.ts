/**
 * Reusable byte buffers for bytes that are consumed before the code that wrote them yields.
 * Allocating a typed array of more than 64 bytes costs V8 an off-heap backing store: 1.3–2.9 µs on
 * Node 20, 22 and 24 (measured), more than the HMAC of a whole JWT, where a 64-byte one costs 25–50 ns.
 * The hot verify and sign paths write their transient bytes (the signing input, a JWT's payload on its
 * way to text) here instead. A caller must finish with the view before any `await`: the next call
 * overwrites it.
 * @module
 */

/**
 * Slot 0: UTF-8 of text on its way to a primitive or to base64url. Slot 1: bytes decoded from
 * base64url. Slot 2: base64url characters as bytes, on their way to a string
 * (encoding) or to the decoder's loop (decoding). Separate slots, so one step's
 * output never overwrites its own input.
 */
const buffers: Uint8Array[] = [new Uint8Array(2048), new Uint8Array(2048), new Uint8Array(2048)]

/**
 * Past this, a buffer is allocated per call and not kept: signing a large payload must not pin its
 * size in memory for the life of the process, and at that size the allocation no longer matters.
 */
const MAX_KEPT = 64 * 1024

/** Slot `slot`'s buffer, grown (doubling) to hold at least `length` bytes; or a fresh one past 64 KiB. */
export function scratch(slot: 0 | 1 | 2, length: number): Uint8Array {
  if (length > MAX_KEPT) return new Uint8Array(length)
  let buffer = buffers[slot]!
  if (buffer.length < length) {
    buffer = new Uint8Array(Math.min(MAX_KEPT, Math.max(length, buffer.length * 2)))
    buffers[slot] = buffer
  }
  return buffer
}
