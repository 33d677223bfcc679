/**
 * Key files and variables: PEM, DER (also as the one-line base64 body of a PEM), a JWK, a JWK Set,
 * or a raw secret. What the material is comes from the library's structural reading
 * (`inspectKeyMaterial`); the *algorithm* never does. It comes from `--alg`, else the JWK's own
 * `alg`, else the one algorithm family the key type allows (an Ed25519 key can only do EdDSA; an
 * ML-DSA key's OID names its parameter set), and the library then binds the key to it and refuses
 * any mismatch. What a PEM or DER key holds is found by the library's parser, never node:crypto's,
 * so the CLI reads exactly the keys the library reads, with its errors.
 *
 * A raw secret is never a fallback: material that is no key is read as a secret only when the
 * algorithm was named on the command line, and the library refuses key material as a secret in any
 * form (DER, base64 of DER, PEM, SSH, JSON, UTF-16 text). Otherwise an issuer's public key, given in
 * a form jot did not recognise, would become an HMAC secret, and anyone holding it could mint
 * tokens this CLI calls valid (RFC 8725 §3.1).
 * @module
 */
import { importDER, importJWK, importPEM, importSecret, inspectDER, inspectKeyMaterial, inspectPEM } from 'jotjwt'
import type { ContentEncryptionName, JotKey, JWK, JWKSet, KeyAlgorithmName } from 'jotjwt'
import { CliError, EXIT_INVALID, UsageError } from '../cli/errors.js'
import type { Context } from '../cli/command.js'
import { readEnv, readSource, utf8 } from '../io/input.js'
import type { Purpose } from './algorithms.js'

export type KeyMaterial =
  | { format: 'pem'; source: string; pem: string }
  | { format: 'der'; source: string; der: Uint8Array }
  | { format: 'jwk'; source: string; jwk: JWK }
  | { format: 'jwks'; source: string; jwks: JWKSet }
  | { format: 'secret'; source: string; secret: Uint8Array }

/** The option that names the key's algorithm on this command (`alg`, `sign-alg`), and whether it was given. */
export interface AlgorithmOption {
  readonly flag: string
  readonly given: boolean
}

export function parseKeyMaterial(bytes: Uint8Array, source: string, algorithm: AlgorithmOption): KeyMaterial {
  if (bytes.length === 0) throw new CliError(`${source} is empty`, EXIT_INVALID)
  const found = inspectKeyMaterial(bytes)
  switch (found?.format) {
    case 'pem':
      return { format: 'pem', source, pem: found.text }
    case 'der':
      return { format: 'der', source, der: found.der }
    case 'ssh':
      throw new CliError(`${source} is an SSH key, which jot does not read; convert a public key to PEM with: ssh-keygen -e -m PKCS8 -f FILE`, EXIT_INVALID)
  }
  const text = found?.format === 'json' ? found.text.trim() : utf8(bytes).trim()
  if (text.startsWith('{') || text.startsWith('[')) return parseJSON(text, source)
  // A file with NUL bytes is binary: text saved as UTF-16 or UTF-32, a certificate bundle, a key
  // store — material that is not what it looks like. A binary secret has one explicit form instead:
  // an oct JWK, whose `k` says exactly which bytes the secret is.
  if (bytes.includes(0)) {
    throw new CliError(`${source} holds NUL bytes, so it is not read as a secret; give a binary secret as a JWK: {"kty":"oct","k":"<base64url of the bytes>"}`, EXIT_INVALID)
  }
  if (!algorithm.given) {
    const flag = `--${algorithm.flag}`
    throw new UsageError(`${source} is not a key jot reads (PEM, DER or JWK); if it is a secret, name its algorithm with ${flag} (e.g. ${flag} HS256 for an HMAC secret)`)
  }
  // `echo secret > file` adds a newline that is not part of the secret.
  let end = bytes.length
  if (bytes[end - 1] === 0x0a) end--
  if (bytes[end - 1] === 0x0d) end--
  return { format: 'secret', source, secret: bytes.subarray(0, end) }
}

function parseJSON(text: string, source: string): KeyMaterial {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    // JSON.parse's message quotes the input, which may be a secret: say only that it is malformed.
    throw new CliError(`${source} is not valid JSON`, EXIT_INVALID)
  }
  if (Array.isArray(value)) throw new CliError(`${source} is a JSON array; a JWK Set is an object with a "keys" array`, EXIT_INVALID)
  const object = value as Record<string, unknown>
  if (Array.isArray(object.keys)) return { format: 'jwks', source, jwks: object as unknown as JWKSet }
  if (typeof object.kty === 'string') return { format: 'jwk', source, jwk: object as JWK }
  throw new CliError(`${source} is JSON but neither a JWK (no "kty") nor a JWK Set (no "keys")`, EXIT_INVALID)
}

/**
 * Loads `--<flag> FILE|-` or `--<flag>-env VAR` (not both); undefined when neither is given.
 * `algorithm` is the option naming the key's algorithm: a raw secret is read only when it was given.
 */
export async function loadKeyMaterial(
  file: string | undefined,
  envName: string | undefined,
  flag: string,
  context: Context,
  algorithm: AlgorithmOption,
): Promise<KeyMaterial | undefined> {
  if (file !== undefined && envName !== undefined) throw new UsageError(`pass --${flag} or --${flag}-env, not both`)
  if (file !== undefined) {
    const source = file === '-' ? 'the key on stdin' : `key file "${file}"`
    return parseKeyMaterial(await readSource(file, 'key', context.stdin), source, algorithm)
  }
  if (envName !== undefined) return parseKeyMaterial(readEnv(envName, 'key', context.env), `the key in $${envName}`, algorithm)
  return undefined
}

// Null prototype: a JWK's crv such as "constructor" must not resolve to an inherited property.
const EC_SIGNING: Record<string, KeyAlgorithmName | undefined> = Object.assign(Object.create(null) as Record<string, KeyAlgorithmName | undefined>, { 'P-256': 'ES256', 'P-384': 'ES384', 'P-521': 'ES512', secp256k1: 'ES256K' })

function defaultFor(kty: string, crv: unknown, purpose: Purpose): KeyAlgorithmName | undefined {
  if (kty === 'RSA') return purpose === 'sig' ? 'RS256' : 'RSA-OAEP-256'
  if (crv === 'X25519' || crv === 'X448') return 'ECDH-ES'
  if (crv === 'Ed25519' || crv === 'Ed448') return 'EdDSA'
  if (kty === 'EC') {
    if (purpose !== 'sig') return 'ECDH-ES'
    // A crv that is no string (a JSON object with a member named toString) names no curve.
    return typeof crv === 'string' ? EC_SIGNING[crv] : undefined
  }
  if (kty === 'oct') return purpose === 'sig' ? 'HS256' : undefined
  return undefined
}

/**
 * The algorithm a key is used with when `--alg` is absent, or undefined when it is ambiguous. A PEM
 * or DER key the library refuses (malformed, unsupported) throws its error here.
 */
export function defaultAlgorithm(material: KeyMaterial, purpose: Purpose): KeyAlgorithmName | undefined {
  switch (material.format) {
    case 'jwk':
      if (typeof material.jwk.alg === 'string') return material.jwk.alg as KeyAlgorithmName
      return defaultFor(material.jwk.kty ?? '', material.jwk.crv, purpose)
    case 'pem':
    case 'der': {
      // The library's own parser says what the key holds (and refuses what importPEM/importDER would).
      const { kty, crv, alg } = material.format === 'pem' ? inspectPEM(material.pem) : inspectDER(material.der)
      return alg ?? defaultFor(kty, crv, purpose)
    }
    case 'secret': // read only when the algorithm was named, so there is nothing to guess
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
    case 'der':
      return importDER(material.der, importOptions)
    case 'jwk':
      return importJWK(material.jwk, importOptions)
    case 'secret':
      return importSecret(material.secret, importOptions)
    case 'jwks':
      throw new CliError(`${material.source} is a JWK Set; this needs a single key`, EXIT_INVALID)
  }
}
