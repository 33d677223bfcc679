/**
 * PEM and DER key material → the two formats every backend imports: SPKI for public keys, PKCS#8 for
 * private keys. Runtime-independent (no node: modules, no Buffer), so both backends get the same
 * parsing and the same decisions.
 *
 * The PEM label alone decides how the bytes are read (RFC 7468 §2); nothing is guessed from content.
 * The key algorithm and curve come from the AlgorithmIdentifier OID, never from the label, and the
 * key bytes behind it are checked for the structure that algorithm requires, so the `kty`/`curve`
 * reported here always describe what the backend will actually import.
 * @module
 */
import { Base64URLInvalid, InvalidArgument, KeyInvalid, NotSupported } from '../errors.js'
import { CURVES, table, type Curve, type CurveInfo, type ECCurveInfo } from '../jwa/curves.js'
import { JWS_ALGORITHMS, ML_DSA_SEED_LENGTH, type JWSAlgorithmName, type MlDsaAlgorithm } from '../jwa/signing.js'
import { decode as decodeBase64URL, encode as encodeBase64URL } from '../lib/base64url.js'
import { isUint8Array, timingSafeEqual } from '../lib/bytes.js'
import {
  DER_NULL,
  TAG,
  children,
  decodeBitString,
  decodeInteger,
  decodeNull,
  decodeOID,
  decodeVersion,
  encodeDER,
  encodeOID,
  encodeVersion,
  readDER,
  readSequence,
  type DERElement,
} from './asn1.js'
import type { RSAPublicNumbers } from './rsa.js'

export interface ParsedKeyMaterial {
  /** Normalized format: every input becomes SPKI (public) or PKCS#8 (private). */
  readonly format: 'spki' | 'pkcs8'
  readonly der: Uint8Array
  readonly kind: 'public' | 'private'
  readonly kty: 'RSA' | 'EC' | 'OKP' | 'AKP'
  /** Set for EC and OKP keys. */
  readonly curve?: Curve
  /** Set for AKP keys: the one algorithm (ML-DSA parameter set) the OID names. */
  readonly alg?: JWSAlgorithmName
  /**
   * The public key a private key's PKCS#8 states beside it (RFC 5958 §2 OneAsymmetricKey `publicKey`:
   * the BIT STRING contents, i.e. what an SPKI's subjectPublicKey would hold). It is not part of
   * `der`: no backend sees it, and the importer must check it is the public key the private key
   * derives (see {@link isSamePublicKey}) rather than let it be silently ignored.
   */
  readonly statedPublicKey?: Uint8Array
  /** Set for RSA keys: the modulus and public exponent, for the importer's parameter checks (key/rsa.ts). */
  readonly rsa?: RSAPublicNumbers
}

const OID_RSA_ENCRYPTION = '1.2.840.113549.1.1.1'
const OID_EC_PUBLIC_KEY = '1.2.840.10045.2.1'

type KeyType = ParsedKeyMaterial['kty']

/** What an AlgorithmIdentifier says: the key type and, for EC and OKP, the curve; for AKP, the algorithm. */
interface Identified {
  readonly kty: KeyType
  readonly curve?: CurveInfo
  readonly mlDsa?: MlDsaAlgorithm
}

/** Key algorithms by AlgorithmIdentifier OID (RFC 3279 §2.3.1, RFC 5480 §2.1.1, RFC 8410 §3). */
const KEY_ALGORITHMS = table<Identified>({
  [OID_RSA_ENCRYPTION]: { kty: 'RSA' },
  [OID_EC_PUBLIC_KEY]: { kty: 'EC' },
  [CURVES.Ed25519!.oid]: { kty: 'OKP', curve: CURVES.Ed25519! },
  [CURVES.Ed448!.oid]: { kty: 'OKP', curve: CURVES.Ed448! },
  // RFC 9881 §2: one OID per ML-DSA parameter set, parameters absent.
  ...Object.fromEntries(
    Object.values(JWS_ALGORITHMS)
      .filter((row): row is MlDsaAlgorithm => row.family === 'ml-dsa')
      .map((mlDsa) => [mlDsa.oid, { kty: 'AKP', mlDsa }]),
  ),
})

/** Key-agreement-only algorithms (RFC 8410 §3), read only when the caller imports for ECDH-ES. */
const KEY_AGREEMENT_ALGORITHMS = table<Identified>({
  [CURVES.X25519!.oid]: { kty: 'OKP', curve: CURVES.X25519! },
  [CURVES.X448!.oid]: { kty: 'OKP', curve: CURVES.X448! },
})

/** Options of {@link parsePEM} and {@link parseDER}. */
export interface ParseKeyOptions {
  /** Accept X25519/X448 keys: set only when importing for ECDH-ES (JWE key agreement). */
  readonly keyAgreement?: boolean
}

/** Key algorithms that exist but that jot does not sign with, and what to do instead. */
const UNSUPPORTED_ALGORITHMS = table<string>({
  '1.2.840.113549.1.1.10':
    'RSASSA-PSS (id-RSASSA-PSS) keys are not supported; use an rsaEncryption key (it serves PS256/384/512 too)',
  '1.3.101.110': 'X25519 keys are for key agreement (JWE), not signatures',
  '1.3.101.111': 'X448 keys are for key agreement (JWE), not signatures',
  '1.2.840.10040.4.1': 'DSA keys are not supported by JOSE',
})

const EC_CURVES_BY_OID = table<ECCurveInfo>(
  Object.fromEntries(
    Object.values(CURVES)
      .filter((info): info is ECCurveInfo => info.kty === 'EC')
      .map((info) => [info.oid, info]),
  ),
)

/** AlgorithmIdentifier of rsaEncryption; RFC 3279 §2.3.1 requires NULL parameters. */
const RSA_ALGORITHM_IDENTIFIER = encodeDER(TAG.SEQUENCE, encodeOID(OID_RSA_ENCRYPTION), DER_NULL)
const PKCS8_V1 = encodeVersion(0)

const NAMED_CURVES_ONLY = 'EC keys with explicit or implicit curve parameters are not supported; use a named curve'

function ecCurveByOid(oid: string): ECCurveInfo {
  const curve = EC_CURVES_BY_OID[oid]
  if (!curve) throw new NotSupported(`EC curve with OID ${oid} is not supported`)
  return curve
}

/** RFC 5280 §4.1.1.2 AlgorithmIdentifier → key type and curve. */
function identifyAlgorithm(element: DERElement, options: ParseKeyOptions): Identified {
  const fields = children(element)
  const oid = decodeOID(fields.read(TAG.OID, 'algorithm'), 'algorithm')
  const agreement = options.keyAgreement ? KEY_AGREEMENT_ALGORITHMS[oid] : undefined
  const unsupported = agreement ? undefined : UNSUPPORTED_ALGORITHMS[oid]
  if (unsupported) throw new NotSupported(unsupported)
  const algorithm = agreement ?? KEY_ALGORITHMS[oid]
  if (!algorithm) throw new NotSupported(`key algorithm with OID ${oid} is not supported`)
  let curve: CurveInfo | undefined
  if (algorithm.kty === 'RSA') {
    decodeNull(fields.read(TAG.NULL, 'rsaEncryption parameters'), 'rsaEncryption parameters')
  } else if (algorithm.kty === 'EC') {
    // RFC 5480 §2.1.1: PKIX allows only namedCurve. Explicit (specifiedCurve) parameters let a key
    // bring its own group, the root of CVE-2020-0601, so they are refused rather than matched.
    const tag = fields.peekTag()
    if (tag === TAG.SEQUENCE || tag === TAG.NULL) {
      throw new NotSupported(NAMED_CURVES_ONLY)
    }
    curve = ecCurveByOid(decodeOID(fields.read(TAG.OID, 'namedCurve'), 'namedCurve'))
  } else {
    curve = algorithm.curve // RFC 8410 §3, RFC 9881 §2: the parameters MUST be absent.
  }
  fields.end('AlgorithmIdentifier')
  return curve ? { kty: algorithm.kty, curve } : algorithm
}

/** SEC1 §2.3.3 point: uncompressed 04‖X‖Y or compressed 02/03‖X, with coordinates of the curve's size. */
function checkECPoint(point: Uint8Array, curve: ECCurveInfo): void {
  const prefix = point[0]
  const expected = prefix === 0x04 ? 1 + 2 * curve.size : prefix === 0x02 || prefix === 0x03 ? 1 + curve.size : -1
  if (point.length !== expected) throw new KeyInvalid(`EC public key is not a valid ${curve.name} point encoding`)
}

/** Checks a public key's structure; for RSA, returns its numbers. */
function checkPublicKey({ kty, curve, mlDsa }: Identified, key: Uint8Array, depth: number): RSAPublicNumbers | undefined {
  if (kty === 'RSA') {
    // RFC 8017 App. A.1.1: RSAPublicKey ::= SEQUENCE { modulus INTEGER, publicExponent INTEGER }
    const fields = children(readDER(key, TAG.SEQUENCE, 'RSAPublicKey', depth))
    const n = decodeInteger(fields.read(TAG.INTEGER, 'modulus'), 'modulus')
    const e = decodeInteger(fields.read(TAG.INTEGER, 'publicExponent'), 'publicExponent')
    fields.end('RSAPublicKey')
    return { n, e }
  } else if (curve?.kty === 'EC') {
    checkECPoint(key, curve)
  } else if (curve?.kty === 'OKP' && key.length !== curve.keyLength) {
    throw new KeyInvalid(`${curve.name} public key must be ${curve.keyLength} bytes`)
  } else if (mlDsa && key.length !== mlDsa.publicKeyLength) {
    throw new KeyInvalid(`${mlDsa.name} public key must be ${mlDsa.publicKeyLength} bytes`)
  }
  return undefined
}

/** RFC 5915 §3 ECPrivateKey, read into the parts PKCS#8 conversion and checking need. */
function readECPrivateKey(der: Uint8Array, depth: number) {
  const fields = children(readDER(der, TAG.SEQUENCE, 'ECPrivateKey', depth))
  const version = fields.read(TAG.INTEGER, 'ECPrivateKey version')
  if (decodeVersion(version, 'ECPrivateKey version') !== 1) throw new KeyInvalid('ECPrivateKey version must be 1')
  const privateKey = fields.read(TAG.OCTET_STRING, 'ECPrivateKey privateKey')
  const parameters = fields.optional(TAG.CONTEXT_0, 'ECPrivateKey parameters')
  const publicKey = fields.optional(TAG.CONTEXT_1, 'ECPrivateKey publicKey')
  fields.end('ECPrivateKey')
  let curveOID: string | undefined
  if (parameters) {
    const inner = children(parameters)
    if (inner.peekTag() !== TAG.OID) {
      throw new NotSupported(NAMED_CURVES_ONLY)
    }
    curveOID = decodeOID(inner.read(TAG.OID, 'namedCurve'), 'namedCurve')
    inner.end('ECPrivateKey parameters')
  }
  let point: Uint8Array | undefined
  if (publicKey) {
    const inner = children(publicKey)
    point = decodeBitString(inner.read(TAG.BIT_STRING, 'ECPrivateKey publicKey'), 'ECPrivateKey publicKey')
    inner.end('ECPrivateKey publicKey')
  }
  return { version, privateKey, publicKey, curveOID, point }
}

const RSA_PRIVATE_KEY_FIELDS = [
  'modulus',
  'publicExponent',
  'privateExponent',
  'prime1',
  'prime2',
  'exponent1',
  'exponent2',
  'coefficient',
]

/** Checks a private key's structure; for RSA, returns its public numbers. */
function checkPrivateKey({ kty, curve, mlDsa }: Identified, key: Uint8Array, depth: number): RSAPublicNumbers | undefined {
  if (kty === 'RSA') {
    // RFC 8017 App. A.1.2: version 0 is two-prime; version 1 adds otherPrimeInfos, which WebCrypto
    // cannot import, so both backends refuse it alike.
    const fields = children(readDER(key, TAG.SEQUENCE, 'RSAPrivateKey', depth))
    const version = decodeVersion(fields.read(TAG.INTEGER, 'RSAPrivateKey version'), 'RSAPrivateKey version')
    if (version === 1) throw new NotSupported('multi-prime RSA keys are not supported')
    if (version !== 0) throw new KeyInvalid('RSAPrivateKey version must be 0')
    const [n, e] = RSA_PRIVATE_KEY_FIELDS.map((name) => decodeInteger(fields.read(TAG.INTEGER, name), name))
    fields.end('RSAPrivateKey')
    return { n: n!, e: e! }
  } else if (curve?.kty === 'EC') {
    const ec = readECPrivateKey(key, depth)
    // RFC 5915 fixes the length at the curve size, but OpenSSL before 1.1.0 dropped leading zero
    // bytes, so shorter scalars exist in the wild; the backend range-checks the scalar itself.
    const length = ec.privateKey.contents.length
    if (length === 0 || length > curve.size) throw new KeyInvalid(`${curve.name} private key has the wrong length`)
    // RFC 5915 §3 / RFC 5208: parameters inside PKCS#8 must name the same curve as the algorithm.
    if (ec.curveOID !== undefined && ec.curveOID !== curve.oid) {
      throw new KeyInvalid('ECPrivateKey parameters name a different curve than the AlgorithmIdentifier')
    }
    if (ec.point) checkECPoint(ec.point, curve)
  } else if (curve?.kty === 'OKP') {
    // RFC 8410 §7: CurvePrivateKey ::= OCTET STRING, itself wrapped in PKCS#8's privateKey OCTET STRING.
    const inner = readDER(key, TAG.OCTET_STRING, 'CurvePrivateKey', depth)
    if (inner.contents.length !== curve.keyLength) {
      throw new KeyInvalid(`${curve.name} private key must be ${curve.keyLength} bytes`)
    }
  } else if (mlDsa) {
    mlDsaSeed(mlDsa, key, depth)
  }
  return undefined
}

/**
 * RFC 9881 §6: ML-DSA-PrivateKey ::= CHOICE { seed [0] IMPLICIT OCTET STRING (SIZE (32)),
 * expandedKey OCTET STRING, both SEQUENCE { seed, expandedKey } }. A JOSE key is its seed (RFC 9964
 * §4), so the expanded-only form cannot become one. In `both`, the backend's import checks that the
 * expanded key is the seed's expansion (OpenSSL refuses a mismatch). Returns the seed.
 */
function mlDsaSeed(mlDsa: MlDsaAlgorithm, key: Uint8Array, depth: number): Uint8Array {
  const tag = key[0]
  if (tag === TAG.OCTET_STRING) {
    throw new NotSupported(`${mlDsa.name} private keys without their seed (expandedKey form) cannot be used; RFC 9964 keys are seeds`)
  }
  let seed: DERElement
  if (tag === TAG.SEQUENCE) {
    const fields = children(readDER(key, TAG.SEQUENCE, 'ML-DSA-PrivateKey both', depth))
    seed = fields.read(TAG.OCTET_STRING, 'ML-DSA seed')
    const expanded = fields.read(TAG.OCTET_STRING, 'ML-DSA expandedKey')
    fields.end('ML-DSA-PrivateKey both')
    if (expanded.contents.length !== mlDsa.expandedKeyLength) {
      throw new KeyInvalid(`${mlDsa.name} expanded private key must be ${mlDsa.expandedKeyLength} bytes`)
    }
  } else {
    seed = readDER(key, TAG.CONTEXT_0_PRIMITIVE, 'ML-DSA seed', depth)
  }
  if (seed.contents.length !== ML_DSA_SEED_LENGTH) throw new KeyInvalid(`${mlDsa.name} seed must be ${ML_DSA_SEED_LENGTH} bytes`)
  return seed.contents
}

function result(
  format: 'spki' | 'pkcs8',
  der: Uint8Array,
  { kty, curve, mlDsa }: Identified,
  rsa: RSAPublicNumbers | undefined,
  statedPublicKey?: Uint8Array,
): ParsedKeyMaterial {
  const common = {
    format,
    der: der.slice(),
    kind: format === 'spki' ? 'public' : 'private',
    kty,
    ...(rsa === undefined ? {} : { rsa: Object.freeze({ n: rsa.n.slice(), e: rsa.e.slice() }) }),
    ...(statedPublicKey === undefined ? {} : { statedPublicKey: statedPublicKey.slice() }),
  } as const
  return Object.freeze(curve ? { ...common, curve: curve.name } : mlDsa ? { ...common, alg: mlDsa.name } : common)
}

/**
 * Validates SPKI (RFC 5280 §4.1) or PKCS#8 (RFC 5208, RFC 5958 §2) DER and identifies the key from
 * its AlgorithmIdentifier. The returned `der` is a copy of the input, except that PKCS#8 attributes
 * and the RFC 5958 v2 publicKey are dropped (leaving a version 0 PrivateKeyInfo). A stated v2
 * publicKey is returned as `statedPublicKey`: the caller must check it against the public key the
 * imported private key derives.
 *
 * @throws {@link KeyInvalid} on malformed DER; {@link NotSupported} for key types or curves jot does
 * not sign with.
 */
export function parseDER(der: Uint8Array, format: 'spki' | 'pkcs8', options: ParseKeyOptions = {}): ParsedKeyMaterial {
  if (!isUint8Array(der)) throw new InvalidArgument('DER key material must be a Uint8Array')
  if (format === 'spki') {
    const fields = children(readDER(der, TAG.SEQUENCE, 'SubjectPublicKeyInfo'))
    const algorithm = identifyAlgorithm(fields.read(TAG.SEQUENCE, 'AlgorithmIdentifier'), options)
    const key = decodeBitString(fields.read(TAG.BIT_STRING, 'subjectPublicKey'), 'subjectPublicKey')
    fields.end('SubjectPublicKeyInfo')
    const rsa = checkPublicKey(algorithm, key, 2)
    return result(format, der, algorithm, rsa)
  }
  if (format === 'pkcs8') {
    const fields = children(readDER(der, TAG.SEQUENCE, 'PrivateKeyInfo'))
    const version = decodeVersion(fields.read(TAG.INTEGER, 'PrivateKeyInfo version'), 'PrivateKeyInfo version')
    if (version > 1) throw new KeyInvalid('PrivateKeyInfo version must be 0 or 1')
    const algorithmIdentifier = fields.read(TAG.SEQUENCE, 'AlgorithmIdentifier')
    const algorithm = identifyAlgorithm(algorithmIdentifier, options)
    const privateKey = fields.read(TAG.OCTET_STRING, 'privateKey')
    const attributes = fields.optional(TAG.CONTEXT_0, 'attributes')
    // RFC 5958 §2: publicKey is a v2 (version 1) field.
    const publicKey = version === 1 ? fields.optional(TAG.CONTEXT_1_PRIMITIVE, 'publicKey') : undefined
    fields.end('PrivateKeyInfo')
    const rsa = checkPrivateKey(algorithm, privateKey.contents, 2)
    const statedPublicKey = publicKey && decodeBitString(publicKey, 'publicKey')
    if (statedPublicKey) checkPublicKey(algorithm, statedPublicKey, 2)
    if (!attributes && !publicKey) return result(format, der, algorithm, rsa)
    // Normalized to the v1 core that every backend reads (OpenSSL 3.0 rejects v2 publicKey), so the
    // backend derives the public key from the private key alone; the stated one goes back to the
    // caller, which refuses the key unless the two agree.
    return result(format, wrapPKCS8(algorithmIdentifier.encoded, privateKey.contents), algorithm, rsa, statedPublicKey)
  }
  throw new InvalidArgument('DER format must be "spki" or "pkcs8"')
}

/** RFC 5208 §5 PrivateKeyInfo version 0 around a private key in its algorithm's own format. */
function wrapPKCS8(algorithmIdentifier: Uint8Array, privateKey: Uint8Array): Uint8Array {
  return encodeDER(TAG.SEQUENCE, PKCS8_V1, algorithmIdentifier, encodeDER(TAG.OCTET_STRING, privateKey))
}

/**
 * The subjectPublicKey of SPKI DER (RFC 5280 §4.1: the BIT STRING contents), e.g. a backend's export
 * of the public key it derived. For EC keys that is the SEC1 point, for OKP and ML-DSA keys the raw
 * public key, for RSA the RSAPublicKey DER.
 */
export function subjectPublicKey(spki: Uint8Array): Uint8Array {
  const fields = children(readDER(spki, TAG.SEQUENCE, 'SubjectPublicKeyInfo'))
  readSequence(fields, 'AlgorithmIdentifier')
  const key = decodeBitString(fields.read(TAG.BIT_STRING, 'subjectPublicKey'), 'subjectPublicKey')
  fields.end('SubjectPublicKeyInfo')
  return key
}

/**
 * Whether a public key stated beside a private key (a PKCS#8 v2 publicKey, an AKP JWK's `pub`) is
 * `derived`, the subjectPublicKey of the SPKI a backend derives from that private key. The bytes
 * must be equal, except that an EC point may be stated compressed (SEC1 §2.3.3: 02 or 03 ‖ X) where
 * backends export it uncompressed (04 ‖ X ‖ Y): then X must be equal and the prefix must give Y's
 * parity, which together fix the point.
 */
export function isSamePublicKey(stated: Uint8Array, derived: Uint8Array): boolean {
  if (stated.length === derived.length) return timingSafeEqual(stated, derived)
  const size = stated.length - 1
  const compressed = stated[0] === 0x02 || stated[0] === 0x03
  if (!compressed || derived[0] !== 0x04 || derived.length !== 1 + 2 * size) return false
  const x = derived.subarray(1, 1 + size)
  const yParity = derived[derived.length - 1]! & 1
  return timingSafeEqual(stated.subarray(1), x) && yParity === (stated[0]! & 1)
}

/**
 * PKCS#8 for export: an ML-DSA private key is written in the RFC 9881 §6 seed-only form
 * (`seed [0] IMPLICIT OCTET STRING (SIZE (32))`) whatever form the backend wrote. A JOSE key is its
 * seed (RFC 9964 §4), and node:crypto writes `both` (seed and expanded key) where WebCrypto writes the
 * seed alone; rewritten here, the same key has the same PEM on every backend. Other keys are
 * returned as they are.
 *
 * @throws {@link NotSupported} for an ML-DSA key without its seed (expandedKey form), which no JOSE key is.
 */
export function canonicalPKCS8(pkcs8: Uint8Array): Uint8Array {
  const fields = children(readDER(pkcs8, TAG.SEQUENCE, 'PrivateKeyInfo'))
  fields.read(TAG.INTEGER, 'PrivateKeyInfo version')
  const algorithm = children(fields.read(TAG.SEQUENCE, 'AlgorithmIdentifier'))
  const mlDsa = KEY_ALGORITHMS[decodeOID(algorithm.read(TAG.OID, 'algorithm'), 'algorithm')]?.mlDsa
  if (!mlDsa) return pkcs8
  const seed = mlDsaSeed(mlDsa, fields.read(TAG.OCTET_STRING, 'privateKey').contents, 2)
  // RFC 9881 §2: the AlgorithmIdentifier is the OID alone; attributes and a v2 publicKey are not kept.
  return wrapPKCS8(encodeDER(TAG.SEQUENCE, encodeOID(mlDsa.oid)), encodeDER(TAG.CONTEXT_0_PRIMITIVE, seed))
}

/** SEC1 / RFC 5915 ECPrivateKey → PKCS#8, the curve moving from [0] parameters into the AlgorithmIdentifier. */
function sec1ToPKCS8(der: Uint8Array): Uint8Array {
  const ec = readECPrivateKey(der, 0)
  if (ec.curveOID === undefined) {
    throw new KeyInvalid('EC PRIVATE KEY has no curve parameters (RFC 5915 §3 requires them); export it as PKCS#8')
  }
  const curve = ecCurveByOid(ec.curveOID)
  // The curve is stated once, in the AlgorithmIdentifier, as OpenSSL writes PKCS#8; the optional
  // public key is kept because some WebCrypto implementations need it to import the private key.
  const parts = [ec.version.encoded, ec.privateKey.encoded, ...(ec.publicKey ? [ec.publicKey.encoded] : [])]
  const inner = encodeDER(TAG.SEQUENCE, ...parts)
  return wrapPKCS8(encodeDER(TAG.SEQUENCE, encodeOID(OID_EC_PUBLIC_KEY), encodeOID(curve.oid)), inner)
}

/**
 * RFC 5280 §4.1: the subjectPublicKeyInfo of a certificate. Only the key is taken: the signature,
 * validity and chain are NOT checked, so a certificate here is a container, not a trust decision.
 */
function certificateToSPKI(der: Uint8Array): Uint8Array {
  const certificate = children(readDER(der, TAG.SEQUENCE, 'Certificate'))
  const tbs = readSequence(certificate, 'tbsCertificate')
  readSequence(certificate, 'signatureAlgorithm')
  certificate.read(TAG.BIT_STRING, 'signatureValue')
  certificate.end('Certificate')
  // version is [0] EXPLICIT DEFAULT v1, so v1 certificates omit it (X.690 §11.5).
  const version = tbs.optional(TAG.CONTEXT_0, 'version')
  if (version) {
    const inner = children(version)
    if (decodeVersion(inner.read(TAG.INTEGER, 'version'), 'version') > 2) throw new KeyInvalid('unknown X.509 version')
    inner.end('version')
  }
  // Serial numbers are read but not judged: real CAs issued negative and non-minimal ones.
  tbs.read(TAG.INTEGER, 'serialNumber')
  for (const name of ['signature', 'issuer', 'validity', 'subject']) tbs.read(TAG.SEQUENCE, name)
  const spki = tbs.read(TAG.SEQUENCE, 'subjectPublicKeyInfo')
  while (!tbs.done) tbs.next('tbsCertificate extension fields')
  return spki.encoded
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/

/** Strict standard base64 (RFC 4648 §4): alphabet, final padding, canonical trailing bits. */
function decodeBase64(text: string): Uint8Array {
  if (text.length === 0 || text.length % 4 !== 0 || !BASE64.test(text)) {
    throw new KeyInvalid('PEM body is not valid base64')
  }
  try {
    return decodeBase64URL(text.replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_'))
  } catch (error) {
    if (error instanceof Base64URLInvalid) throw new KeyInvalid('PEM body is not valid base64')
    throw error
  }
}

/** RFC 7468 §3 label: printable ASCII except hyphen, single spaces between words. */
const LABEL = '[\\x21-\\x2c\\x2e-\\x7e]+(?: [\\x21-\\x2c\\x2e-\\x7e]+)*'
const BEGIN_LINE = new RegExp(`^-----BEGIN (${LABEL})-----$`)
const END_LINE = new RegExp(`^-----END (${LABEL})-----$`)

/** Labels that name real key formats jot cannot read, with what to do instead. */
const UNSUPPORTED_LABELS = table<string>({
  'ENCRYPTED PRIVATE KEY':
    'encrypted PKCS#8 keys are not supported; decrypt it first (openssl pkcs8 -in key.pem -out plain.pem)',
  'OPENSSH PRIVATE KEY': 'OpenSSH private keys are not supported; convert to PKCS#8 (ssh-keygen -p -m PKCS8 -f key)',
})

/** Label → how its DER becomes SPKI or PKCS#8. */
const LABELS = table<{ format: 'spki' | 'pkcs8'; normalize: (der: Uint8Array) => Uint8Array }>({
  'PUBLIC KEY': { format: 'spki', normalize: (der) => der },
  'PRIVATE KEY': { format: 'pkcs8', normalize: (der) => der },
  // RFC 8017 App. A.1.1 → RFC 3279 §2.3.1: the PKCS#1 key is the SPKI subjectPublicKey as is.
  'RSA PUBLIC KEY': {
    format: 'spki',
    normalize: (der) =>
      encodeDER(TAG.SEQUENCE, RSA_ALGORITHM_IDENTIFIER, encodeDER(TAG.BIT_STRING, Uint8Array.of(0), der)),
  },
  'RSA PRIVATE KEY': { format: 'pkcs8', normalize: (der) => wrapPKCS8(RSA_ALGORITHM_IDENTIFIER, der) },
  'EC PRIVATE KEY': { format: 'pkcs8', normalize: sec1ToPKCS8 },
  CERTIFICATE: { format: 'spki', normalize: certificateToSPKI },
})

/** One PEM block (RFC 7468) out of `pem`: its label and decoded body. */
function readPEMBlock(pem: string): { label: string; der: Uint8Array } {
  const lines = pem.split('\n').map((line) => (line.endsWith('\r') ? line.slice(0, -1) : line))
  const begins = lines.flatMap((line, index) => (line.includes('-----BEGIN') ? [index] : []))
  const ends = lines.flatMap((line, index) => (line.includes('-----END') ? [index] : []))
  if (begins.length === 0) throw new KeyInvalid('no PEM block ("-----BEGIN ...-----") found')
  if (begins.length > 1) {
    const labels = begins.map((index) => BEGIN_LINE.exec(lines[index]!.trim())?.[1] ?? '?').join(', ')
    throw new KeyInvalid(`expected exactly one PEM block, found ${begins.length} (${labels})`)
  }
  const begin = begins[0]!
  const end = ends.length === 1 ? ends[0]! : -1
  const label = BEGIN_LINE.exec(lines[begin]!.trim())?.[1]
  if (label === undefined) throw new KeyInvalid('malformed PEM BEGIN line')
  if (end < begin || END_LINE.exec(lines[end]!.trim())?.[1] !== label) {
    throw new KeyInvalid(`PEM block "${label}" has no matching END line`)
  }
  const body = lines.slice(begin + 1, end)
  // RFC 1421 encapsulated headers (Proc-Type: 4,ENCRYPTED / DEK-Info) mark OpenSSL's legacy encryption.
  if (body.some((line) => line.includes(':'))) {
    if (body.some((line) => line.startsWith('Proc-Type:') && line.includes('ENCRYPTED'))) {
      throw new NotSupported('encrypted PEM keys are not supported; decrypt it first')
    }
    throw new KeyInvalid('PEM block has unexpected headers')
  }
  return { label, der: decodeBase64(body.join('')) }
}

/**
 * Parses one PEM block into SPKI or PKCS#8 DER. The label decides the format: `PUBLIC KEY` (SPKI),
 * `PRIVATE KEY` (PKCS#8), `RSA PUBLIC KEY` / `RSA PRIVATE KEY` (PKCS#1), `EC PRIVATE KEY` (SEC1), and
 * `CERTIFICATE` (X.509, whose subject public key is returned without checking the certificate).
 *
 * @example
 * ```ts
 * const { format, der, kty, curve } = parsePEM(pemText) // 'spki', Uint8Array, 'EC', 'P-256'
 * ```
 * @throws {@link KeyInvalid} on malformed PEM or DER; {@link NotSupported} for encrypted keys and key
 * types or curves jot does not sign with.
 */
export function parsePEM(pem: string, options: ParseKeyOptions = {}): ParsedKeyMaterial {
  if (typeof pem !== 'string') throw new InvalidArgument('PEM key material must be a string')
  const { label, der } = readPEMBlock(pem)
  return parseLabelled(label, der, options)
}

/**
 * Parses the DER of a PEM block labelled `label` (the label says how to read it, RFC 7468 §2), or
 * of DER whose structure was recognised as what that label names.
 */
export function parseLabelled(label: string, der: Uint8Array, options: ParseKeyOptions = {}): ParsedKeyMaterial {
  const unsupported = UNSUPPORTED_LABELS[label]
  if (unsupported) throw new NotSupported(unsupported)
  const entry = LABELS[label]
  if (!entry) {
    const expected = Object.keys(LABELS).join(', ')
    throw new KeyInvalid(`PEM label "${label}" is not key material jot reads; expected one of: ${expected}`)
  }
  return parseDER(entry.normalize(der), entry.format, options)
}

/**
 * PEM text (RFC 7468 §2) for SPKI or PKCS#8 DER: standard base64 in 64-character lines, with a
 * trailing newline, as OpenSSL and Node write it.
 */
export function encodePEM(der: Uint8Array, label: 'PUBLIC KEY' | 'PRIVATE KEY'): string {
  if (!isUint8Array(der) || der.length === 0) throw new InvalidArgument('DER must be a non-empty Uint8Array')
  if (label !== 'PUBLIC KEY' && label !== 'PRIVATE KEY') {
    throw new InvalidArgument('PEM label must be "PUBLIC KEY" or "PRIVATE KEY"')
  }
  const base64url = encodeBase64URL(der)
  const base64 = base64url.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (base64url.length % 4)) % 4)
  const lines: string[] = []
  for (let i = 0; i < base64.length; i += 64) lines.push(base64.slice(i, i + 64))
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`
}
