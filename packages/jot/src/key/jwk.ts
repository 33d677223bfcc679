/** JSON Web Key types (RFC 7517, RFC 7518 §6, RFC 8037 §2, RFC 9964 §3). @module */

/**
 * A JSON Web Key. Only the members jot reads are typed; any other member is allowed and ignored.
 *
 * @example
 * ```ts
 * const jwk: JWK = { kty: 'EC', crv: 'P-256', x: '…', y: '…', kid: 'k1', use: 'sig', alg: 'ES256' }
 * ```
 */
export interface JWK {
  kty?: string
  kid?: string
  alg?: string
  use?: string
  key_ops?: string[]
  crv?: string
  x?: string
  y?: string
  d?: string
  n?: string
  e?: string
  p?: string
  q?: string
  dp?: string
  dq?: string
  qi?: string
  k?: string
  /** AKP (ML-DSA) public key, RFC 9964 §3. */
  pub?: string
  /** AKP (ML-DSA) private key: the 32-byte seed, RFC 9964 §4. */
  priv?: string
  x5c?: string[]
  x5t?: string
  'x5t#S256'?: string
  x5u?: string
  [member: string]: unknown
}

/** A JWK Set (RFC 7517 §5). */
export interface JWKSet {
  keys: JWK[]
}
