/**
 * Key import. The caller names the algorithm; the material is then checked against that algorithm's
 * row (key type, curve, sizes, JWK `alg`/`use`/`key_ops`) before the backend sees it. Nothing here
 * infers an algorithm from what a string looks like: a string is PEM for asymmetric algorithms and a
 * secret for HMAC, because the caller said which algorithm it is for.
 * @module
 */
import { runtime } from '#runtime'
import {
  AlgorithmNotAllowed,
  InvalidArgument,
  KeyAlgorithmMismatch,
  KeyInvalid,
  KeyTooWeak,
  NotSupported,
  quote,
} from '../errors.js'
import { decode as decodeBase64URL } from '../lib/base64url.js'
import { isPlainObject, isUint8Array } from '../lib/bytes.js'
import { encodeUtf8 } from '../lib/utf8.js'
import { curveInfo, type Curve } from '../jwa/curves.js'
import { jwsAlgorithm, MIN_RSA_BITS, type JWSAlgorithm, type JWSAlgorithmName } from '../jwa/signing.js'
import type { KeyKind, KeySource, RuntimeKey } from '../runtime/types.js'
import { createJotKey, type JotKey } from './key.js'
import type { JWK } from './jwk.js'
import { parsePEM } from './pem.js'

/** Options shared by every import function. */
export interface ImportKeyOptions {
  /** The one algorithm this key will be used with. Required: jot never guesses it. */
  alg: JWSAlgorithmName
  /** Key ID to attach (overrides a JWK's own `kid`). */
  kid?: string
  /**
   * Accept an HMAC secret shorter than the hash output (32/48/64 bytes for HS256/384/512).
   * Unsafe: short secrets can be brute-forced offline from any token they signed (RFC 8725 §3.5).
   */
  unsafeAllowShortSecret?: boolean
}

/** Input accepted by {@link importKey}: a JWK object, PEM text, or (for HMAC) secret bytes or text. */
export type KeyInput = JWK | string | Uint8Array

/** @internal Resolves the registry row for an import or generate call. */
export function algorithmFor(alg: unknown): JWSAlgorithm {
  if (alg === 'none') throw new AlgorithmNotAllowed('"none" is not a key algorithm; use the unsecured JWT API')
  const algorithm = jwsAlgorithm(alg)
  if (!algorithm) {
    throw typeof alg === 'string'
      ? new NotSupported(`unsupported JWS algorithm ${quote(alg)}`)
      : new InvalidArgument('options.alg must name a JWS algorithm, e.g. "ES256"')
  }
  return algorithm
}

/**
 * Imports a key for one algorithm from a JWK object, PEM text, or HMAC secret bytes/text.
 *
 * @example
 * ```ts
 * const signingKey = await importKey(privatePem, { alg: 'ES256', kid: '2024-06' })
 * const verifyKey = await importKey({ kty: 'EC', crv: 'P-256', x, y }, { alg: 'ES256' })
 * const hmacKey = await importKey(crypto.getRandomValues(new Uint8Array(32)), { alg: 'HS256' })
 * ```
 * @throws {@link KeyInvalid}, {@link KeyAlgorithmMismatch}, {@link KeyTooWeak}, {@link NotSupported}
 */
export async function importKey(input: KeyInput, options: ImportKeyOptions): Promise<JotKey> {
  const algorithm = algorithmFor(options?.alg)
  if (isUint8Array(input) || (typeof input === 'string' && algorithm.family === 'hmac')) {
    return importSecret(input, options)
  }
  if (typeof input === 'string') return importPEM(input, options)
  if (isPlainObject(input)) return importJWK(input as JWK, options)
  throw new InvalidArgument('key input must be a JWK object, PEM text or secret bytes')
}

/**
 * Imports an HMAC secret. Text is taken as its UTF-8 bytes. Refuses empty secrets, secrets shorter
 * than the hash output (unless `unsafeAllowShortSecret`), and asymmetric key material (PEM or JWK
 * JSON) passed where a secret belongs: that mistake is the root of HS256 ↔ RS256 algorithm confusion.
 *
 * @example
 * ```ts
 * const key = await importSecret(process.env.JWT_SECRET!, { alg: 'HS256' })
 * ```
 */
export async function importSecret(secret: Uint8Array | string, options: ImportKeyOptions): Promise<JotKey> {
  const algorithm = algorithmFor(options?.alg)
  if (algorithm.family !== 'hmac') throw new KeyAlgorithmMismatch(`${algorithm.name} needs an asymmetric key, not a secret`)
  const bytes = typeof secret === 'string' ? encodeUtf8(secret) : isUint8Array(secret) ? secret : undefined
  if (!bytes) throw new InvalidArgument('an HMAC secret must be bytes or text')
  assertNotAsymmetricMaterial(bytes)
  return importChecked(algorithm, undefined, { format: 'secret', bytes: Uint8Array.from(bytes) }, 'secret', options)
}

/**
 * Imports a PEM key: `PUBLIC KEY` (SPKI), `PRIVATE KEY` (PKCS#8), `RSA PUBLIC KEY` / `RSA PRIVATE KEY`
 * (PKCS#1), `EC PRIVATE KEY` (SEC1) or `CERTIFICATE` (X.509; its subject public key).
 *
 * @example
 * ```ts
 * const key = await importPEM(readFileSync('issuer.pub.pem', 'utf8'), { alg: 'RS256' })
 * ```
 */
export async function importPEM(pem: string, options: ImportKeyOptions): Promise<JotKey> {
  const algorithm = algorithmFor(options?.alg)
  if (algorithm.family === 'hmac') throw new KeyAlgorithmMismatch(`${algorithm.name} needs a secret, not a PEM key`)
  if (typeof pem !== 'string') throw new InvalidArgument('PEM input must be a string')
  const material = parsePEM(pem)
  if (material.kty !== algorithm.kty) {
    throw new KeyAlgorithmMismatch(`${algorithm.name} needs a ${algorithm.kty} key, got ${material.kty}`)
  }
  const curve = algorithm.kty === 'RSA' ? undefined : checkCurve(algorithm, material.curve)
  return importChecked(algorithm, curve, { format: material.format, der: material.der }, material.kind, options)
}

/** Members each key type needs; private keys add `d` (and the RSA CRT values). */
const PUBLIC_MEMBERS = { oct: [], RSA: ['n', 'e'], EC: ['crv', 'x', 'y'], OKP: ['crv', 'x'] } as const
const PRIVATE_MEMBERS = { oct: ['k'], RSA: ['d', 'p', 'q', 'dp', 'dq', 'qi'], EC: ['d'], OKP: ['d'] } as const

/**
 * Imports a JWK (RFC 7517). The JWK's own `alg`, `use` and `key_ops`, when present, must agree with
 * the requested algorithm and with signing.
 *
 * @example
 * ```ts
 * const key = await importJWK({ kty: 'OKP', crv: 'Ed25519', x: '11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo' }, { alg: 'EdDSA' })
 * ```
 */
export async function importJWK(jwk: JWK, options: ImportKeyOptions): Promise<JotKey> {
  const algorithm = algorithmFor(options?.alg)
  if (!isPlainObject(jwk)) throw new InvalidArgument('a JWK must be a plain object')
  if (jwk.kty !== algorithm.kty) {
    throw new KeyAlgorithmMismatch(`${algorithm.name} needs a JWK with kty "${algorithm.kty}"`)
  }
  const kind: KeyKind = algorithm.kty === 'oct' ? 'secret' : jwk.d !== undefined ? 'private' : 'public'
  checkJWKMetadata(jwk, algorithm, kind)
  const curve = algorithm.kty === 'EC' || algorithm.kty === 'OKP' ? checkCurve(algorithm, jwk.crv) : undefined
  const names: readonly string[] = [
    ...PUBLIC_MEMBERS[algorithm.kty],
    ...(kind === 'public' ? [] : PRIVATE_MEMBERS[algorithm.kty]),
  ]
  const members: Record<string, string> = {}
  for (const name of names) {
    const value = (jwk as Record<string, unknown>)[name]
    if (typeof value !== 'string') throw new KeyInvalid(`JWK member "${name}" must be a string`)
    members[name] = value
    if (name !== 'crv') checkMemberLength(name, decodeMember(name, value), curve)
  }
  const kid = options.kid ?? (typeof jwk.kid === 'string' ? jwk.kid : undefined)
  if (algorithm.kty === 'oct') {
    return importChecked(algorithm, undefined, { format: 'secret', bytes: decodeMember('k', members.k!) }, kind, {
      ...options,
      ...(kid === undefined ? {} : { kid }),
    })
  }
  members.kty = algorithm.kty
  return importChecked(algorithm, curve, { format: 'jwk', jwk: members }, kind, {
    ...options,
    ...(kid === undefined ? {} : { kid }),
  })
}

function decodeMember(name: string, value: string): Uint8Array {
  try {
    return decodeBase64URL(value)
  } catch (cause) {
    throw new KeyInvalid(`JWK member "${name}" is not valid base64url`, { cause })
  }
}

/** EC coordinates and OKP keys have fixed sizes; a wrong size is malformed, not merely unusual. */
function checkMemberLength(name: string, bytes: Uint8Array, curve: Curve | undefined): void {
  if (bytes.length === 0 && name !== 'k') throw new KeyInvalid(`JWK member "${name}" is empty`)
  const info = curve && curveInfo(curve)
  if (!info || !['x', 'y', 'd'].includes(name)) return
  const expected = info.kty === 'EC' ? info.size : info.keyLength
  if (bytes.length !== expected) throw new KeyInvalid(`JWK member "${name}" has the wrong length for ${info.name}`)
}

/** RFC 7517 §4.2–4.4: `use`, `key_ops` and `alg` restrict a key; honour them rather than override them. */
function checkJWKMetadata(jwk: JWK, algorithm: JWSAlgorithm, kind: KeyKind): void {
  if (jwk.alg !== undefined && jwk.alg !== algorithm.name) {
    throw new KeyAlgorithmMismatch(`JWK is for ${quote(jwk.alg)}, not ${algorithm.name}`)
  }
  if (jwk.use !== undefined && jwk.use !== 'sig') {
    throw new KeyAlgorithmMismatch(`JWK "use" is ${quote(jwk.use)}, not "sig"`)
  }
  if (jwk.key_ops !== undefined) {
    if (!Array.isArray(jwk.key_ops) || jwk.key_ops.some((op) => typeof op !== 'string')) {
      throw new KeyInvalid('JWK "key_ops" must be an array of strings')
    }
    const ops: readonly string[] = jwk.key_ops
    const allowed = kind === 'private' ? ops.includes('sign') : kind === 'public' ? ops.includes('verify') : ops.includes('sign') || ops.includes('verify')
    if (!allowed) throw new KeyAlgorithmMismatch('JWK "key_ops" does not allow signing or verifying')
  }
}

function checkCurve(algorithm: JWSAlgorithm, crv: unknown): Curve {
  const info = curveInfo(crv)
  if (!info) throw new NotSupported('unsupported or missing curve')
  if (algorithm.family !== 'ecdsa' && algorithm.family !== 'eddsa') {
    throw new KeyAlgorithmMismatch(`${algorithm.name} does not use a curve`)
  }
  if (!algorithm.curves.includes(info.name)) {
    throw new KeyAlgorithmMismatch(`${algorithm.name} cannot be used with curve ${info.name}`)
  }
  return info.name
}

/**
 * PEM text, JWK JSON or a JWK Set handed over as an HMAC secret is the classic algorithm-confusion
 * set-up (CVE-2015-9235 and fast-jwt's GHSA-g3jj): whoever can read the public key could then forge
 * HS256 tokens. Refuse it outright, wherever in the text a PEM block starts.
 */
function assertNotAsymmetricMaterial(bytes: Uint8Array): void {
  const text = new TextDecoder().decode(bytes)
  if (/-----BEGIN [A-Z0-9 ]+-----/.test(text)) {
    throw new KeyAlgorithmMismatch('PEM key material cannot be used as an HMAC secret')
  }
  if (!text.trimStart().startsWith('{')) return
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch {
    return
  }
  if (isPlainObject(parsed) && (typeof parsed.kty === 'string' || Array.isArray(parsed.keys))) {
    throw new KeyAlgorithmMismatch('JWK or JWK Set JSON cannot be used as an HMAC secret; import the JWK instead')
  }
}

/** The size minimums live here, after import, so every input format meets the same bar. */
async function importChecked(
  algorithm: JWSAlgorithm,
  curve: Curve | undefined,
  source: KeySource,
  kind: KeyKind,
  options: ImportKeyOptions,
): Promise<JotKey> {
  if (source.format === 'secret') {
    if (source.bytes.length === 0) throw new KeyTooWeak('an HMAC secret must not be empty')
    if (algorithm.family === 'hmac' && source.bytes.length < algorithm.size && !options.unsafeAllowShortSecret) {
      throw new KeyTooWeak(
        `${algorithm.name} secrets must be at least ${algorithm.size} bytes (got ${source.bytes.length}); ` +
          'use generateSecret() or pass unsafeAllowShortSecret',
      )
    }
  }
  const runtimeKey = await runtime.importKey(algorithm, curve, source, kind)
  return wrapImported(algorithm, runtimeKey, curve, options.kid)
}

/** @internal Final checks shared by import and generation. */
export function wrapImported(
  algorithm: JWSAlgorithm,
  runtimeKey: RuntimeKey,
  curve: Curve | undefined,
  kid: string | undefined,
): JotKey {
  if (algorithm.kty === 'RSA' && (runtimeKey.bits ?? 0) < MIN_RSA_BITS) {
    throw new KeyTooWeak(`RSA keys must be at least ${MIN_RSA_BITS} bits (got ${runtimeKey.bits ?? 'unknown'})`)
  }
  if (kid !== undefined && typeof kid !== 'string') throw new InvalidArgument('kid must be a string')
  return createJotKey(algorithm, runtimeKey, curve, kid)
}
