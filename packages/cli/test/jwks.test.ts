import assert from 'node:assert/strict'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { jot, scratchDir } from './helpers.js'

const dir = scratchDir()
const at = (name: string) => join(dir.path, name)

/** A tiny issuer on 127.0.0.1: a JWK Set, an OpenID configuration, and a failing endpoint. */
let server: Server
let origin = ''
let jwks: unknown

before(async () => {
  assert.equal((await jot(['keygen', 'ES256', '--out', at('issuer')])).code, 0)
  assert.equal((await jot(['keygen', 'ES256', '--out', at('stranger')])).code, 0)
  const built = await jot(['jwks', at('issuer.public.jwk')])
  assert.equal(built.code, 0, built.stderr)
  jwks = JSON.parse(built.stdout)
  server = createServer((request, response) => {
    const json = (status: number, body: unknown) => {
      response.writeHead(status, { 'content-type': 'application/json' })
      response.end(JSON.stringify(body))
    }
    if (request.url === '/jwks.json') return json(200, jwks)
    if (request.url === '/garbage.json') {
      response.writeHead(200, { 'content-type': 'text/html' })
      return response.end('<html>maintenance</html>')
    }
    if (request.url === '/.well-known/openid-configuration') return json(200, { issuer: origin, jwks_uri: `${origin}/jwks.json` })
    return json(500, { error: 'down' })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})

after(() => {
  server.close()
  dir.remove()
})

/** A loopback URL nobody listens on: a port that was just free. */
async function closedURL(): Promise<string> {
  const probe = createServer()
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve))
  const { port } = probe.address() as AddressInfo
  await new Promise((resolve) => probe.close(resolve))
  return `http://127.0.0.1:${port}/jwks.json`
}

async function token(key = 'issuer', extra: string[] = []): Promise<string> {
  const signed = await jot(['sign', '--key', at(`${key}.private.jwk`), '--iss', origin, '--aud', 'api', '--exp', '5m', ...extra])
  assert.equal(signed.code, 0, signed.stderr)
  return signed.stdout.trim()
}

describe('jotjwt verify --jwks / --issuer against a JWK Set served on 127.0.0.1', () => {
  it('verifies with the JWKS URL (plain http is allowed for loopback only)', async () => {
    const { code, stdout, stderr } = await jot(['verify', '--jwks', `${origin}/jwks.json`, '--audience', 'api', await token()])
    assert.equal(code, 0, stderr)
    assert.match(stdout, new RegExp(`^Valid: signature verified \\(ES256, kid [\\w-]+\\) with ${origin}/jwks.json`))
  })

  it('finds the keys by OpenID discovery from --issuer alone, and checks iss', async () => {
    const { code, stdout, stderr } = await jot(['verify', '--issuer', origin, '--audience', 'api', await token()])
    assert.equal(code, 0, stderr)
    assert.match(stdout, /with http:\/\/127\.0\.0\.1:\d+\/jwks\.json; claims checked/)
  })

  it('rejects a token from a key the set does not hold: exit 1', async () => {
    const { code, stderr } = await jot(['verify', '--jwks', `${origin}/jwks.json`, '--audience', 'api', await token('stranger')])
    assert.equal(code, 1)
    assert.match(stderr, /^jotjwt verify: invalid: ERR_JWKS_NO_MATCHING_KEY/)
  })

  it('an unreachable or failing JWKS is exit 3, never "invalid"', async () => {
    const valid = await token()
    const closed = await jot(['verify', '--jwks', await closedURL(), '--audience', 'api', valid])
    assert.equal(closed.code, 3)
    assert.match(closed.stderr, /^jotjwt verify: error: ERR_JWKS_FETCH_FAILED: .*ECONNREFUSED/)
    const failing = await jot(['verify', '--jwks', `${origin}/broken`, '--audience', 'api', valid])
    assert.equal(failing.code, 3)
    assert.match(failing.stderr, /ERR_JWKS_FETCH_FAILED/)
    const json = await jot(['verify', '--json', '--jwks', `${origin}/broken`, '--audience', 'api', valid])
    assert.equal(json.code, 3)
    const { message, ...failure } = JSON.parse(json.stdout)
    assert.deepEqual([failure, typeof message], [{ valid: false, error: 'ERR_JWKS_FETCH_FAILED' }, 'string'])
  })

  it('refuses plain http to other hosts unless --allow-http: exit 2', async () => {
    const { code, stderr } = await jot(['verify', '--jwks', 'http://jwks.example/jwks.json', await token()])
    assert.equal(code, 2)
    assert.match(stderr, /must use https:.*pass --allow-http/)
  })
})

describe('jotjwt jwks', () => {
  it('builds a set of public keys from key files, each with its thumbprint kid', async () => {
    const { code, stdout } = await jot(['jwks', at('issuer.private.jwk'), at('stranger.public.jwk')])
    assert.equal(code, 0)
    const set = JSON.parse(stdout)
    assert.equal(set.keys.length, 2)
    assert.ok(set.keys.every((jwk: Record<string, unknown>) => jwk.d === undefined && typeof jwk.kid === 'string'))
    assert.equal(set.keys[0].kid, JSON.parse(readFileSync(at('issuer.public.jwk'), 'utf8')).kid)
  })

  it('fetches and shows a remote set (JSON on stdout, a key table on stderr)', async () => {
    const { code, stdout, stderr } = await jot(['jwks', `${origin}/jwks.json`])
    assert.equal(code, 0)
    assert.deepEqual(JSON.parse(stdout), jwks)
    assert.match(stderr, /kid\s+kty\s+crv\s+alg\s+use\n[\w-]+\s+EC\s+P-256\s+ES256\s+sig/)
  })

  it('shows an issuer\'s discovery document and its keys', async () => {
    const { code, stdout } = await jot(['jwks', '--json', '--issuer', origin])
    assert.equal(code, 0)
    const { configuration, jwks: keys } = JSON.parse(stdout)
    assert.equal(configuration.jwks_uri, `${origin}/jwks.json`)
    assert.deepEqual(keys, jwks)
  })

  it('fails clearly: unreachable URL (3), secret key file (1), missing file (3), nothing to do (2)', async () => {
    assert.equal((await jot(['jwks', await closedURL()])).code, 3)
    assert.equal((await jot(['keygen', 'HS256', '--out', at('shared')])).code, 0)
    const secret = await jot(['jwks', at('shared.secret.jwk')])
    assert.equal(secret.code, 1)
    assert.match(secret.stderr, /secrets are never published/)
    assert.equal((await jot(['jwks', at('nope.pem')])).code, 3)
    assert.equal((await jot(['jwks'])).code, 2)
  })
})

describe('jotjwt verify against a key source that serves garbage', () => {
  it('exits 3 (unavailable), not 1: a broken JWKS says nothing about the token', async () => {
    const token = (await jot(['sign', '--key', at('issuer.private.jwk'), '--sub', 'u', '--exp', '5m'])).stdout.trim()
    const result = await jot(['verify', '--jwks', `${origin}/garbage.json`, token])
    assert.equal(result.code, 3, result.stderr)
    assert.match(result.stderr, /ERR_JWKS_INVALID/)
  })
})
