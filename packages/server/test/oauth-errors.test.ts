import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { OAuthError } from '../src/oauth/errors.js'

describe('OAuthError', () => {
  it('keeps error_description within the characters RFC 6749 §5.2 allows', () => {
    const error = new OAuthError('invalid_client', 'the "aud" claim\\ is wrong: ü\n')
    assert.equal(error.description, 'the ?aud? claim? is wrong: ??')
    assert.deepEqual(error.body(), { error: 'invalid_client', error_description: 'the ?aud? claim? is wrong: ??' })
    assert.equal(new OAuthError('invalid_scope', 'scope read, write; (x) ok!').description, 'scope read, write; (x) ok!')
  })
})
