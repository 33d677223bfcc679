/**
 * Property-based fuzzing of every JWE entry point (compact, flattened, general, decryptJWT,
 * decryptAndVerifyJWT) with random input and with mutations of real JWEs. The property: each call
 * returns the original plaintext or throws a JotError with an `ERR_` code — never another error
 * type, never a different plaintext, never a hang.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import {
  base64url,
  decryptAndVerifyJWT,
  decryptCompactJWE,
  decryptFlattenedJWE,
  decryptGeneralJWE,
  decryptJWT,
  encryptCompactJWE,
  encryptFlattenedJWE,
  encryptGeneralJWE,
  generateKeyPair,
  generateSecret,
  importSecret,
  isJotError,
  type JotKey,
} from 'jotjwt'

const TIMEOUT_MS = 3000
const PLAINTEXT = 'fuzz plaintext'
const RUNS = Math.max(1, Number(process.env.JOT_FUZZ_SCALE ?? 1) || 1)

async function settle(what: string, call: () => Promise<{ plaintext: Uint8Array } | unknown>, expected?: string): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined
  const timeout = new Promise<'timeout'>((resolve) => { timer = setTimeout(() => resolve('timeout'), TIMEOUT_MS) })
  try {
    const result = await Promise.race([Promise.resolve().then(call), timeout])
    assert.notEqual(result, 'timeout', `${what} hung`)
    const plaintext = (result as { plaintext?: Uint8Array }).plaintext
    if (expected !== undefined && plaintext !== undefined) assert.equal(new TextDecoder().decode(plaintext), expected, `${what} returned another plaintext`)
  } catch (error) {
    if (error instanceof assert.AssertionError) throw error
    assert.ok(isJotError(error) && /^ERR_/.test(error.code), `${what} threw a non-JotError: ${String(error)} ${(error as Error)?.stack ?? ''}`)
  } finally {
    clearTimeout(timer)
  }
}

interface Fixture { name: string; key: JotKey; decryptKey: JotKey; options: object }

async function fixtures(): Promise<Fixture[]> {
  const rsa = await generateKeyPair('RSA-OAEP-256')
  const ec = await generateKeyPair('ECDH-ES+A128KW')
  const x = await generateKeyPair('ECDH-ES', { curve: 'X25519' })
  const kw = await generateSecret('A192KW')
  const gcmkw = await generateSecret('A256GCMKW')
  const dir = await generateSecret('dir', { enc: 'A128CBC-HS256' })
  const pbes2 = await importSecret('pw', { alg: 'PBES2-HS256+A128KW' })
  return [
    { name: 'RSA-OAEP-256', key: rsa.publicKey, decryptKey: rsa.privateKey, options: {} },
    { name: 'ECDH-ES+A128KW', key: ec.publicKey, decryptKey: ec.privateKey, options: {} },
    { name: 'ECDH-ES X25519', key: x.publicKey, decryptKey: x.privateKey, options: {} },
    { name: 'A192KW', key: kw, decryptKey: kw, options: {} },
    { name: 'A256GCMKW', key: gcmkw, decryptKey: gcmkw, options: {} },
    { name: 'dir', key: dir, decryptKey: dir, options: {} },
    { name: 'PBES2', key: pbes2, decryptKey: pbes2, options: { keyManagementAlgorithms: ['PBES2-HS256+A128KW'], maxPBES2Count: 2000 } },
  ]
}

/** Mutations of a compact token: flip, drop, duplicate or replace a character; splice segments. */
const mutation = fc.record({
  kind: fc.constantFrom('flip', 'drop', 'insert', 'segment', 'header'),
  at: fc.nat(),
  char: fc.constantFrom('A', '_', '-', '.', '=', ' ', 'é', '0'),
  header: fc.dictionary(
    fc.constantFrom('alg', 'enc', 'zip', 'epk', 'p2c', 'p2s', 'iv', 'tag', 'crit', 'kid', '__proto__', 'apu'),
    fc.oneof(fc.string(), fc.integer(), fc.constant('DEF'), fc.constant(null), fc.array(fc.string(), { maxLength: 2 }), fc.dictionary(fc.string(), fc.string(), { maxKeys: 3 })),
    { maxKeys: 3 },
  ),
})

function mutate(token: string, m: { kind: string; at: number; char: string; header: Record<string, unknown> }): string {
  const i = m.at % (token.length + 1)
  switch (m.kind) {
    case 'flip': return token.slice(0, i) + m.char + token.slice(i + 1)
    case 'drop': return token.slice(0, i) + token.slice(i + 1)
    case 'insert': return token.slice(0, i) + m.char + token.slice(i)
    case 'segment': { const parts = token.split('.'); parts.splice(i % parts.length, 1); return parts.join('.') }
    default: {
      const parts = token.split('.')
      const header = JSON.parse(new TextDecoder().decode(base64url.decode(parts[0]!)))
      parts[0] = base64url.encode(JSON.stringify({ ...header, ...m.header }))
      return parts.join('.')
    }
  }
}

describe('JWE entry points never throw anything but a JotError, and never hang', () => {
  it('compact: mutated JWEs for every key type', async () => {
    for (const fixture of await fixtures()) {
      const token = await encryptCompactJWE(PLAINTEXT, fixture.key, { p2c: 1000, protectedHeader: { zip: 'DEF' } })
      await fc.assert(
        fc.asyncProperty(mutation, async (m) => {
          await settle(`decryptCompactJWE ${fixture.name}`, () => decryptCompactJWE(mutate(token, m), fixture.decryptKey, fixture.options), PLAINTEXT)
        }),
        { numRuns: 60 * RUNS },
      )
    }
  })

  it('flattened and general: mutated members and random JSON', async () => {
    const key = await generateSecret('A128KW')
    const flattened = await encryptFlattenedJWE(PLAINTEXT, key, { aad: 'a', sharedUnprotectedHeader: { x: 1 } })
    const general = await encryptGeneralJWE(PLAINTEXT, [{ key }, { key: await generateSecret('A128KW') }])
    const member = fc.constantFrom('protected', 'unprotected', 'header', 'encrypted_key', 'iv', 'ciphertext', 'tag', 'aad', 'recipients')
    const value = fc.oneof(fc.string(), fc.integer(), fc.constant(null), fc.constant(undefined), fc.array(fc.anything(), { maxLength: 3 }), fc.dictionary(fc.string(), fc.jsonValue(), { maxKeys: 3 }))
    await fc.assert(
      fc.asyncProperty(member, value, async (name, replacement) => {
        await settle('decryptFlattenedJWE', () => decryptFlattenedJWE({ ...flattened, [name]: replacement } as never, key), PLAINTEXT)
        await settle('decryptGeneralJWE', () => decryptGeneralJWE({ ...general, [name]: replacement } as never, key), PLAINTEXT)
      }),
      { numRuns: 150 * RUNS },
    )
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.string(), fc.json(), fc.anything()), async (input) => {
        await settle('decryptFlattenedJWE(random)', () => decryptFlattenedJWE(input as never, key))
        await settle('decryptGeneralJWE(random)', () => decryptGeneralJWE(input as never, key))
        await settle('decryptCompactJWE(random)', () => decryptCompactJWE(input as never, key))
      }),
      { numRuns: 150 * RUNS },
    )
  })

  it('decryptJWT and decryptAndVerifyJWT: random and mutated tokens', async () => {
    const key = await generateSecret('A256KW')
    const signer = await generateKeyPair('ES256')
    const token = await encryptCompactJWE(JSON.stringify({ sub: 'x' }), key, { protectedHeader: { cty: 'JWT' } })
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.string(), mutation.map((m) => mutate(token, m))), async (input) => {
        await settle('decryptJWT', () => decryptJWT(input, key, { requireExpiration: false }))
        await settle('decryptAndVerifyJWT', () => decryptAndVerifyJWT(input, key, signer.publicKey, { requireExpiration: false }))
      }),
      { numRuns: 100 * RUNS },
    )
  })
})
