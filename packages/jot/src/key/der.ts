/**
 * DER key material without a PEM label: which key structure the bytes are is read from the
 * structure itself. SPKI, PKCS#8, PKCS#1, SEC1 and X.509 differ in the tags of their SEQUENCE's
 * components (X.690 §8.9), so that shape says what a PEM label would. Only a complete, well-formed
 * encoding counts (strict DER, every length exact, nothing after the SEQUENCE), which also keeps
 * arbitrary bytes, such as a random HMAC secret, from passing for a key: see {@link derKeyStructure}.
 * Only the shape is read here (the secret check needs nothing more); the key itself is parsed as
 * the PEM of the same structure would be, with {@link DER_PEM_LABELS}.
 * @module
 */
import { KeyInvalid } from '../errors.js'
import { table } from '../jwa/curves.js'
import { DERReader, TAG, readDER, type DERElement } from './asn1.js'

/** The key structures jot reads as DER, named as their ASN.1 modules name them. */
export type DERKeyStructure =
  | 'SubjectPublicKeyInfo'
  | 'PrivateKeyInfo'
  | 'RSAPublicKey'
  | 'RSAPrivateKey'
  | 'ECPrivateKey'
  | 'Certificate'

/** One letter per component tag; other tags read as '?', which no shape names where it matters. */
const LETTERS = table<string>({
  [TAG.INTEGER]: 'I',
  [TAG.BIT_STRING]: 'B',
  [TAG.OCTET_STRING]: 'O',
  [TAG.OID]: 'D',
  [TAG.SEQUENCE]: 'S',
  [TAG.CONTEXT_0]: '0',
  [TAG.CONTEXT_1]: '1',
  [TAG.CONTEXT_1_PRIMITIVE]: 'p',
})

/** RFC 5280 §4.1.1.2 AlgorithmIdentifier: an OID, then at most one parameters element. */
const ALGORITHM_IDENTIFIER = /^D.?$/

/** The PEM label of each structure (RFC 7468 §5, §10, §11; RFC 8017 App. C; RFC 5915 §4). */
export const DER_PEM_LABELS: Readonly<Record<DERKeyStructure, string>> = {
  SubjectPublicKeyInfo: 'PUBLIC KEY',
  PrivateKeyInfo: 'PRIVATE KEY',
  RSAPublicKey: 'RSA PUBLIC KEY',
  RSAPrivateKey: 'RSA PRIVATE KEY',
  ECPrivateKey: 'EC PRIVATE KEY',
  Certificate: 'CERTIFICATE',
}

interface Shape {
  readonly structure: DERKeyStructure
  /** The component tags of the outer SEQUENCE. */
  readonly components: RegExp
  /** Component index → the tags its own components must have. */
  readonly inner?: ReadonlyArray<readonly [number, RegExp]>
}

const SHAPES: readonly Shape[] = [
  // RFC 5280 §4.1: tbsCertificate ([0] version, serialNumber, signature, issuer, validity, subject,
  // subjectPublicKeyInfo, then optional fields), signatureAlgorithm, signatureValue.
  { structure: 'Certificate', components: /^SSB$/, inner: [[0, /^0?ISSSSS/], [1, ALGORITHM_IDENTIFIER]] },
  // RFC 5280 §4.1.2.7: algorithm, subjectPublicKey.
  { structure: 'SubjectPublicKeyInfo', components: /^SB$/, inner: [[0, ALGORITHM_IDENTIFIER]] },
  // RFC 5958 §2: version, privateKeyAlgorithm, privateKey, [0] attributes, [1] publicKey.
  { structure: 'PrivateKeyInfo', components: /^ISO0?p?$/, inner: [[1, ALGORITHM_IDENTIFIER]] },
  // RFC 8017 App. A.1.1: modulus, publicExponent.
  { structure: 'RSAPublicKey', components: /^II$/ },
  // RFC 8017 App. A.1.2: version, n, e, d, p, q, dP, dQ, qInv, and otherPrimeInfos for version 1.
  { structure: 'RSAPrivateKey', components: /^I{9}S?$/ },
  // RFC 5915 §3: version, privateKey, [0] parameters, [1] publicKey.
  { structure: 'ECPrivateKey', components: /^IO0?1?$/ },
]

/** Every component of a constructed element, and their tags as letters. */
function components(element: DERElement): { parts: DERElement[]; tags: string } {
  const reader = new DERReader(element.contents, element.depth + 1)
  const parts: DERElement[] = []
  while (!reader.done) parts.push(reader.next('component'))
  return { parts, tags: parts.map((part) => LETTERS[part.tag] ?? '?').join('') }
}

/**
 * Which key structure `bytes` are, or undefined when they are not exactly one DER SEQUENCE with the
 * components of one. Arbitrary bytes practically never are: the first byte must be 0x30, the length
 * after it must cover exactly the rest, the contents must split into complete TLVs whose tags fit a
 * shape, and nested lengths must again land exactly. That is at least five independent byte
 * coincidences (a chance under 2^-38 for random bytes), so a random secret is not taken for a key.
 */
export function derKeyStructure(bytes: Uint8Array): DERKeyStructure | undefined {
  try {
    const { parts, tags } = components(readDER(bytes, TAG.SEQUENCE, 'key'))
    return SHAPES.find(
      ({ components: outer, inner = [] }) =>
        outer.test(tags) && inner.every(([index, pattern]) => pattern.test(components(parts[index]!).tags)),
    )?.structure
  } catch (error) {
    if (error instanceof KeyInvalid) return undefined
    throw error
  }
}
