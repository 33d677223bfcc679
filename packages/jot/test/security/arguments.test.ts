/**
 * Every public function, fed hostile arguments: it may succeed (when the argument is one it accepts)
 * or fail, but only ever with a JotError, never a TypeError, a RangeError or a crash; and an argument
 * of plainly the wrong type (a number for a token, a string for options, anything but a JotKey for a
 * key) fails with ERR_INVALID_ARGUMENT, never silently (`base64url.encode(123)` once returned '').
 *
 * The walk is driven by the package's exports map: every export of every entry point must be
 * described below (a new export without a description fails the test). Each function is first
 * called with valid arguments (so each substitution reaches the check of that very argument), then
 * with each hostile value in each position, then with every position hostile at once. Functions and
 * objects the factories return (verifiers, signers, key sets, key managers, key stores) are walked
 * the same way. Error classes are values to throw, not operations: they are only checked to be
 * JotErrors. Classes are constructed with `new` (calling one without it is a TypeError the language
 * raises before any jot code runs).
 */
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { describe, it } from 'node:test'
import * as root from 'jotjwt'
import * as dpop from 'jotjwt/dpop'
import * as errors from 'jotjwt/errors'
import * as jwe from 'jotjwt/jwe'
import * as jwks from 'jotjwt/jwks'
import * as jws from 'jotjwt/jws'
import * as jwt from 'jotjwt/jwt'
import * as keys from 'jotjwt/keys'
import { isJotError, JotError } from 'jotjwt'

/** What a parameter accepts. */
type Kind =
  | 'string' // text only
  | 'optional-string' // text, or absent
  | 'payload' // Uint8Array or text
  | 'bytes' // a Uint8Array
  | 'object' // a plain object (claims, a JWK, a header, required options)
  | 'options' // a plain object, or absent
  | 'key' // a JotKey
  | 'key-or-resolver' // a JotKey or a function
  | 'key-or-jwk' // a JotKey or a JWK object
  | 'key-input' // a JWK object, PEM text or secret bytes
  | 'array'
  | 'serialization' // a JSON serialization: a plain object or its JSON text
  | 'untrusted' // what a request carried, of any type: refused with the format's own error (a DPoP header)
  | 'url' // an absolute URL, as text
  | 'number'
  | 'duration' // seconds as a number, or a duration string
  | 'any' // predicates and the like: never throw at all
  | 'internal' // a parameter only jot itself can fill (the JotKey constructor's)

/** Hostile values by the JavaScript type they show; proxies and getters are of the right type, but hostile. */
type Category =
  | 'undefined' | 'null' | 'number' | 'boolean' | 'string' | 'symbol' | 'bigint' | 'function'
  | 'plain-object' | 'array' | 'class-instance' | 'bytes' | 'hostile-object'

interface Hostile {
  readonly name: string
  readonly category: Category
  make(): unknown
}

const boom = () => {
  throw new Error('hostile trap')
}
const everyTrap: ProxyHandler<object> = {
  get: boom, set: boom, has: boom, ownKeys: boom, getPrototypeOf: boom, getOwnPropertyDescriptor: boom,
  defineProperty: boom, deleteProperty: boom, apply: boom, construct: boom, isExtensible: boom,
  preventExtensions: boom, setPrototypeOf: boom,
}

/** Names jot reads from its object arguments (options, claims, JWKs, serializations, key stores). */
const READ_NAMES = [
  'key', 'alg', 'kid', 'enc', 'keys', 'kty', 'crv', 'x', 'y', 'n', 'e', 'k', 'd', 'use', 'key_ops', 'algorithms',
  'issuer', 'audience', 'clientId', 'subject', 'expiresIn', 'scope', 'crit', 'maxTokenLength', 'payload', 'protected',
  'header', 'signatures', 'signature', 'ciphertext', 'recipients', 'readFile', 'cache', 'currentTime', 'fetch', 'nonce',
]

/** A plain object whose properties are getters that throw. */
function throwingGetters(): object {
  const object: Record<string, unknown> = {}
  for (const name of READ_NAMES) Object.defineProperty(object, name, { get: boom, enumerable: true })
  return object
}

const HOSTILE: readonly Hostile[] = [
  { name: 'undefined', category: 'undefined', make: () => undefined },
  { name: 'null', category: 'null', make: () => null },
  { name: '0', category: 'number', make: () => 0 },
  { name: '123', category: 'number', make: () => 123 },
  { name: 'NaN', category: 'number', make: () => Number.NaN },
  { name: 'true', category: 'boolean', make: () => true },
  { name: "''", category: 'string', make: () => '' },
  { name: "'read'", category: 'string', make: () => 'read' },
  { name: 'Symbol()', category: 'symbol', make: () => Symbol('hostile') },
  { name: '10n', category: 'bigint', make: () => 10n },
  { name: 'a function', category: 'function', make: () => () => undefined },
  { name: '{}', category: 'plain-object', make: () => ({}) },
  { name: "{ toString: 'x' }", category: 'plain-object', make: () => ({ toString: 'x', valueOf: 'x', length: 3 }) },
  { name: '[]', category: 'array', make: () => [] },
  { name: "['read']", category: 'array', make: () => ['read'] },
  { name: 'new Date()', category: 'class-instance', make: () => new Date(0) },
  { name: 'a Map', category: 'class-instance', make: () => new Map() },
  { name: 'new Uint8Array(2)', category: 'bytes', make: () => new Uint8Array(2) },
  { name: 'a Proxy that throws', category: 'hostile-object', make: () => new Proxy({}, everyTrap) },
  { name: 'a Proxy whose reads throw', category: 'hostile-object', make: () => new Proxy({}, { get: boom }) },
  { name: 'a revoked Proxy', category: 'hostile-object', make: () => revoked() },
  { name: 'an object with throwing getters', category: 'hostile-object', make: throwingGetters },
]

function revoked(): object {
  const { proxy, revoke } = Proxy.revocable({}, {})
  revoke()
  return proxy
}

/** Categories each kind accepts; anything else is plainly the wrong type (ERR_INVALID_ARGUMENT). */
const ACCEPTS: Record<Kind, ReadonlySet<Category>> = {
  'string': new Set(['string']),
  'optional-string': new Set(['string', 'undefined']),
  'payload': new Set(['string', 'bytes']),
  'bytes': new Set(['bytes']),
  'object': new Set(['plain-object', 'hostile-object']),
  'options': new Set(['plain-object', 'hostile-object', 'undefined']),
  'key': new Set([]),
  'key-or-resolver': new Set(['function']),
  'key-or-jwk': new Set(['plain-object', 'hostile-object']),
  'key-input': new Set(['plain-object', 'hostile-object', 'string', 'bytes']),
  'array': new Set(['array']),
  'serialization': new Set(['string', 'plain-object', 'hostile-object']),
  'untrusted': new Set(['undefined', 'null', 'number', 'boolean', 'string', 'symbol', 'bigint', 'function', 'plain-object', 'array', 'class-instance', 'bytes', 'hostile-object']),
  'url': new Set(['string']),
  'number': new Set(['number']),
  'duration': new Set(['number', 'string']),
  'internal': new Set([]),
  'any': new Set(['undefined', 'null', 'number', 'boolean', 'string', 'symbol', 'bigint', 'function', 'plain-object', 'array', 'class-instance', 'bytes', 'hostile-object']),
}

/** A function to walk: its parameters, valid arguments, and what to walk in what it returns. */
interface Spec {
  readonly params: readonly Kind[]
  readonly valid: () => unknown[] | Promise<unknown[]>
  /** Functions and methods of the result (of the valid call) to walk too. */
  readonly returns?: Readonly<Record<string, Omit<Spec, 'valid'> & { readonly valid: (result: never) => unknown[] | Promise<unknown[]> }>>
  /** Construct with `new` (classes). */
  readonly construct?: boolean
  /** Even valid arguments are refused (a class that cannot be constructed directly). */
  readonly neverValid?: boolean
}

// Material for valid arguments.
const es = await keys.generateKeyPair('ES256', { kid: 'es' })
const hmac = await keys.generateSecret('HS256', { kid: 'h' })
const aes = await keys.generateSecret('A128KW', { kid: 'a' })
const esJwk = await keys.exportJWK(es.publicKey)
const esPem = await keys.exportPEM(es.publicKey)
const esDer = Uint8Array.from(Buffer.from(esPem.replace(/-----[^-]+-----|\s/g, ''), 'base64'))
const ISSUER = 'https://issuer.example'
const token = await jwt.signJWT({ sub: 'u', iss: ISSUER, aud: 'api' }, es.privateKey, { expiresIn: 600 })
const accessToken = await jwt.signJWT({ sub: 'u', client_id: 'c', jti: 'j', scope: 'read' }, es.privateKey, {
  expiresIn: 600, issuer: ISSUER, audience: 'api', typ: 'at+jwt',
})
const idToken = await jwt.signJWT({ sub: 'u' }, es.privateKey, { expiresIn: 600, issuer: ISSUER, audience: 'client' })
const compactJWS = await jws.signCompactJWS('hi', es.privateKey)
const flattenedJWS = await jws.signFlattenedJWS('hi', es.privateKey)
const generalJWS = await jws.signGeneralJWS('hi', [{ key: es.privateKey }])
const compactJWE = await jwe.encryptCompactJWE('hi', aes)
const flattenedJWE = await jwe.encryptFlattenedJWE('hi', aes)
const generalJWE = await jwe.encryptGeneralJWE('hi', [{ key: aes }])
const encryptedJWT = await jwe.encryptJWT({ sub: 'u' }, aes, { expiresIn: 600 })
const nestedJWT = await jwe.signAndEncryptJWT({ sub: 'u' }, es.privateKey, aes, { expiresIn: 600 })
const unsecured = jwt.encodeUnsecuredJWT({ sub: 'u' })
const header = { alg: 'ES256', kid: 'es' }
const dpopProof = await dpop.createDPoPProof(es.privateKey, { method: 'POST', url: `${ISSUER}/token` })
const dpopJkt = await keys.jwkThumbprint(es.publicKey)

// No test reaches the network: discovery and key sets fetch from this stub.
const stubFetch: typeof fetch = async (input) => {
  const url = String(input instanceof Request ? input.url : input)
  const body = url.endsWith('/.well-known/openid-configuration') ? { issuer: ISSUER, jwks_uri: `${ISSUER}/jwks` } : { keys: [esJwk] }
  return new Response(JSON.stringify(body), { status: 200, headers: { 'content-type': 'application/json' } })
}
globalThis.fetch = stubFetch

/** An in-memory stand-in for node:fs/promises. */
function memoryFileSystem() {
  const files = new Map<string, string>()
  const missing = () => Object.assign(new Error('ENOENT'), { code: 'ENOENT' })
  return {
    readFile: async (path: string) => files.get(path) ?? Promise.reject(missing()),
    writeFile: async (path: string, data: string, options: { flag: string }) => {
      if (options.flag === 'wx' && files.has(path)) throw Object.assign(new Error('EEXIST'), { code: 'EEXIST' })
      files.set(path, data)
    },
    rename: async (from: string, to: string) => {
      files.set(to, files.get(from)!)
      files.delete(from)
    },
    unlink: async (path: string) => {
      if (!files.delete(path)) throw missing()
    },
  }
}

const resolverSpec = { params: ['object'] as const, valid: () => [header] }
const keyStoreSpec = {
  load: { params: [] as Kind[], valid: () => [] },
  save: { params: ['array', 'string'] as Kind[], valid: async (store: keys.KeyStore) => [[], (await store.load()).version] },
}

const SPECS: Record<string, Spec> = {
  // jot/jws
  'base64url.encode': { params: ['payload'], valid: () => ['hi'] },
  'base64url.decode': { params: ['string'], valid: () => ['aGk'] },
  signCompactJWS: { params: ['payload', 'key', 'options'], valid: () => ['hi', es.privateKey, {}] },
  verifyCompactJWS: { params: ['string', 'key-or-resolver', 'options'], valid: () => [compactJWS, es.publicKey, {}] },
  signFlattenedJWS: { params: ['payload', 'key', 'options'], valid: () => ['hi', es.privateKey, {}] },
  verifyFlattenedJWS: { params: ['serialization', 'key-or-resolver', 'options'], valid: () => [flattenedJWS, es.publicKey, {}] },
  signGeneralJWS: { params: ['payload', 'array', 'options'], valid: () => ['hi', [{ key: es.privateKey }], {}] },
  verifyGeneralJWS: { params: ['serialization', 'key-or-resolver', 'options'], valid: () => [generalJWS, es.publicKey, {}] },
  // jot/jwt
  signJWT: { params: ['object', 'key', 'options'], valid: () => [{ sub: 'u' }, es.privateKey, { expiresIn: 60 }] },
  verifyJWT: { params: ['string', 'key-or-resolver', 'options'], valid: () => [token, es.publicKey, { audience: 'api' }] },
  createSigner: {
    params: ['object'],
    valid: () => [{ key: es.privateKey, expiresIn: 60 }],
    returns: { '': { params: ['object'], valid: () => [{ sub: 'u' }] } },
  },
  createVerifier: {
    params: ['object'],
    valid: () => [{ key: es.publicKey, audience: 'api' }],
    returns: { '': { params: ['string'], valid: () => [token] } },
  },
  decodeJWTUnverified: { params: ['string', 'options'], valid: () => [token, {}] },
  encodeUnsecuredJWT: { params: ['object', 'options'], valid: () => [{ sub: 'u' }, {}] },
  decodeUnsecuredJWT: { params: ['string', 'options'], valid: () => [unsecured, { requireExpiration: false }] },
  createAccessTokenVerifier: {
    params: ['object'],
    valid: () => [{ key: es.publicKey, issuer: ISSUER, audience: 'api' }],
    returns: { '': { params: ['string'], valid: () => [accessToken] } },
  },
  verifyAccessToken: { params: ['string', 'object'], valid: () => [accessToken, { key: es.publicKey, issuer: ISSUER, audience: 'api' }] },
  durationToSeconds: { params: ['duration'], valid: () => ['15m'] },
  hasScopes: { params: ['object', 'array'], valid: () => [{ scope: 'read write' }, ['read']] },
  scopesOf: { params: ['object'], valid: () => [{ scope: 'read write' }] },
  createIdTokenVerifier: {
    params: ['object'],
    valid: () => [{ key: es.publicKey, issuer: ISSUER, clientId: 'client' }],
    returns: { '': { params: ['string', 'options'], valid: () => [idToken, {}] } },
  },
  verifyIdToken: {
    params: ['string', 'object', 'options'],
    valid: () => [idToken, { key: es.publicKey, issuer: ISSUER, clientId: 'client' }, {}],
  },
  // jot/jwe
  encryptCompactJWE: { params: ['payload', 'key', 'options'], valid: () => ['hi', aes, {}] },
  decryptCompactJWE: { params: ['string', 'key-or-resolver', 'options'], valid: () => [compactJWE, aes, {}] },
  encryptFlattenedJWE: { params: ['payload', 'key', 'options'], valid: () => ['hi', aes, {}] },
  decryptFlattenedJWE: { params: ['serialization', 'key-or-resolver', 'options'], valid: () => [flattenedJWE, aes, {}] },
  encryptGeneralJWE: { params: ['payload', 'array', 'options'], valid: () => ['hi', [{ key: aes }], {}] },
  decryptGeneralJWE: { params: ['serialization', 'key-or-resolver', 'options'], valid: () => [generalJWE, aes, {}] },
  encryptJWT: { params: ['object', 'key', 'options'], valid: () => [{ sub: 'u' }, aes, { expiresIn: 60 }] },
  decryptJWT: { params: ['string', 'key-or-resolver', 'options'], valid: () => [encryptedJWT, aes, {}] },
  signAndEncryptJWT: { params: ['object', 'key', 'key', 'options'], valid: () => [{ sub: 'u' }, es.privateKey, aes, { expiresIn: 60 }] },
  decryptAndVerifyJWT: {
    params: ['string', 'key-or-resolver', 'key-or-resolver', 'options'],
    valid: () => [nestedJWT, aes, es.publicKey, {}],
  },
  // jot/keys
  JotKey: { params: ['internal', 'internal', 'internal'], valid: () => [], construct: true, neverValid: true },
  isJotKey: { params: ['any'], valid: () => [es.publicKey] },
  importKey: { params: ['key-input', 'object'], valid: () => [esJwk, { alg: 'ES256' }] },
  importJWK: { params: ['object', 'object'], valid: () => [esJwk, { alg: 'ES256' }] },
  importPEM: { params: ['string', 'object'], valid: () => [esPem, { alg: 'ES256' }] },
  importSecret: { params: ['payload', 'object'], valid: () => [crypto.getRandomValues(new Uint8Array(32)), { alg: 'HS256' }] },
  inspectPEM: { params: ['string'], valid: () => [esPem] },
  importDER: { params: ['bytes', 'object'], valid: () => [esDer, { alg: 'ES256' }] },
  inspectDER: { params: ['bytes'], valid: () => [esDer] },
  inspectKeyMaterial: { params: ['payload'], valid: () => [esDer] },
  exportJWK: { params: ['key'], valid: () => [es.publicKey] },
  exportPEM: { params: ['key'], valid: () => [es.publicKey] },
  toPublicKey: { params: ['key'], valid: () => [es.privateKey] },
  generateKeyPair: { params: ['string', 'options'], valid: () => ['ES256', {}] },
  generateSecret: { params: ['string', 'options'], valid: () => ['HS256', {}] },
  jwkThumbprint: { params: ['key-or-jwk', 'optional-string'], valid: () => [esJwk, 'sha256'] },
  jwkThumbprintUri: { params: ['key-or-jwk', 'optional-string'], valid: () => [es.publicKey, 'sha256'] },
  keyState: {
    params: ['object', 'number', 'number'],
    valid: () => [{ kid: 'k', alg: 'ES256', jwk: esJwk, createdAt: 0, activateAt: 0 }, 10, 60],
  },
  createKeyManager: {
    params: ['object'],
    valid: () => [{ alg: 'ES256' }],
    returns: {
      revoke: { params: ['string'], valid: async (manager: keys.KeyManager) => [(await manager.keys())[0]!.kid] },
      rotate: { params: [], valid: () => [] },
      jwks: { params: [], valid: () => [] },
    },
  },
  createMemoryKeyStore: { params: [], valid: () => [], returns: keyStoreSpec },
  createFileKeyStore: { params: ['string', 'object'], valid: () => ['/keys.json', memoryFileSystem()], returns: keyStoreSpec },
  // jot/jwks
  createLocalKeySet: { params: ['object', 'options'], valid: () => [{ keys: [esJwk] }, {}], returns: { '': resolverSpec } },
  createRemoteKeySet: {
    params: ['url', 'options'],
    valid: () => [`${ISSUER}/jwks`, { fetch: stubFetch }],
    returns: { '': resolverSpec, reload: { params: [], valid: () => [] } },
  },
  createEmbeddedJWKResolver: {
    params: ['options'],
    valid: () => [{}],
    returns: { '': { params: ['object'], valid: () => [{ alg: 'ES256', jwk: esJwk }] } },
  },
  discoverOIDCProvider: { params: ['url', 'options'], valid: () => [ISSUER, { fetch: stubFetch }] },
  createOIDCKeySet: { params: ['url', 'options'], valid: () => [ISSUER, { fetch: stubFetch }] },
  // jot/dpop
  createDPoPProof: { params: ['key', 'object'], valid: () => [es.privateKey, { method: 'POST', url: `${ISSUER}/token` }] },
  createDPoPVerifier: {
    params: ['object'],
    valid: () => [{ algorithms: ['ES256'], replay: false }],
    returns: { '': { params: ['untrusted', 'object'], valid: () => [dpopProof, { method: 'POST', url: `${ISSUER}/token` }] } },
  },
  verifyDPoPProof: {
    params: ['untrusted', 'object'],
    valid: () => [dpopProof, { method: 'POST', url: `${ISSUER}/token`, algorithms: ['ES256'], replay: false }],
  },
  checkDPoPBinding: { params: ['object', 'string'], valid: () => [{ cnf: { jkt: dpopJkt } }, dpopJkt] },
  createMemoryReplayStore: {
    params: ['options'],
    valid: () => [{}],
    returns: { useOnce: { params: ['string', 'number', 'number'], valid: () => ['id', 2, 1] } },
  },
  // jot/errors
  isJotError: { params: ['any'], valid: () => [new errors.InvalidArgument('x')] },
  quote: { params: ['any'], valid: () => ['x'] },
}

const ENTRIES: Record<string, Record<string, unknown>> = {
  '.': root, './jws': jws, './jwt': jwt, './jwe': jwe, './keys': keys, './jwks': jwks, './dpop': dpop, './errors': errors,
}

/** Every function the entry points export, by name (namespaces flattened as `ns.name`). */
function publicFunctions(): Map<string, { value: (...args: unknown[]) => unknown; entries: string[] }> {
  const found = new Map<string, { value: (...args: unknown[]) => unknown; entries: string[] }>()
  for (const [entry, module] of Object.entries(ENTRIES)) {
    for (const [name, value] of Object.entries(module)) {
      const members: Array<[string, unknown]> =
        typeof value === 'object' && value !== null && !Array.isArray(value) && Object.values(value).some((v) => typeof v === 'function')
          ? Object.entries(value).map(([member, v]) => [`${name}.${member}`, v])
          : [[name, value]]
      for (const [qualified, member] of members) {
        if (typeof member !== 'function' || isErrorClass(member)) continue
        const known = found.get(qualified)
        if (known) {
          assert.equal(known.value, member, `${qualified} differs between entry points`)
          known.entries.push(entry)
        } else {
          found.set(qualified, { value: member as (...args: unknown[]) => unknown, entries: [entry] })
        }
      }
    }
  }
  return found
}

function isErrorClass(value: unknown): boolean {
  return typeof value === 'function' && (value === JotError || value.prototype instanceof JotError)
}

type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown }

async function call(fn: (...args: unknown[]) => unknown, args: unknown[], construct: boolean, self?: unknown): Promise<Outcome> {
  try {
    const value = construct ? Reflect.construct(fn, args) : Reflect.apply(fn, self, args)
    return { ok: true, value: await value }
  } catch (error) {
    return { ok: false, error }
  }
}

function describeError(error: unknown): string {
  if (error instanceof Error) return `${error.name}${isJotError(error) ? ` ${error.code}` : ''}: ${error.message}`
  return String(error)
}

/** Checks one call; returns a complaint, or undefined when the outcome is acceptable. */
function judge(outcome: Outcome, kinds: readonly Kind[], categories: ReadonlyArray<Category | undefined>): string | undefined {
  const wrongType = kinds.some((kind, i) => categories[i] !== undefined && !ACCEPTS[kind].has(categories[i]!))
  const mustNotThrow = kinds.some((kind, i) => kind === 'any' && categories[i] !== undefined)
  if (outcome.ok) return wrongType ? 'accepted an argument of the wrong type' : undefined
  const { error } = outcome
  if (mustNotThrow) return `threw ${describeError(error)} (it must answer, not throw)`
  if (!isJotError(error)) return `threw ${describeError(error)}`
  if (wrongType && error.code !== 'ERR_INVALID_ARGUMENT') return `threw ${describeError(error)}, not ERR_INVALID_ARGUMENT`
  return undefined
}

/** Walks one function: hostile values in each position, then in all at once. Returns complaints. */
async function walk(
  label: string,
  fn: (...args: unknown[]) => unknown,
  spec: Omit<Spec, 'valid'>,
  valid: unknown[],
  self?: unknown,
): Promise<string[]> {
  const complaints: string[] = []
  const construct = spec.construct === true
  const { params } = spec
  const run = async (args: unknown[], categories: ReadonlyArray<Category | undefined>, what: string) => {
    const complaint = judge(await call(fn, args, construct, self), params, categories)
    if (complaint) complaints.push(`${label}(${what}): ${complaint}`)
  }
  for (let position = 0; position < params.length; position++) {
    for (const hostile of HOSTILE) {
      const args = [...valid]
      args[position] = hostile.make()
      const categories = params.map((_, i) => (i === position ? hostile.category : undefined))
      await run(args, categories, `argument ${position + 1} = ${hostile.name}`)
    }
  }
  if (params.length > 1) {
    for (const hostile of HOSTILE) {
      await run(params.map(() => hostile.make()), params.map(() => hostile.category), `every argument = ${hostile.name}`)
    }
  }
  return complaints
}

describe('every public function answers hostile arguments with a JotError', () => {
  const functions = publicFunctions()

  it('every export of every entry point in the exports map is walked', () => {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { exports: Record<string, unknown> }
    assert.deepEqual(Object.keys(ENTRIES).sort(), Object.keys(pkg.exports).filter((entry) => entry !== './package.json').sort())
    const undescribed = [...functions.keys()].filter((name) => !(name in SPECS))
    assert.deepEqual(undescribed, [], 'exported functions without an argument description')
    const stale = Object.keys(SPECS).filter((name) => !functions.has(name))
    assert.deepEqual(stale, [], 'descriptions of functions that are no longer exported')
  })

  it('the error classes are all JotErrors with a code', () => {
    for (const [name, value] of Object.entries(errors)) {
      if (!isErrorClass(value)) continue
      const error = new (value as new (message: string) => JotError)('message')
      assert.ok(isJotError(error), name)
      assert.match(error.code, /^ERR_[A-Z0-9_]+$/, name)
    }
  })

  for (const [name, spec] of Object.entries(SPECS)) {
    it(name, async () => {
      const fn = functions.get(name)?.value
      assert.ok(fn, `${name} is not exported`)
      const valid = await spec.valid()
      const complaints: string[] = []
      const sane = await call(fn, valid, spec.construct === true)
      if (spec.neverValid) {
        assert.ok(!sane.ok && isJotError(sane.error), `${name}: ${sane.ok ? 'constructed' : describeError(sane.error)}`)
      } else {
        assert.ok(sane.ok, `${name} with valid arguments: ${sane.ok ? '' : describeError(sane.error)}`)
      }
      complaints.push(...(await walk(name, fn, spec, valid)))
      for (const [member, memberSpec] of Object.entries(spec.returns ?? {})) {
        assert.ok(sane.ok)
        const result = sane.value as Record<string, unknown> & ((...args: unknown[]) => unknown)
        const target = (member === '' ? result : result[member]) as (...args: unknown[]) => unknown
        const label = member === '' ? `${name}(…)` : `${name}(…).${member}`
        assert.equal(typeof target, 'function', label)
        const memberValid = await memberSpec.valid(result as never)
        const memberSane = await call(target, memberValid, false, result)
        assert.ok(memberSane.ok, `${label} with valid arguments: ${memberSane.ok ? '' : describeError(memberSane.error)}`)
        complaints.push(...(await walk(label, target, memberSpec, memberValid, result)))
      }
      assert.ok(complaints.length === 0, `${complaints.length} complaints:\n${complaints.join('\n')}`)
    })
  }
})

describe('the caller mistakes that used to escape as TypeErrors or wrong answers', () => {
  const code = { code: 'ERR_INVALID_ARGUMENT' }

  it('base64url.encode(123) is an error, not ""', () => {
    assert.throws(() => jws.base64url.encode(123 as never), code)
    assert.throws(() => jws.base64url.decode(123 as never), code)
  })

  it('hasScopes wants an array of scopes, not a string', () => {
    assert.throws(() => jwt.hasScopes({ scope: 'read' }, 'read' as never), code)
    assert.throws(() => jwt.hasScopes({ scope: 'read' }, [1] as never), code)
    assert.equal(jwt.hasScopes({ scope: 'read' }, ['read']), true)
  })

  it('null options are not "no options"', async () => {
    await assert.rejects(jwt.verifyJWT(token, es.publicKey, null as never), code)
    await assert.rejects(jwt.signJWT({ sub: 'u' }, es.privateKey, null as never), code)
    assert.throws(() => jwks.createLocalKeySet({ keys: [esJwk] }, null as never), code)
    assert.throws(() => jwt.decodeJWTUnverified(token, null as never), code)
  })

  it('options whose getters throw are reported, with what they threw as the cause', async () => {
    const options = Object.defineProperty({}, 'audience', { enumerable: true, get: boom })
    await assert.rejects(jwt.verifyJWT(token, es.publicKey, options), (error: unknown) => {
      assert.ok(isJotError(error) && error.code === 'ERR_INVALID_ARGUMENT')
      assert.match(String((error as Error).cause), /hostile trap/)
      return true
    })
  })

  it('an options object is read once: a getter cannot answer a check one way and the use another', async () => {
    let reads = 0
    const options = Object.defineProperty({ key: hmac }, 'expiresIn', { enumerable: true, get: () => (++reads, 60) })
    await jwt.createSigner(options)({ sub: 'u' })
    assert.equal(reads, 1)
  })
})
