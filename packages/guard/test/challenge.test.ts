// RFC 6750 §3 challenges: parameter order, quoting (RFC 9110 §5.6.4) and the error_description
// character set; realms that cannot be sent safely are refused at configuration.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { bearerChallenge, createGuard, errorResponse, InsufficientScopeError, InvalidTokenError, quotedString, UnauthorizedError } from 'jotjwt-guard'

test('quotedString escapes " and \\ as quoted-pairs', () => {
  assert.equal(quotedString('a "b" \\c'), '"a \\"b\\" \\\\c"')
  assert.equal(quotedString(''), '""')
})

test('a request without credentials gets no error code (RFC 6750 §3)', () => {
  assert.equal(bearerChallenge({ realm: 'example' }), 'Bearer realm="example"')
  const response = errorResponse(new UnauthorizedError('no access token'), { realm: 'example', verbosity: 'detailed', problemDetails: false })
  assert.equal(response.headers['www-authenticate'], 'Bearer realm="example"')
})

test('parameters come in the order realm, error, error_description, scope', () => {
  assert.equal(
    bearerChallenge({ realm: 'r', error: 'insufficient_scope', error_description: 'd', scope: 'a b' }),
    'Bearer realm="r", error="insufficient_scope", error_description="d", scope="a b"',
  )
})

test('error_description keeps to %x20-21 / %x23-5B / %x5D-7E: quotes and backslashes replaced, control characters dropped', () => {
  const value = bearerChallenge({ error: 'invalid_token', error_description: 'unexpected "aud"\r\nSet-Cookie: x=1 \\ é' })
  assert.equal(value, 'Bearer error="invalid_token", error_description="unexpected \'aud\'Set-Cookie: x=1 / "')
  assert.doesNotMatch(value, /[\r\n]/)
})

test('a realm with quotes is escaped; one with control characters or non-ASCII is refused', () => {
  const base = { issuer: 'https://as.example', jwksUri: 'https://as.example/jwks', audience: 'api', algorithms: ['ES256'] as const }
  const guard = createGuard({ ...base, realm: 'my "api"' })
  assert.equal(guard.errorResponse(new UnauthorizedError('x')).headers['www-authenticate'], 'Bearer realm="my \\"api\\""')
  assert.throws(() => createGuard({ ...base, realm: 'api\r\nX-Injected: 1' }), /realm must be printable ASCII/)
  assert.throws(() => createGuard({ ...base, realm: 'api\u00e9' }), /realm must be printable ASCII/)
})

test('verbosity: none drops error_description, detailed sends the reason, generic a fixed text', () => {
  const error = new InvalidTokenError('the access token is invalid', 'unexpected "aud"')
  const with_ = (verbosity: 'none' | 'generic' | 'detailed') => errorResponse(error, { realm: 'api', verbosity, problemDetails: false }).headers['www-authenticate']
  assert.equal(with_('none'), 'Bearer realm="api", error="invalid_token"')
  assert.equal(with_('generic'), 'Bearer realm="api", error="invalid_token", error_description="the access token is invalid"')
  assert.equal(with_('detailed'), 'Bearer realm="api", error="invalid_token", error_description="unexpected \'aud\'"')
})

test('problem details (RFC 9457): application/problem+json with status, title, detail and the OAuth error', () => {
  const response = errorResponse(new InsufficientScopeError('the access token lacks a required scope', 'missing scope b', { scope: 'a b' }), {
    realm: 'api',
    verbosity: 'generic',
    problemDetails: true,
  })
  assert.equal(response.status, 403)
  assert.equal(response.headers['content-type'], 'application/problem+json')
  assert.deepEqual(JSON.parse(response.body!), {
    type: 'about:blank',
    title: 'Forbidden',
    status: 403,
    detail: 'the access token lacks a required scope',
    error: 'insufficient_scope',
    scope: 'a b',
  })
})
