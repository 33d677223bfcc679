// Differential test: the prepared verifier (createVerifier, reused, with its header cache warm and
// with the verified-token cache on or off) must agree exactly with the one-shot path (verifyJWT,
// which prepares everything afresh per call): same payload, or the same error code. With a local key
// on node:crypto both run synchronously end to end; a verifier whose key comes from an asynchronous
// resolver takes the waiting path through the same checks, and must agree too. A fast path never
// accepts what the general path rejects (jwx's lesson: #1793, #2236).
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { createHmac } from 'node:crypto'
import fc from 'fast-check'
import { base64url, createVerifier, exportJWK, generateSecret, isJotError, signJWT, verifyJWT, type VerifyJWTOptions } from 'jotjwt'

const T0 = 1_800_000_000
const key = await generateSecret('HS256')
const secret = base64url.decode((await exportJWK(key)).k!)
const options: VerifyJWTOptions = { issuer: 'iss', audience: 'aud', currentTime: T0, clockTolerance: 5 }
const prepared = createVerifier({ key, ...options })
const cached = createVerifier({ key, ...options, cache: { maxEntries: 64 } })
const resolved = createVerifier({ key: async () => key, ...options })

async function outcome(run: () => Promise<{ payload: unknown }>): Promise<string> {
  try {
    return `ok ${JSON.stringify((await run()).payload)}`
  } catch (error) {
    if (!isJotError(error)) throw error
    return error.code
  }
}

const headerArb = fc.oneof(
  fc.constant({ alg: 'HS256', typ: 'JWT' }),
  fc.constant({ alg: 'HS256' }),
  fc.record({ alg: fc.constantFrom('HS256', 'HS384', 'none', 'RS256'), typ: fc.constantFrom('JWT', 'at+jwt', 1) }, { requiredKeys: ['alg'] }),
  fc.record({ alg: fc.constant('HS256'), crit: fc.constantFrom(['b64'], ['exp'], [], 'b64'), b64: fc.constantFrom(true, false) }, { requiredKeys: ['alg'] }),
  fc.record({ alg: fc.constant('HS256'), kid: fc.oneof(fc.string(), fc.integer()) }),
)
const claimsArb = fc.record(
  {
    iss: fc.constantFrom('iss', 'other', 7),
    aud: fc.constantFrom('aud', ['x', 'aud'], 'x', ['x']),
    exp: fc.integer({ min: T0 - 20, max: T0 + 20 }),
    nbf: fc.integer({ min: T0 - 20, max: T0 + 20 }),
    iat: fc.integer({ min: T0 - 20, max: T0 + 20 }),
    sub: fc.string(),
  },
  { requiredKeys: [] },
)

/** HMAC-signs arbitrary header JSON with the real key, so only the header/claims are unusual. */
function handSigned(header: unknown, claims: unknown): string {
  const input = `${base64url.encode(JSON.stringify(header))}.${base64url.encode(JSON.stringify(claims))}`
  return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`
}

const mutate = (token: string, index: number, char: string) =>
  token.slice(0, index % (token.length + 1)) + char + token.slice((index % (token.length + 1)) + 1)

test('prepared, cached and resolver-fed verifiers agree with one-shot verifyJWT on unusual headers and claims', async () => {
  await fc.assert(
    fc.asyncProperty(headerArb, claimsArb, async (header, claims) => {
      const token = handSigned(header, claims)
      const expected = await outcome(() => verifyJWT(token, key, options))
      assert.equal(await outcome(() => prepared(token)), expected)
      assert.equal(await outcome(() => resolved(token)), expected)
      assert.equal(await outcome(() => cached(token)), expected)
      assert.equal(await outcome(() => cached(token)), expected) // second call: a cache hit if it passed
    }),
    { numRuns: 400 },
  )
})

test('prepared, cached and resolver-fed verifiers agree with one-shot verifyJWT on mutated tokens', async () => {
  const valid = await signJWT({ sub: 'a', aud: 'aud' }, key, { issuer: 'iss', expiresIn: 10, currentTime: T0 })
  await cached(valid) // warm both caches with the valid token
  await prepared(valid)
  await fc.assert(
    fc.asyncProperty(fc.nat(), fc.constantFrom('A', 'B', '_', '-', '.', '=', '+', 'é', ''), async (index, char) => {
      const token = mutate(valid, index, char)
      const expected = await outcome(() => verifyJWT(token, key, options))
      assert.equal(await outcome(() => prepared(token)), expected)
      assert.equal(await outcome(() => resolved(token)), expected)
      assert.equal(await outcome(() => cached(token)), expected)
      if (token !== valid) assert.notEqual(expected.startsWith('ok'), true, `mutation accepted: ${token}`)
    }),
    { numRuns: 400 },
  )
})
