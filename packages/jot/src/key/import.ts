/**
 * Key import. The caller names the algorithm; the material is then checked against that algorithm's
 * row (key type, curve, sizes, JWK `alg`/`use`/`key_ops`) before the backend sees it. Nothing here
 * infers an algorithm from what a string looks like: a string is PEM for asymmetric algorithms and a
 * secret (or, for PBES2, a password) for symmetric ones, because the caller said which algorithm it is for.
 * The one structural check runs the other way: key material is refused as a secret.
 * @module
 */
import * as runtime from '#runtime'
import {
  AlgorithmNotAllowed,
  InvalidArgument,
  KeyAlgorithmMismatch,
  KeyInvalid,
  KeyTooWeak,
  KeyUsageInvalid,
  NotSupported,
  quote,
} from '../errors.js'
import { readObject } from '../lib/arguments.js'
import { decode as decodeBase64URL } from '../lib/base64url.js'
import { isUint8Array } from '../lib/bytes.js'
import { encodeUtf8 } from '../lib/utf8.js'
import { contentEncryption, type ContentEncryptionName } from '../jwa/content-encryption.js'
import { curveInfo, type Curve } from '../jwa/curves.js'
import { isKeyManagement, keyManagementAlgorithm, type KeyAlgorithm } from '../jwa/key-management.js'
import { jwsAlgorithm, ML_DSA_SEED_LENGTH } from '../jwa/signing.js'
import type { KeyKind, KeySource, RuntimeKey } from '../runtime/types.js'
import { anyKeyInternals, createJotKey, rawSecretKey, type JotKey, type KeyAlgorithmName } from './key.js'
import type { JWK } from './jwk.js'
import { DER_PEM_LABELS, derKeyStructure } from './der.js'
import { inspectKeyMaterial, type KeyMaterialInfo } from './material.js'
import { isSamePublicKey, parseLabelled, parsePEM, subjectPublicKey, type ParseKeyOptions, type ParsedKeyMaterial } from './pem.js'
import { checkRSAPublicNumbers } from './rsa.js'

/** Options shared by every import function. */
export interface ImportKeyOptions<A extends KeyAlgorithmName = KeyAlgorithmName> {
  /** The one algorithm this key will be used with: a JWS `alg` or a JWE key management `alg`. Required: jot never guesses it. */
  alg: A
  /** Key ID to attach (overrides a JWK's own `kid`). */
  kid?: string
  /**
   * For `dir` keys (required there, refused elsewhere): the content encryption algorithm the key is
   * the CEK of. The secret's length must be that algorithm's key length.
   */
  enc?: ContentEncryptionName
  /**
   * Accept an HMAC secret shorter than the hash output (32/48/64 bytes for HS256/384/512).
   * Unsafe: short secrets can be brute-forced offline from any token they signed (RFC 8725 §3.5).
   */
  unsafeAllowShortSecret?: boolean
  /**
   * Allow an RSA private key for RSA1_5 (RSAES-PKCS1-v1_5) decryption. Unsafe: RSA1_5 is open to
   * Bleichenbacher-style padding oracles (RFC 8725 §3.2); use it only to read legacy tokens, and list
   * it in `keyManagementAlgorithms` too. jot never encrypts with RSA1_5.
   */
  unsafeAllowRSA1_5?: boolean
}

/** Input accepted by {@link importKey}: a JWK object, PEM text, DER bytes, or secret (password) bytes or text. */
export type KeyInput = JWK | string | Uint8Array

/** @internal Resolves the registry row for an import or generate call. */
export function algorithmFor(alg: unknown): KeyAlgorithm {
  if (alg === 'none') throw new AlgorithmNotAllowed('"none" is not a key algorithm; use the unsecured JWT API')
  const algorithm = jwsAlgorithm(alg) ?? keyManagementAlgorithm(alg)
  if (!algorithm) {
    throw typeof alg === 'string'
      ? new NotSupported(`unsupported algorithm ${quote(alg)}`)
      : new InvalidArgument('options.alg must name a JWS or JWE algorithm, e.g. "ES256" or "RSA-OAEP-256"')
  }
  return algorithm
}

/** The key type a JWK or PEM must have: ECDH-ES takes EC or OKP keys, decided by the curve. */
function keyTypeFor(algorithm: KeyAlgorithm, crv: unknown): string {
  if (algorithm.family !== 'ecdh-es') return algorithm.kty
  return curveInfo(crv)?.kty ?? 'EC'
}

/**
 * Imports a key for one algorithm from a JWK object, PEM text, DER bytes, or secret bytes/text. For
 * a symmetric algorithm, bytes and text are the secret (and refused if they are key material); for
 * an asymmetric one, text is PEM and bytes are DER (see {@link importDER}).
 *
 * @example
 * ```ts
 * const signingKey = await importKey(privatePem, { alg: 'ES256', kid: '2024-06' })
 * const verifyKey = await importKey({ kty: 'EC', crv: 'P-256', x, y }, { alg: 'ES256' })
 * const certificateKey = await importKey(readFileSync('issuer.crt.der'), { alg: 'RS256' })
 * const hmacKey = await importKey(crypto.getRandomValues(new Uint8Array(32)), { alg: 'HS256' })
 * const wrapKey = await importKey(crypto.getRandomValues(new Uint8Array(16)), { alg: 'A128KW' })
 * ```
 * @throws {@link KeyInvalid}, {@link KeyAlgorithmMismatch}, {@link KeyTooWeak}, {@link NotSupported}
 */
export async function importKey<A extends KeyAlgorithmName>(input: KeyInput, options: ImportKeyOptions<A>): Promise<JotKey<A>> {
  options = readObject<ImportKeyOptions<A>>(options, 'options')
  const algorithm = algorithmFor(options.alg)
  if (typeof input === 'string' || isUint8Array(input)) {
    if (algorithm.kty === 'oct') return importSecret(input, options)
    if (typeof input === 'string') return importPEM(input, options)
    // Bytes that are no DER key stay what they were before DER input existed: a secret, which an
    // asymmetric algorithm refuses as a mismatch.
    return derKeyStructure(input) ? importDER(input, options) : importSecret(input, options)
  }
  if (typeof input === 'object' && input !== null) return importJWK(input, options)
  throw new InvalidArgument('key input must be a JWK object, PEM text, DER bytes or secret bytes')
}

/**
 * Imports a symmetric secret: an HMAC secret, an AES key (A*KW, A*GCMKW), a `dir` CEK, or a PBES2
 * password. Text is taken as its UTF-8 bytes. Refuses empty secrets, HMAC secrets shorter than the
 * hash output (unless `unsafeAllowShortSecret`), AES keys of the wrong length, text with NUL
 * characters, and key material passed where a secret belongs: DER keys and certificates, base64 of
 * them (a PEM body without its armour), PEM, SSH keys and JSON, also in UTF-16 (see
 * {@link inspectKeyMaterial}). That mistake is the root of HS256 ↔ RS256 algorithm confusion: whoever
 * holds the public key could forge tokens. Random secrets never match these structures.
 *
 * @example
 * ```ts
 * const key = await importSecret(process.env.JWT_SECRET!, { alg: 'HS256' })
 * const password = await importSecret('correct horse battery staple', { alg: 'PBES2-HS256+A128KW' })
 * ```
 */
export async function importSecret<A extends KeyAlgorithmName>(secret: Uint8Array | string, options: ImportKeyOptions<A>): Promise<JotKey<A>> {
  options = readObject<ImportKeyOptions<A>>(options, 'options')
  const algorithm = algorithmFor(options?.alg)
  if (algorithm.kty !== 'oct') throw new KeyAlgorithmMismatch(`${algorithm.name} needs an asymmetric key, not a secret`)
  const bytes = typeof secret === 'string' ? encodeUtf8(secret) : isUint8Array(secret) ? secret : undefined
  if (!bytes) throw new InvalidArgument('a secret must be bytes or text')
  assertNotKeyMaterial(secret)
  return importChecked(algorithm, undefined, { format: 'secret', bytes: Uint8Array.from(bytes) }, 'secret', options) as Promise<JotKey<A>>
}

/** What a PEM or DER key holds, as {@link inspectPEM} and {@link inspectDER} read it. */
export interface PEMKeyInfo {
  /** `public` for SPKI, PKCS#1 public keys and certificates; `private` for PKCS#8, PKCS#1 and SEC1. */
  readonly kind: 'public' | 'private'
  readonly kty: 'RSA' | 'EC' | 'OKP' | 'AKP'
  /** JWK `crv` of an EC or OKP key (X25519 and X448 included). */
  readonly crv?: Curve
  /** The one algorithm an AKP (ML-DSA) key is for: its OID names the parameter set (RFC 9881). */
  readonly alg?: KeyAlgorithmName
}

/**
 * Reads what a PEM key is, without importing it and without a crypto backend: its kind, JWK key type
 * and curve, and for ML-DSA its algorithm. For tools that pick an algorithm from a key file (RSA →
 * RS256, P-384 → ES384, …); the key is then imported with {@link importPEM}, which validates it.
 * Accepts the same PEM as `importPEM`, X25519/X448 keys included.
 *
 * @example
 * ```ts
 * inspectPEM(readFileSync('issuer.pem', 'utf8')) // { kind: 'private', kty: 'EC', crv: 'P-384' }
 * ```
 * @throws {@link KeyInvalid} on malformed PEM or DER; {@link NotSupported} for encrypted keys and key
 * types or curves jot does not use.
 */
export function inspectPEM(pem: string): PEMKeyInfo {
  return keyInfo(parsePEM(pem, { keyAgreement: true }))
}

/**
 * {@link inspectPEM} for DER: SPKI, PKCS#8, PKCS#1, SEC1 or an X.509 certificate, the structure
 * recognised from the DER itself. Accepts the same DER as {@link importDER}.
 *
 * @example
 * ```ts
 * inspectDER(readFileSync('issuer.der')) // { kind: 'public', kty: 'RSA' }
 * ```
 * @throws {@link KeyInvalid} when the bytes are no DER key or are malformed; {@link NotSupported} for
 * key types or curves jot does not use.
 */
export function inspectDER(der: Uint8Array): PEMKeyInfo {
  return keyInfo(parseKeyDER(der, { keyAgreement: true }))
}

function keyInfo({ kind, kty, curve, alg }: ParsedKeyMaterial): PEMKeyInfo {
  return { kind, kty, ...(curve === undefined ? {} : { crv: curve }), ...(alg === undefined ? {} : { alg }) }
}

/**
 * Imports a PEM key: `PUBLIC KEY` (SPKI), `PRIVATE KEY` (PKCS#8), `RSA PUBLIC KEY` / `RSA PRIVATE KEY`
 * (PKCS#1), `EC PRIVATE KEY` (SEC1) or `CERTIFICATE` (X.509; its subject public key). X25519 and
 * X448 keys are read only for ECDH-ES.
 *
 * @example
 * ```ts
 * const key = await importPEM(readFileSync('issuer.pub.pem', 'utf8'), { alg: 'RS256' })
 * ```
 */
export async function importPEM<A extends KeyAlgorithmName>(pem: string, options: ImportKeyOptions<A>): Promise<JotKey<A>> {
  options = readObject<ImportKeyOptions<A>>(options, 'options')
  const algorithm = algorithmFor(options?.alg)
  if (algorithm.kty === 'oct') throw new KeyAlgorithmMismatch(`${algorithm.name} needs a secret, not a PEM key`)
  if (typeof pem !== 'string') throw new InvalidArgument('PEM input must be a string')
  return importParsed(algorithm, parsePEM(pem, { keyAgreement: algorithm.family === 'ecdh-es' }), options)
}

/**
 * Imports a DER key: SPKI, PKCS#8, PKCS#1 (RSA public or private), SEC1 (EC private) or an X.509
 * certificate (its subject public key, without checking the certificate). Where PEM has a label, the
 * structure is recognised from the DER itself; the key is then read exactly as its PEM would be.
 *
 * @example
 * ```ts
 * const key = await importDER(readFileSync('issuer.pub.der'), { alg: 'RS256' })
 * ```
 * @throws {@link KeyInvalid} when the bytes are no DER key or are malformed; {@link KeyAlgorithmMismatch},
 * {@link KeyTooWeak}, {@link NotSupported} as for {@link importPEM}.
 */
export async function importDER<A extends KeyAlgorithmName>(der: Uint8Array, options: ImportKeyOptions<A>): Promise<JotKey<A>> {
  options = readObject<ImportKeyOptions<A>>(options, 'options')
  const algorithm = algorithmFor(options?.alg)
  if (algorithm.kty === 'oct') throw new KeyAlgorithmMismatch(`${algorithm.name} needs a secret, not a DER key`)
  return importParsed(algorithm, parseKeyDER(der, { keyAgreement: algorithm.family === 'ecdh-es' }), options)
}

/** DER whose structure is recognised from the DER itself, parsed exactly as the PEM of that structure. */
function parseKeyDER(der: Uint8Array, options: ParseKeyOptions): ParsedKeyMaterial {
  if (!isUint8Array(der)) throw new InvalidArgument('DER key material must be a Uint8Array')
  const structure = derKeyStructure(der)
  if (!structure) {
    throw new KeyInvalid('not a DER key: expected SPKI, PKCS#8, PKCS#1 (RSA), SEC1 (EC) or an X.509 certificate')
  }
  return parseLabelled(DER_PEM_LABELS[structure], der, options)
}

/** PEM and DER alike, once parsed: the key must fit the algorithm's key type, curve or parameter set. */
async function importParsed<A extends KeyAlgorithmName>(
  algorithm: KeyAlgorithm,
  material: ParsedKeyMaterial,
  options: ImportKeyOptions<A>,
): Promise<JotKey<A>> {
  const kty = keyTypeFor(algorithm, material.curve)
  if (material.kty !== kty) {
    throw new KeyAlgorithmMismatch(`${algorithm.name} needs a ${kty} key, got ${material.kty}`)
  }
  if (material.alg !== undefined && material.alg !== algorithm.name) {
    throw new KeyAlgorithmMismatch(`the key is an ${material.alg} key, not ${algorithm.name}`)
  }
  const curve = algorithm.kty === 'EC' || algorithm.kty === 'OKP' ? checkCurve(algorithm, material.curve) : undefined
  if (material.rsa) checkRSAPublicNumbers(material.rsa)
  const key = await importChecked(algorithm, curve, { format: material.format, der: material.der }, material.kind, options)
  if (material.statedPublicKey !== undefined) {
    await assertStatedPublicKey(key, material.statedPublicKey, `${key.alg} PKCS#8 "publicKey" (RFC 5958) is not the public key of its "privateKey"`)
  }
  return key as JotKey<A>
}

/**
 * Members each key type needs; private keys add `d` (and the RSA CRT values), or an AKP key's `priv`.
 * The first private member is the one whose presence makes a JWK private. An AKP key's `alg` names
 * its parameter set and is REQUIRED (RFC 9964 §3): there it is key material, like a curve.
 */
const PUBLIC_MEMBERS = { oct: [], RSA: ['n', 'e'], EC: ['crv', 'x', 'y'], OKP: ['crv', 'x'], AKP: ['alg', 'pub'] } as const
const PRIVATE_MEMBERS = { oct: ['k'], RSA: ['d', 'p', 'q', 'dp', 'dq', 'qi'], EC: ['d'], OKP: ['d'], AKP: ['priv'] } as const

/** Members that are names, not base64url-encoded bytes. */
const NAME_MEMBERS: ReadonlySet<string> = new Set(['crv', 'alg'])

/**
 * Imports a JWK (RFC 7517). The JWK's own `alg`, `use` and `key_ops`, when present, must agree with
 * the requested algorithm and its use (`sig` for JWS algorithms, `enc` for JWE ones).
 *
 * @example
 * ```ts
 * const key = await importJWK({ kty: 'OKP', crv: 'Ed25519', x: '11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo' }, { alg: 'EdDSA' })
 * ```
 */
export async function importJWK<A extends KeyAlgorithmName>(jwk: JWK, options: ImportKeyOptions<A>): Promise<JotKey<A>> {
  options = readObject<ImportKeyOptions<A>>(options, 'options')
  const algorithm = algorithmFor(options?.alg)
  jwk = readObject<JWK>(jwk, 'the JWK')
  const kty = keyTypeFor(algorithm, jwk.crv) as keyof typeof PUBLIC_MEMBERS
  if (jwk.kty !== kty) {
    throw new KeyAlgorithmMismatch(`${algorithm.name} needs a JWK with kty "${kty}"`)
  }
  const kind: KeyKind = kty === 'oct' ? 'secret' : jwk[PRIVATE_MEMBERS[kty][0]] !== undefined ? 'private' : 'public'
  checkJWKMetadata(jwk, algorithm, kind, options.enc)
  const curve = kty === 'EC' || kty === 'OKP' ? checkCurve(algorithm, jwk.crv) : undefined
  const names: readonly string[] = [...PUBLIC_MEMBERS[kty], ...(kind === 'public' ? [] : PRIVATE_MEMBERS[kty])]
  const members: Record<string, string> = {}
  for (const name of names) {
    const value = (jwk as Record<string, unknown>)[name]
    if (typeof value !== 'string') throw new KeyInvalid(`JWK member "${name}" must be a string`)
    members[name] = value
    if (!NAME_MEMBERS.has(name)) checkMemberLength(name, decodeMember(name, value), algorithm, curve)
  }
  if (kty === 'RSA') checkRSAPublicNumbers({ n: decodeMember('n', members.n!), e: decodeMember('e', members.e!) })
  const kid = options.kid ?? (typeof jwk.kid === 'string' ? jwk.kid : undefined)
  const withKid = { ...options, ...(kid === undefined ? {} : { kid }) }
  if (kty === 'oct') {
    const bytes = decodeMember('k', members.k!)
    // An oct JWK made from a public key (k = its PEM or DER) is the same confusion as importSecret's.
    assertNotKeyMaterial(bytes)
    return importChecked(algorithm, undefined, { format: 'secret', bytes }, kind, withKid) as Promise<JotKey<A>>
  }
  members.kty = kty
  const key = await importChecked(algorithm, curve, { format: 'jwk', jwk: members }, kind, withKid)
  // RFC 9964 §7.4: an AKP private JWK whose `pub` is not what its seed expands to is refused.
  if (kty === 'AKP' && kind === 'private') {
    await assertStatedPublicKey(key, decodeMember('pub', members.pub!), `${key.alg} JWK "pub" is not the public key of its "priv" (seed)`)
  }
  return key as JotKey<A>
}

/**
 * A public key stated beside a private key (a PKCS#8 v2 `publicKey`, an AKP JWK's `pub`) must be the
 * one the private key derives, or a key file could publish one key while its holder signs with
 * another. Backends ignore or silently recompute the stated key (node:crypto rebuilds an AKP `pub`
 * from the seed; no backend is even shown a PKCS#8 v2 publicKey), so the check runs here, the same
 * on every backend: against the subjectPublicKey of the SPKI the imported private key exports.
 */
async function assertStatedPublicKey(key: JotKey, stated: Uint8Array, message: string): Promise<void> {
  const derived = subjectPublicKey(await runtime.exportDER(anyKeyInternals(key).runtimeKey, 'spki'))
  if (!isSamePublicKey(stated, derived)) throw new KeyInvalid(message)
}

function decodeMember(name: string, value: string): Uint8Array {
  try {
    return decodeBase64URL(value)
  } catch (cause) {
    throw new KeyInvalid(`JWK member "${name}" is not valid base64url`, { cause })
  }
}

/** EC coordinates, OKP and AKP keys have fixed sizes; a wrong size is malformed, not merely unusual. */
function checkMemberLength(name: string, bytes: Uint8Array, algorithm: KeyAlgorithm, curve: Curve | undefined): void {
  if (bytes.length === 0 && name !== 'k') throw new KeyInvalid(`JWK member "${name}" is empty`)
  if (algorithm.family === 'ml-dsa') {
    // FIPS 204 Table 2 public key; RFC 9964 §4: `priv` is the 32-byte seed.
    const expected = name === 'pub' ? algorithm.publicKeyLength : name === 'priv' ? ML_DSA_SEED_LENGTH : undefined
    if (expected !== undefined && bytes.length !== expected) {
      throw new KeyInvalid(`JWK member "${name}" must be ${expected} bytes for ${algorithm.name}`)
    }
    return
  }
  const info = curve && curveInfo(curve)
  if (!info || !['x', 'y', 'd'].includes(name)) return
  const expected = info.kty === 'EC' ? info.size : info.keyLength
  if (bytes.length !== expected) throw new KeyInvalid(`JWK member "${name}" has the wrong length for ${info.name}`)
}

/**
 * RFC 7517 §4.3 `key_ops` values that allow the key's use, by what the key does and which half it
 * is. Either direction is accepted for secrets, which do both.
 */
function allowedOperations(algorithm: KeyAlgorithm, kind: KeyKind): readonly string[] {
  const pick = (forPublic: readonly string[], forPrivate: readonly string[]) =>
    kind === 'public' ? forPublic : kind === 'private' ? forPrivate : [...forPublic, ...forPrivate]
  switch (algorithm.family) {
    case 'rsa-oaep':
    case 'rsa1_5':
      return pick(['wrapKey', 'encrypt'], ['unwrapKey', 'decrypt'])
    case 'aes-kw':
    case 'aes-gcm-kw':
      return pick(['wrapKey'], ['unwrapKey'])
    case 'pbes2':
      return pick(['wrapKey', 'deriveKey', 'deriveBits'], ['unwrapKey', 'deriveKey', 'deriveBits'])
    case 'dir':
      return pick(['encrypt'], ['decrypt'])
    case 'ecdh-es':
      return ['deriveKey', 'deriveBits']
    default:
      return pick(['verify'], ['sign'])
  }
}

/** RFC 7517 §4.2–4.4: `use`, `key_ops` and `alg` restrict a key; honour them rather than override them. */
function checkJWKMetadata(jwk: JWK, algorithm: KeyAlgorithm, kind: KeyKind, enc: unknown): void {
  // RFC 7520 §5.6: a `dir` key's JWK names the content encryption algorithm it is the CEK of.
  const acceptedAlg = algorithm.family === 'dir' ? [algorithm.name, enc] : [algorithm.name]
  if (jwk.alg !== undefined && !acceptedAlg.includes(jwk.alg)) {
    throw new KeyAlgorithmMismatch(`JWK is for ${quote(jwk.alg)}, not ${algorithm.name}`)
  }
  const use = isKeyManagement(algorithm) ? 'enc' : 'sig'
  if (jwk.use !== undefined && jwk.use !== use) {
    throw new KeyAlgorithmMismatch(`JWK "use" is ${quote(jwk.use)}, not "${use}"`)
  }
  if (jwk.key_ops !== undefined) {
    if (!Array.isArray(jwk.key_ops) || jwk.key_ops.some((op) => typeof op !== 'string')) {
      throw new KeyInvalid('JWK "key_ops" must be an array of strings')
    }
    const ops: readonly string[] = jwk.key_ops
    if (!allowedOperations(algorithm, kind).some((op) => ops.includes(op))) {
      throw new KeyAlgorithmMismatch(`JWK "key_ops" does not allow ${algorithm.name}`)
    }
  }
}

function checkCurve(algorithm: KeyAlgorithm, crv: unknown): Curve {
  const info = curveInfo(crv)
  if (!info) throw new NotSupported('unsupported or missing curve')
  if (algorithm.family !== 'ecdsa' && algorithm.family !== 'eddsa' && algorithm.family !== 'ecdh-es') {
    throw new KeyAlgorithmMismatch(`${algorithm.name} does not use a curve`)
  }
  if (!algorithm.curves.includes(info.name)) {
    throw new KeyAlgorithmMismatch(`${algorithm.name} cannot be used with curve ${info.name}`)
  }
  return info.name
}

/** How each kind of key material is used instead of as a secret. */
const KEY_MATERIAL_ADVICE: Record<KeyMaterialInfo['format'], string> = {
  der: 'import it with importDER',
  pem: 'import it with importPEM',
  json: 'import a JWK with importJWK',
  ssh: 'convert it to PEM (ssh-keygen -e -m PKCS8)',
}

function describeKeyMaterial(found: KeyMaterialInfo): string {
  if (found.format === 'der') return `${found.encoding === 'binary' ? '' : `${found.encoding}-encoded `}DER ${found.structure}`
  const name = found.format === 'pem' ? 'PEM' : found.format === 'ssh' ? 'SSH key' : 'JSON'
  return found.encoding === 'utf-8' ? name : `${name} (${found.encoding.toUpperCase()})`
}

/**
 * Key material handed over as a secret is the classic algorithm-confusion set-up (CVE-2015-9235,
 * fast-jwt's GHSA-g3jj): whoever can read the public key could then forge HS256 tokens (RFC 8725
 * §3.1). Refuse it in every form it is kept in, as {@link inspectKeyMaterial} recognises them.
 */
function assertNotKeyMaterial(secret: Uint8Array | string): void {
  const found = inspectKeyMaterial(secret)
  if (found) {
    throw new KeyAlgorithmMismatch(`${describeKeyMaterial(found)} key material cannot be used as a secret; ${KEY_MATERIAL_ADVICE[found.format]}`)
  }
  // Text never holds NUL: such a string is binary data or UTF-16 read as UTF-8. Pass bytes instead.
  if (typeof secret === 'string' && secret.includes('\u0000')) {
    throw new KeyInvalid('a text secret must not contain NUL characters; pass a binary secret as bytes')
  }
}

/** The `enc` a `dir` key is bound to; refused for every other algorithm. */
function directEncryption(algorithm: KeyAlgorithm, enc: unknown): ContentEncryptionName | undefined {
  if (algorithm.family !== 'dir') {
    if (enc !== undefined) throw new InvalidArgument('options.enc binds only "dir" keys')
    return undefined
  }
  if (enc === undefined) throw new InvalidArgument('a "dir" key needs options.enc: the one content encryption algorithm it is the key of')
  const row = contentEncryption(enc)
  if (!row) throw new NotSupported(`unsupported content encryption algorithm ${quote(enc)}`)
  return row.name
}

/** Symmetric JWE keys have exact lengths (RFC 7518 §4.4, §4.5, §4.7); PBES2 passwords must not be empty. */
function checkJWESecret(algorithm: KeyAlgorithm, bytes: Uint8Array, enc: ContentEncryptionName | undefined): void {
  switch (algorithm.family) {
    case 'aes-kw':
    case 'aes-gcm-kw':
      if (bytes.length !== algorithm.keyLength) {
        throw new KeyAlgorithmMismatch(`${algorithm.name} keys are ${algorithm.keyLength} bytes (got ${bytes.length})`)
      }
      return
    case 'dir': {
      const { cekLength } = contentEncryption(enc)!
      if (bytes.length !== cekLength) {
        throw new KeyAlgorithmMismatch(`a "dir" key for ${enc} is ${cekLength} bytes (got ${bytes.length})`)
      }
      return
    }
  }
}

/** The secret minimums live here, so every input format meets the same bar (RSA keys meet theirs in key/rsa.ts). */
async function importChecked(
  algorithm: KeyAlgorithm,
  curve: Curve | undefined,
  source: KeySource,
  kind: KeyKind,
  options: ImportKeyOptions,
): Promise<JotKey> {
  const enc = directEncryption(algorithm, options.enc)
  if (algorithm.family === 'rsa1_5') {
    if (!options.unsafeAllowRSA1_5) {
      throw new AlgorithmNotAllowed('RSA1_5 is unsafe (RFC 8725 §3.2); pass unsafeAllowRSA1_5 to decrypt legacy tokens')
    }
    if (kind !== 'private') throw new KeyUsageInvalid('jot never encrypts with RSA1_5; only a private key (to decrypt) can be imported')
  }
  if (source.format === 'secret') {
    if (source.bytes.length === 0) {
      throw new KeyTooWeak(algorithm.family === 'pbes2' ? 'a PBES2 password must not be empty' : 'a secret must not be empty')
    }
    if (algorithm.family === 'hmac' && source.bytes.length < algorithm.size && !options.unsafeAllowShortSecret) {
      throw new KeyTooWeak(
        `${algorithm.name} secrets must be at least ${algorithm.size} bytes (got ${source.bytes.length}); ` +
          'use generateSecret() or pass unsafeAllowShortSecret',
      )
    }
    if (isKeyManagement(algorithm)) {
      checkJWESecret(algorithm, source.bytes, enc)
      return wrapImported(algorithm, rawSecretKey(source.bytes), undefined, options.kid, enc)
    }
  }
  const runtimeKey = await runtime.importKey(algorithm, curve, source, kind)
  return wrapImported(algorithm, runtimeKey, curve, options.kid, enc)
}

/** @internal Final checks shared by import and generation. */
export function wrapImported(
  algorithm: KeyAlgorithm,
  runtimeKey: RuntimeKey,
  curve: Curve | undefined,
  kid: string | undefined,
  enc?: ContentEncryptionName,
): JotKey {
  if (kid !== undefined && typeof kid !== 'string') throw new InvalidArgument('kid must be a string')
  return createJotKey(algorithm, runtimeKey, curve, kid, enc)
}
