// Claim-based routing, runnable on one machine: a simulated identity provider (ES256 key, JWKS on
// loopback) signs tokens with an `email` claim, jot's reverse proxy from gateway.yaml verifies them
// and sends employees (…@example.com) to the canary build and everyone else to production. Both
// builds are small servers that say which one answered and who called.
//
//   node examples/gateway-canary/run.mjs          # checks the scenario, prints curl commands, runs until Ctrl-C
//   node examples/gateway-canary/run.mjs --once   # checks the scenario and exits (non-zero on a failure)
import { readFileSync } from 'node:fs'
import { createServer } from 'node:http'
import { once } from 'node:events'
import { exportJWK, generateKeyPair, signJWT } from 'jotjwt'
import { parseConfig, startProxy } from 'jotjwt-gateway'

const listen = async (server) => {
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  return `http://127.0.0.1:${server.address().port}`
}

// --- the identity provider -----------------------------------------------------------------------
const { privateKey, publicKey } = await generateKeyPair('ES256', { kid: 'idp-2026' })
const jwks = JSON.stringify({ keys: [{ ...(await exportJWK(publicKey)), kid: 'idp-2026', alg: 'ES256', use: 'sig' }] })
const idp = createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(jwks))
const idpUrl = await listen(idp)
const ISSUER = 'https://login.example.com'
const token = (sub, email) => signJWT({ sub, email }, privateKey, { issuer: ISSUER, audience: 'https://shop.example.com', expiresIn: '1h' })

// --- production and canary: each says who it is and who called ----------------------------------
const build = (name) => createServer((req, res) => res.end(`${name} build, user ${req.headers['x-user'] ?? '-'} <${req.headers['x-user-email'] ?? '-'}>\n`))
const production = build('production')
const canary = build('canary')
const upstreams = { production: await listen(production), canary: await listen(canary) }

// --- the proxy, from gateway.yaml with this machine's addresses ---------------------------------
const config = parseConfig(readFileSync(new URL('gateway.yaml', import.meta.url), 'utf8'))
config.listen = { host: '127.0.0.1', port: 0 }
config.proxy.admin = { host: '127.0.0.1', port: 0 }
config.providers.idp.jwks = { remote: { url: `${idpUrl}/.well-known/jwks.json` } }
config.providers.idp.allowHttp = true
config.proxy.upstreams.production.url = upstreams.production
config.proxy.upstreams.canary.url = upstreams.canary
const quiet = process.argv.includes('--once')
const proxy = await startProxy(config, quiet ? { logDestination: { write: () => undefined } } : {})

// --- the scenario ---------------------------------------------------------------------------------
const ada = await token('ada', 'ada@example.com')
const bob = await token('bob', 'bob@customer.example')
const cases = [
  ['an employee goes to the canary', ada, {}, 200, /^canary build, user ada <ada@example\.com>/],
  ['a customer goes to production', bob, {}, 200, /^production build, user bob <bob@customer\.example>/],
  ['a forged email header changes nothing', bob, { 'x-user-email': 'bob@example.com' }, 200, /^production build, user bob <bob@customer\.example>/],
  ['no token: 401', undefined, {}, 401, /^$/],
]
let failures = 0
try {
  for (const [label, bearer, headers, status, body] of cases) {
    const response = await fetch(`${proxy.url}/cart`, { headers: { ...headers, ...(bearer ? { authorization: `Bearer ${bearer}` } : {}) } })
    const text = await response.text()
    const ok = response.status === status && body.test(text)
    if (!ok) failures++
    console.log(`${ok ? 'ok  ' : 'FAIL'} ${label.padEnd(40)} ${response.status} ${text.trim()}`)
  }
  if (!quiet) {
    console.log(`\nThe proxy is on ${proxy.url} (metrics on ${proxy.adminUrl}/metrics). Try:\n`)
    console.log(`  curl -H "Authorization: Bearer ${ada}" ${proxy.url}/cart\n`)
    console.log(`  curl -H "Authorization: Bearer ${bob}" ${proxy.url}/cart\n`)
    console.log('Ctrl-C stops everything.')
    await new Promise((resolve) => process.once('SIGINT', resolve))
  }
} finally {
  await proxy.close()
  for (const server of [idp, production, canary]) server.close()
}
process.exitCode = failures === 0 ? 0 : 1
