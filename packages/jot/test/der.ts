// DER (X.690) just far enough for tests that build or take apart SPKI and PKCS#8 by hand, and PEM
// armour around it. Test-only; the library's own strict parser is src/key/asn1.ts.

function encodeLength(length: number): Uint8Array {
  if (length < 0x80) return Uint8Array.of(length)
  const bytes: number[] = []
  for (let rest = length; rest > 0; rest = Math.floor(rest / 256)) bytes.unshift(rest % 256)
  return Uint8Array.of(0x80 | bytes.length, ...bytes)
}

/** One TLV: `tag`, then the length, then the concatenated `contents`. */
export function der(tag: number, ...contents: Uint8Array[]): Uint8Array {
  const body = Buffer.concat(contents)
  return new Uint8Array(Buffer.concat([Uint8Array.of(tag), encodeLength(body.length), body]))
}

export interface TLV {
  readonly tag: number
  readonly contents: Uint8Array
  /** The whole element: tag, length and contents. */
  readonly encoded: Uint8Array
  readonly end: number
}

/** The element starting at `offset`. */
export function readTLV(bytes: Uint8Array, offset = 0): TLV {
  const tag = bytes[offset]!
  let length = bytes[offset + 1]!
  let start = offset + 2
  if (length & 0x80) {
    const count = length & 0x7f
    length = 0
    for (let i = 0; i < count; i++) length = length * 256 + bytes[start + i]!
    start += count
  }
  if (start + length > bytes.length) throw new Error('truncated DER')
  return { tag, contents: bytes.subarray(start, start + length), encoded: bytes.subarray(offset, start + length), end: start + length }
}

/** Every element of a constructed element's contents, in order. */
export function readAll(bytes: Uint8Array): TLV[] {
  const items: TLV[] = []
  for (let offset = 0; offset < bytes.length; ) {
    const item = readTLV(bytes, offset)
    items.push(item)
    offset = item.end
  }
  return items
}

/** RFC 7468 PEM text for DER (64-character lines, trailing newline). */
export function toPEM(bytes: Uint8Array, label: string): string {
  const body = Buffer.from(bytes).toString('base64').match(/.{1,64}/g)!.join('\n')
  return `-----BEGIN ${label}-----\n${body}\n-----END ${label}-----\n`
}

/** PEM text → DER (one block, no headers). */
export function fromPEM(pem: string): Uint8Array {
  return new Uint8Array(Buffer.from(pem.replace(/-----[^-]+-----|\s/g, ''), 'base64'))
}
