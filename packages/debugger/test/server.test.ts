// The built package's static-file server: only the page's own files, GET and HEAD only, and the
// headers that keep the page private and apart on every response.
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { request } from 'node:http'
import { after, before, describe, test } from 'node:test'
import { CONTENT_SECURITY_POLICY, createDebuggerServer, PUBLIC_DIR, type DebuggerServer } from 'jotjwt-debugger'

let server: DebuggerServer

/** A raw request, so paths reach the server exactly as written (fetch would normalize `..`). */
function send(method: string, path: string): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  const { hostname, port } = new URL(server.url)
  return new Promise((resolve, reject) => {
    const outgoing = request({ host: hostname, port, method, path }, (response) => {
      let body = ''
      response.setEncoding('utf8')
      response.on('data', (chunk: string) => (body += chunk))
      response.on('end', () => resolve({ status: response.statusCode!, headers: response.headers, body }))
    })
    outgoing.on('error', reject)
    outgoing.end()
  })
}

before(async () => {
  server = await createDebuggerServer()
})
after(() => server.close())

describe('the debugger page server', () => {
  test('listens on 127.0.0.1 by default, on a port of its own', () => {
    assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+\/$/)
  })

  test('serves the page and its three files with their types', async () => {
    const expected: Record<string, RegExp> = { '/': /^text\/html/, '/app.js': /^text\/javascript/, '/style.css': /^text\/css/, '/favicon.svg': /^image\/svg\+xml/ }
    for (const [path, type] of Object.entries(expected)) {
      const response = await send('GET', path)
      assert.equal(response.status, 200, path)
      assert.match(String(response.headers['content-type']), type, path)
    }
    const index = await send('GET', '/?ignored=query')
    assert.equal(index.body, readFileSync(`${PUBLIC_DIR}/index.html`, 'utf8'))
  })

  test('every response, errors included, carries the policy that keeps the page private', async () => {
    for (const [method, path] of [['GET', '/'], ['GET', '/missing'], ['POST', '/'], ['HEAD', '/app.js']]) {
      const { headers } = await send(method!, path!)
      assert.equal(headers['content-security-policy'], CONTENT_SECURITY_POLICY, `${method} ${path}`)
      assert.equal(headers['referrer-policy'], 'no-referrer')
      assert.equal(headers['x-content-type-options'], 'nosniff')
      assert.equal(headers['x-frame-options'], 'DENY')
      assert.equal(headers['cross-origin-opener-policy'], 'same-origin')
    }
    const directives = new Map(CONTENT_SECURITY_POLICY.split('; ').map((directive) => [directive.split(' ')[0], directive]))
    assert.equal(directives.get('default-src'), "default-src 'none'")
    assert.equal(directives.get('script-src'), "script-src 'self'")
    assert.equal(directives.get('style-src'), "style-src 'self'")
    assert.equal(directives.get('connect-src'), 'connect-src https: http://127.0.0.1:* http://localhost:*')
    assert.equal(directives.get('frame-ancestors'), "frame-ancestors 'none'")
    assert.equal(directives.get('base-uri'), "base-uri 'none'")
    assert.equal(directives.get('form-action'), "form-action 'none'")
    assert.equal(directives.get('require-trusted-types-for'), "require-trusted-types-for 'script'")
  })

  test('the built page carries the same policy (without frame-ancestors, which a meta element cannot set), and nothing inline or remote', async () => {
    const html = (await send('GET', '/')).body
    const meta = /<meta http-equiv="Content-Security-Policy" content="([^"]+)">/.exec(html)
    assert.ok(meta, 'a CSP meta element')
    assert.equal(meta[1], CONTENT_SECURITY_POLICY.split('; ').filter((directive) => !directive.startsWith('frame-ancestors')).join('; '))
    assert.doesNotMatch(html, /<script(?![^>]*\bsrc=)/, 'no inline script')
    assert.doesNotMatch(html, /<style|\sstyle=/, 'no inline style')
    assert.doesNotMatch(html, /(src|href)="(https?:)?\/\//, 'no remote asset')
    const app = (await send('GET', '/app.js')).body
    assert.doesNotMatch(app, /\b(innerHTML|outerHTML|insertAdjacentHTML|document\.write)\b/, 'no HTML sink in the bundle')
  })

  test('only the built files exist: other paths, traversal and encodings are 404', async () => {
    for (const path of ['/index.html/..', '/../package.json', '/%2e%2e/package.json', '/..%2fpackage.json', '/server/server.js', '//etc/passwd', '/app.js/', '/APP.JS']) {
      assert.equal((await send('GET', path)).status, 404, path)
    }
  })

  test('GET and HEAD only', async () => {
    const head = await send('HEAD', '/app.js')
    assert.equal(head.status, 200)
    assert.equal(head.body, '')
    assert.ok(Number(head.headers['content-length']) > 1000)
    for (const method of ['POST', 'PUT', 'DELETE', 'OPTIONS']) {
      const response = await send(method, '/')
      assert.equal(response.status, 405, method)
      assert.equal(response.headers.allow, 'GET, HEAD')
    }
  })

  test('an unbuilt directory is refused at start with what to do', async () => {
    await assert.rejects(createDebuggerServer({ root: '/nonexistent-debugger-build' }), /not built .*npm run build/)
  })
})
