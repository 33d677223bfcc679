/**
 * Key files and variables: PEM, a JWK, a JWK Set, or a raw secret. The format is recognised from the
 * text (a PEM armour line, a JSON object); the *algorithm* never is. It comes from `--alg`, else the
 * JWK's own `alg`, else the one algorithm family the key type allows (an Ed25519 key can only do
 * EdDSA; an ML-DSA key's OID names its parameter set), and the library then binds the key to it and
 * refuses any mismatch. What a PEM holds is found by the library's parser, never node:crypto's, so
 * the CLI reads exactly the keys the library reads, with its errors. A raw secret is always
 * imported as a secret, and the library refuses PEM or JWK text there, so HS256/RS256 confusion
 * cannot be set up from the command line.
 * @module
 */
import { exportJWK, importJWK, importPEM, importSecret, isJotError } from 'jot'
import type { ContentEncryptionName, JotKey, JWK, JWKSet, KeyAlgorithmName } from 'jot'
import { CliError, EXIT_INVALID, UsageError } from '../cli/errors.js'
import type { Context } from '../cli/command.js'
import { readEnv, readSource, utf8 } from '../io/input.js'
import type { Purpose } from './algorithms.js'

export type KeyMaterial =
  | { format: 'pem'; source: string; pem: string }
  | { format: 'jwk'; source: string; jwk: JWK }
  | { format: 'jwks'; source: string; jwks: JWKSet }
  | { format: 'secret'; source: string; secret: Uint8Array }

export function parseKeyMaterial(bytes: Uint8Array, source: string): KeyMaterial {
  const text = utf8(bytes).trim()
  if (text.startsWith('-----BEGIN')) return { format: 'pem', source, pem: `${text}\n` }
  if (text.startsWith('{')) {
    let value: unknown
    try {
      value = JSON.parse(text)
    } catch {
      // JSON.parse's message quotes the input, which may be a secret: say only that it is malformed.
      throw new CliError(`${source} is not valid JSON`, EXIT_INVALID)
    }
    const object = value as Record<string, unknown>
    if (Array.isArray(object.keys)) return { format: 'jwks', source, jwks: object as unknown as JWKSet }
    if (typeof object.kty === 'string') return { format: 'jwk', source, jwk: object as JWK }
    throw new CliError(`${source} is JSON but neither a JWK (no "kty") nor a JWK Set (no "keys")`, EXIT_INVALID)
  }
  if (bytes.length === 0) throw new CliError(`${source} is empty`, EXIT_INVALID)
  // `echo secret > file` adds a newline that is not part of the secret.
  let end = bytes.length
  if (bytes[end - 1] === 0x0a) end--
  if (bytes[end - 1] === 0x0d) end--
  return { format: 'secret', source, secret: bytes.subarray(0, end) }
}

/** Loads `--<flag> FILE|-` or `--<flag>-env VAR` (not both); undefined when neither is given. */
export async function loadKeyMaterial(
  file: string | undefined,
  envName: string | undefined,
  flag: string,
  context: Context,
): Promise<KeyMaterial | undefined> {
  if (file !== undefined && envName !== undefined) throw new UsageError(`pass --${flag} or --${flag}-env, not both`)
  if (file !== undefined) {
    const source = file === '-' ? 'the key on stdin' : `key file "${file}"`
    return parseKeyMaterial(await readSource(file, 'key', context.stdin), source)
  }
  if (envName !== undefined) return parseKeyMaterial(readEnv(envName, 'key', context.env), `the key in $${envName}`)
  return undefined
}

const EC_SIGNING: Record<string, KeyAlgorithmName> = { 'P-256': 'ES256', 'P-384': 'ES384', 'P-521': 'ES512', secp256k1: 'ES256K' }

/**
 * One algorithm for each kind of key the library reads from PEM, to find out which kind a PEM holds:
 * RSA, each EC curve, Ed25519/Ed448, each ML-DSA parameter set (its OID names it), and X25519/X448
 * (read only for ECDH-ES, which comes last because it takes EC keys too).
 */
const PEM_PROBES: readonly KeyAlgorithmName[] = ['RS256', 'ES256', 'ES384', 'ES512', 'ES256K', 'EdDSA', 'ML-DSA-44', 'ML-DSA-65', 'ML-DSA-87', 'ECDH-ES']

/**
 * The JOSE key type and curve of PEM text (or, for ML-DSA, its parameter set), found by the library's
 * own importPEM, so PEM is parsed by one strict parser only and any key it refuses is refused here
 * with its error. The library has no call that reads a PEM without an algorithm, so each kind is
 * tried in turn; a mismatch (ERR_KEY_ALG_MISMATCH) only means "not this kind". When none fits, the
 * first other error (malformed PEM, an unsupported key type or curve, a key too weak, ML-DSA on a
 * Node without it) is the answer; undefined means only that the CLI has no default for the key.
 */
async function pemKeyType(pem: string): Promise<{ kty: string; crv?: string; alg?: string } | undefined> {
  let refusal: unknown
  for (const alg of PEM_PROBES) {
    try {
      const jwk = await exportJWK(await importPEM(pem, { alg }))
      // An AKP key's alg is its parameter set, key material like a curve (RFC 9964 §3); elsewhere it
      // is only the probe's.
      return { kty: jwk.kty ?? '', ...(jwk.crv === undefined ? {} : { crv: jwk.crv }), ...(jwk.kty === 'AKP' ? { alg } : {}) }
    } catch (error) {
      if (isJotError(error) && error.code === 'ERR_KEY_ALG_MISMATCH') continue
      refusal ??= error
    }
  }
  if (refusal !== undefined) throw refusal
  return undefined
}

function defaultFor(kty: string, crv: unknown, purpose: Purpose): KeyAlgorithmName | undefined {
  if (kty === 'RSA') return purpose === 'sig' ? 'RS256' : 'RSA-OAEP-256'
  if (crv === 'X25519' || crv === 'X448') return 'ECDH-ES'
  if (crv === 'Ed25519' || crv === 'Ed448') return 'EdDSA'
  if (kty === 'EC') return purpose === 'sig' ? EC_SIGNING[String(crv)] : 'ECDH-ES'
  if (kty === 'oct') return purpose === 'sig' ? 'HS256' : undefined
  return undefined
}

/**
 * The algorithm a key is used with when `--alg` is absent, or undefined when it is ambiguous. A PEM
 * key the library refuses (malformed, unsupported, too weak) throws its error here.
 */
export async function defaultAlgorithm(material: KeyMaterial, purpose: Purpose): Promise<KeyAlgorithmName | undefined> {
  switch (material.format) {
    case 'jwk':
      if (typeof material.jwk.alg === 'string') return material.jwk.alg as KeyAlgorithmName
      return defaultFor(material.jwk.kty ?? '', material.jwk.crv, purpose)
    case 'pem': {
      const type = await pemKeyType(material.pem)
      if (type?.alg !== undefined) return type.alg as KeyAlgorithmName
      return type && defaultFor(type.kty, type.crv, purpose)
    }
    case 'secret':
      return defaultFor('oct', undefined, purpose)
    case 'jwks':
      return undefined
  }
}

export async function requireAlgorithm(material: KeyMaterial, alg: KeyAlgorithmName | undefined, purpose: Purpose): Promise<KeyAlgorithmName> {
  const chosen = alg ?? (await defaultAlgorithm(material, purpose))
  if (chosen === undefined) throw new UsageError(`cannot tell which algorithm ${material.source} is for; pass --alg`)
  return chosen
}

export interface ImportOptions {
  kid?: string
  enc?: ContentEncryptionName
}

/** Imports the material for exactly one algorithm; the library checks that the key fits it. */
export async function importMaterial(material: KeyMaterial, alg: KeyAlgorithmName, options: ImportOptions = {}): Promise<JotKey> {
  const importOptions = { alg, ...options }
  switch (material.format) {
    case 'pem':
      return importPEM(material.pem, importOptions)
    case 'jwk':
      return importJWK(material.jwk, importOptions)
    case 'secret':
      return importSecret(material.secret, importOptions)
    case 'jwks':
      throw new CliError(`${material.source} is a JWK Set; this needs a single key`, EXIT_INVALID)
  }
}
