// Authorization rules with express-oauth2-jwt-bearer's names: scopes (scope, scp, scopes or a custom
// claim), claim equality and inclusion on nested paths, custom checks.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { claimCheck, claimEquals, claimIncludes, InsufficientScopeError, InvalidTokenError, requiredScopes, scopeIncludesAny, type AuthorizationRule } from 'jotjwt-guard'

const context = { customScopeKey: undefined }
const run = (rule: AuthorizationRule, claims: Record<string, unknown>, ctx: { customScopeKey: string | undefined } = context) => rule(claims, ctx)

test('requiredScopes needs every scope; the refusal names them all in scope=', () => {
  assert.equal(run(requiredScopes('a b'), { scope: 'b a c' }), undefined)
  const refusal = run(requiredScopes(['a', 'b']), { scope: 'a' })
  assert.ok(refusal instanceof InsufficientScopeError)
  assert.equal(refusal.scope, 'a b')
  assert.equal(refusal.detail, 'missing scope b')
})

test('scopeIncludesAny needs one', () => {
  assert.equal(run(scopeIncludesAny('a b'), { scp: ['b'] }), undefined)
  assert.ok(run(scopeIncludesAny('a b'), { scope: 'c' }) instanceof InsufficientScopeError)
})

test('scopes are matched as whole tokens, never as substrings', () => {
  assert.ok(run(requiredScopes('admin'), { scope: 'administrator' }) instanceof InsufficientScopeError)
  assert.ok(run(requiredScopes('read'), { scope: 'orders:read' }) instanceof InsufficientScopeError)
})

test('customScopeKey: per rule, or the guard default; arrays and strings', () => {
  assert.equal(run(requiredScopes('x', { customScopeKey: 'permissions' }), { permissions: ['x'] }), undefined)
  assert.equal(run(requiredScopes('x'), { permissions: 'x y' }, { customScopeKey: 'permissions' }), undefined)
  assert.ok(run(requiredScopes('x'), { scope: 'x' }, { customScopeKey: 'permissions' }) instanceof InsufficientScopeError)
  assert.ok(run(requiredScopes('x', { customScopeKey: '/a/b' }), { a: { b: 7 } }) instanceof InvalidTokenError)
})

test('scope tokens outside RFC 6749 §3.3 are refused when the rule is made (they would break the challenge)', () => {
  assert.throws(() => requiredScopes('a"b'), TypeError)
  assert.throws(() => requiredScopes(''), TypeError)
  assert.throws(() => requiredScopes(['a\\b']), TypeError)
})

test('claim paths: a plain name is one claim (dots included); a JSON Pointer goes into nested claims', () => {
  const claims = { 'https://example.com/roles': ['admin'], org: { id: 'acme', 'a/b': { '~c': true } }, list: [{ v: 1 }] }
  assert.equal(run(claimIncludes('https://example.com/roles', 'admin'), claims), undefined)
  assert.equal(run(claimEquals('/org/id', 'acme'), claims), undefined)
  assert.equal(run(claimEquals('/org/a~1b/~0c', true), claims), undefined)
  assert.equal(run(claimEquals(['org', 'id'], 'acme'), claims), undefined)
  assert.equal(run(claimEquals('/list/0/v', 1), claims), undefined)
  assert.ok(run(claimEquals('org.id', 'acme'), claims) instanceof InsufficientScopeError)
})

test('paths never follow the prototype chain', () => {
  assert.ok(run(claimEquals('/constructor/name', 'Object'), {}) instanceof InsufficientScopeError)
  assert.ok(run(claimCheck((c) => c.__proto__ === undefined), JSON.parse('{"__proto__": {"x": 1}}')) instanceof InsufficientScopeError)
})

test('claimEquals is strict; claimIncludes needs every value; refusals are 403 without scope=', () => {
  assert.ok(run(claimEquals('n', 1), { n: '1' }) instanceof InsufficientScopeError)
  assert.equal(run(claimIncludes('roles', 'a', 'b'), { roles: 'b a' }), undefined)
  const refusal = run(claimIncludes('roles', 'a', 'c'), { roles: ['a', 'b'] })
  assert.ok(refusal instanceof InsufficientScopeError)
  assert.equal(refusal.scope, undefined)
  assert.equal(refusal.status, 403)
})

test('claimCheck: false or a throw refuses', () => {
  assert.equal(run(claimCheck((c) => c.tier === 'gold'), { tier: 'gold' }), undefined)
  assert.ok(run(claimCheck(() => { throw new Error('x') }), {}) instanceof InsufficientScopeError)
  assert.throws(() => claimCheck('x' as never), TypeError)
})
