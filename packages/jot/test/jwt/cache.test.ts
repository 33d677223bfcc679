// The opt-in verified-token cache of createVerifier: a hit skips only what cannot change for the
// same token string (decoding, headers, signature); claim checks run on every call.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { createVerifier, generateSecret, signJWT, type JotKey, type KeyResolver } from 'jotjwt'

const T0 = 1_800_000_000

async function setup() {
  const key = await generateSecret('HS256')
  let now = T0
  let resolverCalls = 0
  const resolver: KeyResolver = () => {
    resolverCalls++
    return key
  }
  const clock = () => now
  return {
    key,
    resolver,
    calls: () => resolverCalls,
    setNow: (t: number) => void (now = t),
    clock,
    sign: (claims: Record<string, unknown>, extra = {}) => signJWT(claims, key, { currentTime: T0, ...extra }),
  }
}

test('a repeated token is served from the cache: the key resolver and signature check are skipped', async () => {
  const s = await setup()
  const verify = createVerifier({ key: s.resolver, cache: true, currentTime: s.clock })
  const token = await s.sign({ sub: 'a' }, { expiresIn: 600 })
  assert.equal((await verify(token)).payload.sub, 'a')
  assert.equal((await verify(token)).payload.sub, 'a')
  assert.equal(s.calls(), 1)
})

test('a cached token expires exactly at exp (plus clockTolerance), as without the cache', async () => {
  const s = await setup()
  for (const clockTolerance of [0, 30]) {
    const verify = createVerifier({ key: s.key, cache: true, currentTime: s.clock, clockTolerance })
    const uncached = createVerifier({ key: s.key, currentTime: s.clock, clockTolerance })
    const token = await s.sign({ sub: 'a' }, { expiresIn: 60 })
    s.setNow(T0)
    await verify(token)
    s.setNow(T0 + 60 + clockTolerance - 1)
    await verify(token)
    await uncached(token)
    s.setNow(T0 + 60 + clockTolerance)
    await assert.rejects(verify(token), { code: 'ERR_JWT_EXPIRED' })
    await assert.rejects(uncached(token), { code: 'ERR_JWT_EXPIRED' })
  }
})

test('nbf is judged on every hit', async () => {
  const s = await setup()
  const verify = createVerifier({ key: s.key, cache: true, currentTime: s.clock })
  const token = await s.sign({ sub: 'a', nbf: T0 + 100 }, { expiresIn: 600 })
  s.setNow(T0 + 100)
  await verify(token)
  s.setNow(T0 + 50) // the clock goes back: the cached entry must not bypass nbf
  await assert.rejects(verify(token), { code: 'ERR_JWT_NOT_YET_VALID' })
})

test('maxTokenAge is judged on every hit', async () => {
  const s = await setup()
  const verify = createVerifier({ key: s.key, cache: true, currentTime: s.clock, maxTokenAge: 60 })
  const token = await s.sign({ sub: 'a' }, { expiresIn: 600 })
  await verify(token)
  s.setNow(T0 + 61)
  await assert.rejects(verify(token), { code: 'ERR_JWT_EXPIRED' })
})

test('an entry lives at most ttl: afterwards the signature (and the resolver) are checked again', async () => {
  const s = await setup()
  const verify = createVerifier({ key: s.resolver, cache: { ttl: '5m' }, currentTime: s.clock })
  const token = await s.sign({ sub: 'a' }, { expiresIn: 3600 })
  await verify(token)
  s.setNow(T0 + 299)
  await verify(token)
  assert.equal(s.calls(), 1)
  s.setNow(T0 + 300)
  await verify(token)
  assert.equal(s.calls(), 2)
})

test('the cache is bounded by entries: the least recently used token is evicted', async () => {
  const s = await setup()
  const verify = createVerifier({ key: s.resolver, cache: { maxEntries: 2 }, currentTime: s.clock })
  const [a, b, c] = await Promise.all(['a', 'b', 'c'].map((sub) => s.sign({ sub }, { expiresIn: 600 })))
  await verify(a!)
  await verify(b!)
  await verify(a!) // a is now the most recent
  await verify(c!) // evicts b
  assert.equal(s.calls(), 3)
  await verify(a!)
  assert.equal(s.calls(), 3)
  await verify(b!)
  assert.equal(s.calls(), 4)
})

test('the cache is bounded by total token characters', async () => {
  const s = await setup()
  const token = await s.sign({ sub: 'a', pad: 'x'.repeat(500) }, { expiresIn: 600 })
  const verify = createVerifier({ key: s.resolver, cache: { maxCharacters: token.length + 10 }, currentTime: s.clock })
  const other = await s.sign({ sub: 'b', pad: 'y'.repeat(500) }, { expiresIn: 600 })
  await verify(token)
  await verify(other) // does not fit next to the first: the first goes
  await verify(token)
  assert.equal(s.calls(), 3)
})

test('no hits across verifiers: a token verified by one verifier is checked afresh by another', async () => {
  const s = await setup()
  const other: JotKey = await generateSecret('HS256')
  const lenient = createVerifier({ key: s.key, cache: true, currentTime: s.clock })
  const strict = createVerifier({ key: other, cache: true, currentTime: s.clock })
  const token = await s.sign({ sub: 'a' }, { expiresIn: 600 })
  await lenient(token)
  await assert.rejects(strict(token), { code: 'ERR_JWS_SIGNATURE_INVALID' })
})

test('failures are not cached: a token failing a claim check fails on the claim each time, and a later valid state passes', async () => {
  const s = await setup()
  const verify = createVerifier({ key: s.resolver, cache: true, currentTime: s.clock })
  const token = await s.sign({ sub: 'a', nbf: T0 + 10 }, { expiresIn: 600 })
  await assert.rejects(verify(token), { code: 'ERR_JWT_NOT_YET_VALID' })
  await assert.rejects(verify(token), { code: 'ERR_JWT_NOT_YET_VALID' })
  assert.equal(s.calls(), 2)
  const forged = token.slice(0, -2) + (token.endsWith('AA') ? 'BA' : 'AA')
  await assert.rejects(verify(forged), { code: 'ERR_JWS_SIGNATURE_INVALID' })
  await assert.rejects(verify(forged), { code: 'ERR_JWS_SIGNATURE_INVALID' })
})

test('cached results are frozen so one caller cannot change what another receives', async () => {
  const s = await setup()
  const verify = createVerifier({ key: s.key, cache: true, currentTime: s.clock })
  const token = await s.sign({ sub: 'a', roles: ['user'] }, { expiresIn: 600 })
  const first = await verify(token)
  assert.throws(() => {
    ;(first.payload.roles as string[]).push('admin')
  }, TypeError)
  assert.deepEqual((await verify(token)).payload.roles, ['user'])
})

test('invalid cache options are refused when the verifier is created', () => {
  assert.throws(() => createVerifier({ key: () => { throw new Error('unused') }, cache: { maxEntries: 0 } }), { code: 'ERR_INVALID_ARGUMENT' })
  assert.throws(() => createVerifier({ key: () => { throw new Error('unused') }, cache: { ttl: 'soon' } }), { code: 'ERR_INVALID_ARGUMENT' })
})
