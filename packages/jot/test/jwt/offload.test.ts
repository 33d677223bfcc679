// `offload: true`: asymmetric signatures are checked off the calling thread (node:crypto's thread
// pool), with the same results as on it. Many tokens verified at once must each be judged on their
// own bytes: the signing input and signature may be scratch memory that the next token overwrites.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { createSigner, createVerifier, cryptoBackend, generateKeyPair, generateSecret } from 'jotjwt'

const stateAfterOneTurn = async (promise: Promise<unknown>) => {
  let state = 'pending'
  promise.then(
    () => (state = 'fulfilled'),
    () => (state = 'rejected'),
  )
  await Promise.resolve()
  return state
}

for (const alg of ['ES256', 'EdDSA', 'RS256', 'PS256'] as const) {
  test(`${alg}: offloaded verification waits for the thread pool and agrees with the inline one`, async () => {
    const { privateKey, publicKey } = await generateKeyPair(alg)
    const sign = createSigner({ key: privateKey, expiresIn: '5m' })
    const offloaded = createVerifier({ key: publicKey, offload: true })
    const inline = createVerifier({ key: publicKey })
    const tokens = await Promise.all(Array.from({ length: 40 }, (_, i) => sign({ sub: `user-${i}` })))
    // A wrong signature of the right shape: another token's, over this token's input.
    const forged = tokens.map((token, i) => `${token.slice(0, token.lastIndexOf('.'))}${tokens[(i + 1) % tokens.length]!.slice(tokens[(i + 1) % tokens.length]!.lastIndexOf('.'))}`)
    assert.equal(await stateAfterOneTurn(offloaded(tokens[0]!)), 'pending')
    const results = await Promise.allSettled([...tokens, ...forged].map((token) => offloaded(token)))
    results.forEach((result, i) => {
      if (i < tokens.length) {
        assert.equal(result.status, 'fulfilled', `token ${i}`)
        assert.equal((result as PromiseFulfilledResult<{ payload: { sub: string } }>).value.payload.sub, `user-${i}`)
      } else {
        assert.equal(result.status, 'rejected', `forged ${i - tokens.length}`)
        assert.equal((result as PromiseRejectedResult).reason.code, 'ERR_JWS_SIGNATURE_INVALID')
      }
    })
    assert.deepEqual((await inline(tokens[3]!)).payload, (await offloaded(tokens[3]!)).payload)
  })
}

test('HMAC stays on the calling thread (node:crypto), offload or not', async () => {
  const key = await generateSecret('HS256')
  const token = await createSigner({ key, expiresIn: '5m' })({ sub: 'a' })
  assert.equal(await stateAfterOneTurn(createVerifier({ key, offload: true })(token)), cryptoBackend === 'node' ? 'fulfilled' : 'pending')
})

test('offload must be a boolean', async () => {
  const { publicKey } = await generateKeyPair('ES256')
  assert.throws(() => createVerifier({ key: publicKey, offload: 'yes' as unknown as boolean }), { code: 'ERR_INVALID_ARGUMENT' })
})

// A process limited to one CPU checks inline even with offload: the pool thread could only take
// turns with the event loop. Seen from a child started under taskset (Linux, util-linux); the child
// imports jotjwt without conditions, so it runs on node:crypto in either pass of this suite.
test('offload on a process that may use one CPU verifies inline (node:crypto); with more CPUs it waits for the pool', async () => {
  const { execFileSync } = await import('node:child_process')
  const { availableParallelism } = await import('node:os')
  const script = `
    import { createSigner, createVerifier, generateKeyPair } from 'jotjwt'
    import { availableParallelism } from 'node:os'
    const { privateKey, publicKey } = await generateKeyPair('ES256')
    const token = await createSigner({ key: privateKey, expiresIn: '5m' })({ sub: 'a' })
    let state = 'pending'
    createVerifier({ key: publicKey, offload: true })(token).then(() => (state = 'fulfilled'), () => (state = 'rejected'))
    await Promise.resolve()
    console.log(JSON.stringify({ cpus: availableParallelism(), state }))`
  const run = (command: string, args: string[]) => JSON.parse(execFileSync(command, [...args, '--input-type=module', '-e', script], { cwd: import.meta.dirname, encoding: 'utf8' })) as { cpus: number; state: string }
  assert.deepEqual(run('taskset', ['-c', '0', process.execPath]), { cpus: 1, state: 'fulfilled' })
  const free = run(process.execPath, [])
  assert.deepEqual(free, { cpus: availableParallelism(), state: availableParallelism() > 1 ? 'pending' : 'fulfilled' })
})
