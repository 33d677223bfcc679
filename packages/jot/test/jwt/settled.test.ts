// Verify and sign run synchronously where they can (a local key on node:crypto), but their contract
// stays asynchronous: every failure, however early, arrives as a rejected promise, never as a throw
// from the call itself (callers write `verify(token).catch(...)`).
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { createSigner, createVerifier, cryptoBackend, generateSecret, verifyJWT, type JWTClaims, type KeyResolver } from 'jotjwt'

const key = await generateSecret('HS256')
const sign = createSigner({ key, expiresIn: '5m' })
const token = await sign({ sub: 'a' })

function rejectsWithoutThrowing(call: () => Promise<unknown>, code: string) {
  let promise: Promise<unknown>
  assert.doesNotThrow(() => {
    promise = call()
  })
  return assert.rejects(promise!, { code })
}

test('a prepared verifier rejects, never throws, on bad input, bad signatures and failing resolvers', async () => {
  const verify = createVerifier({ key, cache: true })
  const uncached = createVerifier({ key })
  for (const v of [verify, uncached]) {
    await rejectsWithoutThrowing(() => v(42 as unknown as string), 'ERR_INVALID_ARGUMENT')
    await rejectsWithoutThrowing(() => v('a.b'), 'ERR_JWS_INVALID')
    await rejectsWithoutThrowing(() => v(`${token.slice(0, -2)}AA`), 'ERR_JWS_SIGNATURE_INVALID')
  }
  const throwing: KeyResolver = () => {
    throw Object.assign(new Error('resolver failed'), { code: 'E_RESOLVER' })
  }
  await rejectsWithoutThrowing(() => createVerifier({ key: throwing })(token), 'E_RESOLVER')
  await rejectsWithoutThrowing(() => createVerifier({ key: () => [] })(token), 'ERR_INVALID_ARGUMENT')
})

test('a prepared signer rejects, never throws, on claims it cannot sign', async () => {
  await rejectsWithoutThrowing(() => sign(null as unknown as JWTClaims), 'ERR_INVALID_ARGUMENT')
  await rejectsWithoutThrowing(() => sign({ nbf: 'soon' } as unknown as JWTClaims), 'ERR_JWT_CLAIM_INVALID')
  const cyclic: Record<string, unknown> = {}
  cyclic.self = cyclic
  await rejectsWithoutThrowing(() => sign(cyclic), 'ERR_INVALID_ARGUMENT')
})

test('a verifier with a synchronous resolver and one with an asynchronous one agree', async () => {
  const sync = createVerifier({ key: () => key })
  const async = createVerifier({ key: async () => key })
  assert.deepEqual((await sync(token)).payload, (await async(token)).payload)
})

test('with a local key, node:crypto settles at once; WebCrypto and an async resolver wait', async () => {
  // A promise's state after one microtask turn: a promise that was already settled when returned has
  // run its reactions by then; one that waits on the thread pool or on a resolver has not.
  const stateAfterOneTurn = async (promise: Promise<unknown>) => {
    let state = 'pending'
    promise.then(() => (state = 'fulfilled'), () => (state = 'rejected'))
    await Promise.resolve()
    return state
  }
  const immediate = cryptoBackend === 'node' ? 'fulfilled' : 'pending'
  assert.equal(await stateAfterOneTurn(createVerifier({ key })(token)), immediate)
  assert.equal(await stateAfterOneTurn(sign({ sub: 'b' })), immediate)
  const forged = `${token.slice(0, -5)}${token.at(-5) === 'A' ? 'B' : 'A'}${token.slice(-4)}` // same length, wrong MAC
  assert.equal(await stateAfterOneTurn(createVerifier({ key })(forged)), cryptoBackend === 'node' ? 'rejected' : 'pending')
  // Shape checks run before any primitive, so a malformed token is refused at once on every backend.
  assert.equal(await stateAfterOneTurn(createVerifier({ key })(`${token}x`)), 'rejected')
  assert.equal(await stateAfterOneTurn(createVerifier({ key: async () => key })(token)), 'pending')
})

test('a key given directly must be a JotKey: a promise of one is refused, not awaited', async () => {
  const promised = Promise.resolve(key) as unknown as typeof key
  const thenable = { then: () => assert.fail('a thenable key must not be called') } as unknown as typeof key
  for (const bad of [promised, thenable]) {
    // createVerifier is synchronous and refuses the key at once; verifyJWT rejects.
    assert.throws(() => createVerifier({ key: bad }), { code: 'ERR_INVALID_ARGUMENT' })
    await rejectsWithoutThrowing(() => verifyJWT(token, bad), 'ERR_INVALID_ARGUMENT')
  }
})

test('the header a resolver sees is frozen: it is shared by every token with that header', async () => {
  const seen: unknown[] = []
  const verify = createVerifier({
    key: (header) => {
      seen.push(header.kid)
      assert.ok(Object.isFrozen(header))
      assert.throws(() => Object.assign(header, { kid: 'injected' }), TypeError)
      return key
    },
  })
  await verify(token)
  await verify(token)
  assert.deepEqual(seen, [undefined, undefined])
})
