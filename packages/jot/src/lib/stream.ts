/** Reading a byte stream with a hard size cap (decompression output, HTTP bodies). @module */
import { concatBytes } from './bytes.js'

/**
 * Reads `stream` to the end, or stops as soon as more than `maxLength` bytes have arrived: then the
 * stream is cancelled (so a decompression bomb or an endless body never expands past the cap) and
 * the result is null.
 */
export async function readCapped(stream: ReadableStream<Uint8Array>, maxLength: number): Promise<Uint8Array | null> {
  const reader = stream.getReader()
  const chunks: Uint8Array[] = []
  let length = 0
  for (;;) {
    const { done, value } = await reader.read()
    if (done) return concatBytes(...chunks)
    length += value.length
    if (length > maxLength) {
      await reader.cancel().catch(() => undefined)
      return null
    }
    chunks.push(value)
  }
}
