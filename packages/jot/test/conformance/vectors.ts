// Loads the RFC vector files (test/vectors/*.json; see test/vectors/README.md for provenance).
import { readFileSync } from 'node:fs'
import type { JWK, JWSAlgorithmName } from 'jotjwt'
import { withoutPrivateMembers } from '../jwk-members.js'

export function loadVectors<T>(file: string): T {
  return JSON.parse(readFileSync(new URL(`../vectors/${file}`, import.meta.url), 'utf8')) as T
}

export function utf8(bytes: Uint8Array): string {
  return new TextDecoder().decode(bytes)
}

/** The key-bearing part of every signing vector. */
export interface SigningVector {
  id: string
  source: string
  alg: JWSAlgorithmName
  jwk: JWK
  protectedHeader: string
  payload: string
  protected: string
  encodedPayload: string
  signature: string
  compact: string
}

/** Public members only: verification must work from what an issuer would publish. */
export function publicJwk(jwk: JWK): JWK {
  return withoutPrivateMembers(jwk)
}
