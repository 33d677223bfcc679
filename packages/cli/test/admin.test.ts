// `jotjwt admin` against a stand-in admin API (node:http): the requests it makes (method, path with
// ids encoded, JSON body, bearer token), usage errors before any request, and how answers the CLI
// cannot act on are reported. The command against the real service runs in the server's suite
// (packages/server/test/admin-cli.test.ts).
import assert from 'node:assert/strict'
import { createServer, type IncomingMessage, type Server } from 'node:http'
import { after, before, describe, it } from 'node:test'
import { jot } from './helpers.js'

interface Seen {
  method: string
  url: string
  authorization: string | undefined
  contentType: string | undefined
  body: string
}

describe('jotjwt admin (stand-in API)', () => {
  let server: Server
  let url: string
  const seen: Seen[] = []
  /** What the stand-in answers next: status, headers, body. */
  let next: { status: number; headers?: Record<string, string>; body?: unknown } = { status: 200, body: {} }

  before(async () => {
    server = createServer(async (request: IncomingMessage, response) => {
      let body = ''
      for await (const chunk of request) body += chunk
      seen.push({ method: request.method!, url: request.url!, authorization: request.headers.authorization, contentType: request.headers['content-type'], body })
      response.writeHead(next.status, { 'content-type': 'application/json', ...next.headers })
      response.end(next.body === undefined ? '' : JSON.stringify(next.body))
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    url = `http://127.0.0.1:${(server.address() as { port: number }).port}`
  })
  after(() => server.close())

  const env = () => ({ JOTJWT_ADMIN_URL: url, JOTJWT_ADMIN_TOKEN: 'admin-token' })

  it('turns flags into one request: method, path (ids encoded), JSON body, bearer token', async () => {
    next = { status: 201, body: { client: { clientId: 'a/b' }, clientSecret: 'the-secret' } }
    const created = await jot(['admin', 'clients', 'create', 'a/b', '--scope', 'x y', '--scope', 'z', '--resource', 'https://api.example', '--grant-type', 'client_credentials', '--name', 'A B'], { env: env() })
    assert.deepEqual([created.code, created.stdout], [0, 'the-secret\n'], created.stderr)
    assert.deepEqual(seen.at(-1), {
      method: 'POST',
      url: '/admin/clients',
      authorization: 'Bearer admin-token',
      contentType: 'application/json',
      body: JSON.stringify({ clientId: 'a/b', name: 'A B', grantTypes: ['client_credentials'], scopes: ['x', 'y', 'z'], resources: ['https://api.example'] }),
    })
    next = { status: 204 }
    assert.equal((await jot(['admin', 'clients', 'delete', 'a/b'], { env: env() })).stdout, 'deleted client a/b\n')
    assert.deepEqual([seen.at(-1)!.method, seen.at(-1)!.url, seen.at(-1)!.body], ['DELETE', '/admin/clients/a%2Fb', ''])
    next = { status: 200, body: { keys: [] } }
    await jot(['admin', 'keys', 'rotate', '--alg', 'ES256', '--url', `${url}/`], { env: env() })
    assert.deepEqual([seen.at(-1)!.url, seen.at(-1)!.body], ['/admin/keys/rotate', '{"alg":"ES256"}'])
    // A kid may start with "-": after --, it is the ID, not an option.
    next = { status: 200, body: { key: { kid: '-Xb3', alg: 'ES256', state: 'retired', createdAt: 0, activateAt: 0 } } }
    const revoked = await jot(['admin', 'keys', 'revoke', '--', '-Xb3'], { env: env() })
    assert.equal(revoked.code, 0, revoked.stderr)
    assert.deepEqual([seen.at(-1)!.method, seen.at(-1)!.url], ['POST', '/admin/keys/-Xb3/revoke'])
  })

  it('usage errors before any request: what to manage, the action, the URL, the token, stray flags', async () => {
    const before = seen.length
    const cases: Array<[string[], Record<string, string>, string]> = [
      [['admin'], env(), 'name what to manage: clients, users, keys, trust, audit'],
      [['admin', 'clients', 'frobnicate'], env(), 'clients takes list, get, create, update, rotate-secret, delete'],
      [['admin', 'clients', 'list'], { JOTJWT_ADMIN_TOKEN: 't' }, 'pass --url URL (the token service) or set JOTJWT_ADMIN_URL'],
      [['admin', 'clients', 'list', '--url', 'not a url', '--token', 't'], {}, '--url is not a URL: "not a url"'],
      [['admin', 'clients', 'update', 'x'], env(), 'say what to change (--scope, --resource, --grant-type, …)'],
      [['admin', 'clients', 'get'], env(), 'name the client'],
      [['admin', 'users', 'list', '--issuer', 'x'], env(), 'users list does not take --issuer'],
      [['admin', 'keys', 'rotate', '--alg', 'ES256', '--alg', 'RS256'], env(), 'keys rotate takes one --alg (without it, every algorithm rotates)'],
      [['admin', 'trust', 'add', '--issuer', 'i', '--any-subject', '--scope', 's', '--alg', 'ES256'], env(), 'pass one of --jwks-uri URL, --jwks FILE and --jwk FILE'],
    ]
    for (const [args, variables, message] of cases) {
      const run = await jot(args, { env: variables })
      assert.deepEqual([run.code, run.stderr.split('\n')[0]], [2, `jotjwt admin: error: ${message}`], args.join(' '))
    }
    assert.equal(seen.length, before)
  })

  it('answers it cannot act on: a redirect (never followed with the token), a 5xx with Retry-After (exit 3), a body that is no JSON', async () => {
    next = { status: 302, headers: { location: 'http://127.0.0.1:1/elsewhere' } }
    const redirected = await jot(['admin', 'keys', 'list'], { env: env() })
    assert.equal(redirected.code, 3)
    assert.match(redirected.stderr, /cannot reach the admin API at http:\/\/127\.0\.0\.1:\d+\/admin\/keys: /)
    next = { status: 503, headers: { 'retry-after': '5' }, body: { error: 'temporarily_unavailable', error_description: 'the service cannot reach its storage; retry later' } }
    const unavailable = await jot(['admin', 'keys', 'list'], { env: env() })
    assert.deepEqual([unavailable.code, unavailable.stderr], [3, 'jotjwt admin: error: temporarily_unavailable: the service cannot reach its storage; retry later (HTTP 503, retry after 5 s)\n'])
    next = { status: 404, body: undefined }
    const bare = await jot(['admin', 'clients', 'get', 'x'], { env: env() })
    assert.deepEqual([bare.code, bare.stderr], [1, 'jotjwt admin: error: the admin API answered without an error code (HTTP 404)\n'])
  })

  it('--help shows every subcommand with examples', async () => {
    const help = await jot(['admin', '--help'])
    assert.equal(help.code, 0)
    for (const line of ['clients list | get ID | create ID', 'users   list | create USERNAME', 'keys    list | rotate [--alg ALG] | retire KID | revoke KID', 'trust   list | add --issuer ISS', 'audit   list [--limit N]']) {
      assert.ok(help.stdout.includes(line), line)
    }
    assert.match((await jot(['--help'])).stdout, /^ {2}admin +manage a running token service/m)
  })
})
