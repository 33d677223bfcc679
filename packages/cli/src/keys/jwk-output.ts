/**
 * JWKs the CLI prints or writes: the library's export plus a `kid`. Without an explicit `kid` the
 * RFC 7638 thumbprint is used: it is derived from the key alone, so the same key always gets the
 * same `kid`, whoever converts it.
 * @module
 */
import { exportJWK, jwkThumbprint } from 'jotjwt'
import type { JotKey, JWK } from 'jotjwt'

export interface JWKOutputOptions {
  kid?: string | undefined
  /**
   * True when the algorithm was only a default the CLI picked to read the key (an RSA key read as
   * RS256): then `alg` and `use` are left out, because writing them would bind the published key to
   * a choice nobody made. An AKP (ML-DSA) key keeps its `alg` even so: there it is not a choice but
   * key material, the parameter set, and RFC 9964 §3 makes it REQUIRED.
   */
  neutral: boolean
}

export async function jwkFor(key: JotKey, options: JWKOutputOptions): Promise<JWK> {
  const jwk = await exportJWK(key)
  if (options.neutral) {
    if (jwk.kty !== 'AKP') delete jwk.alg
    delete jwk.use
  }
  return { ...jwk, kid: options.kid ?? key.kid ?? (await jwkThumbprint(key)) }
}

/** Whether `alg` was stated by someone (a flag, or the key's own JWK) rather than defaulted. */
export function algorithmIsExplicit(flag: string | undefined, jwk: JWK | undefined): boolean {
  return flag !== undefined || typeof jwk?.alg === 'string'
}
