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
import { importJWK, importPEM, importSecret, inspectPEM } from 'jotjwt'
import type { ContentEncryptionName, JotKey, JWK, JWKSet, KeyAlgorithmName } from 'jotjwt'
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
export function defaultAlgorithm(material: KeyMaterial, purpose: Purpose): KeyAlgorithmName | undefined {
  switch (material.format) {
    case 'jwk':
      if (typeof material.jwk.alg === 'string') return material.jwk.alg as KeyAlgorithmName
      return defaultFor(material.jwk.kty ?? '', material.jwk.crv, purpose)
    case 'pem': {
      // The library's own parser says what the PEM holds (and refuses what importPEM would refuse).
      const { kty, crv, alg } = inspectPEM(material.pem)
      return alg ?? defaultFor(kty, crv, purpose)
    }
    case 'secret':
      return defaultFor('oct', undefined, purpose)
    case 'jwks':
      return undefined
  }
}

export function requireAlgorithm(material: KeyMaterial, alg: KeyAlgorithmName | undefined, purpose: Purpose): KeyAlgorithmName {
  const chosen = alg ?? defaultAlgorithm(material, purpose)
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
