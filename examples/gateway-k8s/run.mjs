// The Kubernetes service-account scenario, runnable on one machine: a simulated cluster issuer signs
// projected service-account tokens (RS256, `kubernetes.io` claims), the gateway from gateway.yaml
// checks them with RBAC on the namespace, and Debian's nginx (`auth_request`) sits in front of an
// upstream that prints what it receives. Needs nginx (packages/gateway/scripts/install-proxies.sh).
// Exits non-zero if any outcome differs from the expected one.
import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { exportJWK, generateKeyPair, signJWT } from 'jotjwt'
import { nginxServer, parseConfig, startGateway } from 'jotjwt-gateway'

const listen = (server) => new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server.address().port)))

// --- the cluster's issuer: a key pair and its /openid/v1/jwks --------------------------------
const { privateKey, publicKey } = await generateKeyPair('RS256', { kid: 'cluster-key-1' })
const jwks = { keys: [await exportJWK(publicKey)] }
const issuerServer = createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(jwks)))
const issuerPort = await listen(issuerServer)

const ISSUER = 'https://kubernetes.default.svc.cluster.local'
function serviceAccountToken(namespace, name, audience = 'orders') {
  return signJWT(
    { sub: `system:serviceaccount:${namespace}:${name}`, 'kubernetes.io': { namespace, serviceaccount: { name, uid: crypto.randomUUID() } } },
    privateKey,
    { issuer: ISSUER, audience, expiresIn: '10m' },
  )
}

// --- the gateway, from gateway.yaml with the simulated issuer's JWKS --------------------------
const config = parseConfig(readFileSync(new URL('gateway.yaml', import.meta.url), 'utf8'))
config.listen = { host: '127.0.0.1', port: 0 }
config.providers.cluster.jwks = { remote: { url: `http://127.0.0.1:${issuerPort}/jwks.json` } }
config.providers.cluster.allowHttp = true
const gateway = await startGateway(config)

// --- the upstream: echoes the identity headers it receives -----------------------------------
const upstream = createServer((req, res) =>
  res.end(`namespace=${req.headers['x-k8s-namespace'] ?? '-'} serviceaccount=${req.headers['x-k8s-serviceaccount'] ?? '-'}`),
)
const upstreamPort = await listen(upstream)

// --- nginx in front, configured with the gateway's snippet ------------------------------------
const dir = mkdtempSync(join(tmpdir(), 'jot-k8s-example-'))
const probe = createServer()
const nginxPort = await listen(probe) // a free port for nginx, released at once
await new Promise((resolve) => probe.close(resolve))
const temp = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((name) => `  ${name}_temp_path ${dir}/${name};`).join('\n')
const snippet = nginxServer({ gateway: gateway.url.replace('http://', ''), upstream: `127.0.0.1:${upstreamPort}`, headers: gateway.gateway.managedHeaders })
writeFileSync(
  join(dir, 'nginx.conf'),
  `daemon off;\nmaster_process off;\npid ${dir}/nginx.pid;\nerror_log ${dir}/error.log warn;\nevents {}\nhttp {\n  access_log off;\n${temp}\n  server {\n    listen 127.0.0.1:${nginxPort};\n${snippet}  }\n}\n`,
)
const nginx = spawn('nginx', ['-p', dir, '-c', join(dir, 'nginx.conf'), '-e', join(dir, 'error.log')], { stdio: 'inherit' })
await sleep(500)

// --- the scenario ----------------------------------------------------------------------------
const cases = [
  ['GET /healthz, no token', 'GET', '/healthz', undefined, 200],
  ['GET /orders, billing/reporter', 'GET', '/orders', await serviceAccountToken('billing', 'reporter'), 200],
  ['POST /orders, billing/reporter', 'POST', '/orders', await serviceAccountToken('billing', 'reporter'), 403],
  ['POST /orders, orders/writer', 'POST', '/orders', await serviceAccountToken('orders', 'writer'), 200],
  ['GET /orders, kube-system/default', 'GET', '/orders', await serviceAccountToken('kube-system', 'default'), 403],
  ['GET /orders, token for another audience', 'GET', '/orders', await serviceAccountToken('billing', 'reporter', 'vault'), 401],
  ['GET /orders, no token', 'GET', '/orders', undefined, 401],
]
let failures = 0
try {
  for (const [label, method, path, token, expected] of cases) {
    const headers = { 'x-k8s-namespace': 'orders' } // a spoofed header: never reaches the upstream
    if (token) headers.authorization = `Bearer ${token}`
    const response = await fetch(`http://127.0.0.1:${nginxPort}${path}`, { method, headers })
    const detail = response.ok ? await response.text() : (response.headers.get('www-authenticate') ?? '')
    const ok = response.status === expected
    if (!ok) failures++
    console.log(`${ok ? 'ok  ' : 'FAIL'} ${label.padEnd(40)} ${response.status}  ${detail}`)
  }
} finally {
  nginx.kill('SIGTERM')
  await gateway.close()
  issuerServer.close()
  upstream.close()
  await sleep(100)
  rmSync(dir, { recursive: true, force: true })
}
process.exitCode = failures === 0 ? 0 : 1
