/**
 * Curves jot signs and agrees keys with, as data: JWK `kty`/`crv`, the ASN.1 object identifiers
 * that name them in SPKI/PKCS#8, and what signature checks need (coordinate size and group order
 * for ECDSA, signature length for EdDSA). The signature data is also a table of its own,
 * {@link SIGNATURE_CURVES}, so that code which only verifies can leave the rest behind.
 * @module
 */

export type ECCurve = 'P-256' | 'P-384' | 'P-521' | 'secp256k1'
export type OKPCurve = 'Ed25519' | 'Ed448'
/** Montgomery curves for key agreement only (RFC 7748, RFC 8037 §3.2): ECDH-ES, never signatures. */
export type XCurve = 'X25519' | 'X448'
export type Curve = ECCurve | OKPCurve | XCurve

/** What an ECDSA signature on a curve must look like. */
export interface ECDSACurve {
  /** Bytes per coordinate and per signature half (r, s). */
  readonly size: number
  /**
   * Group order n as `size` big-endian bytes: an ECDSA r or s must lie in [1, n-1]
   * (CVE-2022-21449 accepted r = s = 0).
   */
  readonly orderBytes: Uint8Array
}

/** What an EdDSA signature on a curve must look like. */
export interface EdDSACurve {
  readonly signatureLength: number
}

export interface ECCurveInfo extends ECDSACurve {
  readonly kty: 'EC'
  readonly name: ECCurve
  /** OID of the namedCurve parameter (RFC 5480). */
  readonly oid: string
}

export interface OKPCurveInfo extends EdDSACurve {
  readonly kty: 'OKP'
  readonly name: OKPCurve
  /** OID of the key algorithm itself (RFC 8410). */
  readonly oid: string
  /** Length of the public key `x` and the private key `d`. */
  readonly keyLength: number
}

export interface XCurveInfo {
  readonly kty: 'OKP'
  readonly name: XCurve
  /** OID of the key algorithm itself (RFC 8410). */
  readonly oid: string
  /** Length of the public key `x` and the private key `d`; also of the shared secret. */
  readonly keyLength: number
}

export type CurveInfo = ECCurveInfo | OKPCurveInfo | XCurveInfo

/* @__NO_SIDE_EFFECTS__ */ function table<T>(entries: Record<string, T>): Readonly<Record<string, T>> {
  // Null prototype: a header or JWK saying "__proto__" or "constructor" can never match an entry.
  return Object.freeze(Object.assign(Object.create(null) as Record<string, T>, entries))
}

/* @__NO_SIDE_EFFECTS__ */ function ecdsa(size: number, order: bigint): ECDSACurve {
  const orderBytes = new Uint8Array(size)
  for (let i = size - 1, rest = order; i >= 0; i--, rest >>= 8n) orderBytes[i] = Number(rest & 0xffn)
  return { size, orderBytes }
}

/** The curves jot signs with, and what a signature on each must look like. */
export const SIGNATURE_CURVES: Readonly<Record<string, ECDSACurve | EdDSACurve>> = /* @__PURE__ */ table<ECDSACurve | EdDSACurve>({
  'P-256': ecdsa(32, 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n),
  'P-384': ecdsa(48, 0xffffffffffffffffffffffffffffffffffffffffffffffffc7634d81f4372ddf581a0db248b0a77aecec196accc52973n),
  'P-521': ecdsa(66, 0x01fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffa51868783bf2f966b7fcc0148f709a5d03bb5c9b8899c47aebb6fb71e91386409n),
  'secp256k1': ecdsa(32, 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n),
  Ed25519: { signatureLength: 64 },
  Ed448: { signatureLength: 114 },
})

/** A curve's data, completed with its signature data if jot signs with it. */
/* @__NO_SIDE_EFFECTS__ */ function curve<C extends CurveInfo>(info: Omit<C, keyof ECDSACurve | keyof EdDSACurve>): C {
  return { ...info, ...SIGNATURE_CURVES[info.name] } as C
}

/** Every curve jot uses, by JWK `crv` name. */
export const CURVES: Readonly<Record<string, CurveInfo>> = /* @__PURE__ */ table<CurveInfo>({
  'P-256': curve<ECCurveInfo>({ kty: 'EC', name: 'P-256', oid: '1.2.840.10045.3.1.7' }),
  'P-384': curve<ECCurveInfo>({ kty: 'EC', name: 'P-384', oid: '1.3.132.0.34' }),
  'P-521': curve<ECCurveInfo>({ kty: 'EC', name: 'P-521', oid: '1.3.132.0.35' }),
  'secp256k1': curve<ECCurveInfo>({ kty: 'EC', name: 'secp256k1', oid: '1.3.132.0.10' }),
  Ed25519: curve<OKPCurveInfo>({ kty: 'OKP', name: 'Ed25519', oid: '1.3.101.112', keyLength: 32 }),
  Ed448: curve<OKPCurveInfo>({ kty: 'OKP', name: 'Ed448', oid: '1.3.101.113', keyLength: 57 }),
  X25519: { kty: 'OKP', name: 'X25519', oid: '1.3.101.110', keyLength: 32 },
  X448: { kty: 'OKP', name: 'X448', oid: '1.3.101.111', keyLength: 56 },
})

/** Looks up a curve by its JWK `crv` name; undefined for anything jot does not use. */
export function curveInfo(name: unknown): CurveInfo | undefined {
  return typeof name === 'string' ? CURVES[name] : undefined
}

export { table }
