// The reverse proxy's configuration: routes name existing upstreams, every rule has somewhere to
// send an allowed request, routes need the proxy section; problems named by path, all at once.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { validateConfig } from 'jotjwt-gateway'
import { problems } from './helpers/gateway.js'

const provider = { issuer: 'https://as.example', jwks: { local: { jwks: { keys: [] } } }, audiences: ['api'], algorithms: ['ES256'] }

test('a proxy configuration with routes, weights and a default upstream is valid', () => {
  const config = validateConfig({
    providers: { idp: { ...provider, forwardToken: true } },
    rules: [{ requires: { provider: 'idp' }, route: [{ when: [{ path: 'email', op: 'suffix', value: '@example.com' }], upstream: 'canary' }, { weighted: [{ upstream: 'stable', weight: 9 }, { upstream: 'canary', weight: 1 }] }] }],
    proxy: { upstreams: { stable: { url: 'http://127.0.0.1:3000' }, canary: { url: 'https://canary.internal' } } },
  })
  assert.deepEqual(Object.keys(config.proxy!.upstreams), ['stable', 'canary'])
})

test('unknown upstreams, rules with nowhere to go, routes without a proxy, bad upstream URLs', () => {
  assert.deepEqual(
    problems({
      providers: { idp: provider },
      rules: [{ requires: 'none', route: [{ when: [{ path: 'sub', op: 'equals', value: 'x' }], upstream: 'nowhere' }] }, { requires: 'none' }],
      proxy: { upstreams: { app: { url: 'http://127.0.0.1:3000' } }, defaultUpstream: 'missing' },
    }),
    ['proxy.defaultUpstream: no upstream named "missing"', 'rules.0.route.0: no upstream named "nowhere"'],
  )
  assert.deepEqual(problems({ providers: {}, rules: [{ requires: 'none' }], proxy: { upstreams: { app: { url: 'http://127.0.0.1:3000' } } } }), [
    'rules.0.route: no route without "when" and no proxy.defaultUpstream: some allowed requests would have no upstream',
  ])
  assert.deepEqual(problems({ providers: {}, rules: [{ requires: 'none', route: [{ upstream: 'app' }] }] }), ['rules.0.route: routes need the proxy section (forward-auth does not choose upstreams)'])
  const paths = problems({ providers: {}, rules: [{ requires: 'none', route: [{ upstream: 'a', weighted: [{ upstream: 'a', weight: 1 }] }] }], proxy: { upstreams: { a: { url: 'http://h/path' } }, defaultUpstream: 'a' } })
  assert.deepEqual(paths.map((problem) => problem.split(':')[0]).sort(), ['proxy.upstreams.a.url', 'rules.0.route.0'])
})

test('preserveHost: fine for http and named https upstreams; an IP-literal https upstream has nothing to name it by in TLS', () => {
  const config = (url: string) => ({ providers: {}, rules: [{ requires: 'none' }], proxy: { upstreams: { app: { url, preserveHost: true } }, defaultUpstream: 'app' } })
  assert.equal(validateConfig(config('http://127.0.0.1:3000')).proxy?.upstreams.app?.preserveHost, true)
  assert.equal(validateConfig(config('https://app.internal')).proxy?.upstreams.app?.preserveHost, true)
  assert.deepEqual(problems(config('https://10.0.0.7:8443')), ['proxy.upstreams.app.preserveHost: preserveHost with an https upstream needs a host name, not an IP address (TLS names the upstream by it)'])
  assert.deepEqual(problems(config('https://[::1]:8443')).length, 1)
})
