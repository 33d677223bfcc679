/**
 * A minimal, strict DER reader and writer (ITU-T X.690 §8 and §10) for the few structures key import
 * touches: SPKI (RFC 5280 §4.1), PKCS#8 (RFC 5208, RFC 5958), PKCS#1 (RFC 8017 App. A.1), SEC1
 * (RFC 5915) and the X.509 envelope around an SPKI. It is not a general ASN.1 library.
 *
 * Strict on purpose: one-byte tags, definite and minimal lengths, no bytes after an element that
 * should be the last. DER gives every value exactly one encoding, so accepting only DER leaves no BER
 * leniency for a parser differential between this reader and the crypto backend that parses the same
 * bytes again. Every malformation throws {@link KeyInvalid}; nothing here throws a TypeError or
 * RangeError on hostile input.
 * @module
 */
import { KeyInvalid } from '../errors.js'

/** The universal and context-specific tags key structures use (X.690 §8.1.2). */
export const TAG = Object.freeze({
  INTEGER: 0x02,
  BIT_STRING: 0x03,
  OCTET_STRING: 0x04,
  NULL: 0x05,
  OID: 0x06,
  SEQUENCE: 0x30,
  /** `[0]` constructed: EXPLICIT [0] (X.509 version, SEC1 parameters) or IMPLICIT SET (PKCS#8 attributes). */
  CONTEXT_0: 0xa0,
  /** `[1]` constructed: EXPLICIT [1] (SEC1 publicKey). */
  CONTEXT_1: 0xa1,
  /** `[0]` primitive: IMPLICIT OCTET STRING (RFC 9881 ML-DSA private key seed). */
  CONTEXT_0_PRIMITIVE: 0x80,
  /** `[1]` primitive: IMPLICIT BIT STRING (RFC 5958 §2 publicKey). */
  CONTEXT_1_PRIMITIVE: 0x81,
})

/**
 * Deepest nesting the reader descends to. Key structures need 4 levels (Certificate → tbsCertificate
 * → SPKI → AlgorithmIdentifier; PKCS#8 → OCTET STRING → ECPrivateKey → [0]); the bound keeps any
 * future caller from recursing on attacker-controlled depth.
 */
const MAX_DEPTH = 8

/** One decoded TLV. `encoded` and `contents` are views into the input, not copies. */
export interface DERElement {
  readonly tag: number
  /** The whole tag-length-value encoding. */
  readonly encoded: Uint8Array
  /** The contents octets. */
  readonly contents: Uint8Array
  /** Nesting level of the reader that produced this element. */
  readonly depth: number
}

function invalid(message: string): KeyInvalid {
  return new KeyInvalid(`malformed DER: ${message}`)
}

/** Reads consecutive elements from one level of a DER encoding. */
export class DERReader {
  readonly #bytes: Uint8Array
  readonly #depth: number
  #offset = 0

  constructor(bytes: Uint8Array, depth = 0) {
    if (depth > MAX_DEPTH) throw invalid('nested too deeply')
    this.#bytes = bytes
    this.#depth = depth
  }

  get done(): boolean {
    return this.#offset >= this.#bytes.length
  }

  /** The next element's tag without consuming it; undefined at the end. */
  peekTag(): number | undefined {
    return this.done ? undefined : this.#bytes[this.#offset]
  }

  /** Consumes the next element, whatever its tag. */
  next(what: string): DERElement {
    const bytes = this.#bytes
    const start = this.#offset
    if (start >= bytes.length) throw invalid(`${what} is missing`)
    const tag = bytes[start]!
    // X.690 §8.1.2.4: tag number 31 introduces a multi-byte tag, which no key structure uses.
    if ((tag & 0x1f) === 0x1f) throw invalid(`${what} has a multi-byte tag`)
    let offset = start + 1
    if (offset >= bytes.length) throw invalid(`${what} is truncated`)
    let length = bytes[offset++]!
    if (length === 0x80) throw invalid(`${what} has an indefinite length (BER, not DER)`)
    if (length > 0x80) {
      const count = length & 0x7f
      // Four length octets already exceed any key; more would also overflow a 32-bit length.
      if (count > 4) throw invalid(`${what} has an oversized length`)
      if (offset + count > bytes.length) throw invalid(`${what} is truncated`)
      // X.690 §10.1: the long form is for lengths of 128 and more, without leading zero octets.
      if (bytes[offset] === 0) throw invalid(`${what} has a non-minimal length encoding`)
      length = 0
      for (let i = 0; i < count; i++) length = length * 256 + bytes[offset++]!
      if (length < 0x80) throw invalid(`${what} has a non-minimal length encoding`)
    }
    const end = offset + length
    if (end > bytes.length) throw invalid(`${what} is truncated`)
    this.#offset = end
    return {
      tag,
      encoded: bytes.subarray(start, end),
      contents: bytes.subarray(offset, end),
      depth: this.#depth,
    }
  }

  /** Consumes the next element, which must carry `tag`. */
  read(tag: number, what: string): DERElement {
    if (this.peekTag() !== tag && !this.done) throw invalid(`${what} has an unexpected tag`)
    return this.next(what)
  }

  /** Consumes the next element only if it carries `tag` (an OPTIONAL component). */
  optional(tag: number, what: string): DERElement | undefined {
    return this.peekTag() === tag ? this.next(what) : undefined
  }

  /** Asserts that this level holds nothing more (no trailing bytes, no unexpected components). */
  end(what: string): void {
    if (!this.done) throw invalid(`${what} has unexpected trailing data`)
  }
}

/** A reader over the components of a constructed element (SEQUENCE, SET, EXPLICIT tag). */
export function children(element: DERElement): DERReader {
  if ((element.tag & 0x20) === 0) throw invalid('expected a constructed element')
  return new DERReader(element.contents, element.depth + 1)
}

/** Decodes `bytes` as exactly one element carrying `tag`, with nothing after it. */
export function readDER(bytes: Uint8Array, tag: number, what: string, depth = 0): DERElement {
  const reader = new DERReader(bytes, depth)
  const element = reader.read(tag, what)
  reader.end(what)
  return element
}

/** Reads a SEQUENCE and returns a reader over its components. */
export function readSequence(reader: DERReader, what: string): DERReader {
  return children(reader.read(TAG.SEQUENCE, what))
}

/**
 * The contents of an INTEGER after checking it is minimally encoded (X.690 §8.3.2: the first nine
 * bits are never all zeros or all ones) and not negative (no key component is).
 */
export function decodeInteger(element: DERElement, what: string): Uint8Array {
  const value = element.contents
  if (value.length === 0) throw invalid(`${what} is an empty INTEGER`)
  if (value.length > 1) {
    const first = value[0]!
    const second = value[1]! & 0x80
    if ((first === 0 && second === 0) || (first === 0xff && second !== 0)) {
      throw invalid(`${what} is a non-minimal INTEGER`)
    }
  }
  if (value[0]! & 0x80) throw invalid(`${what} is negative`)
  return value
}

/** A small non-negative INTEGER such as a structure's version number. */
export function decodeVersion(element: DERElement, what: string): number {
  const value = decodeInteger(element, what)
  if (value.length > 1) throw invalid(`${what} is out of range`)
  return value[0]!
}

/** Checks a NULL is empty (X.690 §8.8.2). */
export function decodeNull(element: DERElement, what: string): void {
  if (element.contents.length !== 0) throw invalid(`${what} is a NULL with contents`)
}

/**
 * The bytes of an octet-aligned BIT STRING (X.690 §8.6). Keys are always whole octets (RFC 5280
 * §4.1.2.7, RFC 5958 §2), so a non-zero unused-bits count is rejected rather than interpreted.
 */
export function decodeBitString(element: DERElement, what: string): Uint8Array {
  const value = element.contents
  if (value.length === 0) throw invalid(`${what} is an empty BIT STRING`)
  if (value[0] !== 0) throw invalid(`${what} is not octet-aligned`)
  return value.subarray(1)
}

/** Dotted-decimal form of an OBJECT IDENTIFIER (X.690 §8.19), e.g. `1.2.840.10045.2.1`. */
export function decodeOID(element: DERElement, what: string): string {
  const value = element.contents
  if (value.length === 0) throw invalid(`${what} is an empty OBJECT IDENTIFIER`)
  const arcs: number[] = []
  let arc = 0
  let fresh = true
  for (const byte of value) {
    // X.690 §8.19.2: a subidentifier never starts with 0x80 (that would be a redundant zero).
    if (fresh && byte === 0x80) throw invalid(`${what} has a non-minimal OBJECT IDENTIFIER arc`)
    // No OID jot recognizes comes close; the cap keeps the arithmetic exact.
    if (arc > 0xffffffff) throw invalid(`${what} has an oversized OBJECT IDENTIFIER arc`)
    arc = arc * 128 + (byte & 0x7f)
    fresh = (byte & 0x80) === 0
    if (fresh) {
      arcs.push(arc)
      arc = 0
    }
  }
  if (!fresh) throw invalid(`${what} is a truncated OBJECT IDENTIFIER`)
  // X.690 §8.19.4: the first subidentifier packs the first two arcs as 40 * X + Y.
  const first = arcs[0]!
  const head = first < 40 ? [0, first] : first < 80 ? [1, first - 40] : [2, first - 80]
  return [...head, ...arcs.slice(1)].join('.')
}

/** DER encoding of a length (X.690 §10.1: short form below 128, else minimal long form). */
function encodeLength(length: number): Uint8Array {
  if (length < 0x80) return Uint8Array.of(length)
  const octets: number[] = []
  for (let rest = length; rest > 0; rest = Math.floor(rest / 256)) octets.unshift(rest % 256)
  return Uint8Array.of(0x80 | octets.length, ...octets)
}

/** A TLV with `tag` around the concatenated `contents`. */
export function encodeDER(tag: number, ...contents: Uint8Array[]): Uint8Array {
  let length = 0
  for (const part of contents) length += part.length
  const header = encodeLength(length)
  const out = new Uint8Array(1 + header.length + length)
  out[0] = tag
  out.set(header, 1)
  let offset = 1 + header.length
  for (const part of contents) {
    out.set(part, offset)
    offset += part.length
  }
  return out
}

/** An INTEGER TLV for a small non-negative number (version fields). */
export function encodeVersion(value: number): Uint8Array {
  if (!Number.isInteger(value) || value < 0 || value > 0x7f) throw new RangeError('version out of range')
  return encodeDER(TAG.INTEGER, Uint8Array.of(value))
}

/** An OBJECT IDENTIFIER TLV from its dotted form; used for jot's own constant OIDs only. */
export function encodeOID(dotted: string): Uint8Array {
  const arcs = dotted.split('.').map(Number)
  if (arcs.length < 2 || arcs.some((arc) => !Number.isSafeInteger(arc) || arc < 0)) {
    throw new RangeError(`not an object identifier: ${dotted}`)
  }
  const [first, second, ...rest] = arcs as [number, number, ...number[]]
  const octets: number[] = []
  for (const arc of [first * 40 + second, ...rest]) {
    const group = [arc & 0x7f]
    for (let value = Math.floor(arc / 128); value > 0; value = Math.floor(value / 128)) {
      group.unshift((value & 0x7f) | 0x80)
    }
    octets.push(...group)
  }
  return encodeDER(TAG.OID, Uint8Array.from(octets))
}

/** The two-byte NULL TLV (AlgorithmIdentifier parameters of rsaEncryption, RFC 3279 §2.3.1). */
export const DER_NULL: Uint8Array = Uint8Array.of(TAG.NULL, 0x00)
