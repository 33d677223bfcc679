// RFC 7638 §3.1 thumbprint, RFC 9278 thumbprint URI, and the SHA-384/512 variants.
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { describe, test } from 'node:test'
import { importJWK, jwkThumbprint, jwkThumbprintUri, type JWK } from 'jotjwt'
import { loadVectors } from './vectors.js'

const [vector] = loadVectors<{ vectors: Array<{ jwk: JWK; canonicalJson: string; thumbprint: string }> }>('rfc7638.json').vectors as [
  { jwk: JWK; canonicalJson: string; thumbprint: string },
]

describe('RFC 7638 §3.1', () => {
  test('the SHA-256 thumbprint of the example RSA key, from the JWK and from an imported key', async () => {
    assert.equal(await jwkThumbprint(vector.jwk), vector.thumbprint)
    assert.equal(await jwkThumbprint(await importJWK(vector.jwk, { alg: 'RS256' })), vector.thumbprint)
  })

  test('SHA-384 and SHA-512 thumbprints hash the same canonical JSON', async () => {
    for (const hash of ['sha384', 'sha512'] as const) {
      const expected = createHash(hash).update(vector.canonicalJson).digest('base64url')
      assert.equal(await jwkThumbprint(vector.jwk, hash), expected)
    }
  })

  test('RFC 9278 thumbprint URI', async () => {
    assert.equal(await jwkThumbprintUri(vector.jwk), `urn:ietf:params:oauth:jwk-thumbprint:sha-256:${vector.thumbprint}`)
  })

  test('members outside the required set do not change the thumbprint', async () => {
    assert.equal(await jwkThumbprint({ ...vector.jwk, kid: 'other', use: 'sig', x5t: 'abc' }), vector.thumbprint)
  })
})
