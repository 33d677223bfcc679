// The Infra scenario, runnable on one machine: jot's token service (`jotjwt serve` in dev mode, with
// its demo users alice (admins, developers) and bob (developers)) issues 2-minute access tokens with
// `groups` through the authorization code flow with PKCE; jot's reverse proxy from gateway.yaml lets
// admins POST /deploy and developers GET /logs, in front of an internal tool that prints who called.
//
//   node examples/gateway-infra/run.mjs          # checks the scenario, prints curl commands, runs until Ctrl-C
//   node examples/gateway-infra/run.mjs --once   # checks the scenario and exits (non-zero on a failure)
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { createServer } from 'node:http'
import { once } from 'node:events'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseConfig, startProxy } from 'jotjwt-gateway'
import { startService } from 'jotjwt-server'

const quiet = process.argv.includes('--once')

// --- the token service: dev mode (demo users with groups), short-lived access tokens ------------
const dataDir = mkdtempSync(join(tmpdir(), 'jot-infra-example-'))
const service = await startService({ dev: true, dataDir, listen: { host: '127.0.0.1', port: 0 }, log: { level: 'silent' }, tokens: { accessTokenTtl: '2m' } })
const { app, users } = service.demo

/** Logs `user` in through the service's login form (PKCE) and exchanges the code for an access token. */
async function accessTokenOf(user) {
  const cookies = new Map()
  const browse = async (url, init = {}) => {
    const response = await fetch(url, { ...init, redirect: 'manual', headers: { ...init.headers, cookie: [...cookies].map(([k, v]) => `${k}=${v}`).join('; ') } })
    for (const cookie of response.headers.getSetCookie()) {
      const [pair] = cookie.split(';')
      cookies.set(pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1))
    }
    return response
  }
  const page = await (await browse(app.authorizationUrl)).text()
  const unescape = (text) => text.replace(/&amp;/g, '&').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>')
  const action = unescape(/<form method="post" action="([^"]*)">/.exec(page)[1])
  const fields = [...page.matchAll(/<input ([^>]*)>/g)]
    .map((match) => Object.fromEntries([...match[1].matchAll(/([a-z-]+)(?:="([^"]*)")?/g)].map(([, name, value]) => [name, unescape(value ?? '')])))
    .filter((input) => input.name !== undefined)
    .map((input) => [input.name, input.name === 'username' ? user.username : input.name === 'password' ? user.password : (input.value ?? '')])
  const answer = await browse(new URL(action, service.url).href, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(fields).toString() })
  const code = new URL(answer.headers.get('location')).searchParams.get('code')
  const metadata = await (await fetch(`${service.issuer}/.well-known/openid-configuration`)).json()
  const exchanged = await fetch(metadata.token_endpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'authorization_code', client_id: app.clientId, code, redirect_uri: app.redirectUri, code_verifier: app.codeVerifier }),
  })
  return (await exchanged.json()).access_token
}

// --- the internal tool behind the proxy ------------------------------------------------------------
const tool = createServer((req, res) => res.end(`${req.method} ${req.url} by ${req.headers['x-user'] ?? '-'} (groups ${req.headers['x-groups'] ?? '-'})\n`))
tool.listen(0, '127.0.0.1')
await once(tool, 'listening')

// --- the proxy, from gateway.yaml with this machine's addresses ---------------------------------
const config = parseConfig(readFileSync(new URL('gateway.yaml', import.meta.url), 'utf8'))
config.listen = { host: '127.0.0.1', port: 0 }
config.proxy.admin = { host: '127.0.0.1', port: 0 }
config.providers.jot.issuer = service.issuer
config.providers.jot.audiences = [`${service.issuer}/api`]
config.providers.jot.allowHttp = true
config.proxy.upstreams.infra.url = `http://127.0.0.1:${tool.address().port}`
const proxy = await startProxy(config, quiet ? { logDestination: { write: () => undefined } } : {})

// --- the scenario ---------------------------------------------------------------------------------
const alice = await accessTokenOf(users.find((user) => user.username === 'alice'))
const bob = await accessTokenOf(users.find((user) => user.username === 'bob'))
const cases = [
  ['alice (admins) deploys', 'POST', '/deploy', alice, 200],
  ['bob (developers) may not deploy', 'POST', '/deploy', bob, 403],
  ['bob (developers) reads the logs', 'GET', '/logs', bob, 200],
  ['no token: 401', 'GET', '/logs', undefined, 401],
  ['an unlisted route: 403', 'GET', '/secrets', alice, 403],
]
let failures = 0
try {
  for (const [label, method, path, token, status] of cases) {
    const response = await fetch(`${proxy.url}${path}`, { method, headers: token ? { authorization: `Bearer ${token}` } : {} })
    const text = response.ok ? (await response.text()).trim() : (response.headers.get('www-authenticate') ?? '')
    const ok = response.status === status
    if (!ok) failures++
    console.log(`${ok ? 'ok  ' : 'FAIL'} ${label.padEnd(36)} ${response.status} ${text}`)
  }
  if (!quiet) {
    console.log(`\nThe proxy is on ${proxy.url}, the token service on ${service.url}. Tokens live 2 minutes; try:\n`)
    console.log(`  curl -X POST -H "Authorization: Bearer ${alice}" ${proxy.url}/deploy\n`)
    console.log(`  curl -H "Authorization: Bearer ${bob}" ${proxy.url}/logs\n`)
    console.log(`New tokens: log in at ${app.authorizationUrl}`)
    console.log(`  (${users.map((user) => `${user.username} / ${user.password}`).join(', ')})\nCtrl-C stops everything.`)
    await new Promise((resolve) => process.once('SIGINT', resolve))
  }
} finally {
  await proxy.close()
  tool.close()
  await service.close()
  rmSync(dataDir, { recursive: true, force: true })
}
process.exitCode = failures === 0 ? 0 : 1
