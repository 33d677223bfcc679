/**
 * Shared key material for the interop suites. Keys are made with jot and handed to the other
 * library as the formats it reads (PEM, JWK, raw secret bytes). jot keys are bound to one
 * algorithm, so one RSA key pair (slow to generate) and one Ed25519 key pair serve several `alg`s by
 * re-importing their exported PEM under each algorithm. Everything is memoized per test file.
 */
import assert from 'node:assert/strict'
import * as jose from 'jose'
import {
  base64url,
  exportJWK,
  exportPEM,
  generateKeyPair,
  generateSecret,
  importPEM,
  type JotKey,
  type JWK,
  type JWSAlgorithmName,
} from 'jotjwt'

/** The claims every interop JWT carries, whichever library signs it. */
export const ISSUER = 'https://issuer.example'
export const AUDIENCE = 'https://api.example'
export const SUBJECT = 'user-42'
export const CUSTOM = { role: 'admin', scopes: ['read', 'write'], profile: { name: 'Zoë', verified: true } }

/** Asserts a verified payload carries exactly those claims, `jti`, and a 300-second lifetime. */
export function assertInteropClaims(payload: Record<string, unknown>, jwtId: string, label: string): void {
  assert.equal(payload.iss, ISSUER, label)
  assert.equal(payload.aud, AUDIENCE, label)
  assert.equal(payload.sub, SUBJECT, label)
  assert.equal(payload.jti, jwtId, label)
  assert.equal(payload.role, CUSTOM.role, label)
  assert.deepEqual(payload.scopes, CUSTOM.scopes, label)
  assert.deepEqual(payload.profile, CUSTOM.profile, label)
  assert.equal((payload.exp as number) - (payload.iat as number), 300, label)
}

/** The interop claims, signed by jose's `SignJWT` (the jose → jot direction of every suite). */
export function joseSignedJWT(alg: string, key: Parameters<jose.SignJWT['sign']>[0], jwtId: string): Promise<string> {
  return new jose.SignJWT({ ...CUSTOM })
    .setProtectedHeader({ alg, typ: 'JWT', kid: 'jose-key' })
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setSubject(SUBJECT)
    .setJti(jwtId)
    .setIssuedAt()
    .setExpirationTime('5m')
    .sign(key)
}

/** jose's `jwtVerify` of an interop JWT, with the interop claim checks; returns jose's view of it. */
export async function joseVerifiedJWT(
  token: string,
  key: Parameters<typeof jose.jwtVerify>[1],
  alg: string,
  jwtId: string,
  label: string,
): Promise<{ payload: jose.JWTPayload; protectedHeader: jose.JWTHeaderParameters }> {
  const { payload, protectedHeader } = await jose.jwtVerify(token, key as jose.CryptoKey, {
    algorithms: [alg],
    issuer: ISSUER,
    audience: AUDIENCE,
    subject: SUBJECT,
    typ: 'JWT',
    requiredClaims: ['exp', 'iat', 'jti'],
  })
  assertInteropClaims(payload as Record<string, unknown>, jwtId, label)
  return { payload, protectedHeader }
}

export const HMAC_ALGS = ['HS256', 'HS384', 'HS512'] as const
export const RSA_ALGS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512'] as const
export const EC_ALGS = ['ES256', 'ES384', 'ES512'] as const
export const ED_ALGS = ['EdDSA', 'Ed25519'] as const

export type HmacAlg = (typeof HMAC_ALGS)[number]

export interface SecretMaterial {
  readonly kind: 'secret'
  readonly alg: JWSAlgorithmName
  /** The jot key (signs and verifies). */
  readonly key: JotKey
  /** The same secret as raw bytes. */
  readonly secret: Uint8Array
  /** jot's JWK export of the secret. */
  readonly jwk: JWK
}

export interface PairMaterial {
  readonly kind: 'pair'
  readonly alg: JWSAlgorithmName
  readonly privateKey: JotKey
  readonly publicKey: JotKey
  /** PKCS#8 PEM exported by jot. */
  readonly privatePem: string
  /** SPKI PEM exported by jot. */
  readonly publicPem: string
  readonly privateJwk: JWK
  readonly publicJwk: JWK
}

export type KeyMaterial = SecretMaterial | PairMaterial

const cache = new Map<string, Promise<KeyMaterial>>()
const basePairs = new Map<string, Promise<{ privatePem: string; publicPem: string }>>()

/** The key pair a family shares: generated once, exported as PEM, re-imported per algorithm. */
function basePair(generateAs: JWSAlgorithmName): Promise<{ privatePem: string; publicPem: string }> {
  let pending = basePairs.get(generateAs)
  if (!pending) {
    pending = generateKeyPair(generateAs).then(async ({ privateKey, publicKey }) => ({
      privatePem: await exportPEM(privateKey),
      publicPem: await exportPEM(publicKey),
    }))
    basePairs.set(generateAs, pending)
  }
  return pending
}

async function pairFor(alg: JWSAlgorithmName): Promise<PairMaterial> {
  let privateKey: JotKey
  let publicKey: JotKey
  if ((RSA_ALGS as readonly string[]).includes(alg) || (ED_ALGS as readonly string[]).includes(alg)) {
    const base = await basePair((RSA_ALGS as readonly string[]).includes(alg) ? 'RS256' : 'Ed25519')
    privateKey = await importPEM(base.privatePem, { alg })
    publicKey = await importPEM(base.publicPem, { alg })
  } else {
    ;({ privateKey, publicKey } = await generateKeyPair(alg))
  }
  return {
    kind: 'pair',
    alg,
    privateKey,
    publicKey,
    privatePem: await exportPEM(privateKey),
    publicPem: await exportPEM(publicKey),
    privateJwk: await exportJWK(privateKey),
    publicJwk: await exportJWK(publicKey),
  }
}

async function secretFor(alg: JWSAlgorithmName): Promise<SecretMaterial> {
  const key = await generateSecret(alg)
  const jwk = await exportJWK(key)
  return { kind: 'secret', alg, key, secret: base64url.decode(String(jwk.k)), jwk }
}

/** Key material for `alg`, made once per test file. */
export function keysFor(alg: JWSAlgorithmName): Promise<KeyMaterial> {
  let pending = cache.get(alg)
  if (!pending) {
    pending = (HMAC_ALGS as readonly string[]).includes(alg) ? secretFor(alg) : pairFor(alg)
    cache.set(alg, pending)
  }
  return pending
}

/** The jot key that signs (private or secret) and the one that verifies (public or secret). */
export function jotKeys(material: KeyMaterial): { signKey: JotKey; verifyKey: JotKey } {
  return material.kind === 'secret'
    ? { signKey: material.key, verifyKey: material.key }
    : { signKey: material.privateKey, verifyKey: material.publicKey }
}

export const textEncoder = new TextEncoder()
export const textDecoder = new TextDecoder()
