/**
 * Property-based fuzzing of DPoP proof verification (RFC 9449 §4.3). Headers and claims are drawn
 * from hostile generators (every `typ`, `alg` and `jwk` shape worth trying, extra and odd members,
 * any claim values) and signed through node:crypto directly with the P-256 key whose public half the
 * header may carry, so the signature is valid whenever the header says ES256: the verifier has to
 * refuse the proof for its content, not for a broken signature.
 *
 * The property: every call settles quickly, either accepting a proof that really is valid (checked
 * independently from the generated parts) or failing with ERR_DPOP_PROOF_INVALID (with one of the
 * documented reasons) or ERR_DPOP_NONCE_REQUIRED. Never another error, never a crash or a hang.
 */
import assert from 'node:assert/strict'
import { createHash, generateKeyPairSync, sign as nodeSign } from 'node:crypto'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import { createDPoPProof, createDPoPVerifier, createMemoryReplayStore, importPEM, isJotError, type JWK } from 'jotjwt'

const RUNS_SCALE = Math.max(1, Number(process.env.JOT_FUZZ_SCALE ?? 1) || 1)
const runs = (n: number) => Math.round(n * RUNS_SCALE)
const TIMEOUT_MS = 2000

const NOW = 1_700_000_000
const URL_ = 'https://api.example.com/orders'
const TOKEN = 'access-token-value'
const ATH = createHash('sha256').update(TOKEN).digest('base64url')
const REASONS = new Set(['malformed', 'typ', 'alg', 'jwk', 'signature', 'claims', 'htm', 'htu', 'stale', 'future', 'ath', 'replay'])

const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' })
const publicJwk = ec.publicKey.export({ format: 'jwk' }) as JWK
const privateJwk = ec.privateKey.export({ format: 'jwk' }) as JWK
const otherJwk = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ format: 'jwk' }) as JWK
const rsaJwk = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ format: 'jwk' }) as JWK
const signingKey = await importPEM(ec.privateKey.export({ format: 'pem', type: 'pkcs8' }) as string, { alg: 'ES256' })

const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64url')
function signed(headerText: string, claimsText: string): string {
  const input = `${b64(headerText)}.${b64(claimsText)}`
  return `${input}.${nodeSign('sha256', Buffer.from(input), { key: ec.privateKey, dsaEncoding: 'ieee-p1363' }).toString('base64url')}`
}

const verify = createDPoPVerifier({ algorithms: ['ES256', 'PS256'], replay: createMemoryReplayStore(), currentTime: NOW })
const request = { method: 'GET', url: URL_, accessToken: TOKEN }

/** Verifies and returns 'ok' or the failure; fails the property on anything but a DPoP error, or a hang. */
async function outcome(proof: string): Promise<'ok' | string> {
  let timer: ReturnType<typeof setTimeout> | undefined
  try {
    await Promise.race([
      verify(proof, request),
      new Promise((_, reject) => (timer = setTimeout(() => reject(new Error('timed out')), TIMEOUT_MS))),
    ])
    return 'ok'
  } catch (error) {
    if (!isJotError(error) || (error.code !== 'ERR_DPOP_PROOF_INVALID' && error.code !== 'ERR_DPOP_NONCE_REQUIRED')) {
      assert.fail(`not a DPoP error: ${error instanceof Error ? `${error.name} ${(error as { code?: string }).code}: ${error.message}` : String(error)}`)
    }
    if (error.code === 'ERR_DPOP_PROOF_INVALID') assert.ok(REASONS.has(error.reason), `unknown reason ${error.reason}`)
    return error.code === 'ERR_DPOP_PROOF_INVALID' ? error.reason : error.code
  } finally {
    clearTimeout(timer)
  }
}

const json = fc.jsonValue({ maxDepth: 3 })
const hostileString = fc.oneof(fc.string(), fc.constantFrom('__proto__', 'constructor', 'toString', '', ' ', 'dpop+jwt\u0000', 'ES256 '))
/** Each part of a proof: its valid values, and what to put there instead. */
const missingOrJunk = fc.oneof(fc.constant(undefined), json)
const extraMembers = (names: fc.Arbitrary<string>) => fc.dictionary(fc.oneof(hostileString, names), json, { minKeys: 1, maxKeys: 3 })
const PARTS = {
  typ: { valid: fc.constantFrom('dpop+jwt', 'application/dpop+jwt', 'DPoP+JWT'), invalid: fc.oneof(fc.constantFrom('JWT', 'at+jwt', 'dpop', undefined), hostileString, json) },
  alg: { valid: fc.constant('ES256'), invalid: fc.oneof(fc.constantFrom('none', 'HS256', 'PS256', 'ES384', 'EdDSA', 'RS256', undefined), hostileString, json) },
  jwk: {
    valid: fc.constant<unknown>(publicJwk),
    invalid: fc.oneof(
      { weight: 4, arbitrary: fc.constant<unknown>(otherJwk) }, // a valid key, but not the signer's
      fc.constantFrom<unknown>(
        privateJwk,
        { ...publicJwk, k: 'AAAA' },
        { kty: 'oct', k: 'c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3JldA' },
        rsaJwk,
        { ...publicJwk, crv: 'P-384' },
        { ...publicJwk, alg: 'ES384' },
        { ...publicJwk, x: publicJwk.y },
        { ...publicJwk, kid: 'x'.repeat(6000) },
        { ...publicJwk, x5c: Array.from({ length: 50 }, () => 'MII') },
        Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`m${i}`, i])),
        undefined,
        null,
        'jwk',
        [publicJwk],
      ),
      fc.record({ kty: fc.constantFrom('EC', 'RSA', 'OKP', 'oct'), crv: hostileString, x: hostileString, y: hostileString }),
      fc.dictionary(hostileString, json, { maxKeys: 20 }).map((extra) => ({ ...publicJwk, ...extra })),
      json,
    ),
  },
  headerExtra: { valid: fc.constant({}), invalid: extraMembers(fc.constantFrom('crit', 'b64', 'kid', 'jku', 'x5c')) },
  jti: { valid: fc.constant('jti-1'), invalid: missingOrJunk },
  htm: { valid: fc.constant('GET'), invalid: fc.oneof(missingOrJunk, fc.constantFrom('get', 'POST', 'GET ')) },
  htu: {
    valid: fc.constantFrom(URL_, `${URL_}?q=1#f`, 'HTTPS://API.EXAMPLE.COM:443/orders', 'https://api.example.com/%6Frders'),
    invalid: fc.oneof(missingOrJunk, fc.constantFrom(`${URL_}/`, 'javascript:alert(1)', '//api.example.com/orders', 'https://api.example.com/Orders')),
  },
  iat: {
    valid: fc.integer({ min: NOW - 65, max: NOW + 5 }),
    invalid: fc.oneof(missingOrJunk, fc.integer({ min: NOW - 1000, max: NOW - 66 }), fc.integer({ min: NOW + 6, max: NOW + 1000 }), fc.double(), fc.constantFrom(1e308, -0, Number.MAX_SAFE_INTEGER)),
  },
  ath: { valid: fc.constant(ATH), invalid: fc.oneof(missingOrJunk, fc.constant(createHash('sha256').update('other').digest('base64url'))) },
  claimsExtra: { valid: fc.constant({}), invalid: extraMembers(fc.constantFrom('exp', 'nbf', 'nonce', 'aud', 'iss', 'sub', 'cnf')) },
} satisfies Record<string, { valid: fc.Arbitrary<unknown>; invalid: fc.Arbitrary<unknown> }>
type Part = keyof typeof PARTS
const PART_NAMES = Object.keys(PARTS) as Part[]

/**
 * A proof's parts: all valid, one part drawn from its invalid values (so each check is reached
 * alone), or every part drawn from both.
 */
const parts = fc.oneof(
  { weight: 1, arbitrary: fc.constant<'none' | 'all'>('none') },
  { weight: 12, arbitrary: fc.constantFrom(...PART_NAMES) },
  { weight: 3, arbitrary: fc.constant<'none' | 'all'>('all') },
).chain((broken) =>
  fc.record(
    Object.fromEntries(
      PART_NAMES.map((name) => {
        const { valid, invalid } = PARTS[name] as { valid: fc.Arbitrary<unknown>; invalid: fc.Arbitrary<unknown> }
        return [name, broken === 'all' ? fc.oneof(valid, invalid) : broken === name ? invalid : valid]
      }),
    ) as Record<Part, fc.Arbitrary<unknown>>,
  ),
)

function textOf(parts: Record<string, unknown>, extra: Record<string, unknown>): string {
  const object: Record<string, unknown> = {}
  for (const [name, value] of Object.entries(extra)) Object.defineProperty(object, name, { value, enumerable: true, configurable: true, writable: true })
  for (const [name, value] of Object.entries(parts)) if (value !== undefined) object[name] = value
  return JSON.stringify(object)
}

describe('DPoP proof fuzzing', () => {
  it('fuzzed headers and claims, validly signed: accepted only when valid, else a DPoP error', async (t) => {
    let jti = 0
    const seen = new Map<string, number>()
    await fc.assert(
      fc.asyncProperty(parts, async (p) => {
        // A fresh jti per run (when the valid one was drawn), so replay is not what decides.
        const jtiValue = p.jti === 'jti-1' ? `jti-${jti++}` : p.jti
        const headerText = textOf({ typ: p.typ, alg: p.alg, jwk: p.jwk }, p.headerExtra as Record<string, unknown>)
        const claimsText = textOf({ jti: jtiValue, htm: p.htm, htu: p.htu, iat: p.iat, ath: p.ath }, p.claimsExtra as Record<string, unknown>)
        const result = await outcome(signed(headerText, claimsText))
        seen.set(result, (seen.get(result) ?? 0) + 1)
        if (result === 'ok') {
          // Independent of the verifier: what a valid proof must have been made of.
          assert.ok(typeof p.typ === 'string' && p.typ.toLowerCase().replace(/^application\//, '') === 'dpop+jwt')
          assert.equal(p.alg, 'ES256')
          assert.equal((p.jwk as JWK).x, publicJwk.x)
          assert.equal((p.jwk as JWK).d, undefined)
          assert.equal(p.htm, 'GET')
          assert.equal(p.ath, ATH)
          assert.ok(typeof p.iat === 'number' && p.iat >= NOW - 65 && p.iat <= NOW + 5)
        }
      }),
      { numRuns: runs(600) },
    )
    // The generators reach every check, and valid proofs too: the property is not vacuous.
    const reached = [...seen.keys()].sort()
    t.diagnostic(`outcomes: ${JSON.stringify(Object.fromEntries(seen))}`)
    for (const expected of ['ok', 'typ', 'alg', 'jwk', 'signature', 'claims', 'htm', 'htu', 'stale', 'future', 'ath']) {
      assert.ok(seen.has(expected), `no run ended in ${expected} (seen: ${reached.join(', ')})`)
    }
  })

  it('random text and mutated proofs are refused with a DPoP error', async () => {
    const valid = await createDPoPProof(signingKey, { method: 'GET', url: URL_, accessToken: TOKEN, currentTime: NOW, jti: 'fixed' })
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.string({ maxLength: 300 }),
          fc.tuple(fc.nat(valid.length - 1), fc.constantFrom(...'Aa0-_.=+/ ')).map(([index, char]) => valid.slice(0, index) + char + valid.slice(index + 1)),
          fc.tuple(fc.nat(valid.length), fc.nat(valid.length)).map(([a, b]) => valid.slice(Math.min(a, b), Math.max(a, b))),
        ),
        async (proof) => {
          const result = await outcome(proof)
          // Only the untouched proof can pass, and only once (replay).
          if (result === 'ok') assert.equal(proof, valid)
        },
      ),
      { numRuns: runs(400) },
    )
  })
})
