// node-oidc-provider in its own process, configured as jot is: ES256 JWT access tokens (resource
// indicators with `accessTokenFormat: 'jwt'`), client_credentials, client_secret_basic, rotating
// refresh tokens. `node app-oidc.mjs <config.json>`; prints `<port> <control port>` once listening.
// Adapter: its built-in in-memory one (the library ships no SQL adapter). The control listener (not
// timed) hands out fresh refresh tokens (GET /seed?n=32): each a grant and a refresh token created
// through the provider's own models, as its authorization code grant would after a login.
import { generateKeyPairSync } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { createServer } from 'node:http'
import Provider from 'oidc-provider'

const [configFile] = process.argv.slice(2)
const bench = JSON.parse(readFileSync(configFile, 'utf8'))
const server = createServer()
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
const issuer = `http://127.0.0.1:${server.address().port}`
const signingKey = { ...generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'jwk' }), kid: 'bench-key', alg: 'ES256', use: 'sig' }

const provider = new Provider(issuer, {
  clients: [
    {
      client_id: bench.clientId,
      client_secret: bench.clientSecret,
      token_endpoint_auth_method: 'client_secret_basic',
      id_token_signed_response_alg: 'ES256',
      grant_types: ['client_credentials', 'authorization_code', 'refresh_token'],
      redirect_uris: [bench.redirectUri],
      response_types: ['code'],
    },
  ],
  jwks: { keys: [signingKey] },
  scopes: ['openid', 'offline_access', bench.scope],
  findAccount: (_ctx, sub) => ({ accountId: sub, claims: () => ({ sub }) }),
  // Each use of a refresh token answers a successor and spends it, as jot does.
  rotateRefreshToken: true,
  features: {
    devInteractions: { enabled: false },
    clientCredentials: { enabled: true },
    resourceIndicators: {
      enabled: true,
      defaultResource: () => bench.audience,
      useGrantedResource: () => true,
      getResourceServerInfo: () => ({ scope: bench.scope, audience: bench.audience, accessTokenTTL: 600, accessTokenFormat: 'jwt', jwt: { sign: { alg: 'ES256' } } }),
    },
  },
})
server.on('request', provider.callback())

/** A grant as a login would leave it, and the first refresh token of its family. */
async function refreshToken() {
  const client = await provider.Client.find(bench.clientId)
  const grant = new provider.Grant({ accountId: bench.username, clientId: bench.clientId })
  grant.addOIDCScope('offline_access')
  grant.addResourceScope(bench.audience, bench.scope)
  const grantId = await grant.save()
  const token = new provider.RefreshToken({
    accountId: bench.username,
    client,
    grantId,
    gty: 'authorization_code',
    scope: `offline_access ${bench.scope}`,
    resource: bench.audience,
    resourceIndicators: new Set([bench.audience]),
    authTime: Math.floor(Date.now() / 1000),
  })
  return token.save()
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
process.stdout.write(`${server.address().port} ${control.address().port}\n`)
