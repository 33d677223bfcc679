/**
 * Property-based fuzzing of every decode, verify and import entry point with random and mutated
 * tokens, JSON serializations, PEM text and JWK-ish objects.
 *
 * The core property: each call either returns the right result or throws a JotError whose `code`
 * starts with `ERR_`. Never a TypeError, RangeError, SyntaxError or DOMException, and never a hang
 * (every call is raced against a timeout, and synchronous calls are timed).
 *
 * Tokens are signed with real keys through node:crypto directly (not through jot), so a header or
 * claims set can be as weird as the generator likes while its signature stays valid: the verifier
 * then has to reject the token for the weirdness itself, not because the signature broke.
 *
 * fast-check prints the seed and the shrunk counterexample of any failure; rerun a failure with
 * `fc.assert(..., { seed, path })` as printed.
 */
import assert from 'node:assert/strict'
import { createHash, createHmac, generateKeyPairSync, randomBytes, sign as nodeSign, type KeyObject } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import {
  base64url,
  createVerifier,
  cryptoBackend,
  decodeJWTUnverified,
  decodeUnsecuredJWT,
  encodeUnsecuredJWT,
  exportJWK,
  importJWK,
  importKey,
  importPEM,
  importSecret,
  isJotError,
  isJotKey,
  JWS_ALGORITHM_NAMES,
  jwkThumbprint,
  signFlattenedJWS,
  signGeneralJWS,
  signJWT,
  verifyCompactJWS,
  verifyFlattenedJWS,
  verifyGeneralJWS,
  verifyJWT,
  type FlattenedJWS,
  type GeneralJWS,
  type JotKey,
  type JWK,
  type JWSAlgorithmName,
  type JWSHeaderParameters,
  type VerifiedJWS,
  type VerifiedJWT,
} from 'jotjwt'
import { b64u, buildPKCS8, buildSPKI, ML_DSA, RFC9964_EXAMPLES, SEED_LENGTH } from '../ml-dsa-material.js'

// ---------------------------------------------------------------------------------------------
// Harness: every call must settle, quickly, with a result or a JotError.
// ---------------------------------------------------------------------------------------------

const TIMEOUT_MS = 2000
/** Multiplies every numRuns, for longer soak runs: JOT_FUZZ_SCALE=20 node scripts/test.mjs fuzz */
const RUNS_SCALE = Math.max(1, Number(process.env.JOT_FUZZ_SCALE ?? 1) || 1)
function runs(n: number): number {
  return Math.round(n * RUNS_SCALE)
}
const TIMED_OUT = Symbol('timed out')

type Outcome<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly code: string }

function describeError(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code
    const stack = (error.stack ?? '').split('\n').slice(1, 4).join(' | ')
    return `${error.constructor.name}${code === undefined ? '' : ` [${String(code)}]`}: ${error.message} @ ${stack}`
  }
  return `non-Error value ${String(error)}`
}

/** Runs `fn`; fails the property on a hang or on any error that is not a JotError with an ERR_ code. */
async function attempt<T>(what: string, fn: () => T | Promise<T>): Promise<Outcome<T>> {
  let timer: ReturnType<typeof setTimeout> | undefined
  const started = performance.now()
  let settled: { ok: true; value: T } | { ok: false; error: unknown }
  try {
    const value = await Promise.race([
      (async () => fn())(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(TIMED_OUT), TIMEOUT_MS)
      }),
    ])
    settled = { ok: true, value }
  } catch (error) {
    settled = { ok: false, error }
  } finally {
    clearTimeout(timer)
  }
  const elapsed = performance.now() - started
  if ((!settled.ok && settled.error === TIMED_OUT) || elapsed > TIMEOUT_MS) {
    assert.fail(`${what} did not settle within ${TIMEOUT_MS} ms (took ${Math.round(elapsed)} ms)`)
  }
  if (settled.ok) return settled
  const { error } = settled
  if (!isJotError(error)) assert.fail(`${what} threw a non-JotError: ${describeError(error)}`)
  assert.equal(typeof error.code, 'string', `${what}: JotError without a string code`)
  assert.ok(error.code.startsWith('ERR_'), `${what}: JotError code ${error.code} does not start with ERR_`)
  return { ok: false, code: error.code }
}

function summary(outcome: Outcome<unknown>): string {
  return outcome.ok ? 'ok' : outcome.code
}

/** Asserts the call fails with one of `codes`. */
async function rejectsWith(what: string, fn: () => unknown, codes: readonly string[]): Promise<void> {
  const outcome = await attempt(what, fn)
  assert.ok(!outcome.ok, `${what} unexpectedly succeeded`)
  assert.ok(codes.includes(outcome.code), `${what} failed with ${outcome.code}, expected one of ${codes.join(', ')}`)
}

// ---------------------------------------------------------------------------------------------
// Keys: generated once per file with node:crypto, imported into jot through PEM and raw bytes.
// ---------------------------------------------------------------------------------------------

const KINDS = ['HS256', 'ES256', 'EdDSA', 'RS256'] as const
type Kind = (typeof KINDS)[number]

interface Fixture {
  readonly kind: Kind
  /** The key a relying party verifies with (the public key, or the HMAC secret). */
  readonly verifyKey: JotKey
  /** The key jot signs with (private key, or the same HMAC secret). */
  readonly signKey: JotKey
  readonly verifier: (token: string) => Promise<VerifiedJWT>
  /** Signs arbitrary bytes outside jot, so any header or claims can carry a valid signature. */
  readonly rawSign: (data: Buffer) => Buffer
  readonly jwks: readonly JWK[]
}

const hmacSecret = randomBytes(32)
const ecPair = generateKeyPairSync('ec', { namedCurve: 'P-256' })
const edPair = generateKeyPairSync('ed25519')
const rsaPair = generateKeyPairSync('rsa', { modulusLength: 2048 })

function pemOf(key: KeyObject, type: 'spki' | 'pkcs8' | 'pkcs1' | 'sec1'): string {
  return key.export({ type, format: 'pem' } as never) as unknown as string
}

function derOf(key: KeyObject, type: 'spki' | 'pkcs8' | 'pkcs1' | 'sec1'): Buffer {
  return key.export({ type, format: 'der' } as never) as unknown as Buffer
}

async function asymmetricFixture(
  kind: Exclude<Kind, 'HS256'>,
  pair: { publicKey: KeyObject; privateKey: KeyObject },
  rawSign: (data: Buffer) => Buffer,
): Promise<Fixture> {
  const verifyKey = await importPEM(pemOf(pair.publicKey, 'spki'), { alg: kind })
  const signKey = await importPEM(pemOf(pair.privateKey, 'pkcs8'), { alg: kind })
  return {
    kind,
    verifyKey,
    signKey,
    verifier: createVerifier({ key: verifyKey, requireExpiration: false }),
    rawSign,
    jwks: [await exportJWK(verifyKey), await exportJWK(signKey)],
  }
}

const hmacKey = await importSecret(hmacSecret, { alg: 'HS256' })
const FIXTURES: readonly Fixture[] = [
  {
    kind: 'HS256',
    verifyKey: hmacKey,
    signKey: hmacKey,
    verifier: createVerifier({ key: hmacKey, requireExpiration: false }),
    rawSign: (data) => createHmac('sha256', hmacSecret).update(data).digest(),
    jwks: [await exportJWK(hmacKey)],
  },
  await asymmetricFixture('ES256', ecPair, (data) => nodeSign('sha256', data, { key: ecPair.privateKey, dsaEncoding: 'ieee-p1363' })),
  await asymmetricFixture('EdDSA', edPair, (data) => nodeSign(null, data, edPair.privateKey)),
  await asymmetricFixture('RS256', rsaPair, (data) => nodeSign('sha256', data, rsaPair.privateKey)),
]

function fixture(kind: Kind): Fixture {
  return FIXTURES.find((f) => f.kind === kind)!
}

const B64URL_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
const NOW = Math.floor(Date.now() / 1000)
const REGISTERED_CLAIMS = new Set(['exp', 'nbf', 'iat', 'aud', 'iss', 'sub', 'jti'])

function b64text(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64url')
}

/** The text as it is after UTF-8 encoding for signing: lone surrogates become U+FFFD. */
function asSigned(text: string): string {
  return Buffer.from(text, 'utf8').toString('utf8')
}

function utf8Of(segment: string): string {
  return Buffer.from(segment, 'base64url').toString('utf8')
}

/** header.payload.signature with a real signature over the exact text given. */
function signRaw(kind: Kind, headerText: string, payloadText: string): string {
  const input = `${b64text(headerText)}.${b64text(payloadText)}`
  return `${input}.${fixture(kind).rawSign(Buffer.from(input, 'ascii')).toString('base64url')}`
}

function tryParse(text: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(text) as unknown }
  } catch {
    return { ok: false }
  }
}

/**
 * Structural equality of JSON values without recursion: node's deepStrictEqual (and JSON.stringify)
 * overflow the stack on the deeply nested values the parser is expected to handle.
 */
function jsonEqual(a: unknown, b: unknown): boolean {
  const stack: [unknown, unknown][] = [[a, b]]
  while (stack.length > 0) {
    const [x, y] = stack.pop()!
    if (Object.is(x, y)) continue
    if (typeof x !== 'object' || typeof y !== 'object' || x === null || y === null) return false
    if (Array.isArray(x) !== Array.isArray(y)) return false
    if (Object.getPrototypeOf(x) !== Object.getPrototypeOf(y)) return false
    const xKeys = Object.keys(x)
    const yKeys = Object.keys(y)
    if (xKeys.length !== yKeys.length) return false
    for (const key of xKeys) {
      if (!Object.hasOwn(y, key)) return false
      stack.push([(x as Record<string, unknown>)[key], (y as Record<string, unknown>)[key]])
    }
  }
  return true
}

function objectText(entries: readonly (readonly [string, string])[]): string {
  return `{${entries.map(([name, value]) => `${JSON.stringify(name)}:${value}`).join(',')}}`
}

// ---------------------------------------------------------------------------------------------
// Generators
// ---------------------------------------------------------------------------------------------

const nameArb = fc.oneof(
  fc.constantFrom(
    'alg', 'kid', 'crit', 'b64', 'typ', 'jwk', 'exp', 'nbf', 'iat', 'aud', 'iss', 'sub', 'jti',
    '__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty',
    'protected', 'header', 'payload', 'signature', 'signatures', 'kty', 'x', '', 'a\u0000',
  ),
  fc.string({ maxLength: 6 }),
)

/** Scalar JSON text, including what JSON.stringify never writes (huge numbers, -0, raw surrogates). */
const scalarTextArb = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.constantFrom(
      'null', 'true', 'false', '0', '-0', '1', '-1', '0.5', '1e400', '-1e400', '1e-400', '1e308', '-1e308',
      '9007199254740993', '123456789012345678901234567890', '1E+2', '"\\ud800"', '"\\udc00x"', '""',
      '"\\u0000"', '"__proto__"', '"none"', '"\uD800"', '"\uDFFF"', '"\uFEFF"',
    ),
  },
  { weight: 2, arbitrary: fc.double({ noNaN: true, noDefaultInfinity: true }).map((d) => String(d)) },
  { weight: 2, arbitrary: fc.integer().map(String) },
  { weight: 3, arbitrary: fc.string({ unit: 'binary', maxLength: 12 }).map((s) => JSON.stringify(s)) },
)

/** Syntactically valid JSON text of any shape. */
const { json: jsonTextArb } = fc.letrec<{ json: string }>((tie) => ({
  json: fc.oneof(
    { depthSize: 'small', maxDepth: 4 },
    scalarTextArb,
    fc.array(tie('json'), { maxLength: 4 }).map((items) => `[${items.join(',')}]`),
    fc.array(fc.tuple(nameArb, tie('json')), { maxLength: 4 }).map((entries) => objectText(entries)),
  ),
}))

/** Mostly valid JSON text (objects may repeat member names), sometimes text that is not JSON at all. */
const rawJsonArb = fc.oneof(
  { weight: 12, arbitrary: jsonTextArb },
  { weight: 1, arbitrary: fc.constantFrom('NaN', 'Infinity', 'undefined', "'x'", '01', '.5', '"\\x41"', '"unterminated', '', '[1,]', '{"a"}') },
  { weight: 1, arbitrary: fc.tuple(jsonTextArb, fc.nat()).map(([text, at]) => text.slice(0, at % (text.length + 1))) },
)

/** Extra members for a JSON object: usually none, sometimes a few (possibly duplicating others). */
const extraMembersArb = fc.oneof(
  { weight: 3, arbitrary: fc.constant([] as (readonly [string, string])[]) },
  { weight: 1, arbitrary: fc.array(fc.tuple(nameArb, rawJsonArb), { minLength: 1, maxLength: 2 }) },
)

type DeepShape = 'array' | 'object' | 'mixed' | 'unclosed' | 'claims'

function deepJson(depth: number, shape: DeepShape): string {
  switch (shape) {
    case 'array':
      return '['.repeat(depth) + ']'.repeat(depth)
    case 'object':
      return '{"a":'.repeat(depth) + '1' + '}'.repeat(depth)
    case 'mixed':
      return '[{"a":'.repeat(depth) + 'null' + '}]'.repeat(depth)
    case 'unclosed':
      return '{"a":'.repeat(depth)
    case 'claims':
      return `{"deep":${'['.repeat(depth)}"x"${']'.repeat(depth)}}`
  }
}

const deepJsonArb = fc
  .record({
    depth: fc.integer({ min: 1, max: 5000 }),
    shape: fc.constantFrom<DeepShape>('array', 'object', 'mixed', 'unclosed', 'claims'),
  })
  .map(({ depth, shape }) => deepJson(depth, shape))

const segmentArb = fc.oneof(
  { weight: 4, arbitrary: rawJsonArb.map(b64text) },
  { weight: 1, arbitrary: deepJsonArb.map(b64text) },
  { weight: 2, arbitrary: fc.uint8Array({ maxLength: 64 }).map((b) => Buffer.from(b).toString('base64url')) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  {
    weight: 2,
    arbitrary: fc.constantFrom('', 'e30', 'bnVsbA', 'W10', 'eyJhbGciOiJub25lIn0', 'eyJhbGciOiJIUzI1NiJ9', '____', 'AA==', 'A', 'AB'),
  },
)

const oddCharArb = fc.constantFrom(
  '.', '=', '+', '/', ' ', '\t', '\n', '\r', '\u0000', '\u007f', '\u0080', 'é', '\u00ff', '\u0100', '\u200b',
  '\ufeff', '\uffff', '\ud800', '\udfff', '\ud83d\ude00', '"', '\\', '{', '}',
)
const b64CharArb = fc.constantFrom(...B64URL_ALPHABET)
const anyCharArb = fc.oneof(b64CharArb, oddCharArb, fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }))

type Mutation =
  | { readonly op: 'replaceChar'; readonly at: number; readonly char: string }
  | { readonly op: 'insert'; readonly at: number; readonly text: string }
  | { readonly op: 'delete'; readonly at: number; readonly count: number }
  | { readonly op: 'truncate'; readonly at: number }
  | { readonly op: 'swapSegments'; readonly i: number; readonly j: number }
  | { readonly op: 'duplicateDot'; readonly at: number }
  | { readonly op: 'replaceSegment'; readonly index: number; readonly segment: string }
  | { readonly op: 'dropSegment'; readonly index: number }
  | { readonly op: 'appendSegment'; readonly segment: string }
  | { readonly op: 'whole'; readonly text: string }

const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ op: fc.constant('replaceChar' as const), at: fc.nat(), char: anyCharArb }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('insert' as const), at: fc.nat(), text: fc.oneof(anyCharArb, fc.string({ unit: 'binary', maxLength: 8 })) }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('delete' as const), at: fc.nat(), count: fc.integer({ min: 1, max: 8 }) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('truncate' as const), at: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('swapSegments' as const), i: fc.nat(3), j: fc.nat(3) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('duplicateDot' as const), at: fc.nat(3) }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('replaceSegment' as const), index: fc.nat(3), segment: segmentArb }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('dropSegment' as const), index: fc.nat(3) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('appendSegment' as const), segment: segmentArb }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('whole' as const), text: fc.oneof(fc.string({ unit: 'binary', maxLength: 60 }), fc.constantFrom('', '.', '..', '...', '....', '\ud800.\udc00.x')) }) },
)

function applyMutation(input: string, m: Mutation): string {
  const pos = (at: number): number => at % (input.length + 1)
  switch (m.op) {
    case 'replaceChar': {
      if (input.length === 0) return m.char
      const i = m.at % input.length
      return input.slice(0, i) + m.char + input.slice(i + 1)
    }
    case 'insert': {
      const i = pos(m.at)
      return input.slice(0, i) + m.text + input.slice(i)
    }
    case 'delete': {
      const i = pos(m.at)
      return input.slice(0, i) + input.slice(i + m.count)
    }
    case 'truncate':
      return input.slice(0, pos(m.at))
    case 'swapSegments': {
      const parts = input.split('.')
      const i = m.i % parts.length
      const j = m.j % parts.length
      ;[parts[i], parts[j]] = [parts[j]!, parts[i]!]
      return parts.join('.')
    }
    case 'duplicateDot': {
      const parts = input.split('.')
      parts.splice(m.at % (parts.length + 1), 0, '')
      return parts.join('.')
    }
    case 'replaceSegment': {
      const parts = input.split('.')
      parts[m.index % parts.length] = m.segment
      return parts.join('.')
    }
    case 'dropSegment': {
      const parts = input.split('.')
      parts.splice(m.index % parts.length, 1)
      return parts.join('.')
    }
    case 'appendSegment':
      return `${input}.${m.segment}`
    case 'whole':
      return m.text
  }
}

const mutationsArb = fc.array(mutationArb, { minLength: 1, maxLength: 3 })
const kindArb = fc.constantFrom(...KINDS)

/** Custom claims (no registered names) as JSON values, including strings with lone surrogates. */
const customClaimsArb = fc.dictionary(
  fc.string({ maxLength: 10 }).filter((name) => !REGISTERED_CLAIMS.has(name)),
  fc.oneof(fc.jsonValue({ maxDepth: 3 }), fc.string({ unit: 'binary', maxLength: 10 })),
  { maxKeys: 6 },
)

interface BaseToken {
  readonly kind: Kind
  readonly claims: Record<string, unknown>
  readonly token: string
}

/** A valid, really signed JWT (header {"alg","typ"} and custom claims only). */
const baseTokenArb: fc.Arbitrary<BaseToken> = fc.tuple(kindArb, customClaimsArb).map(([kind, custom]) => {
  const claimsText = JSON.stringify(custom)
  return {
    kind,
    claims: JSON.parse(claimsText) as Record<string, unknown>,
    token: signRaw(kind, JSON.stringify({ alg: kind, typ: 'JWT' }), claimsText),
  }
})

/** Header parameter values worth trying. */
const algValueArb = fc.oneof(
  {
    weight: 3,
    arbitrary: fc
      .constantFrom(
        'none', 'None', 'NONE', '__proto__', 'constructor', 'toString', 'hasOwnProperty', 'HS256', 'ES256', 'EdDSA',
        'RS256', 'hs256', 'HS256 ', ' HS256', '', 'HS512', 'PS256', 'ES256K', 'Ed25519', 'HS256\u0000', 'RS256\ud800',
      )
      .map((s) => JSON.stringify(s)),
  },
  { weight: 1, arbitrary: fc.string({ maxLength: 8 }).map((s) => JSON.stringify(s)) },
  { weight: 1, arbitrary: rawJsonArb },
)
const critValueArb = fc.oneof(
  fc
    .array(fc.constantFrom('b64', 'alg', 'kid', 'exp', '', '__proto__', 'constructor', 'x-ext', 'crit', 'toString'), { maxLength: 4 })
    .map((names) => JSON.stringify(names)),
  fc.constantFrom('"b64"', '["b64",1]', '[["b64"]]', '{"0":"b64","length":1}', '[null]', 'null', '[]'),
  rawJsonArb,
)
const b64ValueArb = fc.oneof(
  fc.constantFrom('true', 'false', '"false"', '"true"', '0', '1', 'null', '[]', '{}', '[false]'),
  rawJsonArb,
)
const stringOrJunkArb = fc.oneof(fc.string({ maxLength: 10 }).map((s) => JSON.stringify(s)), rawJsonArb)

/** A protected header spec; `alg: null` means "the signer's own algorithm". */
interface HeaderSpec {
  readonly alg: string | null | undefined
  readonly crit: string | undefined
  readonly b64: string | undefined
  readonly kid: string | undefined
  readonly typ: string | undefined
  readonly extExt: string | undefined
  readonly extra: readonly (readonly [string, string])[]
  readonly reverse: boolean
}

const headerSpecArb: fc.Arbitrary<HeaderSpec> = fc.record({
  alg: fc.oneof({ weight: 3, arbitrary: fc.constant(null) }, { weight: 3, arbitrary: algValueArb }, { weight: 1, arbitrary: fc.constant(undefined) }),
  crit: fc.option(critValueArb, { nil: undefined, freq: 2 }),
  b64: fc.option(b64ValueArb, { nil: undefined, freq: 2 }),
  kid: fc.option(stringOrJunkArb, { nil: undefined, freq: 2 }),
  typ: fc.option(stringOrJunkArb, { nil: undefined, freq: 3 }),
  extExt: fc.option(rawJsonArb, { nil: undefined, freq: 2 }),
  extra: fc.array(fc.tuple(nameArb, rawJsonArb), { maxLength: 3 }),
  reverse: fc.boolean(),
})

function headerText(spec: HeaderSpec, kind: Kind): string {
  const entries: (readonly [string, string])[] = []
  if (spec.alg !== undefined) entries.push(['alg', spec.alg ?? JSON.stringify(kind)])
  if (spec.crit !== undefined) entries.push(['crit', spec.crit])
  if (spec.b64 !== undefined) entries.push(['b64', spec.b64])
  if (spec.kid !== undefined) entries.push(['kid', spec.kid])
  if (spec.typ !== undefined) entries.push(['typ', spec.typ])
  if (spec.extExt !== undefined) entries.push(['x-ext', spec.extExt])
  entries.push(...spec.extra)
  if (spec.reverse) entries.reverse()
  return objectText(entries)
}

/** Registered claims with values of every type, plus custom ones. */
const claimValueArbs = {
  exp: fc.oneof(
    fc.constantFrom(String(NOW + 3600), String(NOW - 3600), String(NOW), `${NOW}.5`, '"123"', '{}', '[]', 'null', 'true', '1e400', '-1e400', '1e308', '"NaN"', '12345678901234567890123', '-0', '0.5', '[1]'),
    rawJsonArb,
  ),
  nbf: fc.oneof(fc.constantFrom(String(NOW - 10), String(NOW + 3600), '"0"', 'null', '1e400', '-1e400', '{}'), rawJsonArb),
  iat: fc.oneof(fc.constantFrom(String(NOW - 10), String(NOW + 3600), '"0"', 'null', '-1e400', '[]'), rawJsonArb),
  aud: fc.oneof(
    fc.constantFrom('"api"', '["api"]', '["other","api"]', '["api",1]', '1', '[1,2]', '[["api"]]', '[]', 'null', '{}', '{"0":"api"}', '"other"', 'true'),
    rawJsonArb,
  ),
  iss: fc.oneof(fc.constantFrom('"https://issuer.example"', '1', 'null', '["https://issuer.example"]', '{}'), rawJsonArb),
  sub: fc.oneof(fc.constantFrom('"user"', '1', 'null', '["user"]', 'false'), rawJsonArb),
  jti: fc.oneof(fc.constantFrom('"id"', '1', 'null', '[]'), rawJsonArb),
}

const claimsSpecArb = fc.record({
  registered: fc.record(claimValueArbs, { requiredKeys: [] }),
  extra: fc.array(fc.tuple(nameArb, rawJsonArb), { maxLength: 2 }),
  reverse: fc.boolean(),
})

function claimsText(spec: {
  readonly registered: Partial<Record<string, string>>
  readonly extra: readonly (readonly [string, string])[]
  readonly reverse: boolean
}): string {
  const entries: (readonly [string, string])[] = Object.entries(spec.registered).filter(
    (entry): entry is [string, string] => entry[1] !== undefined,
  )
  entries.push(...spec.extra)
  if (spec.reverse) entries.reverse()
  return objectText(entries)
}

/** What a verifier must check about registered claims, written independently of jot. */
function registeredClaimsWellTyped(payload: Record<string, unknown>): boolean {
  for (const name of ['iss', 'sub', 'jti']) {
    if (payload[name] !== undefined && typeof payload[name] !== 'string') return false
  }
  for (const name of ['exp', 'nbf', 'iat']) {
    const value = payload[name]
    if (value !== undefined && !(typeof value === 'number' && Number.isFinite(value))) return false
  }
  const { aud } = payload
  return aud === undefined || typeof aud === 'string' || (Array.isArray(aud) && aud.every((a) => typeof a === 'string'))
}

// ---------------------------------------------------------------------------------------------
// Entry-point drivers with built-in oracles
// ---------------------------------------------------------------------------------------------

interface CompactOutcomes {
  readonly jwt: ReadonlyMap<Kind, Outcome<VerifiedJWT>>
  readonly jws: ReadonlyMap<Kind, Outcome<VerifiedJWS>>
  readonly decoded: Outcome<{ header: JWSHeaderParameters; payload: Record<string, unknown> }>
  readonly unsecured: Outcome<{ header: JWSHeaderParameters; payload: Record<string, unknown> }>
}

/**
 * Feeds one compact token to verifyJWT, createVerifier()(), verifyCompactJWS (with the public and
 * the private key), decodeJWTUnverified and decodeUnsecuredJWT, and checks the outcomes agree.
 */
async function verifyCompactEverywhere(token: string, options: { crit?: readonly string[] } = {}): Promise<CompactOutcomes> {
  const jwt = new Map<Kind, Outcome<VerifiedJWT>>()
  const jws = new Map<Kind, Outcome<VerifiedJWS>>()
  for (const f of FIXTURES) {
    const viaJWT = await attempt(`verifyJWT[${f.kind}]`, () => verifyJWT(token, f.verifyKey, { requireExpiration: false, ...options }))
    const viaJWS = await attempt(`verifyCompactJWS[${f.kind}]`, () => verifyCompactJWS(token, f.verifyKey, options))
    if (options.crit === undefined) {
      const viaVerifier = await attempt(`createVerifier[${f.kind}]`, () => f.verifier(token))
      assert.equal(summary(viaVerifier), summary(viaJWT), 'createVerifier and verifyJWT disagree')
    }
    // A key resolver sees the decoded header; choosing the same key must give the same outcome.
    const viaResolver = await attempt(`verifyCompactJWS[${f.kind} resolver]`, () =>
      verifyCompactJWS(token, (header) => (typeof header === 'object' && header !== null ? f.verifyKey : f.signKey), options),
    )
    assert.equal(summary(viaResolver), summary(viaJWS), 'a key resolver changed the outcome')
    if (f.signKey !== f.verifyKey) {
      const viaPrivate = await attempt(`verifyCompactJWS[${f.kind} private]`, () => verifyCompactJWS(token, f.signKey, options))
      assert.equal(summary(viaPrivate), summary(viaJWS), 'verifying with the private and the public key disagree')
    }
    if (viaJWT.ok) assert.ok(viaJWS.ok, 'verifyJWT accepted what verifyCompactJWS refused')
    jwt.set(f.kind, viaJWT)
    jws.set(f.kind, viaJWS)
  }
  const decoded = await attempt('decodeJWTUnverified', () => decodeJWTUnverified(token))
  if (decoded.ok) {
    const [h, p] = token.split('.') as [string, string]
    assert.ok(jsonEqual(decoded.value.header, JSON.parse(utf8Of(h))), 'decodeJWTUnverified returned another header')
    assert.ok(jsonEqual(decoded.value.payload, JSON.parse(utf8Of(p))), 'decodeJWTUnverified returned other claims')
  }
  const unsecured = await attempt('decodeUnsecuredJWT', () => decodeUnsecuredJWT(token, { requireExpiration: false }))
  if (unsecured.ok) {
    assert.equal(unsecured.value.header.alg, 'none')
    assert.ok(token.endsWith('.'), 'decodeUnsecuredJWT accepted a token with a signature')
  }
  return { jwt, jws, decoded, unsecured }
}

/** Both input forms of verifyFlattenedJWS; text success implies object success. */
async function verifyFlattenedBothWays(
  what: string,
  doc: { text: string; object: unknown },
  key: JotKey,
): Promise<Outcome<VerifiedJWS>[]> {
  const outcomes: Outcome<VerifiedJWS>[] = []
  const fromText = await attempt(`${what} verifyFlattenedJWS(text)`, () => verifyFlattenedJWS(doc.text, key))
  outcomes.push(fromText)
  if (doc.object !== undefined) {
    const fromObject = await attempt(`${what} verifyFlattenedJWS(object)`, () => verifyFlattenedJWS(doc.object as FlattenedJWS, key))
    outcomes.push(fromObject)
    if (fromText.ok) assert.ok(fromObject.ok, 'flattened JSON text verified but the same object did not')
  }
  // A flattened document is never a general one.
  await attempt(`${what} verifyGeneralJWS(flattened text)`, () => verifyGeneralJWS(doc.text, key))
  return outcomes
}

async function verifyGeneralBothWays(
  what: string,
  doc: { text: string; object: unknown },
  key: JotKey,
): Promise<Outcome<VerifiedJWS & { signatureIndex: number }>[]> {
  const outcomes: Outcome<VerifiedJWS & { signatureIndex: number }>[] = []
  const fromText = await attempt(`${what} verifyGeneralJWS(text)`, () => verifyGeneralJWS(doc.text, key))
  outcomes.push(fromText)
  if (doc.object !== undefined) {
    const fromObject = await attempt(`${what} verifyGeneralJWS(object)`, () => verifyGeneralJWS(doc.object as GeneralJWS, key))
    outcomes.push(fromObject)
    if (fromText.ok) assert.ok(fromObject.ok, 'general JSON text verified but the same object did not')
  }
  const asFlattened = await attempt(`${what} verifyFlattenedJWS(general text)`, () => verifyFlattenedJWS(doc.text, key))
  if (asFlattened.ok) assert.fail('verifyFlattenedJWS accepted a general JWS')
  return outcomes
}

function documentOf(text: string): { text: string; object: unknown } {
  const parsed = tryParse(text)
  return { text, object: parsed.ok ? parsed.value : undefined }
}

// ---------------------------------------------------------------------------------------------
// Properties
// ---------------------------------------------------------------------------------------------

describe(`fuzz: compact tokens (${cryptoBackend})`, () => {
  it('sanity: the base tokens verify everywhere they should', async () => {
    await fc.assert(
      fc.asyncProperty(baseTokenArb, async (base) => {
        const { jwt, jws, decoded } = await verifyCompactEverywhere(base.token)
        for (const kind of KINDS) {
          assert.equal(jws.get(kind)!.ok, kind === base.kind, `verifyCompactJWS[${kind}] on a ${base.kind} token`)
        }
        const verified = jwt.get(base.kind)!
        assert.ok(verified.ok)
        assert.deepEqual(verified.value.payload, base.claims)
        assert.ok(decoded.ok)
      }),
      { numRuns: runs(40) },
    )
  })

  it('mutated valid tokens: JotError or, only for the unchanged token, the original claims', async () => {
    await fc.assert(
      fc.asyncProperty(baseTokenArb, mutationsArb, async (base, mutations) => {
        const token = mutations.reduce(applyMutation, base.token)
        const { jwt, jws } = await verifyCompactEverywhere(token)
        for (const kind of KINDS) {
          if (jws.get(kind)!.ok) {
            assert.equal(token, base.token, 'a mutated token verified')
            assert.equal(kind, base.kind, 'a token verified with a key that did not sign it')
          }
          const viaJWT = jwt.get(kind)!
          if (viaJWT.ok) assert.deepEqual(viaJWT.value.payload, base.claims)
        }
      }),
      { numRuns: runs(400) },
    )
  })

  it('random strings and dotted junk as tokens', async () => {
    const junkArb = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 80 }),
      fc.array(segmentArb, { minLength: 1, maxLength: 6 }).map((parts) => parts.join('.')),
      fc.array(fc.string({ unit: fc.constantFrom(...B64URL_ALPHABET, '.'), maxLength: 30 }), { maxLength: 4 }).map((parts) => parts.join('.')),
    )
    await fc.assert(
      fc.asyncProperty(junkArb, async (token) => {
        const { jws } = await verifyCompactEverywhere(token)
        for (const kind of KINDS) assert.ok(!jws.get(kind)!.ok, 'junk verified')
      }),
      { numRuns: runs(300) },
    )
  })

  it('a single changed character in the signature never verifies', async () => {
    const replacementArb = fc.oneof({ weight: 5, arbitrary: b64CharArb }, { weight: 1, arbitrary: fc.constantFrom('=', '+', '/', ' ', 'é', '\ud800', '\u0000') })
    await fc.assert(
      fc.asyncProperty(baseTokenArb, fc.nat(), replacementArb, async (base, at, char) => {
        const start = base.token.lastIndexOf('.') + 1
        const length = base.token.length - start
        const i = start + (at % length)
        fc.pre(base.token[i] !== char)
        const token = base.token.slice(0, i) + char + base.token.slice(i + 1)
        const key = fixture(base.kind).verifyKey
        const allowed = ['ERR_JWS_SIGNATURE_INVALID', 'ERR_BASE64URL_INVALID']
        await rejectsWith('verifyCompactJWS', () => verifyCompactJWS(token, key), allowed)
        await rejectsWith('verifyJWT', () => verifyJWT(token, key, { requireExpiration: false }), allowed)
      }),
      { numRuns: runs(300) },
    )
  })

  it('weird protected headers, validly signed: only a well-formed header for the right key verifies', async () => {
    await fc.assert(
      fc.asyncProperty(kindArb, headerSpecArb, fc.boolean(), async (kind, spec, understandExt) => {
        const header = headerText(spec, kind)
        const payload = JSON.stringify({ sub: 'fuzz' })
        const token = signRaw(kind, header, payload)
        const recognized = understandExt ? ['b64', 'x-ext'] : ['b64']
        const options = understandExt ? { crit: ['x-ext'] } : {}
        const { jwt, jws } = await verifyCompactEverywhere(token, options)
        const checkAccepted = (result: VerifiedJWS | VerifiedJWT, verifiedBy: Kind, compact: boolean): void => {
          assert.equal(verifiedBy, kind, 'verified with a key that did not sign')
          // Lone surrogates in the header text became U+FFFD when it was UTF-8 encoded for signing.
          const parsed = JSON.parse(asSigned(header)) as Record<string, unknown>
          assert.equal(parsed.alg, kind)
          if (compact) assert.ok(parsed.b64 === undefined || parsed.b64 === true, 'compact JWS accepted b64 other than true')
          else assert.ok(parsed.b64 === undefined || typeof parsed.b64 === 'boolean')
          if (parsed.crit !== undefined) {
            assert.ok(Array.isArray(parsed.crit) && parsed.crit.length > 0)
            assert.equal(new Set(parsed.crit).size, parsed.crit.length)
            for (const name of parsed.crit as unknown[]) {
              assert.ok(typeof name === 'string' && recognized.includes(name), `accepted crit entry ${String(name)}`)
              assert.ok(Object.hasOwn(parsed, name))
            }
          }
          if (parsed.b64 !== undefined) assert.ok(Array.isArray(parsed.crit) && parsed.crit.includes('b64'))
          assert.deepEqual('protectedHeader' in result ? result.protectedHeader : result.header, parsed)
        }
        for (const f of FIXTURES) {
          const viaJWS = jws.get(f.kind)!
          if (viaJWS.ok) checkAccepted(viaJWS.value, f.kind, true)
          const viaJWT = jwt.get(f.kind)!
          if (viaJWT.ok) checkAccepted(viaJWT.value, f.kind, true)
          // The same signature in both JSON serializations (where b64: false is legal).
          const [protectedB64, payloadB64, signature] = token.split('.') as [string, string, string]
          const flattened = { protected: protectedB64, payload: payloadB64, signature }
          const general = { payload: payloadB64, signatures: [{ protected: protectedB64, signature }] }
          for (const outcome of [
            await attempt('verifyFlattenedJWS', () => verifyFlattenedJWS(flattened, f.verifyKey, options)),
            await attempt('verifyFlattenedJWS(text)', () => verifyFlattenedJWS(JSON.stringify(flattened), f.verifyKey, options)),
            await attempt('verifyGeneralJWS', () => verifyGeneralJWS(general, f.verifyKey, options)),
            await attempt('verifyGeneralJWS(text)', () => verifyGeneralJWS(JSON.stringify(general), f.verifyKey, options)),
          ]) {
            if (!outcome.ok) continue
            checkAccepted(outcome.value, f.kind, false)
            const b64 = (JSON.parse(header) as { b64?: unknown }).b64
            const expected = b64 === false ? Buffer.from(payloadB64, 'utf8') : Buffer.from(payload, 'utf8')
            assert.deepEqual(Buffer.from(outcome.value.payload), expected)
          }
        }
      }),
      { numRuns: runs(300) },
    )
  })

  it('"HS256" tokens MACed with an RS256 public key (PEM, DER, JWK) never verify with that key', async () => {
    const rs = fixture('RS256')
    const materials = [
      Buffer.from(pemOf(rsaPair.publicKey, 'spki')),
      Buffer.from(pemOf(rsaPair.publicKey, 'pkcs1')),
      derOf(rsaPair.publicKey, 'spki'),
      Buffer.from(JSON.stringify(rs.jwks[0])),
    ]
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...materials.keys()), customClaimsArb, async (index, claims) => {
        const secret = materials[index]!
        const input = `${b64text('{"alg":"HS256","typ":"JWT"}')}.${b64text(JSON.stringify(claims))}`
        const token = `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`
        await rejectsWith('verifyJWT', () => verifyJWT(token, rs.verifyKey, { requireExpiration: false }), ['ERR_ALG_NOT_ALLOWED'])
        await rejectsWith('verifyCompactJWS', () => verifyCompactJWS(token, rs.signKey), ['ERR_ALG_NOT_ALLOWED'])
        if (index !== 2) {
          // Asymmetric material handed over as an HMAC secret is refused at import.
          await rejectsWith('importSecret', () => importSecret(secret.toString('utf8'), { alg: 'HS256' }), ['ERR_KEY_ALG_MISMATCH'])
        }
      }),
      { numRuns: runs(20) },
    )
  })

  it('random claims sets, validly signed: registered claims of the wrong type are refused', async () => {
    await fc.assert(
      fc.asyncProperty(kindArb, claimsSpecArb, fc.constantFrom('none', 'audience', 'any'), async (kind, spec, audienceMode) => {
        const claims = claimsText(spec)
        const token = signRaw(kind, JSON.stringify({ alg: kind, typ: 'JWT' }), claims)
        const audienceOptions =
          audienceMode === 'audience' ? { audience: 'api' } : audienceMode === 'any' ? { acceptAnyAudience: true } : {}
        const options = { requireExpiration: false, currentTime: NOW, ...audienceOptions }
        const f = fixture(kind)
        const verified = await attempt('verifyJWT', () => verifyJWT(token, f.verifyKey, options))
        const viaVerifier = await attempt('createVerifier', () => createVerifier({ key: f.verifyKey, ...options })(token))
        assert.equal(summary(viaVerifier), summary(verified))
        const decoded = await attempt('decodeJWTUnverified', () => decodeJWTUnverified(token))
        // The same claims as an unsecured JWT must meet the same claim checks.
        const unsecuredToken = `${b64text('{"alg":"none"}')}.${b64text(claims)}.`
        const unsecured = await attempt('decodeUnsecuredJWT', () => decodeUnsecuredJWT(unsecuredToken, options))
        assert.equal(summary(unsecured), summary(verified), 'decodeUnsecuredJWT and verifyJWT judge the same claims differently')
        if (decoded.ok) {
          const payload = decoded.value.payload
          if (!registeredClaimsWellTyped(payload)) {
            assert.ok(!verified.ok)
            assert.equal(verified.code, 'ERR_JWT_CLAIM_INVALID')
          }
        } else {
          assert.ok(!verified.ok)
        }
        if (verified.ok) {
          const payload = verified.value.payload as Record<string, unknown>
          assert.deepEqual(payload, JSON.parse(asSigned(claims)))
          assert.ok(registeredClaimsWellTyped(payload))
          if (typeof payload.exp === 'number') assert.ok(payload.exp > NOW)
          if (typeof payload.nbf === 'number') assert.ok(payload.nbf <= NOW)
          if (typeof payload.iat === 'number') assert.ok(payload.iat <= NOW)
          if (audienceMode === 'audience') assert.ok(payload.aud === 'api' || (Array.isArray(payload.aud) && payload.aud.includes('api')))
          if (audienceMode === 'none') assert.equal(payload.aud, undefined)
        }
      }),
      { numRuns: runs(400) },
    )
  })

  it('deeply nested JSON (up to 5000 levels) in headers, claims and serializations', async () => {
    const big = { maxTokenLength: 1_000_000 }
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom<Kind>('HS256', 'EdDSA'),
        fc.integer({ min: 1, max: 5000 }),
        fc.constantFrom<DeepShape>('array', 'object', 'mixed', 'unclosed', 'claims'),
        fc.constantFrom('claims', 'header'),
        async (kind, depth, shape, where) => {
          const nested = deepJson(depth, shape)
          const header = where === 'header' ? `{"alg":"${kind}","x":${nested}}` : `{"alg":"${kind}"}`
          const claims = where === 'claims' ? nested : '{}'
          const token = signRaw(kind, header, claims)
          const key = fixture(kind).verifyKey
          const verified = await attempt('verifyJWT', () => verifyJWT(token, key, { requireExpiration: false, ...big }))
          if (verified.ok) {
            assert.ok(jsonEqual(verified.value.payload, JSON.parse(claims)), 'deep payload differs')
            assert.ok(jsonEqual(verified.value.header, JSON.parse(header)), 'deep header differs')
          } else {
            // Only 'unclosed' nesting is invalid JSON, and top-level arrays are not claims sets.
            const invalid = shape === 'unclosed' || (where === 'claims' && (shape === 'array' || shape === 'mixed'))
            assert.ok(invalid, `refused a valid deeply nested token: ${verified.code}`)
          }
          await attempt('verifyJWT (default length limit)', () => verifyJWT(token, key, { requireExpiration: false }))
          await attempt('verifyCompactJWS', () => verifyCompactJWS(token, key, big))
          await attempt('decodeJWTUnverified', () => decodeJWTUnverified(token, big))
          await attempt('decodeUnsecuredJWT', () => decodeUnsecuredJWT(token, { requireExpiration: false, ...big }))
          const [protectedB64, payloadB64, signature] = token.split('.') as [string, string, string]
          const flattenedText = `{"protected":"${protectedB64}","payload":"${payloadB64}","signature":"${signature}","x":${nested}}`
          await attempt('verifyFlattenedJWS(text)', () => verifyFlattenedJWS(flattenedText, key, big))
          const generalText = `{"payload":"${payloadB64}","signatures":[{"protected":"${protectedB64}","signature":"${signature}","header":{"x":${nested}}}]}`
          await attempt('verifyGeneralJWS(text)', () => verifyGeneralJWS(generalText, key, big))
          await attempt('importSecret(nested JSON text)', () => importSecret(nested, { alg: 'HS256' }))
        },
      ),
      { numRuns: runs(60) },
    )
  })
})

// ---------------------------------------------------------------------------------------------
// JSON serializations
// ---------------------------------------------------------------------------------------------

type MemberVariant =
  | { readonly kind: 'keep' }
  | { readonly kind: 'drop' }
  | { readonly kind: 'raw'; readonly text: string }
  | { readonly kind: 'mutate'; readonly mutations: readonly Mutation[] }

const memberVariantArb: fc.Arbitrary<MemberVariant> = fc.oneof(
  { weight: 8, arbitrary: fc.constant({ kind: 'keep' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'drop' as const }) },
  { weight: 2, arbitrary: rawJsonArb.map((text) => ({ kind: 'raw' as const, text })) },
  { weight: 2, arbitrary: mutationsArb.map((mutations) => ({ kind: 'mutate' as const, mutations })) },
)

/** Unprotected header variants: random objects with dangerous names, or any member variant. */
const headerMemberArb: fc.Arbitrary<MemberVariant> = fc.oneof(
  { weight: 3, arbitrary: memberVariantArb },
  {
    weight: 2,
    arbitrary: fc
      .tuple(kindArb, headerSpecArb)
      .map(([kind, spec]) => ({ kind: 'raw' as const, text: headerText({ ...spec, alg: spec.alg === null ? undefined : spec.alg }, kind) })),
  },
  {
    weight: 1,
    arbitrary: fc
      .constantFrom('{}', '{"kid":"k"}', '{"__proto__":{"alg":"HS256"}}', '{"b64":false}', '{"crit":["b64"]}', '{"alg":"none"}', '[]', '"x"', 'null')
      .map((text) => ({ kind: 'raw' as const, text })),
  },
)

/** JSON text of one member after applying a variant; undefined when the member is dropped. */
function memberText(original: unknown, variant: MemberVariant): string | undefined {
  switch (variant.kind) {
    case 'keep':
      return original === undefined ? undefined : JSON.stringify(original)
    case 'drop':
      return undefined
    case 'raw':
      return variant.text
    case 'mutate': {
      // Strings are mutated as strings; objects as their JSON text (which may stop being JSON).
      if (typeof original === 'string' || original === undefined) {
        return JSON.stringify(variant.mutations.reduce(applyMutation, original ?? ''))
      }
      return variant.mutations.reduce(applyMutation, JSON.stringify(original))
    }
  }
}

function membersText(
  members: readonly (readonly [string, unknown, MemberVariant])[],
  extra: readonly (readonly [string, string])[],
): string {
  const entries: (readonly [string, string])[] = []
  for (const [name, original, variant] of members) {
    const text = memberText(original, variant)
    if (text !== undefined) entries.push([name, text])
  }
  return objectText([...entries, ...extra])
}

const jwsPayloadArb = fc.string({ unit: 'binary', maxLength: 40 })
const unprotectedArb = fc.option(fc.constantFrom({ kid: 'k1' }, { 'x-note': 'n' }), { nil: undefined })

describe(`fuzz: JWS JSON serializations (${cryptoBackend})`, () => {
  it('mutated flattened JWS (object and JSON text): JotError or the signed payload', async () => {
    await fc.assert(
      fc.asyncProperty(
        kindArb,
        jwsPayloadArb,
        fc.boolean(),
        unprotectedArb,
        fc.record({ protected: memberVariantArb, header: headerMemberArb, payload: memberVariantArb, signature: memberVariantArb }),
        extraMembersArb,
        async (kind, payload, b64, unprotectedHeader, variants, extra) => {
          const signer = fixture(kind)
          const jws = await signFlattenedJWS(payload, signer.signKey, {
            b64,
            ...(unprotectedHeader === undefined ? {} : { unprotectedHeader }),
          })
          const text = membersText(
            [
              ['protected', jws.protected, variants.protected],
              ['header', jws.header, variants.header],
              ['payload', jws.payload, variants.payload],
              ['signature', jws.signature, variants.signature],
            ],
            extra,
          )
          const doc = documentOf(text)
          const expectedHeader = JSON.parse(utf8Of(jws.protected!)) as unknown
          for (const f of FIXTURES) {
            for (const outcome of await verifyFlattenedBothWays(f.kind, doc, f.verifyKey)) {
              if (!outcome.ok) continue
              assert.equal(f.kind, kind, 'verified with a key that did not sign')
              assert.deepEqual(Buffer.from(outcome.value.payload), Buffer.from(payload, 'utf8'))
              assert.deepEqual(outcome.value.protectedHeader, expectedHeader)
            }
          }
        },
      ),
      { numRuns: runs(250) },
    )
  })

  type SignatureItem =
    | { readonly kind: 'valid'; readonly index: number }
    | {
        readonly kind: 'mutated'
        readonly index: number
        readonly protected: MemberVariant
        readonly header: MemberVariant
        readonly signature: MemberVariant
        readonly extra: readonly (readonly [string, string])[]
      }
    | { readonly kind: 'raw'; readonly text: string }

  const signatureItemArb: fc.Arbitrary<SignatureItem> = fc.oneof(
    { weight: 3, arbitrary: fc.record({ kind: fc.constant('valid' as const), index: fc.nat() }) },
    {
      weight: 3,
      arbitrary: fc.record({
        kind: fc.constant('mutated' as const),
        index: fc.nat(),
        protected: memberVariantArb,
        header: headerMemberArb,
        signature: memberVariantArb,
        extra: fc.array(fc.tuple(nameArb, rawJsonArb), { maxLength: 1 }),
      }),
    },
    { weight: 1, arbitrary: rawJsonArb.map((text) => ({ kind: 'raw' as const, text })) },
  )

  const signaturesArb = fc.oneof(
    { weight: 1, arbitrary: fc.constant({ kind: 'keep' as const }) },
    { weight: 1, arbitrary: fc.constant({ kind: 'drop' as const }) },
    { weight: 1, arbitrary: rawJsonArb.map((text) => ({ kind: 'raw' as const, text })) },
    { weight: 6, arbitrary: fc.array(signatureItemArb, { maxLength: 20 }).map((items) => ({ kind: 'rebuild' as const, items })) },
  )

  it('mutated general JWS (object and JSON text, up to 20 signatures): JotError or a valid signature', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.subarray([...KINDS], { minLength: 1 }),
        jwsPayloadArb,
        fc.boolean(),
        unprotectedArb,
        signaturesArb,
        memberVariantArb,
        extraMembersArb,
        async (kinds, payload, b64, unprotectedHeader, signaturesVariant, payloadVariant, extra) => {
          const jws = await signGeneralJWS(
            payload,
            kinds.map((kind) => ({
              key: fixture(kind).signKey,
              ...(unprotectedHeader === undefined ? {} : { unprotectedHeader }),
            })),
            { b64 },
          )
          const valid = jws.signatures
          let signaturesText: string | undefined
          switch (signaturesVariant.kind) {
            case 'keep':
              signaturesText = JSON.stringify(valid)
              break
            case 'drop':
              signaturesText = undefined
              break
            case 'raw':
              signaturesText = signaturesVariant.text
              break
            case 'rebuild':
              signaturesText = `[${signaturesVariant.items
                .map((item) => {
                  if (item.kind === 'raw') return item.text
                  const entry = valid[item.index % valid.length]!
                  if (item.kind === 'valid') return JSON.stringify(entry)
                  return membersText(
                    [
                      ['protected', entry.protected, item.protected],
                      ['header', entry.header, item.header],
                      ['signature', entry.signature, item.signature],
                    ],
                    item.extra,
                  )
                })
                .join(',')}]`
          }
          const entries: (readonly [string, string])[] = []
          const payloadText = memberText(jws.payload, payloadVariant)
          if (payloadText !== undefined) entries.push(['payload', payloadText])
          if (signaturesText !== undefined) entries.push(['signatures', signaturesText])
          const doc = documentOf(objectText([...entries, ...extra]))
          for (const f of FIXTURES) {
            for (const outcome of await verifyGeneralBothWays(f.kind, doc, f.verifyKey)) {
              if (!outcome.ok) continue
              assert.ok(kinds.includes(f.kind), 'verified with a key that signed none of the signatures')
              assert.deepEqual(Buffer.from(outcome.value.payload), Buffer.from(payload, 'utf8'))
              const signatures = (doc.object as { signatures: Array<{ protected?: unknown; signature?: unknown }> }).signatures
              const used = signatures[outcome.value.signatureIndex]!
              const mine = valid[kinds.indexOf(f.kind)]!
              assert.equal(used.protected, mine.protected)
              assert.equal(used.signature, mine.signature)
            }
          }
        },
      ),
      { numRuns: runs(200) },
    )
  })

  it('random JSON values and text as JSON serializations', async () => {
    const inputArb = fc.oneof(
      rawJsonArb.map((text) => ({ text, asObject: false })),
      rawJsonArb.map((text) => ({ text, asObject: true })),
      fc.string({ unit: 'binary', maxLength: 60 }).map((text) => ({ text, asObject: false })),
      fc
        .array(fc.tuple(fc.constantFrom('protected', 'header', 'payload', 'signature', 'signatures', '__proto__'), rawJsonArb), { maxLength: 5 })
        .map((entries) => ({ text: objectText(entries), asObject: true })),
    )
    await fc.assert(
      fc.asyncProperty(inputArb, kindArb, async ({ text, asObject }, kind) => {
        const key = fixture(kind).verifyKey
        const parsed = tryParse(text)
        const input = asObject && parsed.ok ? parsed.value : text
        const flattened = await attempt('verifyFlattenedJWS', () => verifyFlattenedJWS(input as FlattenedJWS, key))
        const general = await attempt('verifyGeneralJWS', () => verifyGeneralJWS(input as GeneralJWS, key))
        assert.ok(!flattened.ok && !general.ok, 'a random document verified')
      }),
      { numRuns: runs(300) },
    )
  })
})

// ---------------------------------------------------------------------------------------------
// Key import and thumbprints
// ---------------------------------------------------------------------------------------------

const ALL_ALGS: readonly string[] = [...JWS_ALGORITHM_NAMES]
const algArb = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...ALL_ALGS) },
  { weight: 1, arbitrary: fc.constantFrom('none', '__proto__', 'constructor', 'toString', 'hs256', '') },
)

const b64MemberArb = fc.oneof(
  fc
    .constantFrom(0, 1, 31, 32, 33, 56, 57, 64, 65, 66, 128, 256)
    .chain((n) => fc.uint8Array({ minLength: n, maxLength: n }))
    .map((bytes) => Buffer.from(bytes).toString('base64url')),
  fc.constantFrom('', 'AQAB', 'AA', 'A', 'AA==', '____', '+/+/', 'AQAB\n', '\ud800'),
  fc.string({ maxLength: 20 }),
)
const memberValueArb = fc.oneof({ weight: 4, arbitrary: b64MemberArb }, { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 2 }) })
const smallJsonArb = fc.jsonValue({ maxDepth: 1 })
/** JSON objects that String() cannot convert: their toString/valueOf members are data, not methods. */
const objectWithInertToStringArb = fc
  .constantFrom('{"toString":""}', '{"toString":1,"valueOf":1}', '{"valueOf":{},"toString":null}')
  .map((text) => JSON.parse(text) as unknown)

/** RFC 9964 AKP JWKs (ML-DSA-44/65/87), public and private: real keys wherever the runtime has ML-DSA. */
const ML_DSA_JWKS: readonly JWK[] = RFC9964_EXAMPLES.flatMap((example) => [example.publicJwk, example.privateJwk])

const jwkishArb: fc.Arbitrary<Record<string, unknown>> = fc.oneof(
  fc.record(
    {
      kty: fc.oneof(
        { weight: 4, arbitrary: fc.constantFrom('EC', 'OKP', 'RSA', 'oct', 'AKP') },
        { weight: 2, arbitrary: fc.constantFrom('ec', '__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf', '') },
        { weight: 1, arbitrary: fc.string({ maxLength: 5 }) },
        { weight: 1, arbitrary: smallJsonArb },
      ),
      crv: fc.oneof(fc.constantFrom('P-256', 'P-384', 'P-521', 'secp256k1', 'Ed25519', 'Ed448', 'X25519', '__proto__', 'constructor'), smallJsonArb),
      x: memberValueArb,
      y: memberValueArb,
      d: memberValueArb,
      n: memberValueArb,
      e: memberValueArb,
      k: memberValueArb,
      p: memberValueArb,
      q: memberValueArb,
      dp: memberValueArb,
      dq: memberValueArb,
      qi: memberValueArb,
      pub: memberValueArb,
      priv: memberValueArb,
      alg: fc.oneof(fc.constantFrom(...ALL_ALGS, 'none', '__proto__'), smallJsonArb, objectWithInertToStringArb),
      use: fc.oneof(fc.constantFrom('sig', 'enc'), smallJsonArb, objectWithInertToStringArb),
      key_ops: fc.oneof(fc.array(fc.constantFrom('sign', 'verify', 'encrypt', '__proto__')), smallJsonArb),
      kid: smallJsonArb,
    },
    { requiredKeys: [] },
  ),
  // A real JWK with one member replaced or removed.
  fc
    .tuple(
      fc.constantFrom(...FIXTURES.flatMap((f) => f.jwks), ...ML_DSA_JWKS),
      fc.constantFrom('kty', 'crv', 'x', 'y', 'd', 'n', 'e', 'k', 'p', 'q', 'dp', 'dq', 'qi', 'pub', 'priv', 'alg', 'use', 'key_ops'),
      fc.option(memberValueArb, { nil: undefined }),
    )
    .map(([jwk, name, value]) => {
      const copy: Record<string, unknown> = { ...jwk }
      if (value === undefined) delete copy[name]
      else copy[name] = value
      return copy
    }),
)

function ktyOf(alg: string): string {
  if (alg.startsWith('HS')) return 'oct'
  if (alg.startsWith('RS') || alg.startsWith('PS')) return 'RSA'
  if (alg.startsWith('ES')) return 'EC'
  if (alg.startsWith('ML-DSA-')) return 'AKP'
  return 'OKP' // EdDSA, Ed25519, Ed448
}

/** The algorithm a JWK's `kty` and `crv` suggest, so that random JWKs get past the kty check. */
function algorithmFitting(jwk: Record<string, unknown>): string {
  switch (jwk.kty) {
    case 'oct':
      return 'HS256'
    case 'RSA':
      return 'RS256'
    case 'OKP':
      return 'EdDSA'
    case 'AKP':
      // The parameter set is the JWK's own alg (RFC 9964 §3), when it names one.
      return ['ML-DSA-65', 'ML-DSA-87'].includes(jwk.alg as string) ? (jwk.alg as string) : 'ML-DSA-44'
    default: {
      // The fuzzed crv may be anything, an object without toString included: look up strings only.
      const byCurve: Record<string, JWSAlgorithmName> = { 'P-384': 'ES384', 'P-521': 'ES512', secp256k1: 'ES256K' }
      return typeof jwk.crv === 'string' && Object.hasOwn(byCurve, jwk.crv) ? byCurve[jwk.crv]! : 'ES256'
    }
  }
}

/** What RFC 7638 says the SHA-256 thumbprint is, computed without jot. */
function expectedThumbprint(jwk: Record<string, unknown>): string {
  const required: Record<string, readonly string[]> = {
    AKP: ['alg', 'kty', 'pub'],
    EC: ['crv', 'kty', 'x', 'y'],
    OKP: ['crv', 'kty', 'x'],
    RSA: ['e', 'kty', 'n'],
    oct: ['k', 'kty'],
  }
  const names = required[jwk.kty as string]!
  const canonical = Object.fromEntries(names.map((name) => [name, jwk[name]]))
  return createHash('sha256').update(JSON.stringify(canonical)).digest('base64url')
}

function isThumbprintable(jwk: Record<string, unknown>): boolean {
  const required: Record<string, readonly string[]> = { AKP: ['alg', 'pub'], EC: ['crv', 'x', 'y'], OKP: ['crv', 'x'], RSA: ['e', 'n'], oct: ['k'] }
  const kty = jwk.kty
  if (typeof kty !== 'string' || !Object.hasOwn(required, kty)) return false
  return required[kty]!.every((name) => typeof jwk[name] === 'string')
}

interface PemSource {
  readonly label: string
  readonly der: Buffer
}

const PEM_SOURCES: readonly PemSource[] = [
  { label: 'PUBLIC KEY', der: derOf(ecPair.publicKey, 'spki') },
  { label: 'PRIVATE KEY', der: derOf(ecPair.privateKey, 'pkcs8') },
  { label: 'EC PRIVATE KEY', der: derOf(ecPair.privateKey, 'sec1') },
  { label: 'PUBLIC KEY', der: derOf(edPair.publicKey, 'spki') },
  { label: 'PRIVATE KEY', der: derOf(edPair.privateKey, 'pkcs8') },
  { label: 'PUBLIC KEY', der: derOf(rsaPair.publicKey, 'spki') },
  { label: 'PRIVATE KEY', der: derOf(rsaPair.privateKey, 'pkcs8') },
  { label: 'RSA PUBLIC KEY', der: derOf(rsaPair.publicKey, 'pkcs1') },
  { label: 'RSA PRIVATE KEY', der: derOf(rsaPair.privateKey, 'pkcs1') },
  // ML-DSA (RFC 9881) built by hand from the RFC 9964 example keys: SPKI, and PKCS#8 in the seed,
  // both (with a stand-in expanded key) and expandedKey forms.
  ...RFC9964_EXAMPLES.flatMap((example) => [
    { label: 'PUBLIC KEY', der: Buffer.from(buildSPKI(example.alg, b64u(example.publicJwk.pub as string))) },
    { label: 'PRIVATE KEY', der: Buffer.from(buildPKCS8(example.alg, { form: 'seed', seed: new Uint8Array(SEED_LENGTH) })) },
  ]),
  {
    label: 'PRIVATE KEY',
    der: Buffer.from(buildPKCS8('ML-DSA-44', { form: 'both', seed: new Uint8Array(SEED_LENGTH), expandedKey: new Uint8Array(ML_DSA['ML-DSA-44'].expandedKey) })),
  },
  { label: 'PRIVATE KEY', der: Buffer.from(buildPKCS8('ML-DSA-65', { form: 'expandedKey', expandedKey: new Uint8Array(ML_DSA['ML-DSA-65'].expandedKey) })) },
  // X.509 certificates from the unit-test fixtures (node:crypto cannot issue one).
  ...['cert-ec.pem', 'cert-rsa.pem', 'cert-ed25519-v1.pem'].map((name) => ({
    label: 'CERTIFICATE',
    der: Buffer.from(
      readFileSync(new URL(`../unit/fixtures/${name}`, import.meta.url), 'utf8').replace(/-----[^-]+-----|\s/g, ''),
      'base64',
    ),
  })),
]

function pemText(label: string, der: Uint8Array, lineLength: number, newline: string): string {
  const body = Buffer.from(der).toString('base64')
  const lines: string[] = []
  for (let i = 0; i < body.length; i += lineLength) lines.push(body.slice(i, i + lineLength))
  return `-----BEGIN ${label}-----${newline}${lines.join(newline)}${newline}-----END ${label}-----${newline}`
}

type DerMutation =
  | { readonly op: 'xor'; readonly at: number; readonly mask: number }
  | { readonly op: 'set'; readonly at: number; readonly value: number }
  | { readonly op: 'truncate'; readonly at: number }
  | { readonly op: 'insert'; readonly at: number; readonly bytes: Uint8Array }
  | { readonly op: 'delete'; readonly at: number; readonly count: number }

const derMutationArb: fc.Arbitrary<DerMutation> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ op: fc.constant('xor' as const), at: fc.nat(), mask: fc.integer({ min: 1, max: 255 }) }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('set' as const), at: fc.nat(64), value: fc.constantFrom(0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x30, 0x7f, 0x80, 0x81, 0x82, 0x84, 0x85, 0xa0, 0xa1, 0xff) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('truncate' as const), at: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('insert' as const), at: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 4 }) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('delete' as const), at: fc.nat(), count: fc.integer({ min: 1, max: 4 }) }) },
)

function applyDerMutation(der: Uint8Array, m: DerMutation): Uint8Array {
  const bytes = Uint8Array.from(der)
  if (bytes.length === 0) return bytes
  const i = m.at % bytes.length
  switch (m.op) {
    case 'xor':
      bytes[i]! ^= m.mask
      return bytes
    case 'set':
      bytes[i] = m.value
      return bytes
    case 'truncate':
      return bytes.subarray(0, i)
    case 'insert':
      return Uint8Array.from([...bytes.subarray(0, i), ...m.bytes, ...bytes.subarray(i)])
    case 'delete':
      return Uint8Array.from([...bytes.subarray(0, i), ...bytes.subarray(i + m.count)])
  }
}

const labelArb = fc.oneof(
  fc.constantFrom(
    'PUBLIC KEY', 'PRIVATE KEY', 'RSA PUBLIC KEY', 'RSA PRIVATE KEY', 'EC PRIVATE KEY', 'CERTIFICATE',
    'ENCRYPTED PRIVATE KEY', 'OPENSSH PRIVATE KEY', 'X509 CRL', 'PUBLIC  KEY', 'public key', '', '__proto__', 'constructor',
  ),
  fc.string({ maxLength: 12 }),
)

const pemArb: fc.Arbitrary<string> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc
      .record({
        source: fc.constantFrom(...PEM_SOURCES),
        mutations: fc.array(derMutationArb, { maxLength: 3 }),
        label: fc.option(labelArb, { nil: undefined, freq: 4 }),
        lineLength: fc.constantFrom(64, 76, 1, 1000),
        newline: fc.constantFrom('\n', '\r\n', '\r', '\n\n'),
      })
      .map(({ source, mutations, label, lineLength, newline }) =>
        pemText(label ?? source.label, mutations.reduce(applyDerMutation, source.der), lineLength, newline),
      ),
  },
  {
    weight: 2,
    arbitrary: fc
      .tuple(fc.constantFrom(...PEM_SOURCES), mutationsArb)
      .map(([source, mutations]) => mutations.reduce(applyMutation, pemText(source.label, source.der, 64, '\n'))),
  },
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.string({ unit: 'binary', maxLength: 30 }), labelArb, fc.string({ maxLength: 10 }), labelArb)
      .map(([body, begin, trailer, end]) => `-----BEGIN ${begin}-----\n${body}\n-----END ${end}-----\n${trailer}`),
  },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 80 }) },
)

describe(`fuzz: key import and thumbprints (${cryptoBackend})`, () => {
  it('importJWK and importKey with random and mutated JWK-ish objects', async () => {
    await fc.assert(
      fc.asyncProperty(jwkishArb, fc.option(algArb, { nil: undefined }), async (jwk, randomAlg) => {
        const alg = randomAlg ?? algorithmFitting(jwk)
        const options = { alg: alg as JWSAlgorithmName }
        for (const [what, outcome] of [
          ['importJWK', await attempt('importJWK', () => importJWK(jwk as JWK, options))],
          ['importKey', await attempt('importKey', () => importKey(jwk as JWK, options))],
        ] as const) {
          if (!outcome.ok) continue
          assert.ok(isJotKey(outcome.value), `${what} returned a non-JotKey`)
          assert.equal(outcome.value.alg, alg)
          assert.equal(jwk.kty, ktyOf(alg), `${what} accepted a ${String(jwk.kty)} JWK for ${alg}`)
          const privateMember = jwk.kty === 'AKP' ? jwk.priv : jwk.d
          const expectedType = jwk.kty === 'oct' ? 'secret' : privateMember === undefined ? 'public' : 'private'
          assert.equal(outcome.value.type, expectedType)
        }
      }),
      { numRuns: runs(400) },
    )
  })

  it('importPEM and importKey with random and mutated PEM text', async () => {
    await fc.assert(
      fc.asyncProperty(pemArb, fc.oneof(fc.constantFrom('ES256', 'EdDSA', 'RS256', 'PS256'), algArb), async (pem, alg) => {
        const options = { alg: alg as JWSAlgorithmName }
        const viaPEM = await attempt('importPEM', () => importPEM(pem, options))
        const viaKey = await attempt('importKey(string)', () => importKey(pem, options))
        if (!alg.startsWith('HS')) assert.equal(summary(viaKey), summary(viaPEM), 'importKey and importPEM disagree on PEM text')
        if (viaPEM.ok) {
          assert.equal(viaPEM.value.alg, alg)
          assert.ok(viaPEM.value.type === 'public' || viaPEM.value.type === 'private')
        }
      }),
      { numRuns: runs(400) },
    )
  })

  it('importSecret and importKey with random strings, bytes and anything', async () => {
    const secretArb = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 80 }),
      fc.uint8Array({ maxLength: 80 }),
      pemArb,
      jwkishArb.map((jwk) => JSON.stringify(jwk)),
      rawJsonArb,
      deepJsonArb,
    )
    await fc.assert(
      fc.asyncProperty(secretArb, algArb, fc.boolean(), async (secret, alg, unsafeAllowShortSecret) => {
        const options = { alg: alg as JWSAlgorithmName, unsafeAllowShortSecret }
        const viaSecret = await attempt('importSecret', () => importSecret(secret, options))
        if (viaSecret.ok) {
          assert.equal(viaSecret.value.type, 'secret')
          assert.equal(viaSecret.value.alg, alg)
        }
        const viaKey = await attempt('importKey', () => importKey(secret, options))
        if (viaKey.ok) assert.equal(viaKey.value.alg, alg)
      }),
      { numRuns: runs(300) },
    )
  })

  it('importKey with values of any type', async () => {
    await fc.assert(
      fc.asyncProperty(fc.anything({ maxDepth: 2, withTypedArray: true, withNullPrototype: true }), algArb, async (input, alg) => {
        const options = { alg: alg as JWSAlgorithmName }
        await attempt('importKey', () => importKey(input as JWK, options))
        await attempt('importJWK', () => importJWK(input as JWK, options))
        await attempt('importPEM', () => importPEM(input as string, options))
        await attempt('importSecret', () => importSecret(input as string, options))
        await attempt('jwkThumbprint', () => jwkThumbprint(input as JWK))
      }),
      { numRuns: runs(200) },
    )
  })

  it('jwkThumbprint of random JWK-ish objects: the RFC 7638 value or a JotError', async () => {
    await fc.assert(
      fc.asyncProperty(jwkishArb, async (jwk) => {
        const outcome = await attempt('jwkThumbprint', () => jwkThumbprint(jwk as JWK))
        assert.equal(outcome.ok, isThumbprintable(jwk), 'jwkThumbprint accepted/refused unexpectedly')
        if (outcome.ok) assert.equal(outcome.value, expectedThumbprint(jwk))
      }),
      { numRuns: runs(400) },
    )
  })

  it('jwkThumbprint with random hash names', async () => {
    const jwk = FIXTURES[1]!.jwks[0]!
    const hashArb = fc.oneof(
      fc.constantFrom('sha256', 'sha384', 'sha512', 'SHA-256', 'sha1', 'md5', '', '__proto__', 'constructor', 'toString', 'valueOf'),
      fc.string({ maxLength: 10 }),
    )
    await fc.assert(
      fc.asyncProperty(hashArb, async (hash) => {
        const outcome = await attempt(`jwkThumbprint(jwk, ${JSON.stringify(hash)})`, () => jwkThumbprint(jwk, hash as 'sha256'))
        assert.equal(outcome.ok, ['sha256', 'sha384', 'sha512'].includes(hash))
      }),
      { numRuns: runs(200) },
    )
  })
})

// ---------------------------------------------------------------------------------------------
// Positive properties
// ---------------------------------------------------------------------------------------------

describe(`fuzz: round trips (${cryptoBackend})`, () => {
  const validRegisteredArb = fc.record(
    {
      iss: fc.string({ maxLength: 20 }),
      sub: fc.string({ unit: 'binary', maxLength: 20 }),
      jti: fc.string({ maxLength: 20 }),
      aud: fc.oneof(fc.string({ maxLength: 10 }), fc.array(fc.string({ maxLength: 10 }), { maxLength: 3 })),
      exp: fc.integer({ min: NOW + 1, max: NOW + 1_000_000_000 }),
      nbf: fc.integer({ min: 0, max: NOW }),
    },
    { requiredKeys: [] },
  )

  it('signJWT → verifyJWT returns the claims (plus iat) for any JSON-object claims', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof({ weight: 3, arbitrary: fc.constantFrom<Kind>('HS256', 'ES256', 'EdDSA') }, { weight: 1, arbitrary: fc.constant<Kind>('RS256') }),
        customClaimsArb,
        validRegisteredArb,
        async (kind, custom, registered) => {
          const f = fixture(kind)
          const claims = { ...custom, ...registered }
          const token = await signJWT(claims, f.signKey, { currentTime: NOW })
          const options = { requireExpiration: false, acceptAnyAudience: true, currentTime: NOW }
          const { payload, header } = await verifyJWT(token, f.verifyKey, options)
          assert.deepStrictEqual(payload, { ...(JSON.parse(JSON.stringify(claims)) as object), iat: NOW })
          assert.equal(header.alg, kind)
          assert.deepStrictEqual((await createVerifier({ key: f.verifyKey, ...options })(token)).payload, payload)
          assert.deepStrictEqual(decodeJWTUnverified(token).payload, payload)
          const unsecured = encodeUnsecuredJWT({ ...claims })
          assert.deepStrictEqual(decodeUnsecuredJWT(unsecured, options).payload, JSON.parse(JSON.stringify(claims)))
        },
      ),
      { numRuns: runs(200) },
    )
  })

  it('base64url: encode/decode round-trip any bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        const encoded = base64url.encode(bytes)
        assert.equal(encoded, Buffer.from(bytes).toString('base64url'))
        assert.deepStrictEqual(base64url.decode(encoded), bytes)
      }),
      { numRuns: runs(500) },
    )
  })

  it('base64url: encode of any string is the base64url of its UTF-8', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 60 }), (text) => {
        assert.equal(base64url.encode(text), Buffer.from(text, 'utf8').toString('base64url'))
      }),
      { numRuns: runs(300) },
    )
  })

  it('base64url: decode rejects any string with a character outside [A-Za-z0-9_-]', async () => {
    const alphabetString = fc.string({ unit: fc.constantFrom(...B64URL_ALPHABET), maxLength: 20 })
    const foreignChar = fc.oneof(
      oddCharArb,
      fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }).filter((c) => !B64URL_ALPHABET.includes(c)),
    )
    await fc.assert(
      fc.asyncProperty(alphabetString, foreignChar, alphabetString, async (before, char, after) => {
        await rejectsWith('base64url.decode', () => base64url.decode(before + char + after), ['ERR_BASE64URL_INVALID'])
      }),
      { numRuns: runs(500) },
    )
  })

  it('base64url: a character whose low seven bits spell an alphabet character is still foreign', async () => {
    // The decoder indexes its table with the low seven bits and checks the full codes once per input.
    for (const char of ['\u00c1', '\u0141', '\u01e1', '\uff41', '\u00ad']) {
      for (const position of [0, 1, 2, 3, 5]) {
        const text = 'AAAAAAAA'.slice(0, position) + char + 'AAAAAAAA'.slice(position + 1)
        await rejectsWith('base64url.decode', () => base64url.decode(text), ['ERR_BASE64URL_INVALID'])
      }
    }
  })

  it('base64url: alphabet strings decode canonically or fail with ERR_BASE64URL_INVALID', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ unit: fc.constantFrom(...B64URL_ALPHABET), maxLength: 40 }), async (text) => {
        const outcome = await attempt('base64url.decode', () => base64url.decode(text))
        const canonical = text.length % 4 !== 1 && Buffer.from(text, 'base64url').toString('base64url') === text
        assert.equal(outcome.ok, canonical)
        if (outcome.ok) assert.equal(base64url.encode(outcome.value), text)
        else assert.equal(outcome.code, 'ERR_BASE64URL_INVALID')
      }),
      { numRuns: runs(500) },
    )
  })
})

// ---------------------------------------------------------------------------------------------
// Regressions found by the properties above (minimal counterexamples)
// ---------------------------------------------------------------------------------------------

describe(`fuzz regressions (${cryptoBackend})`, () => {
  // jwkThumbprint looked `kty` up in a plain object literal, so inherited names such as
  // "constructor" or "__proto__" yielded a function / Object.prototype and the code then iterated it:
  // "TypeError: required is not iterable" instead of KeyInvalid.
  for (const kty of ['constructor', '__proto__', 'toString', 'hasOwnProperty']) {
    it(`jwkThumbprint({ kty: ${JSON.stringify(kty)} }) is ERR_KEY_INVALID`, async () => {
      const jwk = JSON.parse(`{"kty":${JSON.stringify(kty)}}`) as JWK
      await rejectsWith('jwkThumbprint', () => jwkThumbprint(jwk), ['ERR_KEY_INVALID'])
    })
  }

  // The hash name was looked up the same way: "constructor" / "toString" passed the `!spec` check and
  // reached the backend (node: TypeError ERR_INVALID_ARG_TYPE; WebCrypto: DOMException NotSupportedError).
  for (const hash of ['constructor', 'toString', '__proto__']) {
    it(`jwkThumbprint(jwk, ${JSON.stringify(hash)}) is ERR_INVALID_ARGUMENT`, async () => {
      const jwk: JWK = { kty: 'oct', k: 'AAAA' }
      await rejectsWith('jwkThumbprint', () => jwkThumbprint(jwk, hash as 'sha256'), ['ERR_INVALID_ARGUMENT'])
    })
  }

  // checkJWKMetadata (src/key/import.ts) builds its error message with String(jwk.alg) and
  // String(jwk.use); for a JSON object member whose "toString" is not callable that throws
  // "TypeError: Cannot convert object to primitive value" instead of KeyAlgorithmMismatch.
  for (const member of ['alg', 'use']) {
    for (const value of ['{"toString":""}', '{"toString":1,"valueOf":1}']) {
      it(`importJWK with "${member}": ${value} is ERR_KEY_ALG_MISMATCH`, async () => {
        const jwk = JSON.parse(`{"kty":"EC","${member}":${value}}`) as JWK
        await rejectsWith('importJWK', () => importJWK(jwk, { alg: 'ES256' }), ['ERR_KEY_ALG_MISMATCH'])
        await rejectsWith('importKey', () => importKey(jwk, { alg: 'ES256' }), ['ERR_KEY_ALG_MISMATCH'])
      })
    }
  }
})
