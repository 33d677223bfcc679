// jot's token service in its own process: `node app-jot.mjs <sqlite|postgres> <config.json>`.
// Prints `<port> <control port>` once listening. The control listener (not timed) hands out fresh
// refresh tokens: GET /seed?n=32 runs the authorization code flow with PKCE through the login form
// (as a person and their browser would) n times and answers the refresh tokens as a JSON array.
import { createHash, randomBytes } from 'node:crypto'
import { mkdtempSync, readFileSync } from 'node:fs'
import { createServer } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startService } from 'jotjwt-server'

const [storeType, configFile] = process.argv.slice(2)
const bench = JSON.parse(readFileSync(configFile, 'utf8'))
const dataDir = mkdtempSync(join(tmpdir(), 'jotjwt-server-bench-'))
const store = storeType === 'postgres' ? { type: 'postgres', url: bench.postgresUrl, schema: `jotjwt_bench_${randomBytes(4).toString('hex')}` } : { type: 'sqlite' }
const service = await startService({
  dev: true,
  dataDir,
  store,
  listen: { host: '127.0.0.1', port: 0 },
  log: { level: 'silent' },
  debugger: { enabled: false },
  rateLimit: { tokenRequestsPerClient: 0 },
  clients: [
    {
      clientId: bench.clientId,
      clientSecret: bench.clientSecret,
      authMethod: 'client_secret_basic',
      grantTypes: ['client_credentials', 'authorization_code', 'refresh_token'],
      redirectUris: [bench.redirectUri],
      scopes: [bench.scope],
      resources: [bench.audience],
      refreshToken: { graceWindow: 0 },
    },
    { clientId: bench.resourceServerId, clientSecret: bench.resourceServerSecret, scopes: [], resources: [bench.audience] },
  ],
  users: [{ username: bench.username, password: bench.password }],
})

const basic = `Basic ${Buffer.from(`${bench.clientId}:${bench.clientSecret}`).toString('base64')}`
const cookiesOf = (response) => response.headers.getSetCookie().map((cookie) => cookie.split(';')[0]).join('; ')
const unescape = (text) => text.replace(/&(amp|lt|gt|quot|#39|#96);/g, (_, name) => ({ amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'", '#96': '`' })[name])

/** One login through the form, the code redeemed: the first refresh token of a new family. */
async function refreshToken() {
  const verifier = randomBytes(32).toString('base64url')
  const url = new URL(`${service.issuer}/authorize`)
  const params = { response_type: 'code', client_id: bench.clientId, redirect_uri: bench.redirectUri, scope: `${bench.scope} offline_access`, resource: bench.audience, code_challenge: createHash('sha256').update(verifier).digest('base64url'), code_challenge_method: 'S256' }
  for (const [name, value] of Object.entries(params)) url.searchParams.set(name, value)
  const page = await fetch(url, { redirect: 'manual' })
  const html = await page.text()
  const action = unescape(/<form method="post" action="([^"]*)">/.exec(html)?.[1] ?? '')
  const fields = [...html.matchAll(/<input ([^>]*)>/g)].map((match) => Object.fromEntries([...match[1].matchAll(/([a-z-]+)(?:="([^"]*)")?/g)].map(([, name, value]) => [name, unescape(value ?? '')])))
  const form = new URLSearchParams(fields.filter((field) => field.name).map((field) => [field.name, field.name === 'username' ? bench.username : field.name === 'password' ? bench.password : (field.value ?? '')]))
  const login = await fetch(new URL(action, service.issuer), { method: 'POST', redirect: 'manual', headers: { cookie: cookiesOf(page), 'content-type': 'application/x-www-form-urlencoded' }, body: form })
  const code = new URL(login.headers.get('location') ?? 'x:').searchParams.get('code')
  if (!code) throw new Error(`login failed: ${login.status} ${await login.text()}`)
  const answer = await fetch(`${service.issuer}/token`, { method: 'POST', headers: { authorization: basic }, body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: bench.redirectUri, code_verifier: verifier }) })
  const body = await answer.json()
  if (!body.refresh_token) throw new Error(`no refresh token: ${JSON.stringify(body)}`)
  return body.refresh_token
}

const control = createServer(async (req, res) => {
  try {
    const n = Number(new URL(req.url, 'http://x').searchParams.get('n') ?? 1)
    const tokens = []
    for (let i = 0; i < n; i++) tokens.push(await refreshToken())
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(tokens))
  } catch (error) {
    res.writeHead(500).end(String(error.stack))
  }
})
await new Promise((resolve) => control.listen(0, '127.0.0.1', resolve))
process.stdout.write(`${new URL(service.url).port} ${control.address().port}\n`)
process.on('SIGTERM', async () => {
  control.close()
  await service.close()
  process.exit(0)
})
