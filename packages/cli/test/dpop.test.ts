// `jotjwt dpop`: the proof it prints is accepted by the library's verifier for exactly the request it
// was made for (method, URL, access token, nonce), and refused for any other.
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { createMemoryReplayStore, decodeJWTUnverified, isJotError, jwkThumbprint, verifyDPoPProof, type JWK } from 'jotjwt'
import { jot, scratchDir } from './helpers.js'

const dir = scratchDir()
const at = (name: string) => join(dir.path, name)
after(() => dir.remove())

const URL_ = 'https://api.example/orders'
const TOKEN = 'Kz~8mXK1EalYznwH-LC-1fBAo.4Ljp~zsPE_NeO.gxU'
const verifyOptions = { algorithms: ['ES256', 'EdDSA', 'PS256'] as const, replay: false as const }

async function refusedFor(proof: string, request: { method: string; url: string; accessToken?: string }, reason: string): Promise<void> {
  await assert.rejects(verifyDPoPProof(proof, { ...request, algorithms: ['ES256'], replay: false }), (error: unknown) => {
    assert.ok(isJotError(error) && error.code === 'ERR_DPOP_PROOF_INVALID', String(error))
    assert.equal((error as { reason: string }).reason, reason)
    return true
  })
}

describe('jotjwt dpop', () => {
  before(async () => {
    for (const [alg, prefix, extra] of [['ES256', 'client', []], ['EdDSA', 'ed', ['--pem']], ['PS256', 'rsa', []], ['HS256', 'shared', []]] as const) {
      const made = await jot(['keygen', alg, '--out', at(prefix), ...extra])
      assert.equal(made.code, 0, made.stderr)
    }
  })

  it('prints a proof that verifies for the method, URL and access token it was made for', async () => {
    const { code, stdout, stderr } = await jot(['dpop', '--key', at('client.private.jwk'), '--method', 'GET', '--url', `${URL_}?page=2#top`, '--token', TOKEN])
    assert.equal(code, 0, stderr)
    assert.equal(stderr, '')
    const proof = stdout.trim()
    assert.equal(stdout, `${proof}\n`)
    const verified = await verifyDPoPProof(proof, { ...verifyOptions, method: 'GET', url: URL_, accessToken: TOKEN, replay: createMemoryReplayStore() })
    const publicJwk = JSON.parse(readFileSync(at('client.public.jwk'), 'utf8')) as JWK
    assert.equal(verified.jkt, await jwkThumbprint(publicJwk))
    assert.equal(verified.payload.htu, URL_)
    assert.equal(verified.header.jwk?.d, undefined)
    await refusedFor(proof, { method: 'POST', url: URL_, accessToken: TOKEN }, 'htm')
    await refusedFor(proof, { method: 'GET', url: `${URL_}/1`, accessToken: TOKEN }, 'htu')
    await refusedFor(proof, { method: 'GET', url: URL_, accessToken: `${TOKEN}x` }, 'ath')
  })

  it('--json prints the proof and the key\'s thumbprint; --nonce and --token-env are carried', async () => {
    const { code, stdout, stderr } = await jot(
      ['dpop', '-k', at('client.private.jwk'), '-X', 'POST', '-u', 'https://as.example/token', '--nonce', 'eyJ7S_zG.eyJH0-Z.HX4w-7v', '--token-env', 'AT', '--json'],
      { env: { AT: TOKEN } },
    )
    assert.equal(code, 0, stderr)
    const { proof, jkt } = JSON.parse(stdout) as { proof: string; jkt: string }
    const verified = await verifyDPoPProof(proof, { ...verifyOptions, method: 'POST', url: 'https://as.example/token', accessToken: TOKEN, nonce: 'eyJ7S_zG.eyJH0-Z.HX4w-7v' })
    assert.equal(verified.jkt, jkt)
  })

  it('reads PEM and RSA keys too, and makes a fresh proof each time', async () => {
    const ed = await jot(['dpop', '--key', at('ed.private.pem'), '--method', 'DELETE', '--url', URL_])
    assert.equal(ed.code, 0, ed.stderr)
    assert.equal(decodeJWTUnverified(ed.stdout.trim()).header.alg, 'EdDSA')
    await verifyDPoPProof(ed.stdout.trim(), { ...verifyOptions, method: 'DELETE', url: URL_ })
    const rsa = await jot(['dpop', '--key', at('rsa.private.jwk'), '--method', 'GET', '--url', URL_])
    assert.equal(rsa.code, 0, rsa.stderr)
    await verifyDPoPProof(rsa.stdout.trim(), { ...verifyOptions, method: 'GET', url: URL_ })
    const again = await jot(['dpop', '--key', at('ed.private.pem'), '--method', 'DELETE', '--url', URL_])
    assert.notEqual(decodeJWTUnverified(again.stdout.trim()).payload.jti, decodeJWTUnverified(ed.stdout.trim()).payload.jti)
  })

  it('refuses keys that cannot sign a proof (exit 1) and incomplete or contradictory requests (exit 2)', async () => {
    const publicKey = await jot(['dpop', '--key', at('client.public.jwk'), '--method', 'GET', '--url', URL_])
    assert.equal(publicKey.code, 1)
    assert.match(publicKey.stderr, /is a public key; DPoP proofs are signed with a private key/)
    const secret = await jot(['dpop', '--key', at('shared.secret.jwk'), '--method', 'GET', '--url', URL_])
    assert.equal(secret.code, 1)
    assert.match(secret.stderr, /is a secret key; DPoP proofs are signed with a private key/)
    const mac = await jot(['dpop', '--key', at('client.private.jwk'), '--alg', 'HS256', '--method', 'GET', '--url', URL_])
    assert.equal(mac.code, 1)
    assert.match(mac.stderr, /ERR_KEY_ALG_MISMATCH/)
    for (const args of [
      ['--method', 'GET', '--url', URL_],
      ['--key', at('client.private.jwk'), '--url', URL_],
      ['--key', at('client.private.jwk'), '--method', 'GET'],
      ['--key', at('client.private.jwk'), '--method', 'GET', '--url', '/orders'],
      ['--key', at('client.private.jwk'), '--method', 'G ET', '--url', URL_],
      ['--key', at('client.private.jwk'), '--method', 'GET', '--url', URL_, '--token', TOKEN, '--token-env', 'AT'],
      ['--key', at('client.private.jwk'), '--method', 'GET', '--url', URL_, '--alg', 'none'],
    ]) {
      const result = await jot(['dpop', ...args], { env: { AT: TOKEN } })
      assert.equal(result.code, 2, `${args.join(' ')}: ${result.stderr}`)
      assert.equal(result.stdout, '')
    }
  })
})
