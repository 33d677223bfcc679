// The verified-token cache (cache/token-cache.ts) through the guard's core: a hit skips the key
// lookup and the signature (counted at the key resolver, which jot calls once per verification);
// its window never reaches beyond what the full path accepts (simulated clock); the denylist and the
// DPoP proof still run on every hit; entries and bytes are bounded; one cache shared by guards with
// other audiences or issuers never serves one's verification to another.
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { createHash, randomUUID } from 'node:crypto'
import { before, describe, test } from 'node:test'
import { createDPoPProof, createLocalKeySet, exportJWK, generateKeyPair, jwkThumbprint, signJWT, type JotKey, type KeyResolver } from 'jotjwt'
import {
  createGuard,
  createMemoryDenylist,
  createTokenCache,
  InvalidDPoPProofError,
  InvalidTokenError,
  isGuardError,
  type GuardAuth,
  type GuardError,
  type GuardOptions,
  type GuardRequest,
  type TokenCache,
} from 'jotjwt-guard'

const ISSUER = 'https://as.example'
const OTHER_ISSUER = 'https://other-as.example'
const AUDIENCE = 'https://api.example/orders'
const T0 = 1_900_000_000

let signingKey: JotKey
let otherKey: JotKey
let resolver: KeyResolver
let verifications = 0
let now = T0

before(async () => {
  const pair = await generateKeyPair('ES256', { kid: 'k1' })
  const otherPair = await generateKeyPair('ES256', { kid: 'k2' })
  signingKey = pair.privateKey
  otherKey = otherPair.privateKey
  const keys = createLocalKeySet({ keys: [await exportJWK(pair.publicKey), await exportJWK(otherPair.publicKey)] })
  // jot asks the resolver for the key of every token it verifies, and never for a cache hit.
  resolver = (header, context) => {
    verifications++
    return keys(header, context)
  }
})

interface Mint {
  iat?: number | false
  exp?: number
  nbf?: number
  aud?: string
  iss?: string
  key?: JotKey
  claims?: Record<string, unknown>
}

function mint(options: Mint = {}): Promise<string> {
  const iat = options.iat ?? T0
  return signJWT({ sub: 'u', jti: randomUUID(), ...(options.nbf === undefined ? {} : { nbf: options.nbf }), ...options.claims }, options.key ?? signingKey, {
    issuer: options.iss ?? ISSUER,
    audience: options.aud ?? AUDIENCE,
    issuedAt: iat,
    expiresAt: options.exp ?? T0 + 600,
    currentTime: T0,
  })
}

/** A guard on the test issuer's keys and clock, caching unless told otherwise (`undefined` removes an option). */
function guardWith(options: { [K in keyof GuardOptions]?: GuardOptions[K] | undefined } = {}) {
  return createGuard({
    issuer: ISSUER,
    key: resolver,
    audience: AUDIENCE,
    algorithms: ['ES256'],
    clockTolerance: 0,
    currentTime: () => now,
    cache: true,
    ...options,
  } as GuardOptions)
}

const get = (token: string, extra: Record<string, string> = {}) => ({ method: 'GET', url: '/orders', headers: { authorization: `Bearer ${token}`, ...extra } })

/** Authenticates and reports how many verifications (signature checks) it cost. */
async function run(guard: ReturnType<typeof guardWith>, request: GuardRequest) {
  const before = verifications
  const result = await guard.authenticate(request)
  return { result, verified: verifications - before }
}

/** Asserts a refusal of this kind (with a message: assert.ok's own would parse the TypeScript source). */
function refused(result: unknown, kind: new (...args: never[]) => GuardError): void {
  assert.ok(result instanceof kind, `expected ${kind.name}, got ${result instanceof Error ? `${result.name}: ${result.message}` : 'an accepted token'}`)
}

function accepted(result: unknown): GuardAuth {
  assert.ok(result !== undefined && !isGuardError(result), `refused: ${(result as Error | undefined)?.message}`)
  return result as GuardAuth
}

describe('hits', () => {
  test('a repeated token is verified once: the second request skips the key lookup and the signature', async () => {
    now = T0
    const guard = guardWith()
    const token = await mint()
    const first = await run(guard, get(token))
    const second = await run(guard, get(token))
    assert.equal(first.verified, 1)
    assert.equal(second.verified, 0)
    assert.equal(accepted(second.result).claims.sub, 'u')
    assert.equal(accepted(second.result).token, token)
  })

  test('without the option nothing is cached', async () => {
    now = T0
    const guard = guardWith({ cache: undefined })
    const token = await mint()
    await run(guard, get(token))
    assert.equal((await run(guard, get(token))).verified, 1)
  })

  test('a refusal is never cached', async () => {
    now = T0
    const cache = createTokenCache()
    const guard = guardWith({ cache })
    const token = await mint({ aud: 'https://elsewhere.example' })
    refused((await run(guard, get(token))).result, InvalidTokenError)
    const again = await run(guard, get(token))
    refused(again.result, InvalidTokenError)
    assert.equal(again.verified, 1)
    assert.equal(cache.entries, 0)
  })

  test('cached claims are frozen: a handler cannot change what the next request with the token sees', async () => {
    now = T0
    const guard = guardWith()
    const token = await mint({ claims: { roles: ['reader'] } })
    await guard.authenticate(get(token))
    const hit = accepted(await guard.authenticate(get(token)))
    assert.throws(() => (hit.claims.roles as string[]).push('admin'), TypeError)
    assert.throws(() => Object.assign(hit.claims, { sub: 'admin' }), TypeError)
    assert.deepEqual(accepted(await guard.authenticate(get(token))).claims.roles, ['reader'])
  })

  test('keys are SHA-256 hashes of the token, one partition per verifier', () => {
    const cache = createTokenCache()
    const a = cache.partition()
    const b = cache.partition()
    const token = 'eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ1In0.c2ln'
    const hash = createHash('sha256').update(token).digest('base64url')
    const keyA = a.key(token) as string
    const keyB = b.key(token) as string
    assert.equal(keyA.slice(keyA.indexOf('.') + 1), hash)
    assert.equal(keyB.slice(keyB.indexOf('.') + 1), hash)
    assert.notEqual(keyA, keyB)
  })

  test('without node:crypto (edge runtimes) the key is the same hash, from WebCrypto', () => {
    const token = 'eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ1In0.c2ln'
    const script = `delete process.getBuiltinModule
      const { createTokenCache } = await import('jotjwt-guard')
      const key = createTokenCache().partition().key(${JSON.stringify(token)})
      console.log(JSON.stringify({ async: key instanceof Promise, key: await key }))`
    const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', cwd: import.meta.dirname })
    assert.equal(run.status, 0, run.stderr)
    assert.deepEqual(JSON.parse(run.stdout), { async: true, key: `0.${createHash('sha256').update(token).digest('base64url')}` })
  })
})

describe('time: a hit is used only where the full path is sure to accept', () => {
  test('exp: hits until exp; from exp on the full path runs (and applies the clock tolerance itself)', async () => {
    for (const clockTolerance of [0, 30]) {
      now = T0
      const guard = guardWith({ clockTolerance })
      const token = await mint({ exp: T0 + 60 })
      await run(guard, get(token))
      now = T0 + 59
      const last = await run(guard, get(token))
      accepted(last.result)
      assert.equal(last.verified, 0)
      now = T0 + 60
      const atExp = await run(guard, get(token))
      assert.equal(atExp.verified, 1, 'the entry must be gone at exp')
      if (clockTolerance === 0) refused(atExp.result, InvalidTokenError)
      else accepted(atExp.result)
      now = T0 + 60 + clockTolerance
      const expired = await run(guard, get(token))
      refused(expired.result, InvalidTokenError)
      assert.equal((expired.result as InvalidTokenError).description, 'the access token expired')
    }
  })

  test('a token not valid yet (nbf within the tolerance) is accepted but not cached', async () => {
    now = T0
    const cache = createTokenCache()
    const guard = guardWith({ cache, clockTolerance: 60 })
    const token = await mint({ nbf: T0 + 30 })
    accepted((await run(guard, get(token))).result)
    assert.equal(cache.entries, 0)
    assert.equal((await run(guard, get(token))).verified, 1)
    now = T0 + 30
    await run(guard, get(token))
    assert.equal(cache.entries, 1)
  })

  test('a clock set back before iat or nbf does not hit', async () => {
    now = T0 + 100
    const guard = guardWith({ clockTolerance: 0 })
    const token = await mint({ iat: T0 + 50, nbf: T0 + 100 })
    await run(guard, get(token))
    now = T0 + 99
    const back = await run(guard, get(token))
    assert.equal(back.verified, 1)
    refused(back.result, InvalidTokenError)
  })

  test('maxTokenAge: the entry ends at iat + maxTokenAge', async () => {
    now = T0
    const guard = guardWith({ maxTokenAge: '1m' })
    const token = await mint({ iat: T0 - 30 })
    await run(guard, get(token))
    now = T0 + 29
    assert.equal((await run(guard, get(token))).verified, 0)
    now = T0 + 30
    const old = await run(guard, get(token))
    assert.equal(old.verified, 1)
    accepted(old.result) // age 60 = maxTokenAge: still accepted by the full path
    now = T0 + 31
    refused((await run(guard, get(token))).result, InvalidTokenError)
  })

  test('ttl: one verification is reused at most ttl seconds', async () => {
    now = T0
    const guard = guardWith({ cache: { ttl: '2m' } })
    const token = await mint({ exp: T0 + 3600 })
    await run(guard, get(token))
    now = T0 + 119
    assert.equal((await run(guard, get(token))).verified, 0)
    now = T0 + 120
    assert.equal((await run(guard, get(token))).verified, 1)
  })
})

describe('on every request, hit or not', () => {
  test('the denylist: a token revoked after it was cached is refused', async () => {
    now = T0
    const denylist = createMemoryDenylist({ currentTime: () => now })
    const guard = guardWith({ revocation: { denylist } })
    const token = await mint({ claims: { jti: 'cached-then-revoked' } })
    accepted((await run(guard, get(token))).result)
    denylist.revoke('cached-then-revoked', T0 + 600)
    const revoked = await run(guard, get(token))
    assert.equal(revoked.verified, 0, 'a cache hit')
    refused(revoked.result, InvalidTokenError)
    assert.equal((revoked.result as InvalidTokenError).description, 'the access token was revoked')
  })

  test('DPoP: a cached bound token still needs a fresh proof by its key for each request', async () => {
    now = Math.floor(Date.now() / 1000) // proofs are judged on the real clock
    const holder = await generateKeyPair('ES256')
    const thief = await generateKeyPair('ES256')
    const guard = guardWith({ dpop: 'required', dpopSettings: { publicOrigin: 'https://api.example' } })
    const token = await signJWT({ sub: 'u', cnf: { jkt: await jwkThumbprint(holder.publicKey) } }, signingKey, {
      issuer: ISSUER,
      audience: AUDIENCE,
      expiresIn: 600,
    })
    const proof = (key: JotKey) => createDPoPProof(key, { method: 'GET', url: 'https://api.example/orders', accessToken: token })
    const request = (dpop?: string) => ({ method: 'GET', url: '/orders', headers: { authorization: `DPoP ${token}`, ...(dpop ? { dpop } : {}) } })
    const first = await proof(holder.privateKey)
    accepted((await run(guard, request(first))).result)
    const replayed = await run(guard, request(first))
    assert.equal(replayed.verified, 0, 'the token came from the cache')
    refused(replayed.result, InvalidDPoPProofError)
    refused((await run(guard, request())).result, InvalidDPoPProofError)
    const stolen = await run(guard, request(await proof(thief.privateKey)))
    refused(stolen.result, InvalidTokenError)
    const fresh = await run(guard, request(await proof(holder.privateKey)))
    assert.equal(fresh.verified, 0)
    assert.equal(accepted(fresh.result).jkt, await jwkThumbprint(holder.publicKey))
    const asBearer = await run(guard, get(token))
    refused(asBearer.result, InvalidTokenError)
  })
})

describe('bounds', () => {
  test('bytes: each entry counts its token plus its key; the least recently used goes first', async () => {
    now = T0
    const tokens = await Promise.all([mint(), mint(), mint()])
    const size = tokens[0]!.length + 45
    assert.deepEqual(tokens.map((token) => token.length + 45), [size, size, size])
    const cache = createTokenCache({ maxBytes: 2 * size })
    const guard = guardWith({ cache })
    for (const token of tokens) await run(guard, get(token))
    assert.equal(cache.entries, 2)
    assert.equal(cache.bytes, 2 * size)
    assert.equal((await run(guard, get(tokens[2]!))).verified, 0)
    assert.equal((await run(guard, get(tokens[1]!))).verified, 0)
    assert.equal((await run(guard, get(tokens[0]!))).verified, 1, 'the oldest was evicted')
  })

  test('bytes: a token larger than the whole bound is not cached', async () => {
    now = T0
    const token = await mint({ claims: { padding: 'x'.repeat(2000) } })
    const cache = createTokenCache({ maxBytes: 1024 })
    const guard = guardWith({ cache })
    await run(guard, get(token))
    assert.equal(cache.entries, 0)
    assert.equal(cache.bytes, 0)
  })

  test('entries', async () => {
    now = T0
    const cache = createTokenCache({ maxEntries: 2 })
    const guard = guardWith({ cache })
    for (let i = 0; i < 5; i++) await run(guard, get(await mint()))
    assert.equal(cache.entries, 2)
  })

  test('clear() empties it: every token is verified afresh', async () => {
    now = T0
    const cache = createTokenCache()
    const guard = guardWith({ cache })
    const token = await mint()
    await run(guard, get(token))
    cache.clear()
    assert.equal(cache.entries, 0)
    assert.equal(cache.bytes, 0)
    assert.equal((await run(guard, get(token))).verified, 1)
  })

  test('bad bounds are refused when the guard is built', () => {
    assert.throws(() => guardWith({ cache: { maxBytes: 0 } }), /cache.maxBytes must be a positive integer/)
    assert.throws(() => guardWith({ cache: { maxEntries: 1.5 } }), /cache.maxEntries must be a positive integer/)
    assert.throws(() => guardWith({ cache: { ttl: 'a while' } }), /cache.ttl must be seconds or a duration/)
  })
})

describe('one cache, several guards', () => {
  let cache: TokenCache
  before(() => {
    cache = createTokenCache()
  })

  test('another audience: the second guard verifies for itself, and refuses', async () => {
    now = T0
    const orders = guardWith({ cache })
    const billing = guardWith({ cache, audience: 'https://api.example/billing' })
    const token = await mint()
    accepted((await run(orders, get(token))).result)
    const other = await run(billing, get(token))
    assert.equal(other.verified, 1)
    refused(other.result, InvalidTokenError)
    assert.equal((await run(orders, get(token))).verified, 0, 'the first guard still hits')
  })

  test('another issuer in one guard: the token is cached for its own issuer only', async () => {
    now = T0
    const guard = guardWith({ cache, issuer: undefined, key: undefined, issuers: [{ issuer: ISSUER, key: resolver }, { issuer: OTHER_ISSUER, key: resolver }] })
    const mine = await mint({ key: otherKey })
    const theirs = await mint({ iss: OTHER_ISSUER, key: otherKey })
    accepted((await run(guard, get(mine))).result)
    accepted((await run(guard, get(theirs))).result)
    assert.equal((await run(guard, get(mine))).verified, 0)
    assert.equal((await run(guard, get(theirs))).verified, 0)
  })

  test('the stricter guard (maxLifetime) refuses what the lenient one cached', async () => {
    now = T0
    const lenient = guardWith({ cache })
    const strict = guardWith({ cache, maxLifetime: '5m' })
    const token = await mint({ exp: T0 + 3600 })
    accepted((await run(lenient, get(token))).result)
    const outcome = await run(strict, get(token))
    refused(outcome.result, InvalidTokenError)
    assert.equal(outcome.verified, 1)
  })
})

describe('maxLifetime', () => {
  test('refuses tokens minted to live longer (exp − iat), and tokens without iat', async () => {
    now = T0
    const guard = guardWith({ cache: undefined, maxLifetime: 600, errorVerbosity: 'detailed' })
    accepted(await guard.authenticate(get(await mint({ exp: T0 + 600 }))))
    const long = await guard.authenticate(get(await mint({ exp: T0 + 601 })))
    refused(long, InvalidTokenError)
    assert.equal((long as GuardError).detail, 'token lifetime ("exp" - "iat") exceeds maxLifetime')
    const noIat = await guard.authenticate(get(await mint({ iat: false })))
    refused(noIat, InvalidTokenError)
    assert.equal((noIat as GuardError).detail, '"iat" is missing')
  })
})
