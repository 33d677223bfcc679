// Runs a Hono app with the guard through app.fetch alone (Fetch API Request → Response, as on edge
// runtimes), with whatever crypto build the process's conditions select; prints what it saw as JSON.
import { Hono } from 'hono'
import { cryptoBackend, exportJWK, generateKeyPair, signJWT } from 'jotjwt'
import { auth, requiredScopes } from 'jotjwt-guard/hono'

const { privateKey, publicKey } = await generateKeyPair('ES256', { kid: 'edge-key' })
const jwk = { ...(await exportJWK(publicKey)), kid: 'edge-key', alg: 'ES256' }
const issuer = 'https://as.example'
const audience = 'https://api.example'
const app = new Hono()
  .use('*', auth({ issuer, jwks: { keys: [jwk] }, audience, algorithms: ['ES256'], profile: 'rfc9068' }))
  .get('/orders', requiredScopes('orders:read'), (c) => c.json({ client: c.get('auth').claims.client_id }))
const mint = (claims) => signJWT({ sub: 'c', client_id: 'c', jti: crypto.randomUUID(), ...claims }, privateKey, { issuer, audience, expiresIn: 60, typ: 'at+jwt' })
const call = async (token) => {
  const response = await app.fetch(new Request('https://api.example/orders', token ? { headers: { authorization: `Bearer ${token}` } } : {}))
  return { status: response.status, challenge: response.headers.get('www-authenticate'), body: await response.text() }
}
process.stdout.write(
  JSON.stringify({
    backend: cryptoBackend,
    valid: await call(await mint({ scope: 'orders:read' })),
    missingScope: await call(await mint({ scope: 'orders:write' })),
    none: await call(undefined),
  }),
)
